"""Figures in the docs that a command computes, written into the docs by the same code, so they cannot drift.

A doc marks a measured figure where it stands: a whole block between `<!-- figures: NAME -->` and
`<!-- /figures -->` lines, or one number inline as `<!-- figure: NAME -->1,296<!-- /figure -->` (rendered
Markdown shows only the number). `python -m core docs-figures` rewrites every marked figure from a freshly
seeded demo database (seed 7, o200k_base: what the docs describe, whatever the user's database holds), and
`--check` lists the stale ones; a test runs the check, so a change that moves a figure fails until the docs say
the new one. Only deterministic figures are marked: token counts, not timings (those are in the dated
benchmark report).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from core.tokens import DEFAULT_ENCODING

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"(<!-- figures: ([\w-]+) -->\n)(.*?)(<!-- /figures -->)", re.DOTALL)
INLINE = re.compile(r"(<!-- figure: ([\w-]+) -->)(.*?)(<!-- /figure -->)")
_Figure = Callable[[duckdb.DuckDBPyConnection], str]


def _formats_table(con: duckdb.DuckDBPyConnection) -> str:
    from core.db.athletes import athlete_ids
    from core.workouts.formats import athlete_scope_tables

    lines = [
        "| athlete | scope | verbose | compact | ultra | JSON | TOON |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for athlete in athlete_ids(con):
        for data, rows in athlete_scope_tables(con, athlete, DEFAULT_ENCODING):
            if data.scope.kind not in ("full_program", "current_week"):
                continue
            row = {r.format: r for r in rows}
            cells = [f"{row['verbose'].tokens:,}"]
            cells += [f"{row[f].tokens:,} ({row[f].ratio:.2f})" for f in ("compact", "ultra")]
            cells += [f"{row[f].tokens:,}" for f in ("json", "toon")]
            lines.append(f"| {data.athlete.handle} | {data.scope} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _week(con: duckdb.DuckDBPyConnection, fmt: str) -> int:
    from core.db.athletes import resolve_athlete
    from core.workouts.formats import athlete_scope_tables

    for data, rows in athlete_scope_tables(con, resolve_athlete(con, "maya"), DEFAULT_ENCODING):
        if data.scope.kind == "current_week":
            return next(r.tokens for r in rows if r.format == fmt)
    raise LookupError("maya has no current week")


def _replay_table(con: duckdb.DuckDBPyConnection) -> str:
    from core.context.replay import replay
    from core.db.athletes import athlete_ids

    lines = [
        "| athlete | A context | B context | B / A | A request | B request | B / A | B request median"
        " | B tools raw median / max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in replay(con, athlete_ids(con), encoding=DEFAULT_ENCODING):
        s = r.summary()
        lines.append(
            f"| {s['handle']} | {s['a_context']:,} | {s['b_context']:,} | {s['context_ratio']:.1%}"
            f" | {s['a_request']:,} | {s['b_request']:,} | {s['request_ratio']:.1%} | {s['b_request_median']:,g}"
            f" | {s['b_tools_raw_median']:,g} / {s['b_tools_raw_max']:,} |"
        )
    return "\n".join(lines)


def _tool_tokens(name: str) -> _Figure:
    def figure(con: duckdb.DuckDBPyConnection) -> str:
        from core.context.tools import raw_tool_tokens, tool_definitions

        return f"{raw_tool_tokens(tool_definitions([name]), DEFAULT_ENCODING):,}"

    return figure


def _topics_table(con: duckdb.DuckDBPyConnection) -> str:
    from core.benchmarks.context import TOPIC_SETS, topic_scores
    from core.context.topics import TOPICS

    lines = [
        "| set | messages | exact | " + " | ".join(f"{t} P / R" for t in TOPICS) + " |",
        "|---|---:|---:|" + "---:|" * len(TOPICS),
    ]
    for name in TOPIC_SETS:
        s = topic_scores(con, name)
        per = " | ".join(f"{s['per_topic'][t]['precision']:.0%} / {s['per_topic'][t]['recall']:.0%}" for t in TOPICS)
        lines.append(f"| `{name}` | {s['messages']} | {s['exact']} ({s['exact_share']:.1%}) | {per} |")
    return "\n".join(lines)


def _edit_table(con: duckdb.DuckDBPyConnection) -> str:
    from core.benchmarks.context import EDIT_SETS, edit_offering

    lines = [
        "| set | edit tool offered | `edit_plan` up front | `edit_plan` on other messages | largest tool definitions |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in EDIT_SETS:
        e = edit_offering(con, DEFAULT_ENCODING, name)
        n, o = e["edit_requests"], e["other_messages"]
        lines.append(
            f"| `{name}` | {e['edit_tool_offered']} / {n} | {e['edit_plan_up_front']} / {n}"
            f" | {e['edit_plan_on_others']} / {o} | {e['tools_raw_max']} raw |"
        )
    return "\n".join(lines)


def _questions(con: duckdb.DuckDBPyConnection) -> str:
    from core.eval.questions import generate_questions

    return f"{len(generate_questions(con)):,}"


FIGURES: dict[str, _Figure] = {
    "eval-questions": _questions,
    "formats-table": _formats_table,
    "maya-week-verbose": lambda con: f"{_week(con, 'verbose'):,}",
    "maya-week-ultra": lambda con: f"{_week(con, 'ultra'):,}",
    "maya-week-ultra-ratio": lambda con: f"{_week(con, 'ultra') / _week(con, 'verbose'):.2f}",
    "replay-table": _replay_table,
    "topics-table": _topics_table,
    "edit-table": _edit_table,
    "edit-plan-tokens": _tool_tokens("edit_plan"),
    "change-plan-tokens": _tool_tokens("change_plan"),
}


@dataclass(frozen=True)
class Stale:
    path: Path
    name: str
    written: str
    measured: str


def doc_files(root: Path = ROOT) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


@contextmanager
def demo_connection(path: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A demo database to measure on: `path` if given (tests pass their seeded one), else a fresh one."""
    from core.db import snapshot
    from core.demo.seeding import ensure_demo_database

    with tempfile.TemporaryDirectory() as tmp:
        con = snapshot(ensure_demo_database(path or Path(tmp) / "coach.duckdb"))
        try:
            yield con
        finally:
            con.close()


