"""Numbers about training: daily snapshots, load, acute:chronic ratios, fitness/fatigue/form, pattern families.

May import: core.db, core.errors, core.workouts
"""
