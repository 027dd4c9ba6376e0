"""Deterministic demo athletes with documented planted effects, written through the same paths as real data.

effects (the planted effects), profiles (the five templates), athlete (per-athlete state), strength,
cardio, health (a generator per concern), plan (the weekly plan via the one write path), seeding
(resumable seeding and first-start setup).

May import: core.db, core.errors, core.plan, core.workouts, core.analytics
"""
