"""Sequencing: does what came before change a session? Runs ≤ 36 h after heavy leg sessions vs other runs,
and strength sessions after a full rest day vs the day after training.

Runs after leg days are usually the short easy ones, and HR drifts up over long runs: so HR is compared
at equal speed AND equal duration (cardiac drift), within weekday (leg day is often a fixed weekday, and the
next day's runs may differ for other reasons) and with a time trend for fitness, never HR ~ speed alone.
When every run after legs falls on weekdays with no other runs, the comparison cannot be made and says so.
The question is one-sided (do leg days cost run economy: higher HR at the same pace?) and so is its test.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from core.analytics.findings import FDR_Q, FamilyResult, Hypothesis
from core.analytics.observations import (
    LEG_WINDOW_HOURS,
    AthleteData,
    day_numbers,
    day_text,
    days_since_start,
    mean_by,
    since_filter,
    weekday_dummies,
)
from core.analytics.stats import MIN_GROUP, FlagDesign, coefficient_interval

MIN_HR_BPM = 1.5  # about 2-3 % of pace at the same HR: 3 bpm capped the power for a 3 % effect near half
MIN_STRENGTH_PCT = 2.0


def _pace(min_per_km: float) -> str:
    total = round(min_per_km * 60)
    return f"{total // 60}:{total % 60:02d}/km"


def with_relative_e1rm(sets: pd.DataFrame) -> pd.DataFrame:
    """Add e1rm_rel_pct: each top set's e1RM vs its exercise's linear trend over time, in percent.

    The per-exercise least-squares lines come from grouped sums (one pass over all sets, no loop per exercise);
    exercises with fewer than 4 sets, or all on one day, have no trend and are left out.
    """
    sets = sets.dropna(subset=["e1rm"]).copy()
    if sets.empty:
        sets["e1rm_rel_pct"] = pd.Series(dtype=float)
        return sets
    t = days_since_start(sets.day)
    e = sets.e1rm.to_numpy(float)
    codes, _ = pd.factorize(sets.name)
    count, groups = np.bincount(codes), codes.max() + 1
    mean_t, mean_e = mean_by(codes, t, groups), mean_by(codes, e, groups)
    ct = t - mean_t[codes]
    var_t = np.bincount(codes, ct * ct)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.bincount(codes, ct * (e - mean_e[codes])) / var_t
    fitted = mean_e[codes] + slope[codes] * ct
    usable = (count[codes] >= 4) & (var_t[codes] > 0)
    sets["t"] = t
    sets["e1rm_rel_pct"] = np.where(usable, (e / np.where(usable, fitted, 1.0) - 1) * 100, np.nan)
    return sets.dropna(subset=["e1rm_rel_pct"])


def leg_day_design(runs: pd.DataFrame) -> FlagDesign:
    """After-legs as the flag; speed, duration, a time trend and weekday as controls, on the runs' days."""
    controls = np.column_stack(
        [runs.speed_ms, runs.duration_min, days_since_start(runs.day), weekday_dummies(runs.day)]
    )
    return FlagDesign(controls, runs.after_legs.to_numpy(float), day_numbers(runs.day), alternative="greater")


def leg_day_hypothesis(runs: pd.DataFrame) -> Hypothesis | None:
    hr = runs.avg_hr.to_numpy(float)
    design = leg_day_design(runs)
    flag = design.flag
    test = design.test(hr)
    if not np.isfinite(test.effect):
        return None
    effect = round(test.effect, 1)  # the one rounding: headline, summary and card all print this value
    n_after, n_other = int(flag.sum()), int(len(flag) - flag.sum())
    ci = coefficient_interval(test) if test.p.value <= FDR_Q else None
    coef = np.linalg.lstsq(test.design, test.response, rcond=None)[0]
    slope = coef[1]  # bpm per m/s at equal duration
    v = float(np.median(runs.speed_ms))
    pace_shift = 1000 / (v - effect / slope) - 1000 / v if slope > 0 and v - effect / slope > 0 else math.nan
    pace_text = (
        f", about {abs(pace_shift):.0f} s/km {'slower' if pace_shift > 0 else 'faster'} at the same HR"
        if math.isfinite(pace_shift)
        else ""
    )
    ex = runs[runs.after_legs].iloc[-1]
    hours = (pd.Timestamp(ex.start_time) - pd.Timestamp(ex.last_leg_end)).total_seconds() / 3600
    return Hypothesis(
        family="sequencing",
        key="leg_day_run_hr",
        headline=f"Runs ≤{LEG_WINDOW_HOURS:g} h after leg days: {effect:+.1f} bpm at the same pace and duration",
        detail=(
            f"Runs within {LEG_WINDOW_HOURS:g} h after heavy leg sessions ran {effect:+.1f} bpm HR at the same pace "
            f"and duration{pace_text} ({n_after} runs vs {n_other}, {day_text(runs.day.min())}–"
            f"{day_text(runs.day.max())}; e.g. {day_text(ex.day)}: {ex.avg_hr:.0f} bpm at {_pace(ex.pace_min_km)} "
            f"for {ex.duration_min:.0f} min, {hours:.0f} h after legs)"
        ),
        effect=effect,
        unit="bpm",
        n=len(runs),
        p=test.p,
        large_enough=effect >= MIN_HR_BPM,
        ci=ci,
        evidence={
            "after_legs_runs": n_after,
            "other_runs": n_other,
            "window_hours": LEG_WINDOW_HOURS,
            "covariates": ["speed", "duration", "time trend", "weekday"],
            "ar1_phi": round(test.phi, 3),
            "pace_s_per_km_at_same_hr": None if not math.isfinite(pace_shift) else round(pace_shift, 1),
        },
    )


