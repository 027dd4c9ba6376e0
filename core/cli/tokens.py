"""`tokens`: exact token counts of a text, or the format table of an athlete's workout data.

python -m core tokens "Bench Press 3×8-10@225lbs" --json
python -m core tokens @prompt.txt
echo "Bench Press 3×8-10@225lbs" | python -m core tokens -
python -m core tokens --athlete maya --scope current_week
python -m core tokens --athlete 2 --scope week:3 --show ultra
python -m core tokens --athlete maya --scope full_program --budget 6000
"""

from __future__ import annotations

import argparse

from core.cli import database, emit, positive_int, read_argument_text
from core.errors import CoachError
from core.tokens import DEFAULT_ENCODING, ENCODINGS, check_encoding_name, count_tokens
from core.workouts.formats import TokenRow


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("tokens", help="count tokens of a text, or print an athlete's token table by format")
    p.add_argument("text", nargs="?", help="the text to count, @FILE for a UTF-8 file, or - for stdin")
    p.add_argument("--encoding", default=DEFAULT_ENCODING, help=f"one of {', '.join(ENCODINGS)}")
    p.add_argument("--athlete", help="athlete id or handle: print the token table of their workout data")
    p.add_argument(
        "--scope", default="current_week", help="full_program | week:N | session:ID | current_week (with --athlete)"
    )
    p.add_argument("--show", metavar="FORMAT", help="also print the text: verbose|compact|ultra|json|toon")
    p.add_argument("--budget", type=positive_int, help="also pick the most readable level that fits this many tokens")
    p.add_argument("--json", action="store_true", help="print figures as JSON")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_encoding_name(args.encoding)
    if args.athlete is not None:
        return _run_table(args)
    if args.text is None:
        raise CoachError("tokens: give a text to count, or --athlete ID_OR_HANDLE --scope SCOPE")
    text = read_argument_text(args.text)
    n = count_tokens(text, args.encoding)
    emit(args, {"encoding": args.encoding, "tokens": n, "chars": len(text)}, f"{n} tokens ({args.encoding})")
    return 0


def table_text(rows: list[TokenRow], title: str) -> str:
    """The token table as aligned text: format, tokens, chars, share of verbose, reduction."""
    from core.workouts.formats import FORMAT_LABELS

    lines = [title, f"  {'format':<8} {'tokens':>7} {'chars':>7} {'×verbose':>9} {'saved':>7}"]
    for r in rows:
        lines.append(
            f"  {FORMAT_LABELS[r.format]:<8} {r.tokens:>7,} {r.chars:>7,} {r.ratio:>9.3f} {r.reduction_pct:>6.1f}%"
        )
    return "\n".join(lines)


def _run_table(args: argparse.Namespace) -> int:
    from core.workouts.formats import FORMATS, load_workout_data, pick_level, render_data, token_table

    if args.show is not None and args.show not in FORMATS:
        raise CoachError(f"--show {args.show!r}: expected one of {', '.join(FORMATS)}")
    with database(args) as con:
        data = load_workout_data(con, args.athlete, args.scope)
    rows = token_table(data, args.encoding)
    payload: dict[str, object] = {
        "athlete": data.athlete.handle,
        "scope": str(data.scope),
        "encoding": args.encoding,
        "rows": [{"format": r.format, "tokens": r.tokens, "chars": r.chars, "ratio": r.ratio} for r in rows],
    }
    text = table_text(rows, f"{data.athlete.handle} · {data.scope} · {args.encoding}")
    if args.budget is not None:
        choice = pick_level(data, args.budget, args.encoding)
        payload["pick"] = {"budget": args.budget, "level": choice.level, "tokens": choice.tokens}
        text += "\n" + choice.message
    if args.show is not None:
        shown = render_data(data, args.show)
        payload["text"] = shown
        text += "\n\n" + shown
    emit(args, payload, text)
    return 0
