"""The interaction log read back for the token monitor: one row per logged model turn, tokens per part.

A turn's type comes from what it did: `plan edit` (called edit_plan), `tool query` (called other tools),
`answer` (answered from the context alone), `replay` (no model: scripted turns logged by a replay).
"""

from __future__ import annotations

import duckdb
import pandas as pd

_TURNS_SQL = """
SELECT interaction_id, created_at, athlete_id, coalesce(actor, 'local') AS actor, model, endpoint,
       CASE WHEN list_contains(coalesce(tools_called, []), 'edit_plan') THEN 'plan edit'
            WHEN len(coalesce(tools_called, [])) > 0 THEN 'tool query'
            WHEN model IS NULL THEN 'replay'
            ELSE 'answer' END AS type,
       coalesce(system_tokens, 0) AS instructions, coalesce(tier1_tokens, 0) AS tier1,
       coalesce(tier2_tokens, 0) AS tier2, coalesce(plan_tokens, 0) AS plan,
       coalesce(history_tokens, 0) AS history, coalesce(tool_def_raw_tokens, 0) AS tool_definitions,
       coalesce(tier3_tokens, 0) AS tool_results, request_tokens,
       prompt_tokens, completion_tokens, latency_ms
FROM interactions
WHERE athlete_id = $athlete
ORDER BY created_at DESC, interaction_id DESC
LIMIT $limit
"""


def interaction_turns(con: duckdb.DuckDBPyConnection, athlete_id: int, limit: int = 200) -> pd.DataFrame:
    """The athlete's latest `limit` logged turns, oldest first, with tokens per part and the turn's type."""
    frame = con.execute(_TURNS_SQL, {"athlete": athlete_id, "limit": limit}).df()
    return frame.iloc[::-1].reset_index(drop=True)
