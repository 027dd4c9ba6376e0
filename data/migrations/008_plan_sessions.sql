-- 008 plan blocks for every sport: besides strength work ('single', 'circuit') a block may be a
-- run, ride, swim or yoga session with a duration (minutes), a distance (metres) and a target
-- (zone, pace, power or RPE). DuckDB cannot alter a CHECK constraint, so the table is rebuilt;
-- existing rows keep their values (new columns NULL), so every stored plan hash still holds.

CREATE TABLE plan_blocks_008 (
    athlete_id   INTEGER NOT NULL,
    block_id     VARCHAR NOT NULL,
    day_id       VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN ('single', 'circuit', 'run', 'ride', 'swim', 'yoga')),
    exercise     VARCHAR NOT NULL,                 -- exercise name, the circuit's name, or the session's name
    sets         INTEGER,                          -- sets, or rounds for a circuit; NULL for sessions
    reps         VARCHAR,                          -- '8', '8-10', 'AMRAP'; NULL for circuits and sessions
    weight       VARCHAR,                          -- '225lbs', '100kg', 'BW'; NULL for circuits and sessions
    rest_s       INTEGER,
    notes        VARCHAR,
    duration_min INTEGER,                          -- sessions only
    distance_m   INTEGER,                          -- sessions only
    target       VARCHAR,                          -- sessions only: 'Z2', '4:30/km', '1:45/100m', '220W', 'RPE7'
    PRIMARY KEY (athlete_id, block_id)
);
INSERT INTO plan_blocks_008 BY NAME SELECT * FROM plan_blocks;
DROP TABLE plan_blocks;
ALTER TABLE plan_blocks_008 RENAME TO plan_blocks;
