"""Budgets and the context window as a saved profile: one file the page downloads and every command reads.

The profile is TOML (or JSON, by the file's suffix) with one table of whole token counts named like the
`Budgets` fields; a missing key keeps its default, `context_window` absent (or 0) means no window:

    [budgets]
    tier1 = 120
    tier2 = 400
    plan = 600
    history = 300
    reserve_output = 512
    reserve_tool_round = 256
    context_window = 8192

Commands take the same settings as flags (`add_budget_arguments`); the order is defaults < `--budget-profile`
< explicit flags. The fields are read from `Budgets` itself, so a budget the builder gains is a flag and a key.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields, replace
from pathlib import Path
from typing import Any

import duckdb

from core.context.builder import Budgets, Context, build_context
from core.context.conversation import ContextError
from core.tokens import count_tokens

WINDOW_PRESETS: dict[str, int] = {"4k": 4_096, "8k": 8_192, "32k": 32_768, "128k": 131_072}
WINDOW = "context_window"
# flag and label per Budgets field; a field missing here gets `--<name>-budget` and its own name
LABELS: dict[str, tuple[str, str]] = {
    "tier1": ("--tier1-budget", "Tier 1"),
    "tier2": ("--tier2-budget", "Tier 2"),
    "plan": ("--plan-budget", "Plan part"),
    "history": ("--history-budget", "History"),
    "tools": ("--tools-budget", "Tool definitions"),
    "tool_definitions": ("--tools-budget", "Tool definitions"),
    "reserve_output": ("--reserve-output", "Reserved for the answer"),
    "reserve_tool_round": ("--reserve-tool-round", "Reserved for a tool round"),
    WINDOW: ("--window", "Context window"),
}


def budget_fields() -> tuple[str, ...]:
    """The whole-number budgets `Budgets` has (the window last), in declaration order."""
    names = [f.name for f in fields(Budgets) if f.name != WINDOW]
    return (*names, WINDOW)


def label(name: str) -> str:
    """A budget's name for people ('Tier 1', 'Tool definitions')."""
    return LABELS.get(name, (f"--{name.replace('_', '-')}-budget", name.replace("_", " ").capitalize()))[1]


def flag(name: str) -> str:
    return LABELS.get(name, (f"--{name.replace('_', '-')}-budget", ""))[0]


def budgets_from_mapping(values: Mapping[str, Any], base: Budgets | None = None, *, source: str = "profile") -> Budgets:
    """`base` with the given fields replaced; ContextError naming the key and value when one is not a budget."""
    known = set(budget_fields())
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ContextError(f"{source}: unknown budget {key!r}; expected one of {', '.join(sorted(known))}")
        if not isinstance(value, int) or isinstance(value, bool):
            raise ContextError(f"{source}: {key}={value!r}: expected a whole number of tokens")
        changes[key] = None if key == WINDOW and value == 0 else value
    budgets = replace(base or Budgets(), **changes)
    budgets.check()
    return budgets


def profile_dict(budgets: Budgets) -> dict[str, Any]:
    """The profile as plain values: {'budgets': {...}} (the window omitted when there is none)."""
    values = {k: v for k, v in asdict(budgets).items() if k in budget_fields() and v is not None}
    return {"budgets": values}


def profile_toml(budgets: Budgets) -> str:
    """The profile as TOML text (what the page offers to download)."""
    lines = ["# Coach Context Lab budget profile: python -m core context --budget-profile FILE", "[budgets]"]
    lines += [f"{k} = {v}" for k, v in profile_dict(budgets)["budgets"].items()]
    return "\n".join(lines) + "\n"


def parse_profile(text: str, *, fmt: str = "toml", source: str = "profile") -> Budgets:
    """Budgets from profile text ('toml' or 'json'); ContextError naming the source when it cannot be read."""
    try:
        raw = json.loads(text) if fmt == "json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ContextError(f"{source}: not valid {fmt.upper()} ({str(exc)[:80]})") from None
    table = raw.get("budgets") if isinstance(raw, dict) else None
    if not isinstance(table, dict):
        raise ContextError(f"{source}: expected a [budgets] table of token counts")
    return budgets_from_mapping(table, source=source)


