-- 002 plan versions: the plan head (current hash + version) per athlete, the
-- never-reused ID counters, every version with its change set and full snapshot,
-- and backups taken before a legacy migration. Written only by core.plan.apply_ops.

-- The compare-and-swap point of the one write path: a write succeeds only if
-- plan_hash still equals the base hash the caller read.
CREATE TABLE plan_heads (
    athlete_id   INTEGER PRIMARY KEY,
    plan_hash    VARCHAR NOT NULL,                 -- SHA-256 hex of the canonical plan
    version      INTEGER NOT NULL,
    updated_at   TIMESTAMP NOT NULL
);

-- Next free number for b_N / m_N. Only ever increases, so an ID is never
-- reused for this athlete, even after the element is deleted.
CREATE TABLE plan_id_counters (
    athlete_id   INTEGER PRIMARY KEY,
    next_block   INTEGER NOT NULL,
    next_member  INTEGER NOT NULL
);

CREATE TABLE plan_versions (
    athlete_id    INTEGER NOT NULL,
    version       INTEGER NOT NULL,                -- 1, 2, 3 ... per athlete
    plan_hash     VARCHAR NOT NULL,
    parent_hash   VARCHAR,                         -- hash of the version it was based on
    created_at    TIMESTAMP NOT NULL,
    author        VARCHAR NOT NULL CHECK (author IN ('coach', 'ai', 'migration', 'import', 'revert')),
    changes_json  VARCHAR NOT NULL,                -- the applied ops and what each changed
    snapshot_json VARCHAR NOT NULL,                -- the full canonical plan of this version
    PRIMARY KEY (athlete_id, version)
);

CREATE INDEX plan_versions_hash ON plan_versions (athlete_id, plan_hash);

CREATE SEQUENCE plan_backup_seq START 1;
CREATE TABLE plan_backups (
    backup_id     BIGINT PRIMARY KEY DEFAULT nextval('plan_backup_seq'),
    athlete_id    INTEGER NOT NULL,
    taken_at      TIMESTAMP NOT NULL,
    reason        VARCHAR NOT NULL,
    plan_json     VARCHAR NOT NULL,                -- the plan tables' rows before the change
    source_json   VARCHAR                          -- e.g. the legacy rows being migrated
);
