"""Everything the pattern families read about one athlete, queried once per analysis.

Profiling showed the families re-reading the same snapshots four times per athlete; one
`AthleteData` now feeds all of them, and each family only filters it to its window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from core.analytics.load import daily_snapshots
from core.db.analytics import daily_sport_volume, run_observations, session_efforts, strength_top_sets
from core.db.athletes import find_athlete

LEG_WINDOW_HOURS = 36.0
EVENING_FROM_HOUR = 17
SESSION_COLUMNS = ["activity_id", "start_time", "day", "type", "duration_min", "rpe"]


@dataclass(frozen=True, eq=False)
class AthleteData:
    """One athlete's full history as the families need it (windows only ever trim it)."""

    athlete_id: int
    as_of: date
    snapshots: pd.DataFrame  # daily_snapshots, full history
    runs: pd.DataFrame  # run_observations
    sets: pd.DataFrame  # strength_top_sets
    volume: pd.DataFrame  # daily_sport_volume
    sessions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SESSION_COLUMNS))  # session_efforts


def load_athlete_data(con: duckdb.DuckDBPyConnection, athlete_id: int) -> AthleteData:
    """Query everything once: snapshots, runs with the leg-day flag, strength top sets, daily sport volume, and
    every session's RPE."""
    snaps = daily_snapshots(con, [athlete_id], with_workouts=False).drop(columns=["workouts"])
    volume = daily_sport_volume(con, athlete_id, EVENING_FROM_HOUR)
    volume["day"] = pd.to_datetime(volume.day)
    runs = run_observations(con, athlete_id, LEG_WINDOW_HOURS)
    sets = strength_top_sets(con, athlete_id)
    sessions = session_efforts(con, athlete_id)
    # A session uploaded twice (watch and phone) is one session: a copy would count as an independent observation.
    return AthleteData(
        athlete_id=athlete_id,
        as_of=find_athlete(con, athlete_id).as_of,
        snapshots=snaps,
        runs=runs[~runs.duplicated(["start_time", "duration_min", "distance_m", "avg_hr"])].reset_index(drop=True),
        sets=sets[~sets.duplicated(["start_time", "title", "position", "name"])].reset_index(drop=True),
        volume=volume,
        sessions=sessions[~sessions.duplicated(["start_time", "type", "duration_min"])].reset_index(drop=True),
    )


def since_filter(frame: pd.DataFrame, since: date | None, column: str = "day") -> pd.DataFrame:
    """Rows on or after `since` (all rows when None), as a fresh frame."""
    if since is None or frame.empty:
        return frame.reset_index(drop=True).copy()
    return frame[pd.to_datetime(frame[column]) >= pd.Timestamp(since)].reset_index(drop=True)


def day_text(value: object) -> str:
    """ISO date of a timestamp-like value."""
    return str(pd.Timestamp(value).date())


def days_since_start(days: pd.Series) -> np.ndarray:
    """Days since the first value, as floats (a time covariate for trends)."""
    stamps = pd.to_datetime(days)
    return np.asarray((stamps - stamps.min()).dt.days.to_numpy(float))


def weekday_dummies(days: pd.Series) -> np.ndarray:
    """Six 0/1 columns for Tuesday..Sunday (Monday is the baseline): weekday rhythm as covariates."""
    weekday = pd.to_datetime(days).dt.day_of_week.to_numpy()
    return np.asarray((weekday[:, None] == np.arange(1, 7)[None, :]).astype(float))


def mean_by(codes: np.ndarray, values: np.ndarray, groups: int) -> np.ndarray:
    """Mean of the finite values per group code 0..groups-1 (NaN where a group has none), like pandas' groupby
    mean but as two bincounts: the families build their tables on every Patterns page view."""
    known = np.isfinite(values)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.bincount(codes, np.where(known, values, 0.0), groups) / np.bincount(codes, known, groups)


def day_numbers(days: pd.Series | pd.Index) -> np.ndarray:
    """Days since 1970-01-01 as integers: the rows' positions in time for AR(1) whitening across gaps."""
    return np.asarray(pd.to_datetime(days).to_numpy().astype("datetime64[D]").astype(np.int64))
