"""Calibration of the pattern statistics: null rejection rates per test, findings on null athletes, power.

    python -m core bench calibration --quick            # CI size: 200 simulations, 30 null athletes, 6 per power cell
    python -m core bench calibration                    # 2,000 simulations per test and φ, 300 null athletes, 50 per cell
    python -m core bench calibration --part null --athletes 500 --json

Three parts (`--part tests|null|power|all`):
- tests: for every test of every family, how often p ≤ 0.01 and p ≤ 0.05 under the null on its own design;
- null: the share of synthetic null athletes (every schedule, weekday-confounded ones included) with any
  finding at all, with its Wilson 95 % interval;
- power: how often a planted effect is found, per effect size and history length, and how often the same
  athlete without the effect (the control) gets that finding.

Each design is the family's own table for one synthetic athlete (weekday and leg day not confounded, so every
test can run): the rows, their days, the controls and the flag stay as they are; only the outcome column is
replaced by null data — AR(1) noise over calendar days (φ = 0, 0.5, 0.8) plus a weekday rhythm and a trend the
test must remove — and the family's own hypothesis function computes p. A rate is "ok" when it lies in the
binomial 99 % interval of its nominal level for that many simulations. The noise is generated for all
simulations at once (one linear filter over a simulations × days array); each test then runs as the app runs it.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.signal import lfilter
from scipy.stats import binom
from tqdm import tqdm

from core.analytics.effort import effort_design, effort_flags, effort_table
from core.analytics.interference import PAIRS, _block_pairs
from core.analytics.observations import AthleteData, day_numbers, load_athlete_data, since_filter
from core.analytics.overload import episode_design, hrv_phi, outside_days, overload
from core.analytics.patterns import analyze_patterns
from core.analytics.performance import (
    MIN_RULE_GROUP,
    best_rule_test,
    candidate_rules,
    pr_sessions,
    session_rep_residuals,
)
from core.analytics.recovery import nights_table, yoga_design
from core.analytics.sequencing import leg_day_design, rest_day_design, strength_sessions
from core.analytics.stats import FlagDesign, detrended_correlation_test
from core.analytics.synergy import TESTS, weekly_table
from core.benchmarks.synthetic_athletes import (
    SCHEDULES,
    Planted,
    Schedule,
    insert_athlete,
    null_athlete_tables,
    schedule_named,
)
from core.db import connect
from core.eval.report import wilson_interval

PHIS = (0.0, 0.5, 0.8)
NOMINAL_LEVELS = (0.01, 0.05)
QUICK = {"simulations": 200, "athletes": 30, "per_cell": 6}
CALIBRATION_PARTS = ("tests", "null", "power")
POWER_CELLS = (  # (effect key, planted, weeks)
    ("leg_day_run_hr", Planted(leg_pace_pct=6.0), 16),
    ("leg_day_run_hr", Planted(leg_pace_pct=3.0), 16),
    ("leg_day_run_hr", Planted(leg_pace_pct=6.0), 32),
    ("leg_day_run_hr", Planted(leg_pace_pct=3.0), 32),
    ("rpe_after_short_night", Planted(short_night_rpe=1.0), 16),
    ("rpe_after_short_night", Planted(short_night_rpe=1.0), 32),
    ("control", Planted(), 16),
    ("control", Planted(), 32),
)
DESIGN_SEED = 11  # a rotating-schedule athlete whose 52 weeks hold an overload episode (checked in `designs`)


@dataclass(frozen=True)
class Design:
    """One test on its own rows: `p_value(outcome)` runs the family's code with that outcome column."""

    family: str
    test: str
    days: np.ndarray  # day (or week / block) number of each row: the AR(1) noise runs over these
    p_value: Callable[[np.ndarray], float]
    one_sided: bool = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--simulations", type=int, default=2000, help="null simulations per test and φ")
    parser.add_argument("--athletes", type=int, default=300, help="null athletes for the any-finding rate")
    parser.add_argument("--per-cell", type=int, default=50, help="athletes per power cell (effect × weeks)")
    parser.add_argument("--weeks", type=int, default=32, help="history of the null athletes")
    parser.add_argument("--part", choices=(*CALIBRATION_PARTS, "all"), default="all", help="which part to run")
    parser.add_argument("--quick", action="store_true", help="the QUICK sizes (CI)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the null outcomes")


