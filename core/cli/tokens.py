"""`tokens`: exact token counts for a text."""

from __future__ import annotations

import argparse

from core.cli import emit
from core.tokens import DEFAULT_ENCODING, ENCODINGS, check_encoding_name, count_tokens


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tokens", help="count tokens of a text exactly (tiktoken, offline)")
    p.add_argument("text", nargs="?", help="the text to count")
    p.add_argument("--encoding", default=DEFAULT_ENCODING, help=f"one of {', '.join(ENCODINGS)}")
    p.add_argument("--json", action="store_true", help="print figures as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_encoding_name(args.encoding)
    if args.text is None:
        raise SystemExit("error: give a text to count")
    n = count_tokens(args.text, args.encoding)
    emit(args, {"encoding": args.encoding, "tokens": n, "chars": len(args.text)}, f"{n} tokens ({args.encoding})")
    return 0
