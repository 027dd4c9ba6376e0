"""Effort: do sessions feel harder after a short night, a big training day or any training the day before?

The outcome is the day's session RPE (the mean when there were several sessions), compared at the same sport
mix and duration (a long ride feels harder than an easy run whatever the night before), within weekday (the
weekend's long sessions) and with a time trend (a build phase raises every RPE). RPE is autocorrelated over
days (fatigue comes in weeks), so the regression is AR(1)-whitened before its residual-space permutation test.

Each question is one-sided — do sessions feel *harder*? — and is tested one-sidedly (a lighter feel after a short
night is not what the question asks, and a two-sided test would spend half its power on it).

The day before is described by exogenous numbers only — hours of sleep and training minutes — never by
yesterday's RPE: a flag made from the lagged outcome would turn the outcome's own autocorrelation into a
"finding".
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.analytics.findings import FDR_Q, FamilyResult, Hypothesis
from core.analytics.observations import (
    AthleteData,
    day_numbers,
    day_text,
    days_since_start,
    since_filter,
    weekday_dummies,
)
from core.analytics.stats import MIN_GROUP, FlagDesign, coefficient_interval

MIN_DAYS = 24
MIN_RPE_POINTS = 0.5
SHORT_NIGHT_HOURS = 6.5
BIG_DAY_QUANTILE = 0.75
EFFORT_SPORTS = ("run", "ride", "swim", "strength", "yoga")


def effort_table(data: AthleteData) -> pd.DataFrame:
    """One row per day with a known session RPE: mean RPE, minutes, sport shares, last night's sleep and the day
    before's training minutes (0 on a rest day)."""
    s = data.sessions
    columns = ["day", "rpe", "minutes", "sleep_hours", "minutes_before", *(f"share_{x}" for x in EFFORT_SPORTS)]
    if s.empty:
        return pd.DataFrame(columns=columns)
    day = pd.to_datetime(s.day).to_numpy().astype("datetime64[D]")
    minutes = s.duration_min.to_numpy(float)
    all_days, codes = np.unique(day, return_inverse=True)
    per_day = np.bincount(codes, minutes, len(all_days))
    rpe = s.rpe.to_numpy(float, na_value=np.nan)
    known = np.isfinite(rpe)
    rated, rated_codes = np.unique(day[known], return_inverse=True)
    n = len(rated)
    table = pd.DataFrame(
        {
            "day": pd.DatetimeIndex(rated.astype("datetime64[ns]")),
            "rpe": np.bincount(rated_codes, rpe[known], n) / np.bincount(rated_codes, minlength=n),
            "minutes": np.bincount(rated_codes, minutes[known], n),
        }
    )
    kinds = s.type.to_numpy()[known]
    for sport in EFFORT_SPORTS:
        table[f"share_{sport}"] = np.bincount(rated_codes, minutes[known] * (kinds == sport), n) / table.minutes
    before = np.searchsorted(all_days, rated - np.timedelta64(1, "D")).clip(0, max(len(all_days) - 1, 0))
    hit = all_days[before] == rated - np.timedelta64(1, "D")
    table["minutes_before"] = np.where(hit, per_day[before], 0.0)
    sleep = data.snapshots.set_index(pd.DatetimeIndex(data.snapshots.day)).sleep_hours
    table["sleep_hours"] = sleep.reindex(table.day).to_numpy(float, na_value=np.nan)
    return table[columns]


def effort_flags(table: pd.DataFrame, all_minutes: np.ndarray) -> list[tuple[str, str, np.ndarray]]:
    """(key, description, flag) per question; a flag is NaN where its predictor is unknown."""
    sleep = table.sleep_hours.to_numpy(float)
    short = np.where(np.isfinite(sleep), sleep < SHORT_NIGHT_HOURS, np.nan)
    before = table.minutes_before.to_numpy(float)
    trained = all_minutes[all_minutes > 0]
    big = float(np.quantile(trained, BIG_DAY_QUANTILE)) if len(trained) else np.inf
    return [
        ("rpe_after_short_night", f"after nights under {SHORT_NIGHT_HOURS:g} h", short),
        ("rpe_after_big_day", f"the day after {big:.0f}+ training minutes", (before >= big).astype(float)),
        ("rpe_after_training_day", "the day after any training (vs after a rest day)", (before > 0).astype(float)),
    ]


def effort_design(days: pd.DataFrame, mask: np.ndarray) -> FlagDesign:
    """The flag; sport shares, log minutes, weekday and a time trend as controls, on the days."""
    shares = days[[f"share_{x}" for x in EFFORT_SPORTS]].to_numpy(float)
    controls = np.column_stack(
        [shares, np.log(days.minutes.to_numpy(float)), weekday_dummies(days.day), days_since_start(days.day)]
    )
    return FlagDesign(controls, mask.astype(float), day_numbers(days.day), alternative="greater")


def effort_hypothesis(table: pd.DataFrame, key: str, what: str, flag: np.ndarray) -> Hypothesis | None:
    ok = np.isfinite(flag)
    sub = table[ok].reset_index(drop=True)
    mask = flag[ok].astype(bool)
    if mask.sum() < MIN_GROUP or (~mask).sum() < MIN_GROUP:
        return None
    values = sub.rpe.to_numpy(float)
    test = effort_design(sub, mask).test(values)
    if not np.isfinite(test.effect):
        return None
    effect = round(test.effect, 1)
    ci = coefficient_interval(test) if test.p.value <= FDR_Q else None
    ex = sub[mask].iloc[-1]
    harder = "harder" if effect > 0 else "easier"
    return Hypothesis(
        family="effort",
        key=key,
        headline=f"Sessions {what} felt {effect:+.1f} RPE {harder}",
        detail=(
            f"Sessions {what} were rated {effect:+.1f} RPE at the same sport mix and duration, within weekday "
            f"({values[mask].mean():.1f} vs {values[~mask].mean():.1f} raw, {int(mask.sum())} vs {int((~mask).sum())} "
            f"days, {day_text(sub.day.min())}–{day_text(sub.day.max())}; e.g. {day_text(ex.day)}: RPE {ex.rpe:.1f} "
            f"after {ex.sleep_hours:.1f} h sleep and {ex.minutes_before:.0f} min the day before)"
        ),
        effect=effect,
        unit="RPE points",
        n=len(values),
        p=test.p,
        large_enough=effect >= MIN_RPE_POINTS,
        ci=ci,
        evidence={
            "flagged_days": int(mask.sum()),
            "other_days": int((~mask).sum()),
            "covariates": ["sport mix", "duration", "weekday", "time trend"],
            "ar1_phi": round(test.phi, 3),
        },
    )


def effort(data: AthleteData, since: date | None) -> FamilyResult:
    """Short nights, big days and any training the day before vs today's session RPE."""
    full = effort_table(data)
    all_minutes = full.minutes_before.to_numpy(float)
    table = since_filter(full, since)
    if len(table) < MIN_DAYS:
        return FamilyResult(
            "effort", (), table, f"RPE not testable: {len(table)} days with a rated session (need {MIN_DAYS})"
        )
    tests: list[Hypothesis] = []
    notes: list[str] = []
    for key, what, flag in effort_flags(table, all_minutes):
        h = effort_hypothesis(table, key, what, flag)
        if h is None:
            notes.append(f"RPE {what} not testable: too few days on one side (need {MIN_GROUP} each)")
        else:
            tests.append(h)
    return FamilyResult("effort", tuple(tests), table, "; ".join(notes))