def athlete(weeks: int, seed: int = DESIGN_SEED) -> AthleteData:
    """A synthetic athlete with a rotating leg day (so leg day and weekday are not confounded)."""
    con = connect(":memory:")
    try:
        insert_athlete(con, null_athlete_tables(seed, weeks, schedule=schedule_named("rotating")))
        return load_athlete_data(con, 1)
    finally:
        con.close()


def _rhythm(days: np.ndarray) -> np.ndarray:
    """A weekday rhythm and a trend (in noise standard deviations) that every day-level test must allow for."""
    weekday = (days + 3) % 7  # day 0 = 1970-01-01, a Thursday
    span = max(int(days.max() - days.min()), 1)
    return np.asarray(np.array([0.0, -0.3, 0.2, -0.2, 0.6, 0.4, -0.5])[weekday] + (days - days.min()) / span)


def _flag_design(family: str, test: str, design: FlagDesign, scale: float, level: float, rhythm: bool = True) -> Design:
    """A flag test: the null outcome (plus the weekday rhythm and trend) through the family's own FlagDesign."""
    extra = _rhythm(design.days) if rhythm else 0.0
    return Design(
        family,
        test,
        design.days,
        lambda y: float(design.test(level + scale * (y + extra)).p.value),
        design.alternative != "two-sided",
    )


def _correlation(family: str, test: str, x: np.ndarray) -> Design:
    """A weekly / block correlation: the null y (with a trend) against the real x."""
    ramp = np.linspace(0.0, 1.0, len(x))
    return Design(family, test, np.arange(len(x)), lambda y: float(detrended_correlation_test(x, y + ramp)[1].value))


def designs(short: AthleteData, long: AthleteData) -> list[Design]:
    """Every test of every family on its own design: 16-week tables, 52 weeks where a family needs more."""
    nights = nights_table(short, None)
    sessions = strength_sessions(long, None)  # 16 weeks hold too few sessions after a rest day to test
    rested = sessions.rest_days_before.to_numpy(float) >= 1
    out = [
        _flag_design("recovery", "evening yoga → night (deep sleep, hours, HRV)", yoga_design(nights), 1.5, 18),
        _flag_design("sequencing", "leg day → run HR", leg_day_design(short.runs), 2.5, 150),
        _flag_design("sequencing", "rest day → strength", rest_day_design(sessions, rested), 2.0, 0, rhythm=False),
    ]
    weekly = weekly_table(short, None)
    for x, y_col, key, *_ in TESTS:
        sub = weekly.dropna(subset=[x, y_col])
        sub = sub[sub[x] > 0] if key == "cycling_run_economy" else sub
        out.append(_correlation("synergy", key, sub[x].to_numpy(float)))
    sets = since_filter(long.sets, None).dropna(subset=["e1rm"])
    pairs = _block_pairs(sets, long.volume.fillna({"run_min": 0, "swim_min": 0}))
    for region, sport in PAIRS:
        sub = pairs[(pairs.region == region) & (pairs.sport == sport)]
        out.append(_correlation("interference", f"{sport}_volume_{region}_strength", sub.minutes.to_numpy(float)))
    out.append(_overload(long))
    out.append(_performance(short))
    table = effort_table(short)
    for flag_key, _, flag in effort_flags(table, table.minutes_before.to_numpy(float)):
        known = np.isfinite(flag)
        design = effort_design(table[known].reset_index(drop=True), flag[known].astype(bool))
        out.append(_flag_design("effort", flag_key, design, 0.8, 5))
    return out


