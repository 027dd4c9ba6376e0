"""Synergy: does one kind of training help another? Weekly zone-2 minutes vs next week's HRV and resting HR;
weekly ride minutes vs next week's run HR at the same pace and duration.

Fitness rises and the training mix drifts over the weeks, so both series trend: the association is
measured as a partial correlation after each series' trend, under AR(1) errors, never on the raw weekly values.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.analytics.findings import FamilyResult, Hypothesis
from core.analytics.observations import AthleteData, day_text, mean_by, since_filter
from core.analytics.stats import MIN_ABS_CORR, detrended_correlation_test

MIN_WEEKS = 8
TESTS = (
    ("z2_min", "next_hrv", "zone2_hrv", "zone-2 minutes", "HRV", "ms"),
    ("z2_min", "next_rhr", "zone2_resting_hr", "zone-2 minutes", "resting HR", "bpm"),
    ("ride_min", "next_run_hr_resid", "cycling_run_economy", "ride minutes", "run HR at the same pace", "bpm"),
)


def _week_number(days: pd.Series) -> np.ndarray:
    """Days since 1970-01-05 (a Monday) // 7: the same number for every day of a Monday-to-Sunday week."""
    return np.asarray((pd.to_datetime(days).to_numpy().astype("datetime64[D]").astype(np.int64) - 4) // 7)


def weekly_table(data: AthleteData, since: date | None) -> pd.DataFrame:
    """Whole weeks: mean HRV and resting HR, zone-2 and ride minutes, run HR residual, and next week's values.

    Weeks are counted by number and summed with bincount: this runs on every Patterns page view.
    """
    snaps = since_filter(data.snapshots, since)
    weeks, codes = np.unique(_week_number(snaps.day), return_inverse=True)
    n = len(weeks)
    weekly = pd.DataFrame(
        {
            "week": (weeks * 7 + 4).astype("datetime64[D]").astype("datetime64[ns]"),
            "hrv": mean_by(codes, snaps.hrv_ms.to_numpy(float, na_value=np.nan), n),
            "rhr": mean_by(codes, snaps.resting_hr.to_numpy(float, na_value=np.nan), n),
            "days": np.bincount(codes, minlength=n),
        }
    )

    def in_weeks(days: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Each day's row in `weekly` and whether its week is there at all (callers check n > 0)."""
        number = _week_number(days)
        at = np.searchsorted(weeks, number).clip(0, n - 1)
        return at, weeks[at] == number

    for column in ("z2_min", "ride_min"):
        weekly[column] = 0.0
        if not data.volume.empty and n:
            at, inside = in_weeks(data.volume.day)
            minutes = np.nan_to_num(data.volume[column].to_numpy(float, na_value=np.nan))
            weekly[column] = np.bincount(at[inside], minutes[inside], n)
    weekly["run_hr_resid"] = np.nan
    runs = data.runs
    if len(runs) >= 4 and n:
        design = np.column_stack([np.ones(len(runs)), runs.speed_ms, runs.duration_min])
        hr = runs.avg_hr.to_numpy(float)
        resid = hr - design @ np.linalg.lstsq(design, hr, rcond=None)[0]
        at, inside = in_weeks(runs.day)
        weekly["run_hr_resid"] = mean_by(at[inside], resid[inside], n)
    weekly = weekly[weekly.days == 7].reset_index(drop=True)
    for col in ("hrv", "rhr", "run_hr_resid"):
        weekly[f"next_{col}"] = weekly[col].shift(-1)
    return weekly


def synergy(data: AthleteData, since: date | None) -> FamilyResult:
    """Zone-2 volume → next week's HRV and resting HR; riding → next week's running economy."""
    weekly = weekly_table(data, since)
    tests: list[Hypothesis] = []
    notes: list[str] = []
    for x, y, key, x_label, y_label, unit in TESTS:
        sub = weekly.dropna(subset=[x, y])
        if key == "cycling_run_economy":
            sub = sub[sub[x] > 0]
        if len(sub) < MIN_WEEKS or sub[x].nunique() < 4:
            notes.append(f"{x_label} → {y_label} not testable: {len(sub)} whole weeks with both (need {MIN_WEEKS})")
            continue
        rho, p = detrended_correlation_test(sub[x].to_numpy(), sub[y].to_numpy())
        rho = round(rho, 2)
        top, low = sub.sort_values(x).iloc[-1], sub.sort_values(x).iloc[0]
        direction = "higher" if rho > 0 else "lower"
        tests.append(
            Hypothesis(
                family="synergy",
                key=key,
                headline=f"More {x_label} → {direction} {y_label} next week (r={rho:+.2f})",
                detail=(
                    f"Weeks with more {x_label} were followed by {direction} {y_label} (detrended partial "
                    f"r={rho:+.2f}, {len(sub)} weeks): week of {day_text(top.week)} {top[x]:.0f} min → {top[y]:.1f} "
                    f"{unit}; week of {day_text(low.week)} {low[x]:.0f} min → {low[y]:.1f} {unit}"
                ),
                effect=round(rho, 2),
                unit="partial r",
                n=len(sub),
                p=p,
                large_enough=abs(rho) >= MIN_ABS_CORR,
            )
        )
    return FamilyResult("synergy", tuple(tests), weekly, "; ".join(notes))
