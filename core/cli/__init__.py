"""A thin argparse front over core: one module per command group, each with `register(subparsers)`.

Errors are `CoachError`s printed as one line on stderr with exit code 1.

May import: core.*
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.errors import CoachError

# Each module registers its subcommands; add a feature by adding its module here.
COMMAND_MODULES = (
    "core.cli.seed",
    "core.cli.tokens",
    "core.cli.bench",
    "core.cli.plan",
    "core.cli.patterns",
    "core.cli.eval",
    "core.cli.chat",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Coach Context Lab command line.")
    parser.add_argument("--db", type=Path, help="DuckDB file (default: $COACH_DB or data/coach.duckdb)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(sub)
    return parser


def emit(args: argparse.Namespace, payload: Any, text: str) -> None:
    """Print `payload` as JSON when --json was given, else the human `text`."""
    if getattr(args, "json", False):
        print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
    else:
        print(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
