"""The statistics every pattern family shares: exact-under-the-null permutation tests of regression coefficients
with autocorrelated errors, bootstraps and the FDR control.

Why these choices (calibration and power measured by `python -m core bench calibration`, see docs/statistics.md):
- Permutation p-values use Besag & Clifford's sequential Monte Carlo: permutations are drawn in growing
  batches and the test stops once `STOP_AFTER` permuted statistics reach the observed one (p = h / l).
  A clearly null test stops after a few dozen permutations; a strong one runs all `MAX_PERMUTATIONS`,
  and its p is then only known to be ≤ 1 / (B + 1): `PValue.at_floor` says so and `p_text` prints "≤".
  One-sided questions ("HRV falls", "the best rule adds reps") are compared one-sidedly.
- Permutation batches are cached by (size, batch), from a fixed seed: every test of the same size reuses
  them, and results are deterministic.
- Controls are handled by Huh & Jhun's (2001) permutation in the residual space: y and the flag are rotated
  onto an orthonormal basis of the space orthogonal to the controls (n − k coordinates) and those
  coordinates are permuted. Under i.i.d. normal errors they are exchangeable, so the null is exact; plain
  Freedman–Lane permutes n residuals that only carry n − k degrees of freedom, and its spread was too narrow by
  √((n − k)/(n − 1)) (1.3 % at a nominal 1 %).
- Days are not independent. Regressions are Prais–Winsten whitened (gaps between rows handled exactly:
  φ^gap) with an AR(1) φ estimated without the known downward bias of the lag-1 autocorrelation of
  regression residuals: φ is the value whose *expected* residual lag-1 autocorrelation, for this design and
  these days, equals the observed one (the expectation is computed exactly from the design's projection).
- Weekly and block correlations: the partial correlation after trend and AR(1) memory, whitened at a fixed φ_w
  chosen from x alone so that the statistic's null spread hardly depends on the true φ; its p a parametric
  bootstrap at y's bias-corrected φ̂. With a dozen points φ̂ is too noisy to whiten with.
- Bootstraps resample with multinomial counts, so every resample is one weighted sum (no Python loop).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from scipy.linalg import lapack
from scipy.signal import lfilter
from scipy.stats import false_discovery_control

SEED = 20170101
BATCHES = (99, 300, 600, 1000, 3000)  # cumulative 4,999 permutations: the floor is 1/5000 = 0.0002
MAX_PERMUTATIONS = sum(BATCHES)
STOP_AFTER = 10  # Besag-Clifford h: stop once this many permuted statistics reach the observed one
BOOTSTRAP_NULLS = 999  # null series per weekly correlation test: the floor is 1/1000
N_BOOT = 1000
MAX_PHI = 0.95
PHI_GRID = np.linspace(0.0, MAX_PHI, 20)
SIGNED_PHI_GRID = np.linspace(-MAX_PHI, MAX_PHI, 39)  # for `ar1_phi(..., signed=True)`: 0 is a grid point

Alternative = Literal["two-sided", "greater", "less"]


MIN_GROUP = 8  # fewest days on each side of a flag comparison (recovery, sequencing, effort)
MIN_ABS_CORR = 0.5  # smallest weekly correlation worth reporting (synergy, interference)


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


@lru_cache(maxsize=60)  # 12 sizes × 5 batches: up to about 300 MB at 104 weeks of days
def _batch(n: int, index: int) -> np.ndarray:
    """Batch `index` of random permutations of range(n): BATCHES[index] rows, seeded by (SEED, n, index).

    Stored as intp, numpy's own index type: int32 indices were converted on every gather, a third of its cost."""
    rng = np.random.default_rng((SEED, n, index))
    perms = rng.permuted(np.tile(np.arange(n, dtype=np.intp), (BATCHES[index], 1)), axis=1)
    perms.setflags(write=False)
    return perms


