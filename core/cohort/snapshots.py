"""Daily snapshots of a whole cohort, set-based: one aggregate pass per table, then numpy over all athletes.

The per-athlete path (`materialize_athlete`) runs the snapshot query of core/db/analytics.py once per
athlete. Over a cohort even that query run once for everyone is slow (a calendar per athlete, four window
functions, each a sort: `python -m core bench materialize` measures it against one aggregate pass). Here DuckDB only aggregates each table once per (athlete,
day) (`daily_facts`), and the calendar, the rolling windows and the ratios are array arithmetic on an
(athlete × day) grid: a window mean is the sum of a few shifted copies of the grid, NULL loads skipped as
SQL's `avg` skips them. The recursive columns are the same `add_recursive_columns` as everywhere. The
rows equal the per-athlete function's within 1e-12 (tests/cohort/test_snapshots.py): only the order of
additions inside a window differs.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from core.analytics.load import ACUTE_DAYS, CHRONIC_DAYS, FATIGUE_DAYS, FITNESS_DAYS, add_recursive_columns
from core.cohort.athlete import snapshot_table
from core.db.cohort import cohort_views, daily_facts


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Dates as whole days since the epoch (int64)."""
    days: np.ndarray = pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype(np.int64)
    return days


def _window_mean(grid: np.ndarray, first: int, last: int) -> np.ndarray:
    """Mean of the known values from `last` rows back to `first` rows back (SQL `ROWS BETWEEN last PRECEDING
    AND first PRECEDING`), per athlete row of the grid; NaN where the window has no known value."""
    total = np.zeros_like(grid)
    count = np.zeros_like(grid)
    for lag in range(min(last, grid.shape[1] - 1), first - 1, -1):  # oldest first, as a window sum adds them
        shifted = np.full_like(grid, np.nan)
        shifted[:, lag:] = grid[:, : grid.shape[1] - lag]
        known = ~np.isnan(shifted)
        total += np.where(known, shifted, 0.0)
        count += known
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def snapshot_frame_from_facts(
    facts: dict[str, pd.DataFrame], *, acute_days: int = ACUTE_DAYS, chronic_days: int = CHRONIC_DAYS
) -> pd.DataFrame:
    """`daily_snapshot_frame`'s rows and columns (no workouts list) from the per-day facts, by athlete and day."""
    athletes = facts["athletes"].sort_values("athlete_id").reset_index(drop=True)
    ids = athletes.athlete_id.to_numpy(np.int64)
    index_of = pd.Index(ids)
    as_of = _day_numbers(athletes.as_of)
    workouts, health, nutrition = facts["workouts"], facts["health"], facts["nutrition"]
    w_row, h_row = index_of.get_indexer(workouts.athlete_id), index_of.get_indexer(health.athlete_id)
    w_day, h_day = _day_numbers(workouts.day), _day_numbers(health.day)
    first = as_of.copy()
    np.minimum.at(first, w_row, w_day)  # least(first workout day, first health day, as_of), as the SQL's bounds
    np.minimum.at(first, h_row, h_day)
    length = as_of - first + 1
    width = int(length.max()) if len(length) else 0
    starts = np.r_[0, np.cumsum(length)[:-1]]
    total = int(length.sum())
    row_of = np.repeat(np.arange(len(ids)), length)
    day_index = np.arange(total) - np.repeat(starts, length)

    def scatter(rows: np.ndarray, days: np.ndarray, values: pd.Series, fill: float) -> np.ndarray:
        out = np.full(total, fill)
        inside = (rows >= 0) & (days >= first[rows]) & (days <= as_of[rows])
        out[starts[rows[inside]] + days[inside] - first[rows[inside]]] = values.to_numpy(float, na_value=np.nan)[inside]
        return out

    load = scatter(w_row, w_day, workouts.load, 0.0)
    frame = pd.DataFrame(
        {
            "athlete_id": ids[row_of].astype(np.int32),
            "day": (first[row_of] + day_index).astype("datetime64[D]").astype("datetime64[us]"),
            "day_index": day_index,
            "n_workouts": scatter(w_row, w_day, workouts.n_workouts, 0.0).astype(np.int64),
            "load": load,
            "flagged_workouts": scatter(w_row, w_day, workouts.flagged_workouts, 0.0).astype(np.int64),
        }
    )
    grid = np.full((len(ids), width), np.nan)
    grid[row_of, day_index] = load
    acute = _window_mean(grid, 0, acute_days - 1)[row_of, day_index]
    chronic = _window_mean(grid, 0, chronic_days - 1)[row_of, day_index]
    uncoupled = _window_mean(grid, acute_days, chronic_days - 1)[row_of, day_index]
    load_max = pd.Series(load).groupby(row_of).max().to_numpy()[row_of]  # NaN loads skipped, as SQL's max
    positive = load_max > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        frame["training_load"] = np.where(positive, 100.0 * load / load_max, np.where(np.isnan(load), np.nan, 0.0))
        frame["load_7d_avg"] = np.where(positive, 100.0 * acute / load_max, 0.0)
        frame["acute_load"] = acute
        frame["chronic_load"] = chronic
        full = day_index >= chronic_days - 1
        frame["acr_coupled"] = np.where(full & (chronic != 0), acute / chronic, np.nan)
        frame["acr_uncoupled"] = np.where(full & (uncoupled != 0), acute / uncoupled, np.nan)
    n_row, n_day = index_of.get_indexer(nutrition.athlete_id), _day_numbers(nutrition.day)
    for column in ("sleep_hours", "deep_sleep_pct", "hrv_ms", "resting_hr"):
        frame[column] = scatter(h_row, h_day, health[column], np.nan)
    for column in ("calories", "protein_g"):
        frame[column] = scatter(n_row, n_day, nutrition[column], np.nan)
    return frame


def snapshots_from(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Daily snapshots of every athlete in the connection's tables (a database or views over an export)."""
    frame = snapshot_frame_from_facts(daily_facts(con))
    return snapshot_table(add_recursive_columns(frame, ACUTE_DAYS, CHRONIC_DAYS, FITNESS_DAYS, FATIGUE_DAYS))


def cohort_snapshots(in_dir: Path) -> pa.Table:
    """Every exported athlete's daily snapshots (full history), in `SNAPSHOT_SCHEMA`, by athlete and day."""
    with cohort_views(in_dir) as con:
        return snapshots_from(con)
