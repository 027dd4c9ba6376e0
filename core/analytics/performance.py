"""Performance predictors: what precedes PR sessions? Every readable rule over rest days, sleep the night
before and protein the day before, singly and in pairs, is tested; the best one must survive a max-T
permutation test (the null is the best rule on shuffled outcomes, so the search is paid for), within the
training blocks the rep residuals are centred in.

The winning rule's own effect is biased upwards (winner's curse: under a null the best of 30 rules
shows +0.47 reps on average). The reported effect is therefore cross-fitted: the best rule is picked on
every other session and measured on the rest, both ways round, and averaged; its interval bootstraps
that whole pick-and-measure procedure. (A bootstrap bias correction of the maximum was tried first: it
removed only a third of the bias.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from itertools import combinations

import numpy as np
import pandas as pd

from core.analytics.findings import FDR_Q, FamilyResult, Hypothesis
from core.analytics.observations import AthleteData, day_numbers, day_text, mean_by, since_filter
from core.analytics.stats import (
    N_BOOT,
    PValue,
    ar1_phi,
    day_positions,
    percentile_interval,
    resample_counts,
    residual_coordinates,
    sequential_p,
    whiten,
)

MIN_SESSIONS = 16
MIN_PR_SESSIONS = 4
MIN_RULE_GROUP = 5
MIN_EXTRA_REPS = 0.75
MIN_PR_RATE_GAP = 0.25
BLOCK_DAYS = 28  # the training block: reps are compared within it (progression removed), and so is the rule test


def _leave_one_out_mean(cell: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Mean of the other values in each row's cell (NaN for a cell of one): a set is never compared with itself,
    which shrank every effect by (1 − 1/m) in a cell of m sets."""
    size = np.bincount(cell)
    total = np.bincount(cell, values)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(size[cell] >= 2, (total[cell] - values) / (size[cell] - 1), np.nan)


def session_rep_residuals(sets: pd.DataFrame) -> Callable[[np.ndarray], np.ndarray]:
    """A function from every top set's reps to each session's mean rep residual: reps vs the other sets of the same
    exercise at the same load in the same 4-week block (progression removed); a set alone in its cell has no
    reference (the same load in another block was tried: progression made it noise that hid a planted effect).
    The cells are worked out once; `bench calibration` reuses them."""
    day = sets.day.to_numpy().astype("datetime64[D]")
    block = _blocks(day, day.min())
    cell = sets.groupby([sets.name, sets.weight, block], dropna=False, sort=False).ngroup().to_numpy()
    activity = sets.activity_id.to_numpy()
    new_session = np.r_[True, activity[1:] != activity[:-1]]
    session = np.cumsum(new_session) - 1
    count = int(new_session.sum())

    def residuals(reps: np.ndarray) -> np.ndarray:
        return mean_by(session, reps - _leave_one_out_mean(cell, reps), count)

    return residuals


