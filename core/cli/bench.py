"""`bench NAME|all`: run the benchmarks in core/benchmarks/ and print their tables (or --json)."""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
from types import ModuleType

import core.benchmarks


def available() -> dict[str, ModuleType]:
    """Every benchmark module, by name."""
    return {
        info.name: importlib.import_module(f"core.benchmarks.{info.name}")
        for info in pkgutil.iter_modules(core.benchmarks.__path__)
        if not info.name.startswith("_")
    }


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="run benchmarks (medians and ratios, never pass/fail on time)")
    names = sub_names = p.add_subparsers(dest="bench", metavar="NAME", required=True)
    for name, module in available().items():
        q = sub_names.add_parser(name, help=(module.__doc__ or "").strip().splitlines()[0])
        module.add_arguments(q)
        q.add_argument("--json", action="store_true", help="print results as JSON")
        q.set_defaults(handler=lambda args, m=module: _run([m], args))
    q = names.add_parser("all", help="every benchmark with its defaults")
    q.add_argument("--json", action="store_true", help="print results as JSON")
    q.set_defaults(handler=lambda args: _run(list(available().values()), args))


def _run(modules: list[ModuleType], args: argparse.Namespace) -> int:
    results = {}
    for module in modules:
        defaults = argparse.ArgumentParser()
        module.add_arguments(defaults)
        merged = argparse.Namespace(**{**vars(defaults.parse_args([])), **vars(args)})
        result = module.run(merged)
        name = module.__name__.rsplit(".", 1)[-1]
        results[name] = result
        if not args.json:
            print(f"== {name} ==\n{module.render(result)}\n")
    if args.json:
        print(json.dumps(results, indent=2, default=str, ensure_ascii=False))
    return 0