def sequential_p(
    null_stats: Callable[[np.ndarray], np.ndarray], observed: float, n: int, alternative: Alternative = "two-sided"
) -> PValue:
    """Permutation p of `observed`; `null_stats(perm_rows)` returns the statistic for each row of a (k × n) array of
    permutations. Two-sided compares |statistics|, "greater" / "less" the signed ones in that direction (never a
    clipped null). Stops early (Besag-Clifford) once STOP_AFTER permutations reach the observed statistic."""
    if not math.isfinite(observed):
        return PValue(1.0, 0, at_floor=False)
    sign = -1.0 if alternative == "less" else 1.0
    target = (abs(observed) if alternative == "two-sided" else sign * observed) - 1e-12 * max(1.0, abs(observed))
    reached = 0
    done = 0
    for index in range(len(BATCHES)):
        stats = null_stats(_batch(n, index))
        hits = (np.abs(stats) if alternative == "two-sided" else sign * stats) >= target
        running = reached + np.cumsum(hits)
        if running[-1] >= STOP_AFTER:
            stop = int(np.argmax(running >= STOP_AFTER)) + 1
            return PValue(STOP_AFTER / (done + stop), done + stop, at_floor=False)
        reached = int(running[-1])
        done += len(hits)
    return PValue((reached + 1) / (done + 1), done, at_floor=reached == 0)


def lag1_autocorrelation(values: np.ndarray) -> float:
    """Plain lag-1 autocorrelation of a series (0 for fewer than 4 values), clipped to [0, MAX_PHI]. Biased
    downwards (by about (1 + 3φ)/n, more after a regression): tests use `ar1_phi` instead."""
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
    return np.asarray(v - design @ np.linalg.lstsq(design, v, rcond=None)[0])


def column_basis(matrix: np.ndarray) -> np.ndarray:
    """Orthonormal basis (n × rank) of a matrix's column space, rank-deficient matrices included (thin SVD)."""
    m = np.asarray(matrix, dtype=float)
    if not m.size:
        return np.zeros((len(m), 0))
    u, s, _ = np.linalg.svd(m, full_matrices=False)
    if not s.size or s.max() <= 0:
        return u[:, :0]
    return u[:, s > s.max() * max(m.shape) * np.finfo(float).eps]


def _covariance_times(days: np.ndarray, columns: np.ndarray, phi: float) -> np.ndarray:
    """Σ @ columns for the AR(1) correlation Σ_ij = φ^|day_i − day_j|: two first-order filters over the calendar."""
    if phi == 0:
        return columns.copy()
    pos = (days - days[0]).astype(np.intp)
    grid = np.zeros((int(pos[-1]) + 1, columns.shape[1]))
    grid[pos] = columns
    forward = lfilter([1.0], [1.0, -phi], grid, axis=0)
    backward = lfilter([1.0], [1.0, -phi], grid[::-1], axis=0)[::-1]
    return np.asarray((forward + backward - grid)[pos])


@lru_cache(maxsize=256)
def _expected_lag1_curve(key: bytes, n: int, r: int, signed: bool = False) -> np.ndarray:
    grid = SIGNED_PHI_GRID if signed else PHI_GRID
    basis = np.frombuffer(key[: n * r * 8]).reshape(n, r)
    days = np.frombuffer(key[n * r * 8 :], dtype=np.int64)
    pairs = np.flatnonzero(np.diff(days) == 1) + 1
    q_now, q_prev = basis[pairs], basis[pairs - 1]
    between = q_now.T @ q_prev  # Q' B Q for the lag matrix B (B[i, i-1] = 1 on consecutive days)
    curve = np.empty(len(grid))
    for g, phi in enumerate(grid):
        s = _covariance_times(days, basis, float(phi))
        cross = float(np.sum(q_prev * s[pairs]) + np.sum(q_now * s[pairs - 1]) - np.sum(between * (basis.T @ s).T))
        pair_mean = (phi * len(pairs) - cross) / len(pairs)
        curve[g] = pair_mean / ((n - float(np.trace(basis.T @ s))) / n)
    curve.setflags(write=False)
    return curve


def ar1_phi(
    residuals: np.ndarray, design: np.ndarray, days: np.ndarray | None = None, *, signed: bool = False
) -> float:
    """AR(1) φ of a regression's errors, without the downward bias of the residuals' lag-1 autocorrelation.

    The observed statistic is the mean product of residuals on consecutive days over their mean square; φ is the
    value whose expected statistic, for residuals of this design on these days, equals it (clipped to
    [0, MAX_PHI]). The expectation is exact for the quadratic forms (tr(B M Σ M) / tr(M Σ)); the design enters
    through its projection only, so a trend or weekday controls are allowed for whatever they are.

    `signed=True` lets φ go down to −MAX_PHI: clipped at 0, φ is biased upwards when the true φ is 0 or near it
    (half the estimates at 0, the other half above), and a test whitened or bootstrapped at it is conservative."""
    e = np.asarray(residuals, dtype=float)
    d = day_positions(None, len(e), days)
    return float(_ar1_phis(e[None, :], design, d, signed)[0])


