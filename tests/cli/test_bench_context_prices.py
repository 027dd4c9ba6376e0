"""`bench context --price --cached-price`: both strategies priced with and without prompt caching at the given rates."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

import core.benchmarks.context as bench_context
from core.cli import main
from core.context.caching import DEFAULT_CACHED_PRICE
from core.context.replay import DEFAULT_PRICE


def test_price_and_cached_price_are_inputs_with_the_replays_defaults() -> None:
    """Given `bench context`'s arguments, when parsed with and without the prices, then they default as `replay` does
    (and the replay page's inputs) and take what is given."""
    parser = argparse.ArgumentParser()
    bench_context.add_arguments(parser)
    defaults = parser.parse_args([])
    assert (defaults.price, defaults.cached_price) == (DEFAULT_PRICE, DEFAULT_CACHED_PRICE)
    given = parser.parse_args(["--price", "3", "--cached-price", "0.3"])
    assert (given.price, given.cached_price) == (3.0, 0.3)


@pytest.mark.slow  # one replay with the caching rule, plus the labelled sets: ~10 s
def test_bench_context_prices_both_strategies_at_the_cached_price_given(
    demo_db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given --price 2 --cached-price 0.5 for maya, when `bench context --json` runs, then each strategy's cost with
    caching bills cached tokens at 0.5 and the rest at 2 per million, and the text names both prices."""
    base = ["--db", str(demo_db_path), "bench", "context", "--athlete", "maya", "--repeats", "1"]
    assert main([*base, "--price", "2", "--cached-price", "0.5", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["context"]["caching"]
    assert (row["price_per_million"], row["cached_price_per_million"]) == (2.0, 0.5)
    for name in ("A", "B"):
        s = row[name]
        assert s["cost_usd"] == pytest.approx(s["input_tokens"] * 2 / 1e6, abs=1e-6)
        assert s["cost_cached_usd"] == pytest.approx(
            (s["uncached_tokens"] * 2 + s["cached_tokens"] * 0.5) / 1e6, abs=1e-6
        )
    assert row["A"]["cached_tokens"] > 0  # A's repeated prefix is cached: the cheaper rate really applies
    assert main([*base, "--price", "2", "--cached-price", "0.5"]) == 0
    assert "prompt caching ($2.0/M, cached $0.5/M)" in capsys.readouterr().out
