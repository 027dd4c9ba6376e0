"""Tool executors the loop can call: `execute(name, arguments_json, shown_hash) -> result text`.

Until the tiered context's one executor lands, the plan tools are what the chat can run; the executor is bound
to the conversation's athlete so a tool can never touch another athlete's plan.
"""

from __future__ import annotations

import duckdb

from core.chat.loop import Executor
from core.plan.tools import execute_tool_call


def plan_executor(con: duckdb.DuckDBPyConnection, athlete_id: int) -> Executor:
    """The plan tools (`update_block`, `edit_plan`, …) for one athlete, editing through the one write path."""

    def execute(name: str, arguments: str, shown_hash: str | None) -> str:
        return execute_tool_call(con, athlete_id, name, arguments, shown_hash=shown_hash)

    return execute