def _ar1_phis(residuals: np.ndarray, design: np.ndarray, days: np.ndarray, signed: bool = False) -> np.ndarray:
    """`ar1_phi` for each row of a (m × n) array of residuals of the same design on the same days."""
    e = np.asarray(residuals, dtype=float)
    n = e.shape[1]
    pairs = np.flatnonzero(np.diff(days) == 1) + 1
    square = np.einsum("ij,ij->i", e, e)
    if len(pairs) < 3:
        return np.zeros(len(e))
    products = np.einsum("ij,ij->i", e[:, pairs], e[:, pairs - 1])
    observed = products / len(pairs) / np.maximum(square / n, np.finfo(float).tiny)
    basis = np.ascontiguousarray(column_basis(design))
    key = basis.tobytes() + np.ascontiguousarray(days).tobytes()
    curve = _expected_lag1_curve(key, n, basis.shape[1], signed)
    grid = SIGNED_PHI_GRID if signed else PHI_GRID
    phi = np.interp(observed, np.maximum.accumulate(curve), grid)
    floor = np.zeros(len(e), bool) if signed else observed <= curve[0]
    return np.where((square <= 0) | floor, 0.0, phi)


def day_positions(continues: np.ndarray | None, n: int, days: np.ndarray | None = None) -> np.ndarray:
    """Strictly increasing day numbers for the rows: `days` with a second row on the same day moved to the next
    (the gaps after it kept), or from `continues` (True where a row is the day after the previous; a gap counts
    as 2 days), or consecutive days."""
    if days is not None:
        d = np.asarray(days, dtype=np.int64)
        if len(d) < 2:
            return d
        return np.asarray(d[0] + np.r_[0, np.cumsum(np.maximum(np.diff(d), 1))])
    if continues is None:
        return np.arange(n, dtype=np.int64)
    step = np.where(np.asarray(continues, bool), 1, 2)
    step[0] = 0
    return np.cumsum(step).astype(np.int64)


def whiten(matrix: np.ndarray, phi: float, days: np.ndarray | None = None) -> np.ndarray:
    """Prais-Winsten transform of the rows of a (n × k) array for AR(1) errors with coefficient phi.

    Rows are observed on `days` (default: consecutive days). A row `g` days after the previous one becomes
    (x_i − φ^g x_{i−1})·√((1 − φ²)/(1 − φ^2g)); the first row x_0·√(1 − φ²): every row then has the same variance.
    A negative φ (from `ar1_phi(..., signed=True)`) goes through the same formula."""
    m = np.asarray(matrix, dtype=float)
    if phi == 0 or not len(m):
        return m
    d = np.arange(len(m)) if days is None else np.asarray(days, dtype=float)
    gap = np.diff(d)
    decay = phi**gap
    scale = math.sqrt(1 - phi**2) / np.sqrt(1 - decay**2)
    out = m * math.sqrt(1 - phi**2)
    if m.ndim == 1:
        out[1:] = (m[1:] - decay * m[:-1]) * scale
    else:
        out[1:] = (m[1:] - decay[:, None] * m[:-1]) * scale[:, None]
    return out


