-- 005 materialized pattern findings: computing every family takes a few hundred milliseconds per
-- athlete, far too slow for each chat message, so the last result is stored with the data version it
-- was computed from (a fingerprint of the athlete's rows and the analysis version). A reader whose
-- fingerprint still matches gets it in milliseconds; otherwise it recomputes and replaces it.

CREATE TABLE pattern_runs (
    athlete_id    INTEGER PRIMARY KEY,
    data_version  VARCHAR NOT NULL,                -- analysis version + fingerprint of the athlete's rows
    computed_at   TIMESTAMP NOT NULL,              -- UTC
    tests         INTEGER NOT NULL,                -- hypotheses tested (the Benjamini-Hochberg denominator)
    families_json VARCHAR NOT NULL                 -- [{"family", "testable", "note"}]
);

CREATE TABLE pattern_findings (
    athlete_id    INTEGER NOT NULL,
    rank          INTEGER NOT NULL,                -- 1 = strongest (smallest q, then largest |effect|)
    family        VARCHAR NOT NULL,
    key           VARCHAR NOT NULL,
    headline      VARCHAR NOT NULL,
    effect        DOUBLE NOT NULL,
    q_value       DOUBLE NOT NULL,
    finding_json  VARCHAR NOT NULL,                -- Finding.to_dict()
    PRIMARY KEY (athlete_id, rank)
);
