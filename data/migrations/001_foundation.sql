-- 001 foundation: athletes, recurring weekly plan, periodized program, activities,
-- daily health / nutrition / body composition, interaction log.
-- Units: distances in metres, durations in minutes, body weight in kg; logged set
-- weights are in the athlete's own units (athletes.units) because that is what
-- the athlete typed and what the notation prints.

CREATE TABLE athletes (
    athlete_id   INTEGER PRIMARY KEY,
    handle       VARCHAR NOT NULL UNIQUE,          -- short slug used by the CLI: 'maya'
    name         VARCHAR NOT NULL,
    profile      VARCHAR NOT NULL,                 -- lifter_cut, triathlete, hybrid, yoga_cyclist, control
    phase        VARCHAR NOT NULL CHECK (phase IN ('CUT', 'BULK', 'MAINTAIN', 'BASE', 'BUILD', 'PEAK', 'RECOVERY')),
    units        VARCHAR NOT NULL CHECK (units IN ('lbs', 'kg')),
    sports       VARCHAR[] NOT NULL,
    as_of        DATE NOT NULL                     -- "today" for this athlete's data
);

-- Recurring weekly plan. IDs are stable: day_1..day_7 (Monday = 1), b_N, m_N.
CREATE TABLE plan_days (
    athlete_id   INTEGER NOT NULL,
    day_id       VARCHAR NOT NULL,
    weekday      SMALLINT NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    focus        VARCHAR,
    PRIMARY KEY (athlete_id, day_id)
);

CREATE TABLE plan_blocks (
    athlete_id   INTEGER NOT NULL,
    block_id     VARCHAR NOT NULL,
    day_id       VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    kind         VARCHAR NOT NULL CHECK (kind IN ('single', 'circuit')),
    exercise     VARCHAR NOT NULL,                 -- exercise name, or the circuit's name
    sets         INTEGER,                          -- sets, or rounds for a circuit
    reps         VARCHAR,                          -- '8', '8-10', 'AMRAP'; NULL for circuits
    weight       VARCHAR,                          -- '225lbs', '100kg', 'BW'; NULL for circuits
    rest_s       INTEGER,
    notes        VARCHAR,
    PRIMARY KEY (athlete_id, block_id)
);

CREATE TABLE plan_members (
    athlete_id   INTEGER NOT NULL,
    member_id    VARCHAR NOT NULL,
    block_id     VARCHAR NOT NULL,
    position     INTEGER NOT NULL,
    exercise     VARCHAR NOT NULL,
    reps         VARCHAR,
    weight       VARCHAR,
    notes        VARCHAR,
    PRIMARY KEY (athlete_id, member_id)
);

-- Periodized program: weeks -> sessions -> exercises -> logged sets.
CREATE TABLE program_weeks (
    athlete_id   INTEGER NOT NULL,
    week_number  INTEGER NOT NULL,
    phase        VARCHAR NOT NULL,
    start_date   DATE NOT NULL,
    end_date     DATE NOT NULL,
    description  VARCHAR,
    PRIMARY KEY (athlete_id, week_number)
);

CREATE TABLE program_sessions (
    athlete_id     INTEGER NOT NULL,
    session_id     VARCHAR NOT NULL,               -- 'week-1-session-1'
    week_number    INTEGER NOT NULL,
    session_number INTEGER NOT NULL,
    name           VARCHAR NOT NULL,
    scheduled_date DATE,
    started_at     TIMESTAMP,
    completed_at   TIMESTAMP,
    duration_min   INTEGER,
    notes          VARCHAR,
    skipped        BOOLEAN NOT NULL DEFAULT false,
    activity_id    BIGINT,                         -- the strength activity it produced, if any
    PRIMARY KEY (athlete_id, session_id)
);

CREATE TABLE program_exercises (
    athlete_id      INTEGER NOT NULL,
    session_id      VARCHAR NOT NULL,
    exercise_number INTEGER NOT NULL,
    name            VARCHAR NOT NULL,
    movement_group  VARCHAR,                       -- 'Horizontal Push'
    target_sets     INTEGER NOT NULL,
    target_reps     VARCHAR NOT NULL,              -- '8-10'
    target_load     VARCHAR,                       -- '225lbs', '100kg', 'BW'
    coach_notes     VARCHAR,
    athlete_notes   VARCHAR,
    skipped         BOOLEAN NOT NULL DEFAULT false,
    PRIMARY KEY (athlete_id, session_id, exercise_number)
);

CREATE TABLE logged_sets (
    athlete_id      INTEGER NOT NULL,
    session_id      VARCHAR NOT NULL,
    exercise_number INTEGER NOT NULL,
    set_number      INTEGER NOT NULL,
    reps            INTEGER NOT NULL,
    weight          DOUBLE,                        -- athlete units; NULL = bodyweight
    rir             INTEGER,
    notes           VARCHAR,
    PRIMARY KEY (athlete_id, session_id, exercise_number, set_number)
);