def residual_coordinates(base: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each column's coordinates in an orthonormal basis of the space orthogonal to `base`'s columns (Huh & Jhun):
    n − rank(base) numbers that are i.i.d. under i.i.d. errors, so permuting them gives an exact null.

    Householder QR of the base's column basis, applied to the columns without forming the n × n Q (O(n·k))."""
    basis = column_basis(base)
    stacked = np.column_stack(columns)
    r = basis.shape[1]
    if r == 0:
        return tuple(stacked.T)
    qr, tau, _, _ = lapack.dgeqrf(basis)
    rotated, _, _ = lapack.dormqr("L", "T", qr, tau, stacked, lwork=max(1, 64 * stacked.shape[1]))
    return tuple(np.asarray(rotated)[r:].T)


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
    days: np.ndarray | None = None,
    alternative: Alternative = "two-sided",
) -> RegressionTest:
    """GLS coefficient of `flag` (any numeric column) in y ~ 1 + controls + flag under AR(1) errors, tested by
    permutation in the controls' residual space (Huh–Jhun) after whitening.

    `days` are the rows' day numbers (or `continues`, True where a row is the day after the previous); φ defaults
    to the bias-corrected estimate from the full model's residuals (`ar1_phi`)."""
    y = np.asarray(y, dtype=float)
    flag = np.asarray(flag, dtype=float)
    d = day_positions(continues, len(y), days)
    base = np.ones((len(y), 1))
    if controls is not None and np.size(controls):
        base = np.column_stack([base, np.asarray(controls, dtype=float)])
    full = np.column_stack([base, flag])
    if phi is None:
        phi = ar1_phi(y - full @ np.linalg.lstsq(full, y, rcond=None)[0], full, d)
    wy = whiten(y, phi, d)
    wfull = whiten(full, phi, d)
    w, x = residual_coordinates(wfull[:, :-1], wy, wfull[:, -1])
    denom = float(x @ x)
    if denom <= 1e-12 * max(1.0, float(wfull[:, -1] @ wfull[:, -1])) or len(w) < 3:
        return RegressionTest(math.nan, PValue(1.0, 0, at_floor=False), phi, wfull, wy)
    effect = float(x @ w) / denom
    p = sequential_p(lambda perms: (w[perms] @ x) / denom, effect, len(w), alternative)
    return RegressionTest(effect, p, phi, wfull, wy)


@dataclass(frozen=True, eq=False)
class FlagDesign:
    """What a flag test holds fixed — controls, the flag, the rows' days, the direction asked — so the family and
    the calibration benchmark (`bench calibration`, null outcomes on this very design) run the same test."""

    controls: np.ndarray | None
    flag: np.ndarray
    days: np.ndarray
    alternative: Alternative = "two-sided"

    def test(self, y: np.ndarray, phi: float | None = None) -> RegressionTest:
        return flag_effect_test(y, self.controls, self.flag, phi=phi, days=self.days, alternative=self.alternative)


@lru_cache(maxsize=64)
def resample_counts(n: int, n_boot: int = N_BOOT, salt: int = 0) -> np.ndarray:
    """(n_boot × n) counts: how often each row appears in each bootstrap resample (fixed seed, cached by size)."""
    draws = np.random.default_rng((SEED, n, salt)).integers(0, n, (n_boot, n))
    flat = (draws + n * np.arange(n_boot)[:, None]).ravel()
    counts = np.bincount(flat, minlength=n_boot * n).reshape(n_boot, n).astype(float)
    counts.setflags(write=False)
    return counts


def bootstrap_coefficients(design: np.ndarray, y: np.ndarray, n_boot: int = N_BOOT) -> np.ndarray:
    """Last-column OLS coefficient on every pairs-bootstrap resample, all at once (weighted normal equations).

    The other columns are first replaced by an orthonormal basis of their span (same coefficient for the last
    column): weekday dummies of a weekday never seen would otherwise make every resample singular."""
    design = np.column_stack([column_basis(design[:, :-1]), design[:, -1]])
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
    """Partial correlation of two weekly (or block) series after each one's linear trend, under AR(1) errors: both
    series whitened at a fixed φ_w chosen for x alone (`steadiest_whitening`) and correlated after the whitened
    trend. Trends and slow drifts shared by both series do not count as association.

    p is a parametric bootstrap under the null: BOOTSTRAP_NULLS AR(1) series at y's bias-corrected φ̂ (from y on
    [1, trend, x]; the trend does not matter, it is projected out) against the same x. With 12–14 points φ̂ is
    anywhere in [0, 0.95] whatever the true φ; whitening at φ̂ itself made the statistic swing with that error
    (at a true φ = 0.5, 13 % of the series whose φ̂ was clipped at 0 were rejected at 5 %) and no reference
    distribution could undo it. At φ_w the statistic's null spread hardly moves with φ, so φ̂'s error barely
    matters (docs/statistics.md)."""
    # Weekly means that are equal on paper differ in the last bits depending on summation order: rounding first
    # makes the statistic independent of how the means were added up.
    rx = np.round(np.asarray(x, dtype=float), 9)
    ry = np.round(np.asarray(y, dtype=float), 9)
    n = len(rx)
    if n < 5:
        return 0.0, PValue(1.0, 0, at_floor=False)
    phi_w = steadiest_whitening(rx)
    observed = _fixed_whitened_correlations(ry[None, :], rx, phi_w)
    if not math.isfinite(observed[0]):
        return 0.0, PValue(1.0, 0, at_floor=False)
    full = np.column_stack([np.ones(n), np.arange(n, dtype=float), rx])
    phi = ar1_phi(ry - full @ np.linalg.lstsq(full, ry, rcond=None)[0], full)
    # Null series drawn from a seed of the data: the same data always get the same p, and different data get
    # independent draws (one fixed set for all data biased the level by up to 1 point at 5 %, measured).
    seed = zlib.crc32(rx.tobytes() + ry.tobytes())
    nulls = _fixed_whitened_correlations(_ar1_series(phi, n, seed), rx, phi_w)
    hits = int(np.sum(np.abs(nulls) >= abs(observed[0]) - 1e-12))
    return float(observed[0]), PValue((hits + 1) / (BOOTSTRAP_NULLS + 1), BOOTSTRAP_NULLS, at_floor=hits == 0)


