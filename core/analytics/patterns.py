"""Cross-modality pattern families: statistics that either find an effect or say nothing.

Each family function takes (con, athlete_id, since) and returns a `FamilyResult`: its findings
(possibly none), the observation table its chart plots, and a note saying why nothing was
reported. A finding needs p < 0.01 (permutation test, Bonferroni- or max-T-corrected when a
family tests several things) AND an effect at least as large as the family's minimum, so noise
and tiny effects are never reported. All randomness comes from a fixed seed: same data, same
p-values and intervals. Findings are small frozen dataclasses with `to_dict()` for the model's
context (Tier 2 cross-training block, the `query_cross_modality` tool) and the CLI.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from itertools import combinations
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from core.analytics.load import AnalyticsError, acr_column, daily_snapshots, window_start
from core.db.analytics import daily_sport_volume, run_observations, strength_top_sets
from core.db.athletes import athlete_as_of

SEED = 20170101
N_PERM = 5000
N_BOOT = 2000
ALPHA = 0.01
MIN_GROUP = 8  # observations needed on each side of a comparison
MIN_SCAN_GROUP = 14  # an exploratory scan (every activity combination) needs more: chance findings hide in small groups
ALPHA_SCAN = 0.001  # ...and a stricter threshold, since it was not a hypothesis stated before looking

LEG_WINDOW_HOURS = 36.0
EVENING_FROM_HOUR = 17
OVERLOAD_ACR = 1.4
OVERLOAD_MIN_DAYS = 10  # "about two weeks" of ACR above 1.4, short gaps (<= 2 days) allowed
OVERLOAD_VARIANT = "uncoupled"

MIN_HR_BPM = 3.0
MIN_STRENGTH_PCT = 2.0
MIN_RELATIVE_PCT = 5.0
MIN_ABS_CORR = 0.5
MIN_HRV_DROP_PCT = 10.0
MIN_PR_RATE_GAP = 0.25
MIN_EXTRA_REPS = 0.75

LOWER_GROUPS = {"squat", "hinge", "single leg", "calves", "lunge", "legs"}
UPPER_GROUPS = {"horizontal push", "vertical push", "horizontal pull", "vertical pull", "shoulder isolation", "arms"}
LOWER_WORDS = ("squat", "deadlift", "lunge", "leg press", "calf", "rdl", "hip thrust", "step-up", "glute")
UPPER_WORDS = ("bench", "press", "row", "pull", "chin", "push-up", "dip", "curl", "raise", "fly")


class PatternError(AnalyticsError):
    """Unknown pattern family or a bad window."""


@dataclass(frozen=True)
class Finding:
    """One reported pattern: a sentence with dates and numbers, its effect, sample size and confidence."""

    family: str
    key: str
    summary: str
    effect: float
    unit: str
    n: int
    p_value: float
    ci_low: float | None = None
    ci_high: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class FamilyResult:
    """A family's findings, the observations its chart plots, and why nothing was found (if so)."""

    family: str
    findings: tuple[Finding, ...]
    data: pd.DataFrame
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "findings": [f.to_dict() for f in self.findings], "note": self.note}


# ----------------------------------------------------------------------------- statistics


def _rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def _perm_index(n: int, n_perm: int = N_PERM) -> np.ndarray:
    """n_perm random permutations of range(n), one per row (fixed seed)."""
    return _rng().permuted(np.tile(np.arange(n), (n_perm, 1)), axis=1)


def _p_from(null: np.ndarray, observed: float) -> float:
    """Two-sided permutation p-value with the +1 correction (never exactly 0)."""
    return float((1 + np.sum(np.abs(null) >= abs(observed) - 1e-12)) / (1 + len(null)))


def mean_difference_test(values: np.ndarray, mask: np.ndarray) -> tuple[float, float]:
    """(mean(values[mask]) - mean(values[~mask]), permutation p) — labels shuffled N_PERM times."""
    values = np.asarray(values, dtype=float)
    mask = np.asarray(mask, dtype=bool)
    observed = values[mask].mean() - values[~mask].mean()
    perm = mask[_perm_index(len(values))]
    k = mask.sum()
    sums = (perm * values).sum(axis=1)
    null = sums / k - (values.sum() - sums) / (len(values) - k)
    return float(observed), _p_from(null, observed)


def bootstrap_ci(
    statistic: Callable[[np.ndarray], float], n: int, *, level: float = 0.95, n_boot: int = N_BOOT
) -> tuple[float, float]:
    """Percentile bootstrap interval of `statistic(row_indices)` over rows resampled with replacement."""
    rng = _rng()
    stats = []
    for _ in range(n_boot):
        value = statistic(rng.integers(0, n, n))
        if np.isfinite(value):
            stats.append(value)
    if not stats:
        return (math.nan, math.nan)
    lo, hi = np.percentile(stats, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return float(lo), float(hi)


def adjusted_effect_test(y: np.ndarray, controls: np.ndarray, flag: np.ndarray) -> tuple[float, float]:
    """OLS coefficient of `flag` in y ~ 1 + controls + flag, and its Freedman-Lane permutation p-value.

    Frisch-Waugh: residualize y and flag on [1, controls]; permuting y's residuals keeps the controls'
    part fixed, which is the standard permutation test for one coefficient with nuisance covariates.
    """
    y = np.asarray(y, dtype=float)
    base = np.column_stack([np.ones(len(y)), np.asarray(controls, dtype=float)])
    hat = base @ np.linalg.pinv(base)
    r_flag = np.asarray(flag, dtype=float) - hat @ np.asarray(flag, dtype=float)
    r_y = y - hat @ y
    denom = r_flag @ r_flag
    observed = (r_flag @ r_y) / denom
    null = (r_y[_perm_index(len(y))] @ r_flag) / denom
    return float(observed), _p_from(null, observed)


def _ols_flag(y: np.ndarray, controls: np.ndarray, flag: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), controls, flag])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(coef[-1])


