"""Daily snapshots, training load and the acute:chronic ratio, fitness / fatigue / form.

Load is session-RPE (Foster): duration in minutes × RPE (1-10) per top-level workout, summed per
day, in arbitrary units (AU); it works for every sport because every workout logs both. The 0-100
`training_load` is that day's load as a share of the athlete's hardest day on record (a linear
rescale, so every ratio below is the same on either scale).

Acute:chronic ratio, three ways (all NULL until 28 days of history exist):
- coupled: mean load of the last 7 days / mean of the last 28 (the 7 days are inside the 28);
- uncoupled: last 7 days / days 8-28 (Windt & Gabbett 2018: no shared days, no spurious coupling);
- EWMA: exponentially weighted averages with λ = 2/(N+1), N = 7 and 28 (Williams et al. 2017),
  EWMA_t = λ·load_t + (1-λ)·EWMA_{t-1}, both seeded with the mean load of the first 28 days (started
  from 0 the chronic average lags and the ratio reads ~16% high on day 27).
Fitness (CTL), fatigue (ATL) and form follow GoldenCheetah's PMC (src/Metrics/PMCData.cpp):
X_t = X_{t-1} + (load_t - X_{t-1})·(1 - e^{-1/τ}), τ = 42 and 7 days by default, from 0;
form_t = fitness_{t-1} - fatigue_{t-1} (yesterday's, GoldenCheetah's and TrainingPeaks' default: the
freshness you bring into today), or the same day's with form_today=True.
A day whose load is unknown (a workout without RPE) leaves every recursive state unchanged that day
rather than counting as a rest day.

The snapshot frame is one SQL query for any number of athletes (calendar, joins, rolling
windows). The recursive columns (EWMA ratio, fitness, fatigue) are computed afterwards in numpy,
vectorized over all athletes at once (one pass over day positions), because a recursive CTE in
SQL re-scans the table once per day.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.signal import lfilter

from core.db.analytics import daily_snapshot_frame
from core.db.athletes import find_athlete
from core.errors import CoachError

HIGH_ACR = 1.3
LOW_ACR = 0.8
ACR_VARIANTS = ("coupled", "uncoupled", "ewma")
DEFAULT_ACR_VARIANT = "coupled"  # the one every page, Tier 1 and the alerts show unless a reader picks another
ACUTE_DAYS = 7
CHRONIC_DAYS = 28
FITNESS_DAYS = 42.0
FATIGUE_DAYS = 7.0


class AnalyticsError(CoachError):
    """Bad analytics parameters (window lengths, variant names)."""


def acr_status(acr: float | None) -> str:
    """HIGH above 1.3, LOW below 0.8, OPTIMAL between; UNKNOWN without 28 days of history."""
    if acr is None or (isinstance(acr, float) and math.isnan(acr)):
        return "UNKNOWN"
    if acr > HIGH_ACR:
        return "HIGH"
    if acr < LOW_ACR:
        return "LOW"
    return "OPTIMAL"


def ewma_lambda(days: float) -> float:
    """Williams et al. (2017) decay for an N-day EWMA: λ = 2 / (N + 1)."""
    return 2.0 / (days + 1.0)


def pmc_decay(time_constant: float) -> float:
    """GoldenCheetah / intervals.icu step for a time constant τ: 1 - e^(-1/τ)."""
    return 1.0 - math.exp(-1.0 / time_constant)


def exponential_average(values: np.ndarray, alpha: float, *, start: np.ndarray | None = None) -> np.ndarray:
    """x_t = x_{t-1} + alpha·(v_t - x_{t-1}) from `start` (default 0), along the last axis of a 2-D
    (series × day) array. NaN (unknown) cells hold the state.

    Rows may be padded at the end; padded cells are ignored because later days never feed earlier ones.
    """
    values = np.atleast_2d(np.asarray(values, dtype=float))
    state = np.zeros(values.shape[0]) if start is None else np.asarray(start, dtype=float).copy()
    if not np.isnan(values).any():  # the usual case: one C-speed linear filter instead of a loop over days
        filtered: np.ndarray = lfilter([alpha], [1.0, alpha - 1.0], values, axis=1, zi=((1 - alpha) * state)[:, None])[
            0
        ]
        return filtered
    out = np.empty_like(values)
    for t in range(values.shape[1]):
        column = values[:, t]
        state = np.where(np.isnan(column), state, state + alpha * (column - state))
        out[:, t] = state
    return out


def add_recursive_columns(
    frame: pd.DataFrame,
    acute_days: int,
    chronic_days: int,
    fitness_days: float,
    fatigue_days: float,
    *,
    form_today: bool = False,
) -> pd.DataFrame:
    """Add acr_ewma, fitness, fatigue, form to a snapshot frame sorted by (athlete_id, day)."""
    if frame.empty:
        for col in ("acute_ewma", "chronic_ewma", "acr_ewma", "fitness", "fatigue", "form"):
            frame[col] = pd.Series(dtype=float)
        return frame
    ids = frame.athlete_id.to_numpy()
    pos = frame.day_index.to_numpy().astype(int)
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    row_of = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(ids)]))
    grid = np.zeros((len(starts), int(pos.max()) + 1))  # padding after a short history stays 0: never read back
    grid[row_of, pos] = frame.load.to_numpy(dtype=float, na_value=np.nan)
    first = frame[frame.day_index < chronic_days].groupby(row_of[frame.day_index.to_numpy() < chronic_days]).load
    seed = np.nan_to_num(first.mean().reindex(range(len(starts))).to_numpy(float, na_value=np.nan))
    series = {
        "acute_ewma": exponential_average(grid, ewma_lambda(acute_days), start=seed),
        "chronic_ewma": exponential_average(grid, ewma_lambda(chronic_days), start=seed),
        "fitness": exponential_average(grid, pmc_decay(fitness_days)),
        "fatigue": exponential_average(grid, pmc_decay(fatigue_days)),
    }
    for name, values in series.items():
        frame[name] = values[row_of, pos]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = frame.acute_ewma / frame.chronic_ewma.where(frame.chronic_ewma > 0)
    frame["acr_ewma"] = ratio.where(frame.day_index >= chronic_days - 1)
    balance = frame.fitness - frame.fatigue
    frame["form"] = balance if form_today else balance.groupby(frame.athlete_id).shift(1).fillna(0.0)
    return frame


def daily_snapshots(
    con: duckdb.DuckDBPyConnection,
    athlete_ids: list[int] | None = None,
    *,
    days: int | None = None,
    acute_days: int = ACUTE_DAYS,
    chronic_days: int = CHRONIC_DAYS,
    fitness_days: float = FITNESS_DAYS,
    fatigue_days: float = FATIGUE_DAYS,
    form_today: bool = False,
    with_workouts: bool = True,
) -> pd.DataFrame:
    """Daily snapshots for the given athletes (None = everyone), optionally only the last `days` days.

    Columns: athlete_id, day, day_index, workouts (list of structs), n_workouts, load (AU; NaN =
    unknown: a workout without RPE), flagged_workouts (zero-minute activities left out),
    training_load (0-100), load_7d_avg (0-100), acute_load, chronic_load, acr_coupled,
    acr_uncoupled, acr_ewma, sleep_hours, deep_sleep_pct, hrv_ms, resting_hr, calories,
    protein_g, fitness, fatigue, form (AU; yesterday's fitness - fatigue unless form_today).
    Windows always use the full history.
    """
    if not 1 <= acute_days < chronic_days:
        raise AnalyticsError(f"acute_days={acute_days}, chronic_days={chronic_days}: expected 1 <= acute < chronic")
    if fitness_days <= 0 or fatigue_days <= 0:
        raise AnalyticsError(f"fitness_days={fitness_days}, fatigue_days={fatigue_days}: expected positive")
    if days is not None and days < 1:
        raise AnalyticsError(f"days={days}: expected a positive number of days")
    frame = daily_snapshot_frame(
        con, athlete_ids, acute_days=acute_days, chronic_days=chronic_days, with_workouts=with_workouts
    )
    frame = add_recursive_columns(frame, acute_days, chronic_days, fitness_days, fatigue_days, form_today=form_today)
    if days is not None and not frame.empty:
        last = frame.groupby("athlete_id").day.transform("max")
        frame = frame[frame.day > last - pd.Timedelta(days=days)].reset_index(drop=True)
    return frame


def acr_column(variant: str) -> str:
    """Snapshot column holding the given ACR variant."""
    if variant not in ACR_VARIANTS:
        raise AnalyticsError(f"acr variant {variant!r}: expected one of {', '.join(ACR_VARIANTS)}")
    return f"acr_{variant}"


@dataclass(frozen=True)
class WorkoutSnapshot:
    type: str
    title: str | None
    start_time: str
    duration_min: float
    rpe: float | None
    load: float | None  # None: no RPE logged, so the load is unknown


@dataclass(frozen=True)
class DailySnapshot:
    """The seed's DailySnapshot: one athlete-day for pattern analysis and the model's context."""

    date: str
    workouts: tuple[WorkoutSnapshot, ...]
    sleep_hours: float | None
    hrv_ms: float | None
    resting_hr: int | None
    calories: int | None
    protein_g: int | None
    training_load: float | None
    load_7d_avg: float
    acute_chronic_ratio: float | None
    acr_status: str
    fitness: float
    fatigue: float
    form: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _clean(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    return value


def snapshot_for_day(
    con: duckdb.DuckDBPyConnection, athlete_id: int, day: date | None = None, *, variant: str = "coupled"
) -> DailySnapshot:
    """The snapshot of one day (default: the athlete's as-of day), ACR in the chosen variant."""
    column = acr_column(variant)
    target = day or find_athlete(con, athlete_id).as_of
    frame = daily_snapshots(con, [athlete_id])
    rows = frame[frame.day == pd.Timestamp(target)]
    if rows.empty:
        raise AnalyticsError(f"day {target}: expected a day with data for athlete {athlete_id}")
    row = rows.iloc[0]
    workouts = tuple(
        WorkoutSnapshot(
            type=w["type"],
            title=w["title"],
            start_time=pd.Timestamp(w["start_time"]).isoformat(timespec="minutes"),
            duration_min=float(w["duration_min"]),
            rpe=_clean(w["rpe"]),
            load=None if _clean(w["load"]) is None else round(float(w["load"]), 1),
        )
        for w in row.workouts
    )
    acr = _clean(row[column])
    return DailySnapshot(
        date=str(pd.Timestamp(row.day).date()),
        workouts=workouts,
        sleep_hours=_clean(row.sleep_hours),
        hrv_ms=_clean(row.hrv_ms),
        resting_hr=None if _clean(row.resting_hr) is None else int(row.resting_hr),
        calories=None if _clean(row.calories) is None else int(row.calories),
        protein_g=None if _clean(row.protein_g) is None else int(row.protein_g),
        training_load=None if _clean(row.training_load) is None else round(float(row.training_load), 1),
        load_7d_avg=round(float(row.load_7d_avg), 1),
        acute_chronic_ratio=None if acr is None else round(float(acr), 2),
        acr_status=acr_status(acr),
        fitness=round(float(row.fitness), 1),
        fatigue=round(float(row.fatigue), 1),
        form=round(float(row.form), 1),
    )


def window_start(as_of: date, days: int | None) -> date | None:
    """First day of a `days`-long window ending at `as_of` (None = all history)."""
    return None if days is None else as_of - timedelta(days=days - 1)