WHITENING_CHOICES = (0.0, 0.3, 0.5, 0.7, 0.9)


def steadiest_whitening(x: np.ndarray) -> float:
    """The φ_w (of WHITENING_CHOICES) at which the weekly correlation's null spread moves least with the true φ.

    For each candidate, the exact null variance of the whitened, detrended y along the direction of x, relative to
    its mean over the other directions, is computed for every true φ of PHI_GRID (1 means: as if y were i.i.d.);
    the candidate whose ratio stays closest to 1 (smallest max |log ratio|) wins. It depends on x only, so the
    choice cannot favour a finding."""
    return _steadiest_whitening(np.ascontiguousarray(x, dtype=float).tobytes())


@lru_cache(maxsize=256)
def _steadiest_whitening(key: bytes) -> float:
    x = np.frombuffer(key)
    n = len(x)
    lags = np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    trend = np.column_stack([np.ones(n), np.arange(n, dtype=float)])
    best, choice = math.inf, 0.0
    for phi_w in WHITENING_CHOICES:
        w = whiten(np.eye(n), phi_w)
        q = column_basis(w @ trend)
        project = np.eye(n) - q @ q.T
        u = project @ w @ x
        if float(u @ u) <= 1e-12 * max(1.0, float(x @ x)):
            continue
        u /= np.linalg.norm(u)
        spread = 0.0
        for phi in PHI_GRID:
            s = project @ w @ phi**lags @ w.T @ project
            spread = max(spread, abs(math.log((u @ s @ u) / (np.trace(s) / (n - q.shape[1])))))
        if spread < best - 1e-9:
            best, choice = spread, phi_w
    return choice


def _ar1_series(phi: float, n: int, seed: int) -> np.ndarray:
    """BOOTSTRAP_NULLS stationary AR(1) series of unit variance."""
    shocks = np.random.default_rng((SEED, n, seed)).normal(0.0, 1.0, (BOOTSTRAP_NULLS, n))
    shocks[:, 1:] *= math.sqrt(1 - phi**2)
    return np.asarray(lfilter([1.0], [1.0, -phi], shocks, axis=1))


def _fixed_whitened_correlations(ys: np.ndarray, x: np.ndarray, phi_w: float) -> np.ndarray:
    """For each row y of `ys` (m × n, consecutive points): the correlation of y and x after both are whitened at
    φ_w and the whitened [1, trend] is projected out (NaN when either is flat)."""
    n = len(x)
    q = column_basis(whiten(np.column_stack([np.ones(n), np.arange(n, dtype=float)]), phi_w))
    wx = whiten(x, phi_w)
    wx = wx - q @ (q.T @ wx)
    wy = whiten(np.asarray(ys, dtype=float).T, phi_w)
    wy = wy - q @ (q.T @ wy)
    scale = np.linalg.norm(wy, axis=0) * np.linalg.norm(wx)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(scale > 1e-12, (wx @ wy) / scale, np.nan))


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """BH-adjusted p-values (q-values), via scipy.stats.false_discovery_control."""
    if not p_values:
        return []
    return [float(q) for q in false_discovery_control(np.asarray(p_values, dtype=float), method="bh")]
