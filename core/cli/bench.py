"""`bench NAME|all`: run the benchmarks in core/benchmarks/ and print their tables (or --json).

    python -m core bench formats                       # one benchmark, its full defaults
    python -m core bench all --quick                   # every benchmark, quick presets → bench-results/report.md
    python -m core bench all --only db --only access   # a subset, same report
    python -m core bench all --quick --set repeats=1   # override an argument in every benchmark that has it

A benchmark module has `add_arguments(parser)`, `run(args) -> dict`, `render(result) -> str`, and
optionally `QUICK` (argument defaults for `--quick`: fewer repeats, athletes or weeks; the full
defaults are unchanged) and `headline(result) -> str` (one line for the report's summary table).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import shlex
import sys
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
from tqdm import tqdm

import core.benchmarks
from core.benchmarks.report import DEFAULT_REPORT, Report, ReportSection, this_machine, write_report
from core.errors import CoachError


def available() -> dict[str, ModuleType]:
    """Every benchmark module (one with add_arguments, run and render), by name."""
    modules = {
        info.name: importlib.import_module(f"core.benchmarks.{info.name}")
        for info in pkgutil.iter_modules(core.benchmarks.__path__)
        if not info.name.startswith("_")
    }
    return {name: m for name, m in modules.items() if all(hasattr(m, f) for f in ("add_arguments", "run", "render"))}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("bench", help="run benchmarks (medians and ratios, never pass/fail on time)")
    names = p.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name, module in available().items():
        aliases = [a for a in getattr(module, "ALIASES", ()) if isinstance(a, str)]
        q = names.add_parser(name, aliases=aliases, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(q)
        q.add_argument("--json", action="store_true", help="print results as JSON")
        q.set_defaults(handler=lambda args, m=module: _run_one(m, args))
    q = names.add_parser("all", help="every benchmark, one Markdown report (path printed)")
    q.add_argument("--quick", action="store_true", help="each benchmark's quick preset (fewer repeats/athletes/weeks)")
    q.add_argument("--only", action="append", choices=sorted(available()), help="run only this one (repeatable)")
    q.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="ARG=VALUE",
        help="override ARG in every benchmark that has it, e.g. --set repeats=1 (repeatable)",
    )
    q.add_argument("--out", type=Path, default=DEFAULT_REPORT, help=f"report path (default {DEFAULT_REPORT.name})")
    q.add_argument("--json", action="store_true", help="print results as JSON")
    q.set_defaults(handler=_run_all)


def _run_one(module: ModuleType, args: argparse.Namespace) -> int:
    defaults = argparse.ArgumentParser()
    module.add_arguments(defaults)
    result = module.run(argparse.Namespace(**{**vars(defaults.parse_args([])), **vars(args)}))
    name = module.__name__.rsplit(".", 1)[-1]
    if args.json:
        print(json.dumps({name: result}, indent=2, default=str, ensure_ascii=False))
    else:
        print(f"== {name} ==\n{module.render(result)}")
    return 0


def _overrides(pairs: list[str]) -> dict[str, str]:
    """`--set ARG=VALUE` pairs as {dest: text}; a pair without '=' is refused naming it."""
    found = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CoachError(f"--set: expected ARG=VALUE, got {pair[:60]!r}")
        found[key.strip().lstrip("-").replace("-", "_")] = value
    return found


def module_arguments(module: ModuleType, quick: bool, overrides: dict[str, str]) -> dict[str, Any]:
    """The arguments a benchmark runs with: its defaults, its QUICK preset if asked, then the `--set` overrides
    that name one of its own arguments (parsed by its own parser, so types and choices still apply)."""
    parser = argparse.ArgumentParser(prog=f"bench {module.__name__.rsplit('.', 1)[-1]}", exit_on_error=False)
    module.add_arguments(parser)
    if quick:
        parser.set_defaults(**getattr(module, "QUICK", {}))
    known = {a.dest: a for a in parser._actions}
    argv = []
    for dest, value in overrides.items():
        if dest in known and known[dest].option_strings:
            argv += [known[dest].option_strings[0], value]
    try:
        return vars(parser.parse_args(argv))
    except (argparse.ArgumentError, SystemExit) as exc:
        raise CoachError(f"--set for {parser.prog}: {exc}") from None


def _section(name: str, module: ModuleType, arguments: dict[str, Any], db: Any) -> tuple[ReportSection, Any]:
    """Run one benchmark; a failure becomes the section's one-line error (the others still run)."""
    summary = (module.__doc__ or name).strip().splitlines()[0]
    started = time.perf_counter()
    try:
        result = module.run(argparse.Namespace(**arguments, db=db))
    except (CoachError, RuntimeError, OSError, ValueError, duckdb.Error) as exc:
        error = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return ReportSection(name, summary, time.perf_counter() - started, arguments, "", "", error), None
    seconds = time.perf_counter() - started
    headline = module.headline(result) if hasattr(module, "headline") else ""
    return ReportSection(name, summary, seconds, arguments, headline, module.render(result)), result


def _run_all(args: argparse.Namespace) -> int:
    modules = {n: m for n, m in available().items() if not args.only or n in args.only}
    overrides = _overrides(args.set)
    unknown = set(overrides) - {a for m in modules.values() for a in module_arguments(m, False, {})}
    if unknown:
        raise CoachError(f"--set: no benchmark has the argument {sorted(unknown)[0]!r}")
    plan = {n: module_arguments(m, args.quick, overrides) for n, m in modules.items()}
    command = "python -m core " + shlex.join(sys.argv[1:]) if sys.argv[0].endswith("__main__.py") else "bench all"
    report = Report(this_machine(), datetime.now(), command, args.quick)
    results: dict[str, Any] = {}
    done: list[ReportSection] = []
    bar = tqdm(plan.items(), desc="bench all", unit="benchmark", file=sys.stderr, disable=None)
    try:
        for name, arguments in bar:
            bar.set_postfix_str(name)
            section, results[name] = _section(name, modules[name], arguments, getattr(args, "db", None))
            done.append(section)
            pending = tuple(n for n in plan if n not in results)
            write_report(args.out, replace(report, sections=tuple(done), pending=pending))
            tqdm.write(f"{name}: {section.seconds:.1f} s {section.error or section.headline}", file=sys.stderr)
    except KeyboardInterrupt:
        pending = tuple(n for n in plan if n not in results)
        write_report(args.out, replace(report, sections=tuple(done), pending=pending))
        print(f"interrupted: {len(done)} finished section(s) kept in {args.out}", file=sys.stderr)
        return 130
    finally:
        bar.close()
    if args.json:
        payload = {
            "report": str(args.out),
            "machine": vars(report.machine),
            "date": report.started.isoformat(timespec="seconds"),
            "quick": args.quick,
            "benchmarks": {
                s.name: {
                    "seconds": round(s.seconds, 2),
                    "arguments": s.arguments,
                    "error": s.error,
                    "result": results[s.name],
                }
                for s in done
            },
        }
        print(json.dumps(payload, indent=2, default=str, ensure_ascii=False))
    else:
        print(f"report: {args.out}")
    return 1 if any(s.error for s in done) else 0