def rest_day_design(sessions: pd.DataFrame, rested: np.ndarray) -> FlagDesign:
    """A rest day before as the flag, weekday as controls, on the sessions' days."""
    return FlagDesign(weekday_dummies(sessions.day), rested.astype(float), day_numbers(sessions.day))


def rest_day_hypothesis(sessions: pd.DataFrame, rested: np.ndarray) -> Hypothesis | None:
    values = sessions.e1rm_rel_pct.to_numpy(float)
    test = rest_day_design(sessions, rested).test(values)
    if not np.isfinite(test.effect):
        return None
    ci = coefficient_interval(test) if test.p.value <= FDR_Q else None
    best = sessions[rested].sort_values("e1rm_rel_pct").iloc[-1]
    effect = round(test.effect, 1)
    return Hypothesis(
        family="sequencing",
        key="rest_day_strength",
        headline=f"Strength after a rest day: {effect:+.1f}% e1RM vs trend",
        detail=(
            f"Strength sessions after at least one full rest day lifted {effect:+.1f}% e1RM vs trend compared with "
            f"sessions the day after training, within weekday ({int(rested.sum())} vs {int((~rested).sum())}; best: "
            f"{day_text(best.day)} {best.title} at {best.e1rm_rel_pct:+.1f}%)"
        ),
        effect=effect,
        unit="% e1RM vs trend",
        n=len(values),
        p=test.p,
        large_enough=abs(effect) >= MIN_STRENGTH_PCT,
        ci=ci,
        evidence={
            "after_rest": int(rested.sum()),
            "after_training": int((~rested).sum()),
            "covariates": ["weekday"],
            "ar1_phi": round(test.phi, 3),
        },
    )


def strength_sessions(data: AthleteData, since: date | None) -> pd.DataFrame:
    """One row per strength session: mean e1RM vs each exercise's trend (%) and the full rest days before it."""
    sets = since_filter(with_relative_e1rm(data.sets), since)
    if sets.empty:
        return pd.DataFrame(columns=["activity_id", "day", "title", "e1rm_rel_pct", "rest_days_before"])
    return (
        sets.groupby(["activity_id", "day", "title"], as_index=False)
        .agg(e1rm_rel_pct=("e1rm_rel_pct", "mean"), rest_days_before=("rest_days_before", "first"))
        .dropna(subset=["rest_days_before"])
        .sort_values("day")
        .reset_index(drop=True)
    )


def sequencing(data: AthleteData, since: date | None) -> FamilyResult:
    """Leg day → run HR (at equal speed and duration), rest day → strength."""
    runs = since_filter(data.runs, since)
    tests: list[Hypothesis] = []
    notes: list[str] = []
    n_after = int(runs.after_legs.sum()) if not runs.empty else 0
    n_other = len(runs) - n_after
    runs["group"] = np.where(runs.after_legs, f"≤{LEG_WINDOW_HOURS:g} h after legs", "other runs") if len(runs) else []
    leg = leg_day_hypothesis(runs) if n_after >= MIN_GROUP and n_other >= MIN_GROUP else None
    if leg is not None:
        tests.append(leg)
    elif n_after >= MIN_GROUP and n_other >= MIN_GROUP:
        notes.append("leg day → run HR not testable: every run after legs falls on a weekday with no other runs")
    else:
        notes.append(
            f"leg day → run HR not testable: {n_after} runs after legs vs {n_other} others (need {MIN_GROUP} each)"
        )

    sessions = strength_sessions(data, since)
    rested = sessions.rest_days_before.to_numpy(float) >= 1
    rest = rest_day_hypothesis(sessions, rested) if rested.sum() >= MIN_GROUP and (~rested).sum() >= MIN_GROUP else None
    if rest is not None:
        tests.append(rest)
    elif rested.sum() >= MIN_GROUP and (~rested).sum() >= MIN_GROUP:
        notes.append("rest day → strength not testable: rest days and weekdays coincide")
    else:
        notes.append(
            f"rest day → strength not testable: {int(rested.sum())} sessions after rest vs "
            f"{int((~rested).sum())} after training (need {MIN_GROUP} each)"
        )
    return FamilyResult("sequencing", tuple(tests), runs, "; ".join(notes))
