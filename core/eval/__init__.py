"""Comprehension evaluation: questions with gold answers from DuckDB, a scorer that rewards reading (not repeating),
echo / "I don't know" / oracle baselines, endpoint profiles, a resumable runner, side-by-side comparison of runs.

May import: core.db, core.errors, core.tokens, core.workouts, core.chat
"""
