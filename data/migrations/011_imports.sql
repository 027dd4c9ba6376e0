-- 011 imports: real athletes and the files they bring. An athlete gets settings: a time zone (imported
-- start times are stored as local time there, like the demo's) and a maximum heart rate (the
-- HR-zone minutes of imported records are split at the demo's fractions of it). Activities may be
-- 'other' (a walk, a hike, rowing...) and carry what device files give beyond the demo's columns.
-- DuckDB cannot alter a CHECK constraint, so `activities` is rebuilt; existing rows keep their
-- values (new columns NULL). `import_files` remembers every file imported, by the SHA-256 of its
-- uncompressed bytes, so the same file is recognised when it comes again.

-- A table of its own rather than new `athletes` columns, so a positional INSERT INTO athletes still fits.
-- An athlete without a row here (every demo athlete) imports as UTC with a maximum HR of 190.
CREATE TABLE athlete_settings (
    athlete_id   INTEGER PRIMARY KEY,
    time_zone    VARCHAR NOT NULL,                  -- IANA name, e.g. 'Europe/Ljubljana'
    max_hr       INTEGER NOT NULL                   -- bpm: top of zone 5
);

CREATE TABLE activities_011 (
    activity_id        BIGINT PRIMARY KEY,
    athlete_id         INTEGER NOT NULL,
    type               VARCHAR NOT NULL CHECK (type IN ('strength', 'run', 'ride', 'swim', 'yoga', 'multi', 'other')),
    start_time         TIMESTAMP NOT NULL,          -- athlete local time
    duration_min       DOUBLE NOT NULL,
    title              VARCHAR,
    rpe                DOUBLE,
    avg_hr             INTEGER,
    distance_m         DOUBLE,
    elevation_gain_m   DOUBLE,
    route_name         VARCHAR,
    z1_min             DOUBLE,
    z2_min             DOUBLE,
    z3_min             DOUBLE,
    z4_min             DOUBLE,
    z5_min             DOUBLE,
    normalized_power_w INTEGER,
    strokes_per_min    INTEGER,
    swolf              INTEGER,
    pool_length_m      DOUBLE,
    volume_kg          DOUBLE,
    muscle_groups      VARCHAR[],
    yoga_style         VARCHAR,
    focus_areas        VARCHAR[],
    parent_id          BIGINT,
    leg_order          INTEGER,
    transition_before_min DOUBLE,
    notes              VARCHAR,
    max_hr             INTEGER,                      -- imported: session maximum HR
    avg_power_w        INTEGER,                      -- imported: session average power
    max_power_w        INTEGER,                      -- imported: session maximum power
    moving_min         DOUBLE,                       -- imported: time moving
    elapsed_min        DOUBLE,                       -- imported: first to last record, pauses included
    source_sport       VARCHAR,                      -- imported: the file's own sport words, e.g. 'walking/generic'
    import_id          BIGINT                        -- imported: the import_files row it came from
);
INSERT INTO activities_011 BY NAME SELECT * FROM activities;
DROP TABLE activities;
ALTER TABLE activities_011 RENAME TO activities;
CREATE INDEX activities_athlete_time ON activities (athlete_id, start_time);

CREATE TABLE import_files (
    import_id    BIGINT PRIMARY KEY,
    athlete_id   INTEGER NOT NULL,
    file_hash    VARCHAR NOT NULL,                   -- SHA-256 hex of the uncompressed bytes
    file_name    VARCHAR NOT NULL,                   -- as given (display only)
    format       VARCHAR NOT NULL,                   -- fit, gpx, tcx, health_csv, strava_csv
    activities   INTEGER NOT NULL,                   -- rows it added (legs and parents count one each)
    imported_at  TIMESTAMP NOT NULL,                 -- UTC
    UNIQUE (athlete_id, file_hash)
);