def _blocks(day: np.ndarray, origin: np.datetime64) -> np.ndarray:
    return np.asarray((day - origin).astype(np.int64) // BLOCK_DAYS)


def pr_sessions(data: AthleteData) -> pd.DataFrame:
    """Strength sessions with PR flag, rest days before, sleep that night, protein the day before, and rep_resid
    (`session_rep_residuals`).

    Group means by counts (bincount) and sessions by runs of rows (the sets come ordered by session): the
    family runs on every page view, and pandas' groupby/merge machinery cost more than the statistics.
    """
    sets = data.sets
    if sets.empty:
        return pd.DataFrame(columns=["activity_id", "day", "title", "pr", "rest_days_before", "sleep_hours"])
    day = sets.day.to_numpy().astype("datetime64[D]")
    activity = sets.activity_id.to_numpy()
    new_session = np.r_[True, activity[1:] != activity[:-1]]
    starts = np.flatnonzero(new_session)
    rep_resid = session_rep_residuals(sets)(sets.reps.to_numpy(float))
    days = pd.DatetimeIndex(day[starts])
    snaps = data.snapshots.set_index(pd.DatetimeIndex(data.snapshots.day.to_numpy().astype("datetime64[D]")))
    sessions = pd.DataFrame(
        {
            "activity_id": activity[starts],
            "day": sets.day.to_numpy()[starts],
            "title": sets.title.to_numpy()[starts],
            "pr": np.logical_or.reduceat(sets.is_pr.to_numpy(bool), starts),
            "rest_days_before": sets.rest_days_before.iloc[starts].reset_index(drop=True),
            "rep_resid": rep_resid,
            "block": _blocks(day[starts], day.min()),
            "sleep_hours": snaps.sleep_hours.reindex(days).to_numpy(float),
            "protein_prev_day": snaps.protein_g.reindex(days - pd.Timedelta(days=1)).to_numpy(float),
        }
    )
    sessions = sessions[day[starts] >= day.min() + np.timedelta64(14, "D")]
    return sessions.sort_values(["day", "activity_id"], kind="stable").reset_index(drop=True)


def candidate_rules(s: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Readable threshold rules over rest days, sleep and protein, singly and in pairs."""
    rest = s.rest_days_before.fillna(0).to_numpy(float)
    sleep = s.sleep_hours.to_numpy(float, na_value=np.nan)
    protein = s.protein_prev_day.to_numpy(float, na_value=np.nan)
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


def rule_statistics(
    y: np.ndarray, matrix: np.ndarray, weights: np.ndarray | None = None, rows: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(standardized, raw) mean differences, rule sessions minus the others, for every rule (columns), one row
    per row of `weights` (k × n bootstrap counts; default one row of ones), counting only the sessions in `rows`.

    Every weighted sum the statistic needs (per-rule counts and sums, the total, the sum of squares) comes from
    one matrix product of the weights with [rules·y, rules, y, y², 1]: no k × n temporaries.
    """
    y = np.asarray(y, dtype=float)
    w = np.ones((1, len(y))) if weights is None else weights
    r = len(matrix)
    columns = np.column_stack([matrix.T * y[:, None], matrix.T, y, y * y, np.ones(len(y))])
    if rows is not None:
        columns = columns * rows[:, None]
    sums_all = w @ columns
    sums, inside = sums_all[:, :r], sums_all[:, r : 2 * r]
    total, squares, total_w = (sums_all[:, 2 * r + i, None] for i in range(3))
    outside = total_w - inside
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = sums / inside - (total - sums) / outside
        mean = total / total_w
        sd = np.sqrt(np.maximum(squares / total_w - mean * mean, 0.0))
        t = diff / (sd * np.sqrt(1 / inside + 1 / outside))
    ok = (inside > 0) & (outside > 0) & np.isfinite(t)
    return np.where(ok, t, -np.inf), np.where(ok, diff, np.nan)


def _cross_fit(outcome: np.ndarray, matrix: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per weight row: pick the best rule on one half of the sessions and measure it on the other, both ways, and
    average. The measuring half never took part in the choice, so the search's optimism cannot leak into it."""
    half = (np.arange(len(outcome)) % 2).astype(bool)
    estimates = []
    for pick, measure in ((~half, half), (half, ~half)):
        t_pick, _ = rule_statistics(outcome, matrix, weights, pick)
        _, d_measure = rule_statistics(outcome, matrix, weights, measure)
        estimates.append(d_measure[np.arange(len(weights)), np.argmax(t_pick, axis=1)])
    return np.asarray((estimates[0] + estimates[1]) / 2)


def search_corrected(
    outcome: np.ndarray, matrix: np.ndarray, *, interval: bool = True
) -> tuple[float, tuple[float, float] | None]:
    """Winner's-curse-free effect of the rule search: the cross-fitted estimate (sessions split alternately in time),
    with a percentile interval from bootstrapping the whole split-search-measure procedure (when asked)."""
    point = float(_cross_fit(outcome, matrix, np.ones((1, len(outcome))))[0])
    if not interval:
        return point, None
    return point, percentile_interval(_cross_fit(outcome, matrix, resample_counts(len(outcome), N_BOOT, salt=1)))


def best_rule_test(
    outcome: np.ndarray, matrix: np.ndarray, blocks: np.ndarray, days: np.ndarray
) -> tuple[int, PValue, np.ndarray]:
    """The rule (row of `matrix`) with the largest gain over the other sessions of the same training block, its
    one-sided max-T p, and every rule's raw gain (rule sessions minus the others).

    Rep residuals are centred within each block's cells, so sessions of one block are negatively correlated and
    sum to about zero; shuffling them freely across blocks spread the null too wide (3.5–4 % at a nominal 5 %,
    measured by `bench calibration`). The test therefore runs in the residual space of the block indicators
    (Huh & Jhun, as `stats.flag_effect_test` does for controls): outcome and rules rotated onto the n − b
    coordinates orthogonal to the blocks, each rule's statistic its projection on the permuted coordinates."""
    _, diff_obs = rule_statistics(outcome, matrix)
    indicators = (np.asarray(blocks)[:, None] == np.unique(blocks)[None, :]).astype(float)
    d = day_positions(None, len(outcome), days)
    phi = ar1_phi(outcome - indicators @ np.linalg.lstsq(indicators, outcome, rcond=None)[0], indicators, d)
    wy, wi, wm = whiten(outcome, phi, d), whiten(indicators, phi, d), whiten(matrix.T, phi, d)
    coordinates = residual_coordinates(wi, wy, *wm.T)
    w, rules = coordinates[0], np.array(coordinates[1:])
    norms = np.linalg.norm(rules, axis=1)
    usable = norms > 1e-9 * np.sqrt(len(outcome))  # a rule constant within every block says nothing here
    directions = np.where(usable[:, None], rules / np.where(usable, norms, 1.0)[:, None], 0.0)
    t_obs = np.where(usable, directions @ w, -np.inf)
    best = int(np.argmax(t_obs))
    if not usable.any() or len(w) < 3:
        return best, PValue(1.0, 0, at_floor=False), diff_obs
    m_t = directions[usable].T.astype(np.float32)  # single precision halves the one big product
    w32 = w.astype(np.float32)
    p = sequential_p(
        lambda perms: np.asarray((w32[perms] @ m_t).astype(float).max(axis=1)),
        float(t_obs[best]),
        len(w),
        alternative="greater",
    )
    return best, p, diff_obs


def performance(data: AthleteData, since: date | None) -> FamilyResult:
    """The best rule for extra reps at the same load (or PR rate when loads never repeat), max-T tested."""
    sessions = since_filter(pr_sessions(data), since)
    sessions["rule"] = False
    n_pr = int(sessions.pr.sum()) if len(sessions) else 0
    if len(sessions) < MIN_SESSIONS or n_pr < MIN_PR_SESSIONS:
        note = (
            f"not testable: {len(sessions)} strength sessions with {n_pr} PR sessions "
            f"(need {MIN_SESSIONS} and {MIN_PR_SESSIONS})"
        )
        return FamilyResult("performance", (), sessions, note)
    resid = sessions.rep_resid.to_numpy(float, na_value=np.nan)
    use_reps = np.isfinite(resid).sum() >= MIN_SESSIONS
    keep = np.isfinite(resid) if use_reps else np.ones(len(sessions), bool)
    sub = sessions[keep].reset_index(drop=True)
    outcome = resid[keep] if use_reps else sub.pr.to_numpy(float)
    rules = [(n, m) for n, m in candidate_rules(sub) if MIN_RULE_GROUP <= m.sum() <= len(m) - MIN_RULE_GROUP]
    if not rules:
        return FamilyResult(
            "performance", (), sessions, f"not testable: no rule splits the sessions into groups of {MIN_RULE_GROUP}+"
        )
    matrix = np.array([m for _, m in rules], dtype=float)
    best, p, diff_obs = best_rule_test(outcome, matrix, sub.block.to_numpy(), day_numbers(sub.day))
    name, mask = rules[best]
    raw = float(diff_obs[0, best])
    effect, ci = search_corrected(outcome, matrix, interval=p.value <= FDR_Q)
    pr = sub.pr.to_numpy(bool)
    rate_in, rate_out = pr[mask].mean(), pr[~mask].mean()
    sessions.loc[np.flatnonzero(keep)[mask], "rule"] = True
    unit = "extra reps on top sets" if use_reps else "PR-rate points"
    if not use_reps:
        effect, raw = effect * 100, raw * 100
        ci = None if ci is None else (ci[0] * 100, ci[1] * 100)
    effect = round(effect, 1)
    large = (effect >= MIN_EXTRA_REPS if use_reps else effect >= MIN_PR_RATE_GAP * 100) and rate_in > rate_out
    last = sub[mask & pr].iloc[-1] if (mask & pr).any() else sub[mask].iloc[-1]
    effect_text = f"top sets ran {effect:+.1f} reps at the same load" if use_reps else f"PR rate {effect:+.1f} points"
    hypothesis = Hypothesis(
        family="performance",
        key="pr_after_rest_and_sleep" if "rest" in name and "sleep" in name else "pr_predictor",
        headline=f"PRs follow {name}: {effect_text}",
        detail=(
            f"PRs follow {name}: {int((mask & pr).sum())} of {int(mask.sum())} such sessions set a PR vs "
            f"{int((~mask & pr).sum())} of {int((~mask).sum())} others; {effect_text} cross-fitted to undo the best-of-"
            f"{len(rules)}-rules selection (raw {raw:+.2f}); latest: {day_text(last.day)} {last.title}"
        ),
        effect=effect,
        unit=unit,
        n=len(sub),
        p=p,
        large_enough=bool(large),
        ci=ci,
        evidence={
            "rule": name,
            "raw_effect": round(raw, 2),
            "pr_rate_rule": round(float(rate_in), 3),
            "pr_rate_other": round(float(rate_out), 3),
            "rules_tested": len(rules),
        },
    )
    note = (
        f"best rule '{name}': {effect:+.1f} {unit} after selection correction, PR rate {rate_in:.0%} vs {rate_out:.0%}"
    )
    return FamilyResult("performance", (hypothesis,), sessions, note)
