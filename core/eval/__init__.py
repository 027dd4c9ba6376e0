"""Comprehension evaluation: questions with gold answers from DuckDB, deterministic scoring, a resumable runner.

May import: core.db, core.errors, core.tokens, core.workouts, core.chat
"""