def correlation_test(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rank correlation and its permutation p-value (robust to one huge week)."""
    rx = pd.Series(x).rank().to_numpy()
    ry = pd.Series(y).rank().to_numpy()
    rx = (rx - rx.mean()) / (rx.std() or 1)
    ry = (ry - ry.mean()) / (ry.std() or 1)
    observed = float((rx * ry).mean())
    null = (ry[_perm_index(len(ry))] * rx).mean(axis=1)
    return observed, _p_from(null, observed)


def _bonferroni(p: float, tests: int) -> float:
    """Family-wise adjusted p-value: what every Finding reports and what ALPHA is compared with."""
    return min(1.0, p * max(1, tests))


def _fmt_p(p: float) -> str:
    return f"p={p:.4f}" if p >= 0.0001 else "p<0.0001"


def _d(value: Any) -> str:
    return str(pd.Timestamp(value).date())


def _pace(min_per_km: float) -> str:
    total = round(min_per_km * 60)
    return f"{total // 60}:{total % 60:02d}/km"


def _since_filter(frame: pd.DataFrame, since: date | None, column: str = "day") -> pd.DataFrame:
    if since is None or frame.empty:
        return frame.reset_index(drop=True)
    return frame[pd.to_datetime(frame[column]) >= pd.Timestamp(since)].reset_index(drop=True)


def body_region(name: str, movement_group: str | None) -> str | None:
    """'lower', 'upper' or None (core / unknown), from the program's movement group or the name."""
    group = (movement_group or "").strip().lower()
    if group in LOWER_GROUPS:
        return "lower"
    if group in UPPER_GROUPS:
        return "upper"
    if group:
        return None
    low = name.lower()
    if any(w in low for w in LOWER_WORDS):
        return "lower"
    if any(w in low for w in UPPER_WORDS):
        return "upper"
    return None


def _with_relative_e1rm(sets: pd.DataFrame) -> pd.DataFrame:
    """Add e1rm_rel_pct: each top set's e1RM vs its exercise's linear trend over time, in percent."""
    sets = sets.dropna(subset=["e1rm"]).copy()
    if sets.empty:
        sets["e1rm_rel_pct"] = pd.Series(dtype=float)
        return sets
    t = (pd.to_datetime(sets.day) - pd.to_datetime(sets.day).min()).dt.days.astype(float)
    sets["t"] = t
    rel = pd.Series(np.nan, index=sets.index)
    for _, g in sets.groupby("name"):
        if len(g) < 4:
            continue
        slope, intercept = np.polyfit(g.t, g.e1rm, 1)
        rel.loc[g.index] = (g.e1rm / (intercept + slope * g.t) - 1) * 100
    sets["e1rm_rel_pct"] = rel
    return sets.dropna(subset=["e1rm_rel_pct"])


# ----------------------------------------------------------------------------- sequencing


def sequencing(con: duckdb.DuckDBPyConnection, athlete_id: int, since: date | None) -> FamilyResult:
    """Runs within 36 h after heavy leg sessions vs other runs (HR at comparable pace, pace at comparable
    HR); sessions after a full rest day vs after a training day."""
    runs = _since_filter(run_observations(con, athlete_id, LEG_WINDOW_HOURS), since)
    findings: list[Finding] = []
    notes: list[str] = []
    n_after = int(runs.after_legs.sum()) if not runs.empty else 0
    n_other = len(runs) - n_after
    runs["group"] = np.where(runs.after_legs, f"≤{LEG_WINDOW_HOURS:g} h after legs", "other runs") if len(runs) else []
    if n_after >= MIN_GROUP and n_other >= MIN_GROUP:
        hr = runs.avg_hr.to_numpy(float)
        speed = runs.speed_ms.to_numpy(float)
        flag = runs.after_legs.to_numpy(float)
        effect, p = adjusted_effect_test(hr, speed, flag)
        p = _bonferroni(p, 2)
        if p < ALPHA and abs(effect) >= MIN_HR_BPM:
            ci = bootstrap_ci(lambda i: _ols_flag(hr[i], speed[i], flag[i]), len(hr))
            slope = np.linalg.lstsq(np.column_stack([np.ones(len(hr)), speed, flag]), hr, rcond=None)[0][1]
            # Pace at the same HR from the same forward model (HR ~ speed): regressing pace on HR instead
            # would be biased by HR noise whenever the groups differ in typical pace (tempo vs easy days).
            v = float(np.median(speed))
            pace_shift = 1000 / (v - effect / slope) - 1000 / v if slope > 0 and v - effect / slope > 0 else math.nan
            ex = runs[runs.after_legs].iloc[-1]
            others = runs[~runs.after_legs]
            b = np.polyfit(others.speed_ms, others.avg_hr, 1)
            expected = b[0] * ex.speed_ms + b[1]
            hours = (pd.Timestamp(ex.start_time) - pd.Timestamp(ex.last_leg_end)).total_seconds() / 3600
            pace_text = (
                f", i.e. about {abs(pace_shift):.0f} s/km {'slower' if pace_shift > 0 else 'faster'} at the same HR"
                if math.isfinite(pace_shift)
                else ""
            )
            findings.append(
                Finding(
                    family="sequencing",
                    key="leg_day_run_hr",
                    summary=(
                        f"Runs within {LEG_WINDOW_HOURS:g} h after heavy leg sessions ran {effect:+.1f} bpm HR at the "
                        f"same pace{pace_text} ({n_after} runs vs {n_other}, {_d(runs.day.min())}–"
                        f"{_d(runs.day.max())}, {_fmt_p(p)}); e.g. {_d(ex.day)}: {ex.avg_hr:.0f} bpm at "
                        f"{_pace(ex.pace_min_km)}, {hours:.0f} h after legs, vs ~{expected:.0f} bpm expected."
                    ),
                    effect=round(effect, 2),
                    unit="bpm",
                    n=len(runs),
                    p_value=p,
                    ci_low=round(ci[0], 2),
                    ci_high=round(ci[1], 2),
                    evidence={
                        "after_legs_runs": n_after,
                        "other_runs": n_other,
                        "window_hours": LEG_WINDOW_HOURS,
                        "pace_s_per_km_at_same_hr": None if not math.isfinite(pace_shift) else round(pace_shift, 1),
                    },
                )
            )
    else:
        notes.append(f"runs after heavy legs: {n_after} vs {n_other} others (need {MIN_GROUP} each)")

    sets = _since_filter(_with_relative_e1rm(strength_top_sets(con, athlete_id)), since)
    sessions = (
        sets.groupby(["activity_id", "day", "title"], as_index=False)
        .agg(e1rm_rel_pct=("e1rm_rel_pct", "mean"), rest_days_before=("rest_days_before", "first"))
        .dropna(subset=["rest_days_before"])
        if not sets.empty
        else pd.DataFrame(columns=["activity_id", "day", "title", "e1rm_rel_pct", "rest_days_before"])
    )
    rested = sessions.rest_days_before.to_numpy(float) >= 1
    if rested.sum() >= MIN_GROUP and (~rested).sum() >= MIN_GROUP:
        values = sessions.e1rm_rel_pct.to_numpy(float)
        effect, p = mean_difference_test(values, rested)
        p = _bonferroni(p, 2)
        if p < ALPHA and abs(effect) >= MIN_STRENGTH_PCT:
            ci = bootstrap_ci(lambda i: _diff(values[i], rested[i]), len(values))
            best = sessions[rested].sort_values("e1rm_rel_pct").iloc[-1]
            findings.append(
                Finding(
                    family="sequencing",
                    key="rest_day_strength",
                    summary=(
                        f"Strength sessions after at least one full rest day lifted {effect:+.1f}% e1RM vs trend "
                        f"compared with sessions the day after training ({int(rested.sum())} vs {int((~rested).sum())}, "
                        f"{_fmt_p(p)}); best: {_d(best.day)} {best.title} at {best.e1rm_rel_pct:+.1f}%."
                    ),
                    effect=round(effect, 2),
                    unit="% e1RM vs trend",
                    n=len(values),
                    p_value=p,
                    ci_low=round(ci[0], 2),
                    ci_high=round(ci[1], 2),
                    evidence={"after_rest": int(rested.sum()), "after_training": int((~rested).sum())},
                )
            )
    else:
        notes.append(f"strength sessions after rest: {int(rested.sum())} vs {int((~rested).sum())} (need {MIN_GROUP})")
    return FamilyResult("sequencing", tuple(findings), runs, "; ".join(notes) or "no effect beyond noise")


def _diff(values: np.ndarray, mask: np.ndarray) -> float:
    if mask.all() or not mask.any():
        return math.nan
    return float(values[mask].mean() - values[~mask].mean())


# ----------------------------------------------------------------------------- interference


def lines_by_record(days: pd.Series, first: pd.Timestamp, length: int = 28) -> pd.Series:
    return ((pd.to_datetime(days) - first).dt.days // length).astype(int)


def interference(con: duckdb.DuckDBPyConnection, athlete_id: int, since: date | None) -> FamilyResult:
    """4-week blocks: running minutes vs the change in lower-body e1RM into the next block; swim minutes
    vs upper-body. Four-week blocks contain one deload of a usual cycle, so deloads do not masquerade
    as lost strength."""
    sets = _since_filter(strength_top_sets(con, athlete_id), since).dropna(subset=["e1rm"])
    volume = _since_filter(daily_sport_volume(con, athlete_id, EVENING_FROM_HOUR), since).fillna(
        {"run_min": 0, "swim_min": 0}
    )
    findings: list[Finding] = []
    notes: list[str] = []
    rows = []
    if not sets.empty:
        first = pd.to_datetime(min(sets.day.min(), volume.day.min() if not volume.empty else sets.day.min()))
        sets["region"] = [body_region(n, g) for n, g in zip(sets.name, sets.movement_group, strict=True)]
        sets["block"] = lines_by_record(sets.day, first)
        volume["block"] = lines_by_record(volume.day, first) if not volume.empty else []
        best = sets.groupby(["region", "name", "block"]).e1rm.max().reset_index()
        base = best.groupby("name").e1rm.transform("first")
        best["pct"] = best.e1rm / base * 100
        for region, sport in (("lower", "run_min"), ("upper", "swim_min")):
            index = best[best.region == region].groupby("block").pct.mean()
            vol = volume.groupby("block")[sport].sum() if not volume.empty else pd.Series(dtype=float)
            for block in index.index:
                if block + 1 in index.index:
                    rows.append(
                        {
                            "region": region,
                            "sport": sport.removesuffix("_min"),
                            "block": int(block),
                            "block_start": (first + pd.Timedelta(days=28 * int(block))).date(),
                            "minutes": float(vol.get(block, 0.0)),
                            "e1rm_change_pct": float(index[block + 1] - index[block]),
                        }
                    )
    data = pd.DataFrame(rows, columns=["region", "sport", "block", "block_start", "minutes", "e1rm_change_pct"])
    for region, sport in (("lower", "run"), ("upper", "swim")):
        sub = data[(data.region == region) & (data.sport == sport)]
        if len(sub) < 6 or sub.minutes.nunique() < 3:
            notes.append(f"{sport} vs {region}-body: {len(sub)} block pairs with volume (need 6)")
            continue
        rho, p = correlation_test(sub.minutes.to_numpy(), sub.e1rm_change_pct.to_numpy())
        p = _bonferroni(p, 2)
        if p < ALPHA and abs(rho) >= MIN_ABS_CORR:
            top = sub.sort_values("minutes").iloc[-1]
            findings.append(
                Finding(
                    family="interference",
                    key=f"{sport}_volume_{region}_strength",
                    summary=(
                        f"More {sport} volume went with {'smaller' if rho < 0 else 'larger'} {region}-body e1RM gains "
                        f"over the next 4 weeks (Spearman ρ={rho:+.2f}, {len(sub)} blocks, {_fmt_p(p)}); the biggest "
                        f"block from {top.block_start} ({top.minutes:.0f} min) was followed by "
                        f"{top.e1rm_change_pct:+.1f}%."
                    ),
                    effect=round(rho, 3),
                    unit="Spearman rho",
                    n=len(sub),
                    p_value=p,
                )
            )
    return FamilyResult("interference", tuple(findings), data, "; ".join(notes) or "no effect beyond noise")


# ----------------------------------------------------------------------------- synergy


def synergy(con: duckdb.DuckDBPyConnection, athlete_id: int, since: date | None) -> FamilyResult:
    """Weekly zone-2 minutes vs the next week's HRV and resting HR; weekly ride minutes vs the next week's
    running economy (HR at comparable pace)."""
    snaps = _since_filter(daily_snapshots(con, [athlete_id]), since)
    volume = daily_sport_volume(con, athlete_id, EVENING_FROM_HOUR)
    runs = run_observations(con, athlete_id, LEG_WINDOW_HOURS)
    findings: list[Finding] = []
    notes: list[str] = []
    if snaps.empty:
        return FamilyResult("synergy", (), pd.DataFrame(), "no days in the window")
    weeks = snaps.assign(week=pd.to_datetime(snaps.day).dt.to_period("W-SUN").dt.start_time)
    weekly = weeks.groupby("week").agg(hrv=("hrv_ms", "mean"), rhr=("resting_hr", "mean"), days=("day", "count"))
    if not volume.empty:
        vol = volume.assign(week=pd.to_datetime(volume.day).dt.to_period("W-SUN").dt.start_time)
        weekly = weekly.join(vol.groupby("week")[["z2_min", "ride_min"]].sum(min_count=1)).fillna(
            {"z2_min": 0, "ride_min": 0}
        )
    else:
        weekly["z2_min"] = 0.0
        weekly["ride_min"] = 0.0
    if len(runs) >= 4:
        b = np.polyfit(runs.speed_ms, runs.avg_hr, 1)
        runs = runs.assign(hr_resid=runs.avg_hr - (b[0] * runs.speed_ms + b[1]))
        runs["week"] = pd.to_datetime(runs.day).dt.to_period("W-SUN").dt.start_time
        weekly = weekly.join(runs.groupby("week").hr_resid.mean().rename("run_hr_resid"))
    else:
        weekly["run_hr_resid"] = np.nan
    weekly = weekly[weekly.days == 7].copy()  # whole weeks only
    for col in ("hrv", "rhr", "run_hr_resid"):
        weekly[f"next_{col}"] = weekly[col].shift(-1)
    weekly = weekly.reset_index()
    tests = (
        ("z2_min", "next_hrv", "zone2_hrv", "HRV", "ms"),
        ("z2_min", "next_rhr", "zone2_resting_hr", "resting HR", "bpm"),
        ("ride_min", "next_run_hr_resid", "cycling_run_economy", "run HR at the same pace", "bpm"),
    )
    for x, y, key, label, unit in tests:
        sub = weekly.dropna(subset=[x, y])
        sub = sub[sub[x] > 0] if key == "cycling_run_economy" else sub
        if len(sub) < 8 or sub[x].nunique() < 4:
            notes.append(f"{key}: {len(sub)} weeks (need 8)")
            continue
        rho, p = correlation_test(sub[x].to_numpy(), sub[y].to_numpy())
        p = _bonferroni(p, len(tests))
        if p < ALPHA and abs(rho) >= MIN_ABS_CORR:
            top, low = sub.sort_values(x).iloc[-1], sub.sort_values(x).iloc[0]
            findings.append(
                Finding(
                    family="synergy",
                    key=key,
                    summary=(
                        f"Weeks with more {x.removesuffix('_min').replace('z2', 'zone-2')} minutes were followed by "
                        f"{'higher' if rho > 0 else 'lower'} {label} (Spearman ρ={rho:+.2f}, {len(sub)} weeks, "
                        f"{_fmt_p(p)}): week of {_d(top.week)} {top[x]:.0f} min → {top[y]:.1f} {unit}; week of "
                        f"{_d(low.week)} {low[x]:.0f} min → {low[y]:.1f} {unit}."
                    ),
                    effect=round(rho, 3),
                    unit="Spearman rho",
                    n=len(sub),
                    p_value=p,
                )
            )
    return FamilyResult("synergy", tuple(findings), weekly, "; ".join(notes) or "no effect beyond noise")


# ----------------------------------------------------------------------------- recovery


def recovery(con: duckdb.DuckDBPyConnection, athlete_id: int, since: date | None) -> FamilyResult:
    """Evening yoga (start >= 17:00) vs the same night's deep sleep, sleep and HRV; then every day's activity
    combination vs the following night (Bonferroni over all combinations and outcomes)."""
    snaps = daily_snapshots(con, [athlete_id])[["day", "deep_sleep_pct", "sleep_hours", "hrv_ms"]]
    night = snaps.assign(day=snaps.day - pd.Timedelta(days=1)).rename(
        columns={"deep_sleep_pct": "next_deep_sleep_pct", "sleep_hours": "next_sleep_hours", "hrv_ms": "next_hrv_ms"}
    )
    volume = daily_sport_volume(con, athlete_id, EVENING_FROM_HOUR)
    days = snaps[["day"]].merge(night, on="day", how="inner")
    if not volume.empty:
        volume = volume.assign(day=pd.to_datetime(volume.day))
        days = days.merge(volume[["day", "types", "evening_yoga"]], on="day", how="left")
    else:
        days["types"] = None
        days["evening_yoga"] = False
    days["evening_yoga"] = days.evening_yoga.fillna(False).astype(bool)
    days["combo"] = [("+".join(t) if isinstance(t, list | np.ndarray) and len(t) else "rest") for t in days.types]
    days = _since_filter(days.dropna(subset=["next_deep_sleep_pct"]), since)
    findings: list[Finding] = []
    notes: list[str] = []
    outcomes = (
        ("next_deep_sleep_pct", "deep sleep", "deep_sleep"),
        ("next_sleep_hours", "sleep duration", "sleep_hours"),
        ("next_hrv_ms", "HRV", "hrv"),
    )
    mask = days.evening_yoga.to_numpy(bool)
    if mask.sum() >= MIN_GROUP and (~mask).sum() >= MIN_GROUP:
        for col, label, short in outcomes:
            values = days[col].to_numpy(float)
            ok = np.isfinite(values)
            v, m = values[ok], mask[ok]
            diff, p = mean_difference_test(v, m)
            rel = diff / v[~m].mean() * 100
            p = _bonferroni(p, len(outcomes))
            if p < ALPHA and abs(rel) >= MIN_RELATIVE_PCT:
                ci = bootstrap_ci(lambda i, v=v, m=m: _rel(v[i], m[i]), len(v))
                ex = days[mask].iloc[-1]
                findings.append(
                    Finding(
                        family="recovery",
                        key="evening_yoga_deep_sleep" if short == "deep_sleep" else f"evening_yoga_{short}",
                        summary=(
                            f"Nights after evening yoga (from {EVENING_FROM_HOUR}:00) had {rel:+.0f}% {label} "
                            f"({v[m].mean():.1f} vs {v[~m].mean():.1f}, {int(m.sum())} vs {int((~m).sum())} nights, "
                            f"{_fmt_p(p)}); e.g. yoga on {_d(ex.day)} → {ex[col]:.1f} that night (mean of other nights {v[~m].mean():.1f})."
                        ),
                        effect=round(rel, 1),
                        unit="% relative",
                        n=len(v),
                        p_value=p,
                        ci_low=round(ci[0], 1),
                        ci_high=round(ci[1], 1),
                        evidence={"evening_nights": int(m.sum()), "other_nights": int((~m).sum())},
                    )
                )
    else:
        notes.append(f"evening yoga nights: {int(mask.sum())} (need {MIN_GROUP})")
    counts = days.combo.value_counts()
    combos = [c for c, k in counts.items() if k >= MIN_SCAN_GROUP and len(days) - k >= MIN_SCAN_GROUP]
    m_tests = max(1, len(combos) * len(outcomes))
    for combo in combos:
        sel = (days.combo == combo).to_numpy()
        for col, label, short in outcomes:
            values = days[col].to_numpy(float)
            ok = np.isfinite(values)
            v, m = values[ok], sel[ok]
            diff, p = mean_difference_test(v, m)
            rel = diff / v[~m].mean() * 100
            p = _bonferroni(p, m_tests)
            if p < ALPHA_SCAN and abs(rel) >= MIN_RELATIVE_PCT:
                ci = bootstrap_ci(lambda i, v=v, m=m: _rel(v[i], m[i]), len(v))
                findings.append(
                    Finding(
                        family="recovery",
                        key=f"combo_{combo}_{short}",
                        summary=(
                            f"Days of {combo.replace('+', ' + ')} were followed by {rel:+.0f}% {label} "
                            f"({v[m].mean():.1f} vs {v[~m].mean():.1f}, {int(m.sum())} vs {int((~m).sum())} nights "
                            f"{_d(days.day.min())}–{_d(days.day.max())}, {_fmt_p(p)}, {m_tests} comparisons)."
                        ),
                        effect=round(rel, 1),
                        unit="% relative",
                        n=len(v),
                        p_value=p,
                        ci_low=round(ci[0], 1),
                        ci_high=round(ci[1], 1),
                        evidence={"combo_days": int(m.sum()), "comparisons": m_tests},
                    )
                )
    return FamilyResult("recovery", tuple(findings), days, "; ".join(notes) or "no effect beyond noise")


def _rel(values: np.ndarray, mask: np.ndarray) -> float:
    if mask.all() or not mask.any():
        return math.nan
    return float((values[mask].mean() / values[~mask].mean() - 1) * 100)


# ----------------------------------------------------------------------------- overload


def overload_episodes(frame: pd.DataFrame, column: str, threshold: float = OVERLOAD_ACR) -> list[tuple[int, int]]:
    """(first, last) row positions of runs of days with ACR above `threshold`, gaps of <= 2 days bridged."""
    above = np.flatnonzero(frame[column].to_numpy(float) > threshold)
    episodes: list[tuple[int, int]] = []
    for i in above:
        if episodes and i - episodes[-1][1] <= 3:
            episodes[-1] = (episodes[-1][0], int(i))
        else:
            episodes.append((int(i), int(i)))
    return episodes


def overload(
    con: duckdb.DuckDBPyConnection, athlete_id: int, since: date | None, *, variant: str = OVERLOAD_VARIANT
) -> FamilyResult:
    """ACR above 1.4 for at least 10 days (about two weeks) while HRV falls: HRV of the episode's last 7 days
    vs the 14 days before it (permutation test), at least a 10% drop."""
    column = acr_column(variant)
    snaps = daily_snapshots(con, [athlete_id])
    data = _since_filter(snaps, since)[["day", "load", "training_load", column, "hrv_ms", "resting_hr"]]
    findings: list[Finding] = []
    episodes = [(a, b) for a, b in overload_episodes(data, column) if b - a + 1 >= OVERLOAD_MIN_DAYS]
    notes = [] if episodes else [f"no {OVERLOAD_MIN_DAYS}+ day run of {variant} ACR above {OVERLOAD_ACR}"]
    full = snaps.set_index("day")
    for a, b in episodes:
        start, end = data.day.iloc[a], data.day.iloc[b]
        baseline = full.loc[start - pd.Timedelta(days=14) : start - pd.Timedelta(days=1), "hrv_ms"].dropna()
        late = full.loc[end - pd.Timedelta(days=6) : end, "hrv_ms"].dropna()
        if len(baseline) < 7 or len(late) < 5:
            notes.append(f"episode {_d(start)}–{_d(end)}: too little HRV before it")
            continue
        values = np.r_[late.to_numpy(), baseline.to_numpy()]
        mask = np.r_[np.ones(len(late), bool), np.zeros(len(baseline), bool)]
        diff, p = mean_difference_test(values, mask)
        rel = diff / baseline.mean() * 100
        if p < ALPHA and rel <= -MIN_HRV_DROP_PCT:
            ci = bootstrap_ci(lambda i, v=values, m=mask: _rel(v[i], m[i]), len(values))
            peak = data.iloc[a : b + 1][column].max()
            findings.append(
                Finding(
                    family="overload",
                    key="overload_block",
                    summary=(
                        f"Acute:chronic ratio ({variant}) stayed above {OVERLOAD_ACR} for {b - a + 1} days, "
                        f"{_d(start)}–{_d(end)} (peak {peak:.2f}), while HRV fell {abs(rel):.0f}% "
                        f"({baseline.mean():.0f} → {late.mean():.0f} ms, {_fmt_p(p)})."
                    ),
                    effect=round(rel, 1),
                    unit="% HRV by episode end",
                    n=len(values),
                    p_value=p,
                    ci_low=round(ci[0], 1),
                    ci_high=round(ci[1], 1),
                    evidence={"start": _d(start), "end": _d(end), "days": b - a + 1, "peak_acr": round(peak, 2)},
                )
            )
        else:
            notes.append(f"episode {_d(start)}–{_d(end)}: HRV change {rel:+.0f}% ({_fmt_p(p)}) not a decline")
    data = data.rename(columns={column: "acr"})
    return FamilyResult("overload", tuple(findings), data, "; ".join(notes) or "no effect beyond noise")


# ----------------------------------------------------------------------------- performance predictors


def _pr_sessions(con: duckdb.DuckDBPyConnection, athlete_id: int) -> pd.DataFrame:
    sets = strength_top_sets(con, athlete_id)
    if sets.empty:
        return pd.DataFrame(columns=["activity_id", "day", "title", "pr", "rest_days_before", "sleep_hours", "protein"])
    # Same exercise, same load, same 4-week block: over longer spans capacity grows, and a later session at
    # an old load would show "extra reps" that are only progression.
    day = pd.to_datetime(sets.day)
    sets["block"] = (day - day.min()).dt.days // 28
    group_mean = sets.groupby(["name", "weight", "block"], dropna=False).reps.transform("mean")
    group_size = sets.groupby(["name", "weight", "block"], dropna=False).reps.transform("size")
    sets["rep_resid"] = np.where(group_size >= 2, sets.reps - group_mean, np.nan)
    sessions = sets.groupby(["activity_id", "day", "title"], as_index=False).agg(
        pr=("is_pr", "any"), rest_days_before=("rest_days_before", "first"), rep_resid=("rep_resid", "mean")
    )
    snaps = daily_snapshots(con, [athlete_id])[["day", "sleep_hours", "protein_g"]]
    sessions["day"] = pd.to_datetime(sessions.day)
    sessions = sessions.merge(snaps[["day", "sleep_hours"]], on="day", how="left")
    prev = snaps.assign(day=snaps.day + pd.Timedelta(days=1)).rename(columns={"protein_g": "protein_prev_day"})
    sessions = sessions.merge(prev[["day", "protein_prev_day"]], on="day", how="left")
    first = sessions.day.min()
    return sessions[sessions.day >= first + pd.Timedelta(days=14)].reset_index(drop=True)


def _candidate_rules(s: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Readable threshold rules over rest days, sleep and protein, singly and in pairs."""
    rest = s.rest_days_before.fillna(0).to_numpy(float)
    sleep = s.sleep_hours.to_numpy(float)
    protein = s.protein_prev_day.to_numpy(float)
    singles: list[tuple[str, np.ndarray]] = [(f"≥{k} rest days", rest >= k) for k in (1, 2, 3)]
    singles += [(f">{h:g} h sleep", sleep > h) for h in (6.5, 7.0, 7.5, 8.0)]
    finite = protein[np.isfinite(protein)]
    if len(finite):
        for q in (0.25, 0.5, 0.75):
            grams = round(float(np.quantile(finite, q)) / 5) * 5
            singles.append((f"≥{grams:g} g protein the day before", protein >= grams))
    rules = list(singles)
    for (na, a), (nb, b) in combinations(singles, 2):
        if na.split()[1:] != nb.split()[1:]:  # never pair two thresholds of the same predictor
            rules.append((f"{na} + {nb}", a & b))
    return rules


def _max_t(outcome: np.ndarray, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standardized mean differences (rule days - other days) for every rule, observed and under N_PERM
    label permutations; the null is the maximum over rules, so choosing the best rule is paid for."""
    sizes = matrix.sum(axis=1)

    def stats(y: np.ndarray) -> np.ndarray:
        hits = y @ matrix.T
        total = y.sum(axis=-1, keepdims=True)
        diff = hits / sizes - (total - hits) / (len(outcome) - sizes)
        sd = y.std(axis=-1, keepdims=True)
        se = sd * np.sqrt(1 / sizes + 1 / (len(outcome) - sizes))
        return np.where(se > 0, diff / np.where(se > 0, se, 1), 0.0)

    return stats(outcome), stats(outcome[_perm_index(len(outcome))]).max(axis=1)


def performance(con: duckdb.DuckDBPyConnection, athlete_id: int, since: date | None) -> FamilyResult:
    """What precedes PR sessions. Outcome: top-set reps vs the same exercise at the same load in the same 4-week block (mean per
    session; PR flags when loads never repeat). Every readable rule over rest days, sleep and protein is
    tested; the best is judged by a max-T permutation test, and it must also raise the PR rate."""
    sessions = _since_filter(_pr_sessions(con, athlete_id), since)
    sessions["rule"] = False
    n_pr = int(sessions.pr.sum()) if len(sessions) else 0
    if len(sessions) < 2 * MIN_GROUP or n_pr < 4:
        note = f"{len(sessions)} strength sessions with {n_pr} PR sessions (need {2 * MIN_GROUP} and 4)"
        return FamilyResult("performance", (), sessions, note)
    resid = sessions.rep_resid.to_numpy(float)
    use_reps = np.isfinite(resid).sum() >= 2 * MIN_GROUP
    keep = np.isfinite(resid) if use_reps else np.ones(len(sessions), bool)
    sub = sessions[keep].reset_index(drop=True)
    outcome = resid[keep] if use_reps else sub.pr.to_numpy(float)
    rules = [(name, mask) for name, mask in _candidate_rules(sub) if 5 <= mask.sum() <= len(mask) - 5]
    if not rules:
        return FamilyResult("performance", (), sessions, "no rule splits the sessions into groups of 5+")
    observed, null = _max_t(outcome, np.array([m for _, m in rules], dtype=float))
    best = int(np.argmax(observed))
    p = float((1 + np.sum(null >= observed[best] - 1e-12)) / (1 + len(null)))
    name, mask = rules[best]
    pr = sub.pr.to_numpy(bool)
    rate_in, rate_out = pr[mask].mean(), pr[~mask].mean()
    sessions.loc[np.flatnonzero(keep)[mask], "rule"] = True
    extra = _diff(outcome, mask)
    note = f"best rule '{name}': {extra:+.2f} {'reps' if use_reps else 'PR rate'}, PR rate {rate_in:.0%} vs {rate_out:.0%} ({_fmt_p(p)})"
    big_enough = extra >= MIN_EXTRA_REPS if use_reps else extra >= MIN_PR_RATE_GAP
    findings: list[Finding] = []
    if p < ALPHA and big_enough and rate_in > rate_out:
        ci = bootstrap_ci(lambda i: _diff(outcome[i], mask[i]), len(outcome))
        last = sub[mask & pr].iloc[-1] if (mask & pr).any() else sub[mask].iloc[-1]
        effect_text = f"top sets ran {extra:+.1f} reps at the same load" if use_reps else ""
        findings.append(
            Finding(
                family="performance",
                key="pr_after_rest_and_sleep" if "rest" in name and "sleep" in name else "pr_predictor",
                summary=(
                    f"PRs follow {name}: {int((mask & pr).sum())} of {int(mask.sum())} such sessions set a PR vs "
                    f"{int((~mask & pr).sum())} of {int((~mask).sum())} others"
                    f"{'; ' + effect_text if effect_text else ''} ({_fmt_p(p)}, best of {len(rules)} rules); PR "
                    f"sessions averaged {sub[pr].sleep_hours.mean():.1f} h sleep and "
                    f"{sub[pr].rest_days_before.mean():.1f} rest days before vs {sub[~pr].sleep_hours.mean():.1f} h "
                    f"and {sub[~pr].rest_days_before.mean():.1f}; latest: {_d(last.day)} {last.title}."
                ),
                effect=round(extra, 2) if use_reps else round(float(rate_in - rate_out) * 100, 1),
                unit="extra reps on top sets" if use_reps else "PR-rate points",
                n=len(sub),
                p_value=p,
                ci_low=round(ci[0], 2),
                ci_high=round(ci[1], 2),
                evidence={
                    "rule": name,
                    "pr_rate_rule": round(float(rate_in), 3),
                    "pr_rate_other": round(float(rate_out), 3),
                    "rules_tested": len(rules),
                },
            )
        )
    return FamilyResult("performance", tuple(findings), sessions, note)


# ----------------------------------------------------------------------------- entry points

FAMILIES: dict[str, Callable[[duckdb.DuckDBPyConnection, int, date | None], FamilyResult]] = {
    "sequencing": sequencing,
    "interference": interference,
    "synergy": synergy,
    "recovery": recovery,
    "overload": overload,
    "performance": performance,
}


def _since(con: duckdb.DuckDBPyConnection, athlete_id: int, days: int | None) -> date | None:
    if days is not None and days < 1:
        raise PatternError(f"days={days}: expected a positive number of days or None for all history")
    return window_start(athlete_as_of(con, athlete_id), days)


def analyze_family(
    con: duckdb.DuckDBPyConnection, athlete_id: int, family: str, days: int | None = None
) -> FamilyResult:
    """One family's result (findings, chart data, note) over the last `days` days (None = all)."""
    if family not in FAMILIES:
        raise PatternError(f"family {family!r}: expected one of {', '.join(FAMILIES)}")
    return FAMILIES[family](con, athlete_id, _since(con, athlete_id, days))


def find_patterns(
    con: duckdb.DuckDBPyConnection, athlete_id: int, family: str | None = None, days: int | None = None
) -> list[Finding]:
    """Every finding of one family (or all), strongest first (smallest p, then largest |effect|)."""
    names = list(FAMILIES) if family is None else [family]
    found = [f for name in names for f in analyze_family(con, athlete_id, name, days).findings]
    return strongest(found, limit=len(found))


def strongest(findings: list[Finding], limit: int = 3) -> list[Finding]:
    """The top findings (smallest p, then largest |effect|) for insight cards and the Tier 2 block."""
    return sorted(findings, key=lambda f: (f.p_value, -abs(f.effect)))[:limit]


__all__ = [
    "FAMILIES",
    "FamilyResult",
    "Finding",
    "PatternError",
    "analyze_family",
    "find_patterns",
    "strongest",
]
