"""The statistics every pattern family shares: permutation p-values that stop early, regressions whose
errors may be autocorrelated, detrended correlations, vectorized bootstraps and the FDR control.

Why these choices:
- Permutation p-values use Besag & Clifford's sequential Monte Carlo: permutations are drawn in growing
  batches and the test stops once `STOP_AFTER` permuted statistics reach the observed one (p = h / l).
  A clearly null test stops after a few dozen permutations; a strong one runs all `MAX_PERMUTATIONS`,
  and its p is then only known to be ≤ 1 / (B + 1): `PValue.at_floor` says so and `p_text` prints "≤".
- Permutation batches are cached by (size, batch), from a fixed seed: every test of the same size reuses
  them, and results are deterministic.
- Days are not independent (HRV and sleep are autocorrelated). Regressions are Prais–Winsten whitened
  with the lag-1 autocorrelation of their residuals (or a φ estimated on a longer series) before the
  Freedman–Lane permutation: under AR(1) errors the whitened residuals are exchangeable again.
- Weekly correlations are computed on detrended, prewhitened ranks: two series that both drift over the
  weeks (fitness up, riding up) are not "correlated" because of it.
- Bootstraps resample with multinomial counts, so every resample is one weighted sum (no Python loop).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.stats import false_discovery_control, rankdata

SEED = 20170101
BATCHES = (99, 300, 600, 1000, 3000)  # cumulative 4,999 permutations: the floor is 1/5000 = 0.0002
MAX_PERMUTATIONS = sum(BATCHES)
STOP_AFTER = 10  # Besag-Clifford h: stop once this many permuted statistics reach the observed one
N_BOOT = 1000
MAX_PHI = 0.9


@dataclass(frozen=True)
class PValue:
    """A permutation p-value with how it was obtained: `at_floor` means no permutation reached the statistic,
    so the true p is only known to be at most `value` = 1 / (permutations + 1)."""

    value: float
    permutations: int
    at_floor: bool

    @property
    def text(self) -> str:
        return p_text(self.value, self.at_floor)


def p_text(value: float, at_floor: bool = False) -> str:
    """'p = 0.013', or 'p ≤ 0.0002' when the permutations could not go lower."""
    shown = f"{value:.4f}" if value < 0.01 else f"{value:.3f}"
    return f"p ≤ {shown}" if at_floor else f"p = {shown}"


@lru_cache(maxsize=40)  # 8 sizes × 5 batches: up to about 240 MB at 104 weeks of days
def _batch(n: int, index: int) -> np.ndarray:
    """Batch `index` of random permutations of range(n): BATCHES[index] rows, seeded by (SEED, n, index).

    Stored as intp, numpy's own index type: int32 indices were converted on every gather, a third of its cost."""
    rng = np.random.default_rng((SEED, n, index))
    perms = rng.permuted(np.tile(np.arange(n, dtype=np.intp), (BATCHES[index], 1)), axis=1)
    perms.setflags(write=False)
    return perms


def sequential_p(null_stats: Callable[[np.ndarray], np.ndarray], observed: float, n: int) -> PValue:
    """Two-sided permutation p of `observed`; `null_stats(perm_rows)` returns the statistic for each row of a
    (k × n) array of permutations. Stops early (Besag-Clifford) once STOP_AFTER permutations reach it."""
    reached = 0
    done = 0
    target = abs(observed) - 1e-12
    for index in range(len(BATCHES)):
        hits = np.abs(null_stats(_batch(n, index))) >= target
        running = reached + np.cumsum(hits)
        if running[-1] >= STOP_AFTER:
            stop = int(np.argmax(running >= STOP_AFTER)) + 1
            return PValue(STOP_AFTER / (done + stop), done + stop, at_floor=False)
        reached = int(running[-1])
        done += len(hits)
    return PValue((reached + 1) / (done + 1), done, at_floor=reached == 0)


def lag1_autocorrelation(values: np.ndarray) -> float:
    """Lag-1 autocorrelation of a series (0 for fewer than 4 values), clipped to [0, MAX_PHI]."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) < 4:
        return 0.0
    v = v - v.mean()
    denom = float(v @ v)
    return 0.0 if denom == 0 else float(np.clip((v[1:] @ v[:-1]) / denom, 0.0, MAX_PHI))


def detrended(values: np.ndarray, time: np.ndarray | None = None) -> np.ndarray:
    """Residuals of a straight-line fit on time (default: position)."""
    v = np.asarray(values, dtype=float)
    t = np.arange(len(v), dtype=float) if time is None else np.asarray(time, dtype=float)
    design = np.column_stack([np.ones(len(v)), t])
    return v - design @ np.linalg.lstsq(design, v, rcond=None)[0]


def whiten(matrix: np.ndarray, phi: float, continues: np.ndarray | None = None) -> np.ndarray:
    """Prais-Winsten transform of the rows of a (n × k) array for AR(1) errors with coefficient phi.

    `continues[i]` says row i directly follows row i-1 (the next day); a row after a gap starts a new
    segment and is scaled by sqrt(1 - phi²) like the first row.
    """
    m = np.asarray(matrix, dtype=float)
    if phi <= 0:
        return m
    follows = np.ones(len(m), bool) if continues is None else np.asarray(continues, bool).copy()
    follows[0] = False
    out = m * math.sqrt(1 - phi**2)
    prev = np.r_[0, np.arange(len(m) - 1)]
    out[follows] = m[follows] - phi * m[prev[follows]]
    return out


def residualized(base: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each column minus its projection on the span of `base`'s columns (rank-deficient bases included).

    Projects through the thin SVD's left vectors, never an n × n hat matrix: O(n·k²) instead of O(n²).
    """
    u, s, _ = np.linalg.svd(base, full_matrices=False)
    basis = u[:, s > s.max() * max(base.shape) * np.finfo(float).eps] if s.size and s.max() > 0 else u[:, :0]
    return tuple(c - basis @ (basis.T @ c) for c in columns)


