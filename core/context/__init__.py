"""What the coach model is sent each message: Tier 1 core, topic-triggered Tier 2, Tier 3 tools and their one
executor, workout inference, the request with every token counted, the interaction log and the A/B replay.

May import: core.db, core.errors, core.tokens, core.quoting, core.plan, core.workouts, core.analytics
"""
