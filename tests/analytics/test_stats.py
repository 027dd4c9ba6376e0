"""core.analytics.stats and the performance search: tests that hold their level on autocorrelated, trending data,
honest p-values, early stopping, and the winner's-curse correction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.analytics.performance import (
    best_rule_test,
    candidate_rules,
    rule_statistics,
    search_corrected,
    session_rep_residuals,
)
from core.analytics.stats import (
    MAX_PERMUTATIONS,
    PValue,
    ar1_phi,
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


def test_bias_corrected_phi_recovers_the_autocorrelation_that_lag1_underestimates() -> None:
    """Given AR(1) residuals (φ = 0.7) of a regression on weekday dummies and a trend over 112 days, the plain lag-1
    autocorrelation is biased low while ar1_phi is on average at most half as far from 0.7."""
    rng = np.random.default_rng(11)
    days = np.arange(112)
    design = np.column_stack([np.ones(112), (days % 7)[:, None] == np.arange(1, 7), days]).astype(float)
    plain, corrected = [], []
    for _ in range(SIMULATIONS):
        y = _ar1(rng, 112, 0.7)
        e = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        plain.append(lag1_autocorrelation(e))
        corrected.append(ar1_phi(e, design, days))
    assert np.mean(plain) < 0.68 and abs(np.mean(corrected) - 0.7) < abs(np.mean(plain) - 0.7) / 2


def test_signed_phi_is_centred_on_a_true_zero_where_the_clipped_one_sits_above_it() -> None:
    """Given white-noise residuals of a trend and weekday fit over 112 days, the clipped ar1_phi averages above 0
    (half its estimates at 0, the rest positive) while the signed one averages near 0 and goes below it."""
    rng = np.random.default_rng(13)
    days = np.arange(112)
    design = np.column_stack([np.ones(112), (days % 7)[:, None] == np.arange(1, 7), days]).astype(float)
    clipped, signed = [], []
    for _ in range(SIMULATIONS):
        y = rng.normal(size=112)
        e = y - design @ np.linalg.lstsq(design, y, rcond=None)[0]
        clipped.append(ar1_phi(e, design, days))
        signed.append(ar1_phi(e, design, days, signed=True))
    assert min(clipped) == 0.0 and np.mean(clipped) > 0.03
    assert min(signed) < 0.0 and abs(np.mean(signed)) < 0.02


def test_whitening_at_a_negative_phi_gives_unit_variance_rows() -> None:
    """Given unit-variance AR(1) series at φ = −0.5 (a gap of two days in the rows), whitening at −0.5 leaves rows of
    one variance, 1 − φ² as at a positive φ, uncorrelated with their neighbours."""
    from core.analytics.stats import whiten

    rng = np.random.default_rng(14)
    days = np.r_[np.arange(10), np.arange(12, 20)]
    series = np.array([_ar1(rng, 20, -0.5)[days] for _ in range(4000)])
    white = whiten(series.T, -0.5, days).T
    assert np.allclose(white.var(axis=0), 0.75, atol=0.06)
    assert abs(np.mean(white[:, 1:] * white[:, :-1])) < 0.03


def test_residual_space_permutation_holds_its_level_with_many_controls() -> None:
    """Given 40 rows, 8 control columns and no effect, the Huh-Jhun test rejects at p <= 0.05 in 2-9 % of 300 cases
    (plain Freedman-Lane is too narrow by sqrt((n-k)/(n-1)) here)."""
    rng = np.random.default_rng(12)
    controls = rng.normal(size=(40, 8))
    flag = (rng.random(40) < 0.4).astype(float)
    rejections = sum(flag_effect_test(rng.normal(size=40), controls, flag, phi=0.0).p.value <= 0.05 for _ in range(300))
    assert 6 <= rejections <= 27


def test_one_sided_p_never_rewards_the_wrong_direction() -> None:
    """Given a clearly negative statistic, a 'greater' test gives p near 1 and a 'less' test a small p."""
    null = lambda perms: np.linspace(-1, 1, len(perms))  # noqa: E731
    assert sequential_p(null, -0.99, 20, alternative="greater").value > 0.9
    assert sequential_p(null, -0.99, 20, alternative="less").value < 0.05


def test_leave_one_out_residuals_do_not_shrink_a_rep_effect() -> None:
    """Given cells of two sets where one set has 1 more rep, the session residual is +1 (not +0.5 as when each set
    was centred on a mean that included itself)."""
    sets = pd.DataFrame(
        {
            "day": pd.to_datetime(["2026-01-01", "2026-01-03", "2026-01-05", "2026-01-07"]),
            "name": ["Squat", "Squat", "Bench", "Bench"],
            "weight": [100.0, 100.0, 60.0, 60.0],
            "activity_id": [1, 2, 3, 4],
        }
    )
    residuals = session_rep_residuals(sets)(np.array([9.0, 8.0, 6.0, 7.0]))
    assert residuals == pytest.approx([1.0, -1.0, -1.0, 1.0])


def test_the_rule_search_compares_sessions_within_their_training_block() -> None:
    """Given rep residuals centred within 4-week blocks (negatively correlated inside a block), the max-T test
    runs in the blocks' residual space: a level shift per block changes nothing, and on null data the search holds
    its level (free shuffling across blocks rejected 3.5 % at a nominal 5 %)."""
    rng = np.random.default_rng(4)
    n, rules = 28, 12
    blocks = np.repeat(np.arange(4), 7)
    days = np.arange(n) * 3
    matrix = (rng.random((rules, n)) < 0.4).astype(float)
    y = rng.normal(size=n)
    shifted = y + np.array([3.0, -2.0, 0.5, 7.0])[blocks]
    assert best_rule_test(shifted, matrix, blocks, days)[1].value == pytest.approx(
        best_rule_test(y, matrix, blocks, days)[1].value
    )
    p = []
    for _ in range(SIMULATIONS):
        noise = rng.normal(size=n)
        centred = noise - np.bincount(blocks, noise)[blocks] / 7  # what within-block centring leaves
        p.append(best_rule_test(centred, matrix, blocks, days)[1].value)
    assert 0.02 <= np.mean(np.array(p) <= 0.05) <= 0.09


def test_calibration_bench_runs_small() -> None:
    """The calibration benchmark's designs run every family's test on null data and give p-values in (0, 1]."""
    from core.benchmarks import calibration

    designs = calibration.designs(calibration.athlete(16), calibration.athlete(52))
    assert {d.family for d in designs} >= {"recovery", "sequencing", "synergy", "interference", "overload", "effort"}
    rng = np.random.default_rng(13)
    for design in designs:
        p = design.p_value(calibration.null_outcomes(design.days, 0.5, 1, rng)[0])
        assert 0 < p <= 1
    assert calibration.wilson_interval(0, 300)[1] == pytest.approx(0.0126, abs=1e-3)


def test_a_weekly_correlation_with_a_few_huge_blocks_holds_its_level_at_5_percent() -> None:
    """Given the swim-volume blocks of the calibration athlete (a few very large 4-week blocks) and independent
    noise, when 1,000 null series are tested, then p ≤ 0.05 in at most 7 % (whitening at φ̂ + 1 se and permuting
    gave 8.8 %), and the same data always get the same p."""
    from core.benchmarks import calibration

    designs = calibration.designs(calibration.athlete(16), calibration.athlete(52))
    swim = next(d for d in designs if d.test == "swim_volume_upper_strength")
    outcomes = calibration.null_outcomes(swim.days, 0.0, 1000, np.random.default_rng(5))
    p = np.array([swim.p_value(y) for y in outcomes])
    assert 0.03 <= (p <= 0.05).mean() <= 0.07
    assert swim.p_value(outcomes[0]) == p[0]


def test_overload_contrast_allows_for_hrv_weekday_rhythm_and_trend_learnt_outside_the_episode() -> None:
    """Given HRV that is exactly a weekday rhythm and a trend, 3 ms higher over the episode's 21 days and 5 ms lower
    again in its last 7, when the episode is tested, then the effect is exactly −5 ms: the rhythm and trend, learnt
    with the outside days, and the 21 days' own level do not enter the contrast."""
    from core.analytics.overload import episode_design, outside_days

    days = pd.date_range("2026-01-01", periods=120, freq="D")
    number = np.arange(120)
    hrv = 60 + 0.05 * number + np.array([0, -3, 2, -2, 6, 4, -5])[days.day_of_week]
    start, end = pd.Timestamp("2026-03-01"), pd.Timestamp("2026-03-14")
    snaps = pd.DataFrame({"day": days, "hrv_ms": hrv})
    outside = outside_days(snaps, [(start, end)])
    baseline, late, rows, design = episode_design(snaps.day, hrv, start, end, outside)
    assert baseline.sum() == 14 and late.sum() == 7 and not (outside & (baseline | late)).any()
    shifted = hrv + 3.0 * (baseline | late) - 5.0 * late
    assert design.test(shifted[rows], 0.3).effect == pytest.approx(-5.0, abs=1e-9)


