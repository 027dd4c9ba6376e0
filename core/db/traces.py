"""The interaction log as the trace export reads it: every column of every logged turn, oldest first."""

from __future__ import annotations

import duckdb
import pandas as pd

_ROWS_SQL = """
SELECT interaction_id, athlete_id, created_at, coalesce(actor, 'local') AS actor, model, endpoint, encoding,
       plan_hash, coalesce(system_tokens, 0) AS instructions, coalesce(tier1_tokens, 0) AS tier1,
       coalesce(tier2_tokens, 0) AS tier2, coalesce(plan_tokens, 0) AS plan, coalesce(history_tokens, 0) AS history,
       coalesce(tool_def_raw_tokens, 0) AS tool_definitions, coalesce(tier3_tokens, 0) AS tool_results,
       request_tokens, prompt_tokens, cached_prompt_tokens, completion_tokens, latency_ms,
       coalesce(tools_offered, []) AS tools_offered, coalesce(tools_called, []) AS tools_called
FROM interactions
WHERE $athlete IS NULL OR athlete_id = $athlete
ORDER BY created_at, interaction_id
"""


def logged_turn_rows(con: duckdb.DuckDBPyConnection, athlete_id: int | None = None) -> pd.DataFrame:
    """Every logged turn (of one athlete, or all when None) with its per-part token counts."""
    return con.execute(_ROWS_SQL, {"athlete": athlete_id}).df()