@dataclass(frozen=True)
class RegressionTest:
    """The coefficient of a 0/1 flag in y ~ 1 + controls + flag (GLS under AR(1) errors) and its p."""

    effect: float
    p: PValue
    phi: float
    design: np.ndarray  # whitened [1, controls, flag], for the bootstrap
    response: np.ndarray  # whitened y


def flag_effect_test(
    y: np.ndarray,
    controls: np.ndarray | None,
    flag: np.ndarray,
    *,
    phi: float | None = None,
    continues: np.ndarray | None = None,
) -> RegressionTest:
    """Freedman-Lane permutation test of the flag's coefficient, after whitening with phi (default: the
    lag-1 autocorrelation of the full model's residuals, in the rows' time order)."""
    y = np.asarray(y, dtype=float)
    flag = np.asarray(flag, dtype=float)
    base = np.ones((len(y), 1))
    if controls is not None and np.size(controls):
        base = np.column_stack([base, np.asarray(controls, dtype=float)])
    full = np.column_stack([base, flag])
    if phi is None:
        phi = lag1_autocorrelation(y - full @ np.linalg.lstsq(full, y, rcond=None)[0])
    wy = whiten(y, phi, continues)
    wfull = whiten(full, phi, continues)
    r_flag, r_y = residualized(wfull[:, :-1], wfull[:, -1], wy)
    denom = float(r_flag @ r_flag)
    effect = float(r_flag @ r_y) / denom
    p = sequential_p(lambda perms: (r_y[perms] @ r_flag) / denom, effect, len(y))
    return RegressionTest(effect, p, phi, wfull, wy)


@lru_cache(maxsize=64)
def resample_counts(n: int, n_boot: int = N_BOOT, salt: int = 0) -> np.ndarray:
    """(n_boot × n) counts: how often each row appears in each bootstrap resample (fixed seed, cached by size)."""
    draws = np.random.default_rng((SEED, n, salt)).integers(0, n, (n_boot, n))
    flat = (draws + n * np.arange(n_boot)[:, None]).ravel()
    counts = np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)
    counts.setflags(write=False)
    return counts


def bootstrap_coefficients(design: np.ndarray, y: np.ndarray, n_boot: int = N_BOOT) -> np.ndarray:
    """Last-column OLS coefficient on every pairs-bootstrap resample, all at once (weighted normal equations)."""
    w = resample_counts(len(y), n_boot)
    k = design.shape[1]
    outer = (design[:, :, None] * design[:, None, :]).reshape(len(y), k * k)
    xtx = (w @ outer).reshape(n_boot, k, k)  # one BLAS product for every resample's normal equations
    xty = w @ (design * y[:, None])
    ok = np.abs(np.linalg.det(xtx)) > 1e-9
    coef = np.full(n_boot, np.nan)
    coef[ok] = np.linalg.solve(xtx[ok], xty[ok][..., None])[:, -1, 0]
    return coef


def coefficient_interval(test: RegressionTest, scale: float = 1.0) -> tuple[float, float]:
    """95% pairs-bootstrap interval of a regression test's flag coefficient, times `scale` (e.g. 100 / baseline)."""
    lo, hi = percentile_interval(bootstrap_coefficients(test.design, test.response))
    return lo * scale, hi * scale


def percentile_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of the finite values (NaN, NaN when none)."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return (math.nan, math.nan)
    lo, hi = np.percentile(v, [(1 - level) / 2 * 100, (1 + level) / 2 * 100])
    return float(lo), float(hi)


def detrended_correlation_test(x: np.ndarray, y: np.ndarray) -> tuple[float, PValue]:
    """Rank correlation of two weekly series after removing each one's linear trend and AR(1) memory
    (prewhitening): trends and slow drifts shared by both series do not count as association."""
    # Weekly means that are equal on paper differ in the last bits depending on summation order: rounding first
    # makes them ties, so the ranks do not depend on how the means were added up.
    rx = rankdata(np.round(np.asarray(x, dtype=float), 9))
    ry = rankdata(np.round(np.asarray(y, dtype=float), 9))
    wx = _prewhitened(rx)
    wy = _prewhitened(ry)
    wx = (wx - wx.mean()) / (wx.std() or 1.0)
    wy = (wy - wy.mean()) / (wy.std() or 1.0)
    observed = float((wx * wy).mean())
    return observed, sequential_p(lambda perms: (wy[perms] * wx).mean(axis=1), observed, len(wx))


def _prewhitened(values: np.ndarray) -> np.ndarray:
    resid = detrended(values)
    phi = lag1_autocorrelation(resid)
    return resid[1:] - phi * resid[:-1] if phi > 0 else resid[1:]


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """BH-adjusted p-values (q-values), via scipy.stats.false_discovery_control."""
    if not p_values:
        return []
    return [float(q) for q in false_discovery_control(np.asarray(p_values, dtype=float), method="bh")]