def test_weekly_whitening_is_chosen_from_x_alone_and_keeps_the_null_spread_steady() -> None:
    """Given a smooth weekly x (a level shift halfway), when φ_w is chosen, then it depends on x only (not its scale
    or level), and at that φ_w the exact null variance of y along x stays within 10 % of the i.i.d. value for every
    true φ in [0, 0.95] (whitening at y's own φ̂ from 14 points let it swing with φ̂'s error)."""
    from core.analytics.stats import PHI_GRID, column_basis, steadiest_whitening, whiten

    n = 14
    x = np.r_[np.full(7, 170.0), np.full(7, 280.0)] + np.random.default_rng(3).normal(0, 20, n)
    phi_w = steadiest_whitening(x)
    assert steadiest_whitening(3 * x + 50) == phi_w
    w = whiten(np.eye(n), phi_w)
    q = column_basis(w @ np.column_stack([np.ones(n), np.arange(n)]))
    project = np.eye(n) - q @ q.T
    u = project @ w @ x
    u /= np.linalg.norm(u)
    lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    for phi in PHI_GRID:
        s = project @ w @ phi**lags @ w.T @ project
        assert 0.9 <= (u @ s @ u) / (np.trace(s) / (n - 2)) <= 1.1


def test_a_smooth_weekly_x_holds_its_level_under_moderate_autocorrelation() -> None:
    """Given the calibration athlete's zone-2 weeks (a smooth x) and AR(1) noise at φ = 0.5, when 600 null series
    are tested, then p ≤ 0.05 in 3–7.5 % of them (whitening at φ̂ rejected 5.9 % over 12,000; 13 % of the series
    whose φ̂ fell to 0)."""
    from core.benchmarks import calibration

    designs = calibration.designs(calibration.athlete(16), calibration.athlete(52))
    zone2 = next(d for d in designs if d.test == "zone2_hrv")
    outcomes = calibration.null_outcomes(zone2.days, 0.5, 600, np.random.default_rng(8))
    p = np.array([zone2.p_value(y) for y in outcomes])
    assert 0.03 <= (p <= 0.05).mean() <= 0.075


def test_the_chance_of_misses_matches_exact_tests_simulated() -> None:
    """Given exact tests (rejections drawn Binomial(n, level)), when counting rates outside their 99 % intervals
    over many simulated benchmarks, then the share with ≥ k misses matches `chance_of_misses` for k = 1, 2, 3."""
    from core.benchmarks import calibration

    n, rates, runs = 2000, 78, 20_000
    rng = np.random.default_rng(3)
    levels = np.tile(calibration.NOMINAL_LEVELS, rates // 2)
    counts = rng.binomial(n, levels, size=(runs, rates)) / n
    bounds = np.array([calibration.binomial_interval(level, n) for level in levels])
    outside = ((counts < bounds[:, 0]) | (counts > bounds[:, 1])).sum(axis=1)
    for k in (1, 2, 3):
        assert (outside >= k).mean() == pytest.approx(calibration.chance_of_misses(n, rates, k), abs=0.015)