def load_profile(path: Path | str) -> Budgets:
    """Budgets from a .toml or .json profile file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        raise ContextError(f"budget profile {str(p)!r}: cannot read it ({type(exc).__name__})") from None
    return parse_profile(text, fmt="json" if p.suffix.lower() == ".json" else "toml", source=f"budget profile {p}")


def save_profile(budgets: Budgets, path: Path | str) -> Path:
    """Write the profile (JSON if the suffix is .json, else TOML); returns the path."""
    p = Path(path)
    text = json.dumps(profile_dict(budgets), indent=2) + "\n" if p.suffix.lower() == ".json" else profile_toml(budgets)
    p.write_text(text, encoding="utf-8")
    return p


def add_budget_arguments(parser: argparse.ArgumentParser) -> None:
    """`--budget-profile FILE` and one flag per budget (`--tier1-budget … --window`); options already there are kept."""
    taken = set(parser._option_string_actions)  # a command that defined one itself keeps its own
    group = parser.add_argument_group("budgets (defaults < --budget-profile < these flags)")
    if "--budget-profile" not in taken:
        group.add_argument("--budget-profile", metavar="FILE", help="a saved budget profile, .toml or .json")
    for name in budget_fields():
        option = flag(name)
        if option not in taken:
            default = getattr(Budgets(), name)
            help_text = (
                "context window in tokens, e.g. 8192; 0: none" if name == WINDOW else f"tokens (default {default})"
            )
            group.add_argument(option, dest=f"budget_{name}", type=int, default=None, metavar="N", help=help_text)


def budgets_from_args(args: argparse.Namespace) -> Budgets:
    """The Budgets the flags ask for: defaults, then the profile file, then each flag given."""
    path = getattr(args, "budget_profile", None)
    base = load_profile(path) if path else Budgets()
    given = {n: getattr(args, f"budget_{n}") for n in budget_fields() if getattr(args, f"budget_{n}", None) is not None}
    return budgets_from_mapping(given, base, source="flags") if given else base


WINDOW_PARTS = (
    "instructions",
    "Tier 1",
    "Tier 2",
    "plan",
    "history",
    "tool definitions",
    "message",
    "framing",
    "reserved output",
    "reserved tool round",
    "free",
)


def window_parts(ctx: Context) -> dict[str, int]:
    """The window split by part (WINDOW_PARTS order): the request's parts, the reserved answer, the reserved tool
    round (one call's arguments and its result), what is left free.

    'framing' is the cookbook's per-message tokens and the joins between parts, so the request's parts add up to
    `request_tokens` exactly; 'free' is 0 when no window is set.
    """
    parts = {
        "instructions": ctx.system_prompt_tokens,
        "Tier 1": ctx.tier1_tokens,
        "Tier 2": ctx.tier2_tokens,
        "plan": ctx.plan_tokens,
        "history": ctx.history_tokens,
        "tool definitions": ctx.tool_def_raw_tokens,
        "message": count_tokens(ctx.message, ctx.encoding),
    }
    parts["framing"] = ctx.request_tokens - sum(parts.values())
    parts["reserved output"] = ctx.budgets.reserve_output
    parts["reserved tool round"] = ctx.budgets.reserve_tool_round
    window = ctx.budgets.context_window
    parts["free"] = max(0, window - ctx.request_tokens - ctx.budgets.reserved) if window else 0
    return parts


def refit_conversation(
    con: duckdb.DuckDBPyConnection,
    athlete_id: int,
    turns: Sequence[tuple[str, str]],
    budgets: Budgets,
    encoding: str,
) -> list[Context]:
    """Every turn of a conversation ((user, answer) pairs) rebuilt with these budgets and this tokenizer.

    Read-only, no model: what each turn would hold now, so a budget or tokenizer change recounts them all.
    """
    out: list[Context] = []
    history: list[dict[str, str]] = []
    for user, answer in turns:
        out.append(build_context(con, athlete_id, user, conversation=history, budgets=budgets, encoding=encoding))
        history.append({"role": "user", "content": user})
        if answer.strip():
            history.append({"role": "assistant", "content": answer})
    return out
