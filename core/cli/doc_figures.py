"""`python -m core docs-figures`: the measured figures marked in README.md and docs/*.md, rewritten from a fresh demo
database (see core/benchmarks/doc_figures.py for the markers).

python -m core docs-figures            # rewrite every stale figure, one line per figure changed
python -m core docs-figures --check    # exit 1 listing the stale ones (make test runs this check)
"""

from __future__ import annotations

import argparse

from core.errors import CoachError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "docs-figures", help="rewrite the measured figures marked in the docs from a fresh demo database"
    )
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 when a marked figure is stale")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from core.benchmarks.doc_figures import ROOT, demo_connection, doc_files, update

    with demo_connection() as con:
        stale = update(doc_files(), con, write=not args.check)
    for s in stale:
        was, now = s.written.strip(), s.measured.strip()
        change = f"{was!r} → {now!r}" if "\n" not in was + now else "table changed"
        print(f"{s.path.relative_to(ROOT)}: {s.name}: {change}")
    if stale and args.check:
        raise CoachError(f"{len(stale)} figure(s) in the docs are stale; run `python -m core docs-figures`")
    print(f"{len(stale)} figure(s) rewritten" if stale else "every marked figure is current")
    return 0
