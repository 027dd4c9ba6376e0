"""core.analytics.stats and the performance search: tests that hold their level on autocorrelated, trending data,
honest p-values, early stopping, and the winner's-curse correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.analytics.performance import candidate_rules, rule_statistics, search_corrected
from core.analytics.stats import (
    MAX_PERMUTATIONS,
    PValue,
    benjamini_hochberg,
    detrended_correlation_test,
    flag_effect_test,
    lag1_autocorrelation,
    sequential_p,
)

SIMULATIONS = 200


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    out = np.empty(n)
    out[0] = rng.normal()
    for t in range(1, n):
        out[t] = phi * out[t - 1] + rng.normal(0, np.sqrt(1 - phi**2))
    return out


def _label_shuffle_p(values: np.ndarray, mask: np.ndarray) -> float:
    """The old test: difference in means with plain label shuffles (independent days assumed)."""
    observed = values[mask].mean() - values[~mask].mean()
    return sequential_p(
        lambda perms: values[perms][:, mask].mean(axis=1) - values[perms][:, ~mask].mean(axis=1), observed, len(values)
    ).value


def test_overload_contrast_holds_its_level_under_autocorrelated_hrv() -> None:
    """Given AR(1) HRV (φ = 0.7) and no effect, when the last 7 of 21 days are compared with the 14 before, then the
    whitened test (φ from the longer history) rejects at p < 0.01 in at most 3% of cases; label shuffles do not."""
    rng = np.random.default_rng(1)
    mask = np.r_[np.zeros(14, bool), np.ones(7, bool)]
    whitened = shuffled = 0
    for _ in range(SIMULATIONS):
        series = _ar1(rng, 221, 0.7)
        phi = lag1_autocorrelation(series[:200])
        window = series[200:]
        whitened += flag_effect_test(window, None, mask.astype(float), phi=phi).p.value < 0.01
        shuffled += _label_shuffle_p(window, mask) < 0.01
    assert whitened / SIMULATIONS <= 0.03
    assert shuffled / SIMULATIONS >= 0.10  # the failure the issue measured (24.5% at φ = 0.7)


def test_trending_weekly_series_are_not_called_correlated() -> None:
    """Given two independent weekly series that both drift (fitness up, volume up) with AR(1) noise, the detrended,
    prewhitened rank correlation rejects at p < 0.01 in at most 3% of cases."""
    rng = np.random.default_rng(2)
    rejections = 0
    weeks = np.arange(16)
    for _ in range(SIMULATIONS):
        x = 10 * weeks + 15 * _ar1(rng, 16, 0.6)
        y = 0.5 * weeks + _ar1(rng, 16, 0.6)
        rejections += detrended_correlation_test(x, y)[1].value < 0.01
    assert rejections / SIMULATIONS <= 0.03


def test_clear_effect_reaches_the_floor_and_says_so() -> None:
    """Given a 3-sd shift, the p-value is the floor 1/(B+1) with at_floor set, and its text reads 'p ≤ 0.0002'."""
    rng = np.random.default_rng(3)
    flag = np.r_[np.zeros(30), np.ones(30)]
    y = rng.normal(size=60) + 3 * flag
    p = flag_effect_test(y, None, flag).p
    assert p == PValue(1 / (MAX_PERMUTATIONS + 1), MAX_PERMUTATIONS, at_floor=True)
    assert p.text == "p ≤ 0.0002"


def test_clearly_null_test_stops_after_few_permutations() -> None:
    """Given no effect, the sequential (Besag-Clifford) test stops long before all permutations and p = 10 / l."""
    rng = np.random.default_rng(4)
    flag = np.r_[np.zeros(30), np.ones(30)]
    p = flag_effect_test(rng.normal(size=60), None, flag).p
    assert p.permutations < 400 and not p.at_floor
    assert p.value == pytest.approx(10 / p.permutations)


def test_benjamini_hochberg_matches_the_hand_computation() -> None:
    """q_(i) = min over j ≥ i of p_(j)·m/j: for p = 0.01, 0.04, 0.03, 0.20 the q-values are 0.04, 0.0533, 0.0533, 0.2."""
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.20]) == pytest.approx([0.04, 0.04 * 4 / 3, 0.04 * 4 / 3, 0.2])
    assert benjamini_hochberg([]) == []


def test_best_rule_effect_is_corrected_for_the_search() -> None:
    """Given null outcomes for sessions with rest/sleep/protein rules, the raw winning rule shows extra reps on
    average (winner's curse), while the cross-fitted estimate is centred on zero and its interval covers zero."""
    rng = np.random.default_rng(5)
    raw_effects, corrected, covered = [], [], []
    for _ in range(30):
        n = 48
        sessions = pd.DataFrame(
            {
                "rest_days_before": rng.integers(0, 4, n),
                "sleep_hours": rng.normal(7.2, 0.7, n),
                "protein_prev_day": rng.normal(140, 15, n),
            }
        )
        rules = [m for _, m in candidate_rules(sessions) if 5 <= m.sum() <= n - 5]
        matrix = np.array(rules, dtype=float)
        outcome = rng.normal(0, 1.2, n)
        t, diff = rule_statistics(outcome, matrix)
        raw = float(diff[0, np.argmax(t[0])])
        raw_effects.append(raw)
        effect, (low, high) = search_corrected(outcome, matrix)
        corrected.append(effect)
        covered.append(low <= 0 <= high)
    assert np.mean(raw_effects) >= 0.3
    assert abs(np.mean(corrected)) <= 0.25 * np.mean(raw_effects)
    assert np.mean(covered) >= 0.9
