"""The training plan: stable IDs, canonical hash, ops, the one write path, diffs, model tools, legacy import.

May import: core.db, core.errors, core.tokens, core.quoting
"""
