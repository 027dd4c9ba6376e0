"""Render time of every dashboard page under AppTest, printed as JSON: what `python -m core bench pages` runs.

It lives in ui/ because it drives Streamlit (core never imports it); the benchmark starts it as a child
process on a database it names with COACH_DB. Each timed run is a new session (a fresh AppTest) that
runs app.py and then switches to the page; only the page's run is timed. The first session per page
is reported apart (it fills the process's caches); the median is over the following ones.

    COACH_DB=/tmp/demo.duckdb python -m ui.page_timing --repeats 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[1]
PAGES = ("home", "plan", "chat", "history", "formats", "replay", "patterns", "comprehension")  # app.py's order


def page_seconds(page: str) -> float:
    """Seconds for one new session's run of `pages/<page>.py` (app.py's run before it is not counted)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.secrets["OPENAI_API_KEY"] = "bench-key"
    at.run()
    started = time.perf_counter()
    at.switch_page(f"pages/{page}.py").run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"pages/{page}.py raised: {at.exception[0].value}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5, help="timed sessions per page after the first")
    parser.add_argument("--page", action="append", choices=PAGES, help="only this page (repeatable)")
    args = parser.parse_args()
    out = {}
    for page in args.page or PAGES:
        first = page_seconds(page)
        runs = [page_seconds(page) for _ in range(args.repeats)]
        out[page] = {"first_s": round(first, 3), "median_s": round(statistics.median(runs), 3), "runs_s": runs}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