-- Activities of every type. One wide table: type-specific columns are NULL
-- elsewhere. Legs of a multi-activity (brick) point at their parent.
CREATE TABLE activities (
    activity_id        BIGINT PRIMARY KEY,
    athlete_id         INTEGER NOT NULL,
    type               VARCHAR NOT NULL CHECK (type IN ('strength', 'run', 'ride', 'swim', 'yoga', 'multi')),
    start_time         TIMESTAMP NOT NULL,          -- athlete local time
    duration_min       DOUBLE NOT NULL,
    title              VARCHAR,                      -- 'Legs', 'Tempo run', route-free label
    rpe                DOUBLE,                       -- session RPE 1-10
    avg_hr             INTEGER,
    distance_m         DOUBLE,                       -- run, ride, swim
    elevation_gain_m   DOUBLE,                       -- run, ride
    route_name         VARCHAR,                      -- run, ride (optional)
    z1_min             DOUBLE,
    z2_min             DOUBLE,
    z3_min             DOUBLE,
    z4_min             DOUBLE,
    z5_min             DOUBLE,
    normalized_power_w INTEGER,                      -- ride
    strokes_per_min    INTEGER,                      -- swim
    swolf              INTEGER,                      -- swim
    pool_length_m      DOUBLE,                       -- swim
    volume_kg          DOUBLE,                       -- strength: sum(reps x weight) in kg
    muscle_groups      VARCHAR[],                    -- strength
    yoga_style         VARCHAR,                      -- yoga
    focus_areas        VARCHAR[],                    -- yoga
    parent_id          BIGINT,                       -- multi: the brick this leg belongs to
    leg_order          INTEGER,                      -- multi: 1, 2, 3 ...
    transition_before_min DOUBLE,                    -- multi: T1, T2 ... before this leg
    notes              VARCHAR
);

CREATE TABLE strength_exercises (
    activity_id  BIGINT NOT NULL,
    position     INTEGER NOT NULL,
    name         VARCHAR NOT NULL,
    sets         INTEGER NOT NULL,
    reps         INTEGER NOT NULL,                  -- reps of the top set
    weight       DOUBLE,                            -- top-set weight, athlete units; NULL = BW
    is_pr        BOOLEAN NOT NULL DEFAULT false,    -- estimated 1RM above every earlier one
    PRIMARY KEY (activity_id, position)
);

CREATE TABLE swim_laps (
    activity_id  BIGINT NOT NULL,
    stroke       VARCHAR NOT NULL CHECK (stroke IN ('free', 'back', 'breast', 'fly', 'im', 'kick')),
    laps         INTEGER NOT NULL,
    PRIMARY KEY (activity_id, stroke)
);

-- One row per athlete and day. Sleep is the night that ENDS on the morning of
-- `day` (so evening activity on day D shows in sleep of day D + 1).
CREATE TABLE daily_health (
    athlete_id      INTEGER NOT NULL,
    day             DATE NOT NULL,
    sleep_hours     DOUBLE,
    deep_sleep_pct  DOUBLE,                          -- share of sleep in deep stage, 0-100
    hrv_ms          DOUBLE,                          -- overnight RMSSD
    resting_hr      INTEGER,
    PRIMARY KEY (athlete_id, day)
);

CREATE TABLE nutrition (
    athlete_id  INTEGER NOT NULL,
    day         DATE NOT NULL,
    calories    INTEGER,
    protein_g   INTEGER,
    PRIMARY KEY (athlete_id, day)
);

CREATE TABLE body_comp (
    athlete_id    INTEGER NOT NULL,
    day           DATE NOT NULL,
    weight_kg     DOUBLE,
    body_fat_pct  DOUBLE,
    PRIMARY KEY (athlete_id, day)
);

-- Every model interaction: what plan the model saw and what it cost.
CREATE SEQUENCE interaction_seq START 1;
CREATE TABLE interactions (
    interaction_id    BIGINT PRIMARY KEY DEFAULT nextval('interaction_seq'),
    athlete_id        INTEGER NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    plan_hash         VARCHAR,                       -- plan hash the model was shown
    user_message      VARCHAR,
    encoding          VARCHAR NOT NULL DEFAULT 'o200k_base',
    tier1_tokens      INTEGER,
    tier2_tokens      INTEGER,
    tier3_tokens      INTEGER,                       -- tool results fed back to the model
    plan_tokens       INTEGER,                       -- plan / delta context
    model             VARCHAR,
    prompt_tokens     INTEGER,                       -- as reported by the model's usage
    completion_tokens INTEGER
);

CREATE INDEX activities_athlete_time ON activities (athlete_id, start_time);
