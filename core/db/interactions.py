"""The interaction log read back for the token monitor: one row per logged model turn, tokens per part;
and what the newest turn dropped (the replay page reads it after each turn it logs).

A turn's type comes from what it did: `plan edit` (called edit_plan), `tool query` (called other tools),
`answer` (answered from the context alone), `replay` (no model: scripted turns logged by a replay).
Each turn carries `encoding`, the tokenizer that counted its parts when it was logged, and `part_texts` (JSON, NULL
before migration 014), the texts they were counted from: the monitor recounts them under another tokenizer
(`core.chat.monitor.turn_tokens`); a turn without texts keeps its logged counts and tokenizer.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pandas as pd

_TURNS_SQL = """
SELECT interaction_id, created_at, athlete_id, coalesce(actor, 'local') AS actor, model, endpoint, encoding,
       CASE WHEN list_contains(coalesce(tools_called, []), 'edit_plan') THEN 'plan edit'
            WHEN len(coalesce(tools_called, [])) > 0 THEN 'tool query'
            WHEN model IS NULL THEN 'replay'
            ELSE 'answer' END AS type,
       coalesce(system_tokens, 0) AS instructions, coalesce(tier1_tokens, 0) AS tier1,
       coalesce(tier2_tokens, 0) AS tier2, coalesce(plan_tokens, 0) AS plan,
       coalesce(history_tokens, 0) AS history, coalesce(tool_def_raw_tokens, 0) AS tool_definitions,
       coalesce(tier3_tokens, 0) AS tool_results, request_tokens,
       prompt_tokens, cached_prompt_tokens, completion_tokens, latency_ms, part_texts
FROM interactions
WHERE athlete_id = $athlete
ORDER BY created_at DESC, interaction_id DESC
LIMIT $limit
"""


def interaction_turns(con: duckdb.DuckDBPyConnection, athlete_id: int, limit: int = 200) -> pd.DataFrame:
    """The athlete's latest `limit` logged turns, oldest first: tokens per part, the tokenizer, the turn's type."""
    frame = con.execute(_TURNS_SQL, {"athlete": athlete_id, "limit": limit}).df()
    return frame.iloc[::-1].reset_index(drop=True)


def newest_turn_drops(con: duckdb.DuckDBPyConnection, athlete_id: int) -> list[dict[str, Any]]:
    """What the athlete's newest logged turn (highest id) dropped or trimmed: {part, key, tokens, reason} each.

    By id, not time: a replay logs its turns at scripted times that may sort before older rows.
    """
    row = con.execute(
        "SELECT context_json FROM interactions WHERE athlete_id = $athlete ORDER BY interaction_id DESC LIMIT 1",
        {"athlete": athlete_id},
    ).fetchone()
    if row is None or not row[0]:
        return []
    return list(json.loads(row[0]).get("dropped", []))