def _overload(long: AthleteData) -> Design:
    """The first overload episode of the 52-week athlete: φ from the days outside it, then the one-sided contrast
    of the episode's last 7 days with the 14 before, with the trend and weekday rhythm, as the family runs it."""
    result = overload(long, None)
    start, end = (pd.Timestamp(result.tests[0].evidence[k]) for k in ("start", "end"))
    snaps = long.snapshots
    days = day_numbers(snaps.day)
    extra = _rhythm(days)

    def p_value(y: np.ndarray) -> float:
        hrv = 60 + 6 * (y + extra)
        null = snaps.assign(hrv_ms=hrv)
        outside = outside_days(null, [(start, end)])
        _, _, rows, design = episode_design(snaps.day, hrv, start, end, outside)
        return float(design.test(hrv[rows], hrv_phi(null, outside)).p.value)

    return Design("overload", "overload → HRV falls (one-sided)", days, p_value, True)


def _performance(short: AthleteData) -> Design:
    """The best-rule search on the 16-week athlete's sessions and rules; null reps per top set."""
    sets = short.sets
    residuals = session_rep_residuals(sets)
    activity = sets.activity_id.to_numpy()
    order = activity[np.r_[True, activity[1:] != activity[:-1]]]
    sessions = pr_sessions(short)
    position = pd.Index(order).get_indexer(sessions.activity_id)
    rules = [m for _, m in candidate_rules(sessions) if MIN_RULE_GROUP <= m.sum() <= len(m) - MIN_RULE_GROUP]
    matrix = np.array(rules, dtype=float)
    blocks = sessions.block.to_numpy()
    session_days = day_numbers(sessions.day)

    def p_value(y: np.ndarray) -> float:
        return float(best_rule_test(residuals(np.round(8 + 0.8 * y))[position], matrix, blocks, session_days)[1].value)

    return Design("performance", "best rule → extra reps (max-T, one-sided)", day_numbers(sets.day), p_value, True)


def null_outcomes(days: np.ndarray, phi: float, simulations: int, rng: np.random.Generator) -> np.ndarray:
    """(simulations × rows) AR(1) noise with unit variance over the calendar, read on each row's day."""
    span = int(days.max() - days.min()) + 1
    shocks = rng.normal(0.0, np.sqrt(1 - phi**2), (simulations, span))
    shocks[:, 0] = rng.normal(0.0, 1.0, simulations)
    series = lfilter([1.0], [1.0, -phi], shocks, axis=1)
    return np.asarray(series[:, (days - days.min()).astype(np.intp)])


def binomial_interval(level: float, simulations: int) -> tuple[float, float]:
    """The 99 % binomial interval of the rejection rate for a test at `level` over `simulations` runs."""
    lo, hi = binom.interval(0.99, simulations, level)
    return float(lo) / simulations, float(hi) / simulations


def chance_of_misses(simulations: int, rates: int, outside: int) -> float:
    """P(at least `outside` of `rates` rates fall outside their 99 % intervals) if every test were exact: each rate
    misses with 1 − its interval's exact binomial coverage (half the rates at each nominal level), the rates taken
    as independent. With 78 rates about one miss is expected, so a miss or two is what exact tests look like."""
    miss = [
        1.0
        - float(binom.cdf(hi * simulations, simulations, level) - binom.cdf(lo * simulations - 1, simulations, level))
        for level in NOMINAL_LEVELS
        for lo, hi in [binomial_interval(level, simulations)]
    ]
    count = np.zeros(rates + 1)
    count[0] = 1.0
    for i in range(rates):  # the Poisson-binomial distribution of the number outside, one rate at a time
        q = miss[i % len(miss)]
        count[1:] = count[1:] * (1 - q) + count[:-1] * q
        count[0] *= 1 - q
    return float(count[outside:].sum())


