"""Recovery: does evening yoga (start ≥ 17:00) change that night's deep sleep, sleep duration and HRV?

Sleep has a weekday rhythm (weekends run long) and evening sessions sit on fixed weekdays, so the
comparison is made within weekday (weekday covariates) with a time trend, and sleep is autocorrelated,
so the regression is AR(1)-whitened before its permutation test.

An earlier version also scanned every activity combination of a day against the next night, with a
Bonferroni factor of combinations × outcomes and p < 0.001. With 5,000 permutations its smallest
attainable p could never pass that bar, so it never reported anything; it was removed rather than kept
as a test that cannot speak.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.analytics.findings import FDR_Q, FamilyResult, Hypothesis
from core.analytics.observations import (
    EVENING_FROM_HOUR,
    AthleteData,
    day_numbers,
    day_text,
    days_since_start,
    since_filter,
    weekday_dummies,
)
from core.analytics.stats import MIN_GROUP, FlagDesign, coefficient_interval

MIN_RELATIVE_PCT = 5.0
OUTCOMES = (
    ("next_deep_sleep_pct", "deep sleep", "deep_sleep"),
    ("next_sleep_hours", "sleep duration", "sleep_hours"),
    ("next_hrv_ms", "HRV", "hrv"),
)


def nights_table(data: AthleteData, since: date | None) -> pd.DataFrame:
    """One row per day: the night after it (deep sleep %, hours, HRV), whether evening yoga came before it."""
    snaps = data.snapshots[["day", "deep_sleep_pct", "sleep_hours", "hrv_ms"]]
    night = snaps.assign(day=snaps.day - pd.Timedelta(days=1)).rename(
        columns={"deep_sleep_pct": "next_deep_sleep_pct", "sleep_hours": "next_sleep_hours", "hrv_ms": "next_hrv_ms"}
    )
    days = snaps[["day"]].merge(night, on="day", how="inner")
    volume = data.volume
    if not volume.empty:
        days = days.merge(volume[["day", "types", "evening_yoga"]], on="day", how="left")
    else:
        days["types"] = None
        days["evening_yoga"] = False
    days["evening_yoga"] = days.evening_yoga.astype("boolean").fillna(False).astype(bool)
    days["combo"] = [("+".join(t) if isinstance(t, list | np.ndarray) and len(t) else "rest") for t in days.types]
    return since_filter(days.dropna(subset=["next_deep_sleep_pct"]), since)


def yoga_design(nights: pd.DataFrame) -> FlagDesign:
    """Evening yoga as the flag, weekday and a time trend as controls, on the nights' days."""
    controls = np.column_stack([weekday_dummies(nights.day), days_since_start(nights.day)])
    return FlagDesign(controls, nights.evening_yoga.to_numpy(float), day_numbers(nights.day))


def yoga_hypothesis(days: pd.DataFrame, column: str, label: str, short: str) -> Hypothesis | None:
    ok = days[column].notna().to_numpy()
    sub = days[ok].reset_index(drop=True)
    values = sub[column].to_numpy(float)
    mask = sub.evening_yoga.to_numpy(bool)
    if mask.sum() < MIN_GROUP or (~mask).sum() < MIN_GROUP:
        return None
    test = yoga_design(sub).test(values)
    if not np.isfinite(test.effect):
        return None
    baseline = float(values[~mask].mean())
    rel = round(test.effect / baseline * 100, 1)
    ci = coefficient_interval(test, 100 / baseline) if test.p.value <= FDR_Q else None
    ex = sub[mask].iloc[-1]
    key = "evening_yoga_deep_sleep" if short == "deep_sleep" else f"evening_yoga_{short}"
    return Hypothesis(
        family="recovery",
        key=key,
        headline=f"Evening yoga → {rel:+.1f}% {label} that night",
        detail=(
            f"Nights after evening yoga (from {EVENING_FROM_HOUR}:00) had {rel:+.1f}% {label} compared within "
            f"weekday ({values[mask].mean():.1f} vs {baseline:.1f}, {int(mask.sum())} vs {int((~mask).sum())} nights, "
            f"{day_text(sub.day.min())}–{day_text(sub.day.max())}; e.g. yoga on {day_text(ex.day)} → "
            f"{ex[column]:.1f} that night)"
        ),
        effect=rel,
        unit="% relative",
        n=len(values),
        p=test.p,
        large_enough=abs(rel) >= MIN_RELATIVE_PCT,
        ci=ci,
        evidence={
            "evening_nights": int(mask.sum()),
            "other_nights": int((~mask).sum()),
            "covariates": ["weekday", "time trend"],
            "ar1_phi": round(test.phi, 3),
        },
    )


def recovery(data: AthleteData, since: date | None) -> FamilyResult:
    """Evening yoga vs the following night's deep sleep, sleep hours and HRV (within weekday)."""
    days = nights_table(data, since)
    tests = [h for col, label, short in OUTCOMES if (h := yoga_hypothesis(days, col, label, short)) is not None]
    evening = int(days.evening_yoga.sum())
    note = "" if tests else f"evening yoga → sleep not testable: {evening} evening-yoga nights (need {MIN_GROUP})"
    return FamilyResult("recovery", tuple(tests), days, note)
