"""Dashboard pages: render seconds per page under AppTest on the demo data, median of 5, and the ratio to Athletes.

A fresh demo database is seeded in a temp folder; `ui/page_timing.py` (Streamlit's AppTest, so it runs as
a child process: core never imports Streamlit) times each page in new sessions. The first session of a
page fills the caches and is reported apart; the median is over the next `--repeats`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from core.db.connection import PROJECT_ROOT
from core.demo.seeding import ensure_demo_database

QUICK = {"repeats": 1}
BASELINE = "home"  # the Athletes page
TITLES = {
    "home": "Athletes",
    "plan": "Weekly plan",
    "chat": "Coach chat",
    "history": "Plan history & diff",
    "formats": "Formats A/B",
    "replay": "A/B replay",
    "patterns": "Patterns",
    "comprehension": "Comprehension",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=5, help="timed sessions per page; the median is reported")


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = ensure_demo_database(Path(tmp) / "coach.duckdb")
        env = {**os.environ, "COACH_DB": str(db), "COACH_LOCAL_MODEL": "off"}
        result = subprocess.run(
            [sys.executable, "-m", "ui.page_timing", "--repeats", str(args.repeats)],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if result.returncode != 0:
        raise RuntimeError(result.stderr.strip()[-2000:])
    timings = json.loads(result.stdout.strip().splitlines()[-1])
    base = timings[BASELINE]["median_s"]
    pages = {
        page: {
            "title": TITLES.get(page, page),
            "median_s": t["median_s"],
            "first_s": t["first_s"],
            "ratio_to_athletes": round(t["median_s"] / base, 2) if base else None,
        }
        for page, t in timings.items()
    }
    return {"repeats": args.repeats, "pages": pages}


def render(result: dict[str, Any]) -> str:
    lines = [f"{'page':<22}{'median s':>10}{'× Athletes':>12}{'first s':>10}"]
    for p in result["pages"].values():
        lines.append(f"{p['title']:<22}{p['median_s']:>10.2f}{p['ratio_to_athletes']:>12.2f}{p['first_s']:>10.2f}")
    lines.append(f"median of {result['repeats']} new sessions per page after a first (cache-filling) one")
    return "\n".join(lines)


def headline(result: dict[str, Any]) -> str:
    slowest = max(result["pages"].values(), key=lambda p: p["median_s"])
    return f"slowest page {slowest['title']} {slowest['median_s']:.2f} s ({slowest['ratio_to_athletes']:.1f}× Athletes)"