def null_rates(simulations: int, seed: int) -> dict[str, Any]:
    """Part `tests`: the rejection rates of every test on its own design under null outcomes."""
    rng = np.random.default_rng(seed)
    tests = designs(athlete(16), athlete(52))
    rows = []
    total = len(tests) * len(PHIS) * simulations
    bar = tqdm(total=total, desc="calibration tests", unit="test", file=sys.stderr, disable=None)
    for design in tests:
        for phi in PHIS:
            outcomes = null_outcomes(design.days, phi, simulations, rng)
            p = np.empty(simulations)
            for i, y in enumerate(outcomes):
                p[i] = design.p_value(y)
                bar.update()
            p = p[np.isfinite(p)]
            row: dict[str, Any] = {
                "family": design.family,
                "test": design.test,
                "rows": len(design.days),
                "phi": phi,
                "simulations": len(p),
            }
            for level in NOMINAL_LEVELS:
                rate = float((p <= level).mean()) if len(p) else float("nan")
                lo, hi = binomial_interval(level, max(len(p), 1))
                row[f"rate_{level}"] = round(rate, 4)
                row[f"ok_{level}"] = bool(lo <= rate <= hi)
            rows.append(row)
    bar.close()
    ok = sum(r[f"ok_{level}"] for r in rows for level in NOMINAL_LEVELS)
    rates = 2 * len(rows)
    return {
        "simulations": simulations,
        "phis": list(PHIS),
        "rows": rows,
        "ok": ok,
        "rates": rates,
        "chance_if_exact": round(chance_of_misses(simulations, rates, rates - ok), 3),
    }


def _reports(cells: list[tuple[int, int, Schedule, Planted]], desc: str) -> list[Any]:
    """analyze_patterns for each (seed, weeks, schedule, planted) athlete, all in one in-memory database."""
    con = connect(":memory:")
    out = []
    try:
        for athlete_id, (seed, weeks, schedule, planted) in enumerate(
            tqdm(cells, desc=desc, unit="athlete", file=sys.stderr, disable=None), start=1
        ):
            insert_athlete(con, null_athlete_tables(seed, weeks, athlete_id, schedule=schedule, planted=planted))
            out.append(analyze_patterns(con, athlete_id))
    finally:
        con.close()
    return out


def null_athletes(athletes: int, weeks: int, seed: int) -> dict[str, Any]:
    """Part `null`: null athletes over every schedule (weekday-confounded, duplicated, seasonal…): any finding?"""
    cells = [
        (seed * 100_000 + i, weeks, schedule_named(SCHEDULES[i % len(SCHEDULES)]), Planted()) for i in range(athletes)
    ]
    reports = _reports(cells, "null athletes")
    hits = [i for i, r in enumerate(reports) if r.findings]
    per_schedule = {name: sum(1 for i in hits if SCHEDULES[i % len(SCHEDULES)] == name) for name in SCHEDULES}
    lo, hi = wilson_interval(len(hits), athletes)
    return {
        "athletes": athletes,
        "weeks": weeks,
        "with_finding": len(hits),
        "rate": round(len(hits) / max(athletes, 1), 4),
        "wilson_95": [round(lo, 4), round(hi, 4)],
        "by_schedule": per_schedule,
        "tests_per_athlete": round(float(np.mean([r.tests for r in reports])), 1) if reports else 0.0,
        "findings": [[f.key for f in reports[i].findings] for i in hits],
    }


def power(per_cell: int, seed: int) -> dict[str, Any]:
    """Part `power`: how often each planted effect is found (right sign), per size and history; the control
    cells (nothing planted) count any finding at all."""
    rows = []
    for index, (key, planted, weeks) in enumerate(POWER_CELLS):
        cells = [
            (seed * 1_000_000 + index * 10_000 + i, weeks, schedule_named("rotating"), planted) for i in range(per_cell)
        ]
        reports = _reports(cells, f"power {key} {weeks}w")
        if key == "control":
            found = sum(1 for r in reports if r.findings)
        else:
            found = sum(1 for r in reports if any(f.key == key and f.effect > 0 for f in r.findings))
        lo, hi = wilson_interval(found, per_cell)
        size = planted.leg_pace_pct or planted.short_night_rpe
        rows.append(
            {
                "effect": key,
                "size": size,
                "unit": "% pace" if key == "leg_day_run_hr" else ("RPE points" if size else ""),
                "weeks": weeks,
                "athletes": per_cell,
                "found": found,
                "rate": round(found / per_cell, 3),
                "wilson_95": [round(lo, 3), round(hi, 3)],
            }
        )
    return {"rows": rows}


