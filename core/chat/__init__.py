"""Talking to a model: endpoints (OpenAI-compatible, the embedded local model, preview) and the bounded tool loop.

May import: core.db, core.errors, core.tokens, core.quoting, core.plan, core.workouts, core.context
"""
