"""Workouts as values and as text: the program, verbose / compact / ultra notations, per-sport one-liners, JSON and TOON.

May import: core.db, core.errors, core.tokens, core.quoting
"""