def run(args: argparse.Namespace) -> dict[str, Any]:
    sizes = {k: QUICK[k] if args.quick else getattr(args, k) for k in QUICK}
    parts = CALIBRATION_PARTS if args.part == "all" else (args.part,)
    result: dict[str, Any] = {"quick": bool(args.quick)}
    if "tests" in parts:
        result["tests"] = null_rates(sizes["simulations"], args.seed)
    if "null" in parts:
        result["null"] = null_athletes(sizes["athletes"], args.weeks, args.seed)
    if "power" in parts:
        result["power"] = power(sizes["per_cell"], args.seed)
    return result


def headline(result: dict[str, Any]) -> str:
    parts = []
    if "tests" in result:
        t = result["tests"]
        parts.append(f"{t['ok']}/{t['rates']} null rates inside their 99 % interval ({t['simulations']} sims)")
    if "null" in result:
        n = result["null"]
        lo, hi = n["wilson_95"]
        parts.append(
            f"{n['with_finding']}/{n['athletes']} null athletes with a finding ({n['rate']:.1%}, {lo:.1%}–{hi:.1%})"
        )
    if "power" in result:
        first = result["power"]["rows"][0]
        parts.append(f"power {first['effect']} {first['size']:g}% @{first['weeks']}w {first['rate']:.0%}")
    return "; ".join(parts)


def render(result: dict[str, Any]) -> str:
    lines: list[str] = []
    if "tests" in result:
        t = result["tests"]
        n = t["simulations"]
        intervals = {level: binomial_interval(level, n) for level in NOMINAL_LEVELS}
        lines += [
            f"Null rejection rates, {n} simulations per test and AR(1) φ; binomial 99 % intervals: "
            + ", ".join(f"p ≤ {lv}: {lo:.2%}–{hi:.2%}" for lv, (lo, hi) in intervals.items()),
            f"  {'family':<13} {'test':<48} {'rows':>5} {'φ':>4} {'p≤0.01':>9} {'p≤0.05':>9}",
        ]
        for r in t["rows"]:
            marks = ["" if r[f"ok_{lv}"] else " !" for lv in NOMINAL_LEVELS]
            lines.append(
                f"  {r['family']:<13} {r['test'][:48]:<48} {r['rows']:>5} {r['phi']:>4.1f} "
                f"{r['rate_0.01']:>7.2%}{marks[0]:<2}{r['rate_0.05']:>7.2%}{marks[1]}"
            )
        lines.append(
            f"  {t['ok']} of {t['rates']} rates inside their interval"
            + ("" if t["ok"] == t["rates"] else "; '!' marks one outside")
            + f"; if every test were exact, {t['rates'] - t['ok']} or more outside would happen"
            f" {t['chance_if_exact']:.0%} of the time"
        )
    if "null" in result:
        n = result["null"]
        lo, hi = n["wilson_95"]
        lines += [
            "",
            f"Null athletes ({n['weeks']} weeks, schedules {', '.join(SCHEDULES)}; {n['tests_per_athlete']} tests each):",
            f"  {n['with_finding']} of {n['athletes']} with any finding = {n['rate']:.2%} (Wilson 95 % {lo:.2%}–{hi:.2%})",
            "  by schedule: " + ", ".join(f"{k} {v}" for k, v in n["by_schedule"].items()),
        ]
    if "power" in result:
        lines += ["", "Power (rotating leg day; found = finding with the planted key and sign; control = any finding):"]
        lines.append(f"  {'effect':<24} {'size':>6} {'unit':<11} {'weeks':>5} {'found':>9} {'rate':>6}  Wilson 95 %")
        for r in result["power"]["rows"]:
            lo, hi = r["wilson_95"]
            lines.append(
                f"  {r['effect']:<24} {r['size']:>6g} {r['unit']:<11} {r['weeks']:>5} {r['found']:>4}/{r['athletes']:<4} "
                f"{r['rate']:>6.0%}  {lo:.0%}–{hi:.0%}"
            )
    return "\n".join(lines)
