-- Seeding is resumable: a run records what it was asked for; an athlete is recorded in
-- seed_athletes only once all its rows and its plan are written, so a seed killed half-way
-- is recognised (run without completed_at) and its unfinished athletes are redone.
CREATE TABLE seed_runs (
    run_id        INTEGER PRIMARY KEY,
    seed          INTEGER NOT NULL,
    athletes      INTEGER NOT NULL,
    weeks         INTEGER NOT NULL,
    as_of         DATE NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    completed_at  TIMESTAMP
);

CREATE TABLE seed_athletes (
    run_id      INTEGER NOT NULL,
    athlete_id  INTEGER NOT NULL,
    PRIMARY KEY (run_id, athlete_id)
);
