"""Overload: an acute:chronic ratio above 1.4 for about two weeks while HRV falls.

HRV is strongly autocorrelated, so comparing the episode's last 7 days with the 14 before it by label
shuffles would find "declines" in noise (8.7% at p < 0.01 with lag-1 autocorrelation 0.5). The contrast
is instead tested after AR(1) whitening, with φ estimated on the athlete's whole HRV series outside
overload episodes (a 21-day window alone is too short to estimate it), bias-corrected for the trend fitted
first and the gaps the episodes leave (`stats.ar1_phi`, signed: clipped at 0 it sat above a true 0 and
over-whitened). The contrast is a regression on those outside days and the 21, with HRV's trend and weekday
rhythm as controls, so the rhythm's error is in the permutation null too (`episode_design`). The question is
one-sided (does HRV fall?), and so is the test.
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
STRETCH_GAP = 1000  # days between the outside days and the 21 tested ones when whitening: φ^1000 is 0


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


def outside_days(snaps: pd.DataFrame, episodes: list[tuple[pd.Timestamp, pd.Timestamp]]) -> np.ndarray:
    """Mask of the days with HRV outside every episode and its 14-day lead-in: where HRV's own rhythm and memory
    are learnt."""
    outside = np.isfinite(snaps.hrv_ms.to_numpy(float, na_value=np.nan))
    for start, end in episodes:
        outside &= ~((snaps.day >= start - pd.Timedelta(days=14)) & (snaps.day <= end)).to_numpy()
    return np.asarray(outside)


def hrv_phi(snaps: pd.DataFrame, outside: np.ndarray) -> float:
    """HRV's AR(1) φ on the `outside` days, around a trend and a weekday rhythm, bias-corrected and signed (0 with
    fewer than 14 days): gaps the episodes leave are allowed for."""
    if outside.sum() < 14:
        return 0.0
    days = day_numbers(snaps.day)[outside]
    hrv = snaps.hrv_ms.to_numpy(float, na_value=np.nan)[outside]
    columns = np.column_stack([np.ones(len(days)), _rhythm_columns(days)])
    return ar1_phi(hrv - columns @ np.linalg.lstsq(columns, hrv, rcond=None)[0], columns, days, signed=True)


def episode_design(
    days: pd.Series, hrv: np.ndarray, start: pd.Timestamp, end: pd.Timestamp, outside: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, FlagDesign]:
    """Masks over all days of the 14 days with HRV before an episode and of its last 7; the rows tested (positions:
    the `outside` days, then those 21); and the one-sided design (does HRV fall?) over them: the last 7 days' flag,
    with a trend, a weekday rhythm and the 21 days' own level as controls.

    The outside days carry the rhythm and trend into the contrast. Fitted there first and subtracted, their error
    widened the permutation null (a weekday pattern, balanced across the 21 days but not in the permutations):
    4.6 % at a nominal 5 %; fitted with the contrast, the permutations allow for it. The 21 days are whitened as a
    stretch of their own, so the contrast is still theirs alone, not read from the recovery days after them."""
    d = pd.to_datetime(days)
    known = np.isfinite(hrv)
    baseline = ((d >= start - pd.Timedelta(days=14)) & (d <= start - pd.Timedelta(days=1))).to_numpy() & known
    late = ((d >= end - pd.Timedelta(days=6)) & (d <= end)).to_numpy() & known
    window = np.flatnonzero(baseline | late)
    rows = np.r_[np.flatnonzero(outside & ~(baseline | late)), window]
    numbers = day_numbers(days)[rows]
    inside = np.r_[np.zeros(len(rows) - len(window), bool), np.ones(len(window), bool)]
    controls = np.column_stack([_rhythm_columns(numbers), inside]).astype(float)
    apart = numbers + inside * (numbers.max(initial=0) - numbers.min(initial=0) + STRETCH_GAP)
    return baseline, late, rows, FlagDesign(controls, late[rows].astype(float), apart, "less")


def _rhythm_columns(days: np.ndarray) -> np.ndarray:
    """A linear trend (in days from the first) and six weekday indicators."""
    weekday = ((days + 3) % 7)[:, None] == np.arange(1, 7)[None, :]  # day 0 = 1970-01-01, a Thursday
    return np.column_stack([days - (days[0] if len(days) else 0), weekday]).astype(float)


def overload(data: AthleteData, since: date | None, *, variant: str = OVERLOAD_VARIANT) -> FamilyResult:
    """HRV of an episode's last 7 days vs the 14 days before it, for each 10+ day run of ACR above 1.4."""
    column = acr_column(variant)
    snaps = data.snapshots
    window = since_filter(snaps, since)[["day", "load", "training_load", column, "hrv_ms", "resting_hr"]]
    found = [(a, b) for a, b in overload_episodes(window, column) if b - a + 1 >= OVERLOAD_MIN_DAYS]
    spans = [(window.day.iloc[a], window.day.iloc[b]) for a, b in found]
    outside = outside_days(snaps, spans)
    phi = hrv_phi(snaps, outside)
    tests: list[Hypothesis] = []
    notes = [] if found else [f"not testable: no {OVERLOAD_MIN_DAYS}+ day run of {variant} ACR above {OVERLOAD_ACR}"]
    hrv = snaps.hrv_ms.to_numpy(float, na_value=np.nan)
    for (a, b), (start, end) in zip(found, spans, strict=True):
        baseline, late, rows, design = episode_design(snaps.day, hrv, start, end, outside)
        if baseline.sum() < 7 or late.sum() < 5:
            notes.append(f"episode {day_text(start)}–{day_text(end)} not testable: too little HRV around it")
            continue
        test = design.test(hrv[rows], phi)
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
