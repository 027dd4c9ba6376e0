"""The one benchmark report: the machine, the date and a section per benchmark, as a Markdown file.

The file is rewritten after every finished section, so an interrupted `bench all` leaves a report of
what finished (and says which benchmarks did not run). Figures are only comparable on the same machine:
the header names it (CPU model, cores, memory, Python and DuckDB versions).
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from core.db.connection import PROJECT_ROOT

DEFAULT_REPORT = PROJECT_ROOT / "bench-results" / "report.md"


@dataclass(frozen=True)
class Machine:
    """Where the figures were measured."""

    cpu_model: str
    cores: int
    memory_gib: float
    system: str
    python: str
    duckdb: str

    def line(self) -> str:
        return (
            f"{self.cpu_model}, {self.cores} cores, {self.memory_gib:.1f} GiB RAM, {self.system};"
            f" Python {self.python}, DuckDB {self.duckdb}"
        )


def _cpu_model() -> str:
    """The CPU's marketing name from /proc/cpuinfo (Linux), else what `platform` knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def this_machine() -> Machine:
    """The CPU, cores, memory and versions of the running interpreter's machine."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return Machine(
        cpu_model=_cpu_model(),
        cores=os.cpu_count() or 1,
        memory_gib=round(memory, 1),
        system=f"{platform.system()} {platform.release()}",
        python=platform.python_version(),
        duckdb=duckdb.__version__,
    )


@dataclass(frozen=True)
class ReportSection:
    """One benchmark's outcome: its rendered table, or the one-line error that stopped it."""

    name: str
    summary: str
    seconds: float
    arguments: dict[str, Any]
    headline: str
    text: str
    error: str | None = None


@dataclass(frozen=True)
class Report:
    """Everything the Markdown file shows; `pending` lists benchmarks that did not run (interrupted)."""

    machine: Machine
    started: datetime
    command: str
    quick: bool
    sections: tuple[ReportSection, ...] = ()
    pending: tuple[str, ...] = field(default=())


def _arguments_text(arguments: dict[str, Any]) -> str:
    shown = {k: v for k, v in arguments.items() if v is not None}
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in shown.items()) or "(defaults)"


def report_markdown(report: Report) -> str:
    """The report as Markdown: header (date, command, machine), a summary table, then one section per benchmark."""
    mode = "quick presets: fewer repeats, athletes, weeks" if report.quick else "full presets"
    lines = [
        "# Coach Context Lab — benchmark report",
        "",
        f"- **Date**: {report.started:%Y-%m-%d %H:%M}",
        f"- **Command**: `{report.command}` ({mode})",
        f"- **Machine**: {report.machine.line()}",
        "",
        "| benchmark | seconds | headline |",
        "|---|---:|---|",
    ]
    for s in report.sections:
        headline = f"FAILED: {s.error}" if s.error else s.headline
        lines.append(f"| {s.name} | {s.seconds:.1f} | {headline.replace('|', '/')} |")
    for name in report.pending:
        lines.append(f"| {name} | — | not run (interrupted) |")
    for s in report.sections:
        lines += ["", f"## {s.name}", "", s.summary, "", f"Arguments: `{_arguments_text(s.arguments)}`", ""]
        lines += [f"**Failed**: {s.error}"] if s.error else ["```text", s.text, "```"]
    if report.pending:
        lines += ["", f"_Interrupted: {', '.join(report.pending)} did not run._"]
    return "\n".join(lines) + "\n"


def write_report(path: Path, report: Report) -> Path:
    """Write the Markdown atomically (a reader never sees half a file); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(report_markdown(report), encoding="utf-8")
    partial.replace(path)
    return path
