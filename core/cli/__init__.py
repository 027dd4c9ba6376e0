"""A thin argparse front over core: one module per command group, each with `register(subparsers)`.

Every failure is one line on stderr: `CoachError`s and bad arguments name the field,
the value and what was expected (exit 1, or 2 for arguments); an unexpected OSError,
UnicodeError or DuckDB error is shortened to one line too (exit 1) unless
`$COACH_TRACEBACK` is set, so a real bug stays visible. Commands hold the database
only while they work (`database(args)`: read-only unless `write=True`).

May import: core.*
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import stat
import sys
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path
from typing import Any, NoReturn

import duckdb

from core.db import reading, writing
from core.errors import CoachError

# Each module registers its subcommands; add a feature by adding its module here.
COMMAND_MODULES = (
    "core.cli.seed",
    "core.cli.tokens",
    "core.cli.bench",
    "core.cli.plan",
    "core.cli.patterns",
    "core.cli.access",
    "core.cli.context",
    "core.cli.replay",
    "core.cli.eval",
    "core.cli.chat",
    "core.cli.traces",
    "core.cli.athlete",
    "core.cli.imports",
    "core.cli.cohort",
    "core.cli.reference",
    "core.cli.doc_figures",
)
MAX_ARGUMENT_BYTES = 1_000_000  # @file / stdin text: larger input is refused, never read whole


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad argument as one `error:` line (subcommand parsers inherit it)."""

    def error(self, message: str) -> NoReturn:
        print(f"error: {message} (see `{self.prog} --help`)", file=sys.stderr)
        sys.exit(2)


def positive_int(text: str) -> int:
    """argparse type: a whole number ≥ 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text[:40]!r}")
    return value


def iso_date(text: str) -> date:
    """argparse type: a calendar date YYYY-MM-DD."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text[:40]!r}") from None


def read_argument_text(value: str, field: str = "text", limit: int = MAX_ARGUMENT_BYTES) -> str:
    """The text an argument stands for: '-' reads stdin, '@PATH' a UTF-8 file, anything else is the text itself.

    Refuses, in one line naming `field`: a missing path, a directory, a pipe or device (reading it
    could hang), input over `limit` bytes, binary (NUL bytes) or non-UTF-8 input. A leading BOM is dropped.
    """
    if value == "-":
        data = sys.stdin.buffer.read(limit + 1)
        source = "stdin"
    elif value.startswith("@"):
        path = Path(value[1:]).expanduser()
        source = f"file {str(path)[:200]!r}"
        if not path.exists():
            raise CoachError(f"{field}: {source} not found; expected @PATH to a UTF-8 text file")
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise CoachError(f"{field}: {source} is a directory; expected @PATH to a UTF-8 text file")
        if not stat.S_ISREG(mode):
            raise CoachError(f"{field}: {source} is not a regular file (a pipe or device); expected a UTF-8 text file")
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    else:
        return value
    if len(data) > limit:
        raise CoachError(f"{field}: {source} is larger than {limit:,} bytes; expected at most {limit:,}")
    if b"\0" in data:
        raise CoachError(f"{field}: {source} is binary (contains NUL bytes); expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CoachError(f"{field}: {source} is not UTF-8 text (bad byte at offset {exc.start})") from None
    return text.removeprefix("\ufeff")


@contextmanager
def database(args: argparse.Namespace, *, write: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """The command's connection: created and seeded on first use, read-only unless `write`, closed after."""
    from core.demo.seeding import ensure_demo_database

    path = ensure_demo_database(args.db)
    with writing(path) if write else reading(path) as con:
        yield con


def command_database(args: argparse.Namespace, *, write: bool = False) -> duckdb.DuckDBPyConnection:
    """Like `database`, for a command body without a `with`: `main` closes it when the handler returns."""
    con: duckdb.DuckDBPyConnection = args.resources.enter_context(database(args, write=write))
    return con


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m core", description="Coach Context Lab command line.")
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


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text[:300]}" if text else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with ExitStack() as resources:
            args.resources = resources
            return int(args.handler(args) or 0)
    except CoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except (OSError, UnicodeError, duckdb.Error) as exc:
        if os.environ.get("COACH_TRACEBACK"):
            raise
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted; work already committed is kept", file=sys.stderr)
        return 130