def refresh(text: str, con: duckdb.DuckDBPyConnection, cache: dict[str, str]) -> tuple[str, list[tuple[str, str, str]]]:
    """The text with every marked figure measured again, and (name, written, measured) for each that moved."""
    moved: list[tuple[str, str, str]] = []

    def measure(name: str) -> str:
        if name not in FIGURES:
            raise KeyError(f"unknown figure {name!r} (known: {', '.join(FIGURES)})")
        if name not in cache:
            cache[name] = FIGURES[name](con)
        return cache[name]

    def block(m: re.Match[str]) -> str:
        now = measure(m[2]) + "\n"
        if m[3] != now:
            moved.append((m[2], m[3], now))
        return m[1] + now + m[4]

    def inline(m: re.Match[str]) -> str:
        now = measure(m[2])
        if m[3] != now:
            moved.append((m[2], m[3], now))
        return m[1] + now + m[4]

    return INLINE.sub(inline, BLOCK.sub(block, text)), moved


def update(paths: list[Path], con: duckdb.DuckDBPyConnection, *, write: bool) -> list[Stale]:
    """Every stale figure in `paths`; with `write`, the files are rewritten with the measured ones."""
    cache: dict[str, str] = {}
    stale: list[Stale] = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new, moved = refresh(text, con, cache)
        stale += [Stale(path, name, old, now) for name, old, now in moved]
        if write and new != text:
            path.write_text(new, encoding="utf-8")
    return stale
