"""Deterministic demo athletes with documented planted effects, written through the same paths as real data.

May import: core.db, core.errors, core.plan, core.workouts, core.analytics
"""
