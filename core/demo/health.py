"""Daily health, nutrition and body composition: the overload block's HRV dip and evening yoga's deeper sleep."""

from __future__ import annotations

from datetime import timedelta

from core.demo.athlete import AthleteState
from core.demo.effects import planted_effect


def health_days(state: AthleteState) -> None:
    """Sleep (drawn earlier), deep sleep, HRV, resting HR, nutrition and body composition for every day."""
    p, rng = state.profile, state.rng
    yoga = planted_effect("evening_yoga_deep_sleep")
    overload = planted_effect("overload_block")
    block_end = block_start = None
    if p.handle == overload.athlete:
        first, second = overload.params["block_weeks_before_as_of"]
        block_start = state.start + timedelta(weeks=state.n_weeks - 1 - first)
        block_end = state.start + timedelta(weeks=state.n_weeks - second)
    days = (state.as_of - state.start).days + 1
    weight = p.weight_kg
    for i in range(days):
        d = state.start + timedelta(days=i)
        hrv = p.hrv + rng.gauss(0, p.hrv * 0.06)
        rhr = p.rhr + rng.gauss(0, 1.5)
        if block_start and block_end and block_start <= d < block_end:
            progress = (d - block_start).days / (block_end - block_start).days
            hrv *= 1 + overload.size / 100 * progress
            rhr += 4 * progress
        elif block_end and block_end <= d < block_end + timedelta(days=10):
            recovery = 1 - (d - block_end).days / 10
            hrv *= 1 + overload.size / 100 * recovery
            rhr += 4 * recovery
        deep = rng.gauss(17.0, 1.5)
        if p.handle == yoga.athlete and (d - timedelta(days=1)) in state.evening_yoga_days:
            deep *= 1 + yoga.size / 100
        state.rows.add(
            "daily_health",
            athlete_id=state.athlete_id,
            day=d,
            sleep_hours=state.sleep_by_day[d],
            deep_sleep_pct=round(deep, 1),
            hrv_ms=round(hrv, 1),
            resting_hr=round(rhr),
        )
        state.rows.add(
            "nutrition",
            athlete_id=state.athlete_id,
            day=d,
            calories=int(rng.gauss(p.calories, p.calories * 0.06)),
            protein_g=int(rng.gauss(p.protein, p.protein * 0.08)),
        )
        if p.phase == "CUT":
            weight -= 0.06
        state.rows.add(
            "body_comp",
            athlete_id=state.athlete_id,
            day=d,
            weight_kg=round(weight + rng.gauss(0, 0.3), 1),
            body_fat_pct=round(p.body_fat - (p.weight_kg - weight) * 0.35 + rng.gauss(0, 0.3), 1),
        )
