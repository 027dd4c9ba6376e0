"""Interference: does endurance volume cost strength? 4-week blocks of running minutes vs the change in
lower-body e1RM into the next block; swim minutes vs upper-body.

Four-week blocks hold one deload of a usual cycle, so a deload does not masquerade as lost strength.
Both series drift over months (more volume as a season builds, strength rising), so the association is
measured as a partial correlation after each series' trend, under AR(1) errors. It needs 6 block pairs: 28 weeks of history.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from core.analytics.findings import FamilyResult, Hypothesis
from core.analytics.observations import AthleteData, since_filter
from core.analytics.stats import MIN_ABS_CORR, detrended_correlation_test

MIN_PAIRS = 6
BLOCK_DAYS = 28

LOWER_GROUPS = {"squat", "hinge", "single leg", "calves", "lunge", "legs"}
UPPER_GROUPS = {"horizontal push", "vertical push", "horizontal pull", "vertical pull", "shoulder isolation", "arms"}
LOWER_WORDS = ("squat", "deadlift", "lunge", "leg press", "calf", "rdl", "hip thrust", "step-up", "glute")
UPPER_WORDS = ("bench", "press", "row", "pull", "chin", "push-up", "dip", "curl", "raise", "fly")
PAIRS = (("lower", "run"), ("upper", "swim"))


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


def _regions(sets: pd.DataFrame) -> list[str | None]:
    """body_region of every set, worked out once per distinct (exercise, movement group)."""
    pairs = list(
        zip(sets.name, sets.movement_group.astype(object).where(sets.movement_group.notna(), None), strict=True)
    )
    known = {pair: body_region(*pair) for pair in set(pairs)}
    return [known[pair] for pair in pairs]


def _block_pairs(sets: pd.DataFrame, volume: pd.DataFrame) -> pd.DataFrame:
    columns = ["region", "sport", "block", "block_start", "minutes", "e1rm_change_pct"]
    if sets.empty:
        return pd.DataFrame(columns=columns)
    first = pd.to_datetime(min(sets.day.min(), volume.day.min() if not volume.empty else sets.day.min()))
    sets = sets.assign(
        region=_regions(sets),
        block=((pd.to_datetime(sets.day) - first).dt.days // BLOCK_DAYS).astype(int),
    )
    volume = volume.assign(block=((pd.to_datetime(volume.day) - first).dt.days // BLOCK_DAYS).astype(int))
    best = sets.groupby(["region", "name", "block"]).e1rm.max().reset_index()
    best["pct"] = best.e1rm / best.groupby("name").e1rm.transform("first") * 100
    rows = []
    for region, sport in PAIRS:
        index = best[best.region == region].groupby("block").pct.mean()
        vol = volume.groupby("block")[f"{sport}_min"].sum() if not volume.empty else pd.Series(dtype=float)
        for block in index.index:
            if block + 1 in index.index:
                rows.append(
                    {
                        "region": region,
                        "sport": sport,
                        "block": int(block),
                        "block_start": (first + pd.Timedelta(days=BLOCK_DAYS * int(block))).date(),
                        "minutes": float(vol.get(block, 0.0)),
                        "e1rm_change_pct": float(index[block + 1] - index[block]),
                    }
                )
    return pd.DataFrame(rows, columns=columns)


def interference(data: AthleteData, since: date | None) -> FamilyResult:
    """Endurance volume per 4-week block vs the next block's strength change, lower and upper body."""
    sets = since_filter(data.sets, since).dropna(subset=["e1rm"])
    volume = since_filter(data.volume, since).fillna({"run_min": 0, "swim_min": 0})
    pairs = _block_pairs(sets, volume)
    tests: list[Hypothesis] = []
    notes: list[str] = []
    for region, sport in PAIRS:
        sub = pairs[(pairs.region == region) & (pairs.sport == sport)]
        if len(sub) < MIN_PAIRS or sub.minutes.nunique() < 3:
            notes.append(
                f"{sport} → {region}-body strength not testable: {len(sub)} four-week block pairs "
                f"(needs {MIN_PAIRS}, about 28 weeks of strength and {sport} data)"
            )
            continue
        rho, p = detrended_correlation_test(sub.minutes.to_numpy(), sub.e1rm_change_pct.to_numpy())
        rho = round(rho, 2)
        top = sub.sort_values("minutes").iloc[-1]
        tests.append(
            Hypothesis(
                family="interference",
                key=f"{sport}_volume_{region}_strength",
                headline=f"More {sport} volume → {'smaller' if rho < 0 else 'larger'} {region}-body gains (r={rho:+.2f})",
                detail=(
                    f"More {sport} volume went with {'smaller' if rho < 0 else 'larger'} {region}-body e1RM gains over "
                    f"the next 4 weeks (detrended partial r={rho:+.2f}, {len(sub)} blocks; the biggest block from "
                    f"{top.block_start} ({top.minutes:.0f} min) was followed by {top.e1rm_change_pct:+.1f}%)"
                ),
                effect=round(rho, 2),
                unit="partial r",
                n=len(sub),
                p=p,
                large_enough=abs(rho) >= MIN_ABS_CORR,
            )
        )
    return FamilyResult("interference", tuple(tests), pairs, "; ".join(notes))
