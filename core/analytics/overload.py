"""Overload: an acute:chronic ratio above 1.4 for about two weeks while HRV falls.

HRV is strongly autocorrelated, so comparing the episode's last 7 days with the 14 before it by label
shuffles would find "declines" in noise (8.7% at p < 0.01 with lag-1 autocorrelation 0.5). The contrast
is instead tested after AR(1) whitening, with φ estimated on the athlete's whole HRV series outside
overload episodes (a 21-day window alone is too short to estimate it), bias-corrected for the trend fitted
first and the gaps the episodes leave (`stats.ar1_phi`); the episode is tested on HRV minus the weekday rhythm
and trend fitted on those same outside days. The question is one-sided (does HRV fall?), and so is
the test.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.analytics.findings import FDR_Q, FamilyResult, Hypothesis
from core.analytics.load import acr_column
from core.analytics.observations import AthleteData, day_numbers, day_text, since_filter
from core.analytics.stats import FlagDesign, ar1_phi, coefficient_interval

OVERLOAD_ACR = 1.4
OVERLOAD_MIN_DAYS = 10  # "about two weeks" above 1.4, gaps of <= 2 days bridged
OVERLOAD_VARIANT = "uncoupled"
MIN_HRV_DROP_PCT = 10.0


def overload_episodes(frame: pd.DataFrame, column: str, threshold: float = OVERLOAD_ACR) -> list[tuple[int, int]]:
    """(first, last) row positions of runs of days with ACR above `threshold`, gaps of <= 2 days bridged."""
    above = np.flatnonzero(frame[column].to_numpy(float, na_value=np.nan) > threshold)
    episodes: list[tuple[int, int]] = []
    for i in above:
        if episodes and i - episodes[-1][1] <= 3:
            episodes[-1] = (episodes[-1][0], int(i))
        else:
            episodes.append((int(i), int(i)))
    return episodes


def episode_design(
    days: pd.Series, hrv: np.ndarray, start: pd.Timestamp, end: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray, FlagDesign]:
    """Rows (as masks over all days with HRV) of the 14 days before an episode and of its last 7 days, and the
    one-sided design (does HRV fall?) over those rows."""
    d = pd.to_datetime(days)
    known = np.isfinite(hrv)
    baseline = ((d >= start - pd.Timedelta(days=14)) & (d <= start - pd.Timedelta(days=1))).to_numpy() & known
    late = ((d >= end - pd.Timedelta(days=6)) & (d <= end)).to_numpy() & known
    rows = baseline | late
    return baseline, late, FlagDesign(None, late[rows].astype(float), day_numbers(days[rows]), "less")


def hrv_baseline(snaps: pd.DataFrame, episodes: list[tuple[pd.Timestamp, pd.Timestamp]]) -> tuple[float, np.ndarray]:
    """HRV's own rhythm, fitted on days outside every episode (and its 14-day lead-in): the bias-corrected AR(1) φ
    around a linear trend and a weekday rhythm, and that trend and rhythm on every day (gaps kept as gaps).

    An episode is tested on HRV minus this rhythm: a weekday pattern, balanced across the 21 days, would otherwise
    widen the permutation null beyond the real spread (measured: 0.4 % at a nominal 1 %), and a drift would be
    read as a change."""
    all_days = day_numbers(snaps.day)
    outside = np.ones(len(snaps), bool)
    for start, end in episodes:
        outside &= ~((snaps.day >= start - pd.Timedelta(days=14)) & (snaps.day <= end)).to_numpy()
    hrv = snaps.hrv_ms.to_numpy(float, na_value=np.nan)[outside]
    days = all_days[outside]
    known = np.isfinite(hrv)
    hrv, days = hrv[known], days[known]
    if len(hrv) < 14:
        return 0.0, np.zeros(len(snaps))
    columns = _rhythm_columns(days, days[0])
    coefficients = np.linalg.lstsq(columns, hrv, rcond=None)[0]
    phi = ar1_phi(hrv - columns @ coefficients, columns, days)
    return phi, _rhythm_columns(all_days, days[0]) @ coefficients


def _rhythm_columns(days: np.ndarray, origin: int) -> np.ndarray:
    weekday = ((days + 3) % 7)[:, None] == np.arange(1, 7)[None, :]  # day 0 = 1970-01-01, a Thursday
    return np.column_stack([np.ones(len(days)), days - origin, weekday]).astype(float)


def overload(data: AthleteData, since: date | None, *, variant: str = OVERLOAD_VARIANT) -> FamilyResult:
    """HRV of an episode's last 7 days vs the 14 days before it, for each 10+ day run of ACR above 1.4."""
    column = acr_column(variant)
    snaps = data.snapshots
    window = since_filter(snaps, since)[["day", "load", "training_load", column, "hrv_ms", "resting_hr"]]
    found = [(a, b) for a, b in overload_episodes(window, column) if b - a + 1 >= OVERLOAD_MIN_DAYS]
    spans = [(window.day.iloc[a], window.day.iloc[b]) for a, b in found]
    phi, rhythm = hrv_baseline(snaps, spans)
    tests: list[Hypothesis] = []
    notes = [] if found else [f"not testable: no {OVERLOAD_MIN_DAYS}+ day run of {variant} ACR above {OVERLOAD_ACR}"]
    hrv = snaps.hrv_ms.to_numpy(float, na_value=np.nan)
    for (a, b), (start, end) in zip(found, spans, strict=True):
        baseline, late, design = episode_design(snaps.day, hrv, start, end)
        if baseline.sum() < 7 or late.sum() < 5:
            notes.append(f"episode {day_text(start)}–{day_text(end)} not testable: too little HRV around it")
            continue
        test = design.test((hrv - rhythm)[baseline | late], phi)
        base_mean = float(hrv[baseline].mean())
        rel = round(test.effect / base_mean * 100, 1)
        ci = coefficient_interval(test, 100 / base_mean) if test.p.value <= FDR_Q else None
        peak = float(window.iloc[a : b + 1][column].max())
        tests.append(
            Hypothesis(
                family="overload",
                key="overload_block",
                headline=f"Overload {day_text(start)}–{day_text(end)}: ACR up to {peak:.2f}, HRV {rel:+.1f}%",
                detail=(
                    f"Acute:chronic ratio ({variant}) stayed above {OVERLOAD_ACR} for {b - a + 1} days, "
                    f"{day_text(start)}–{day_text(end)} (peak {peak:.2f}), while HRV changed {rel:+.1f}% "
                    f"({base_mean:.0f} → {hrv[late].mean():.0f} ms; AR(1) φ={phi:.2f} allowed for)"
                ),
                effect=rel,
                unit="% HRV by episode end",
                n=int((baseline | late).sum()),
                p=test.p,
                large_enough=rel <= -MIN_HRV_DROP_PCT,
                ci=ci,
                evidence={
                    "start": day_text(start),
                    "end": day_text(end),
                    "days": b - a + 1,
                    "peak_acr": round(peak, 2),
                    "ar1_phi": round(phi, 3),
                },
            )
        )
    data_out = window.rename(columns={column: "acr"})
    return FamilyResult("overload", tuple(tests), data_out, "; ".join(notes))
