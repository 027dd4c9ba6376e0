"""`bench eval`: prompt tokens per format over the question set, and saved accuracy per format."""

from __future__ import annotations

import argparse
import json

from core.benchmarks import eval as bench


def test_benchmark_reports_prompt_tokens_per_format_and_saved_scores(demo_db_path, tmp_path, monkeypatch):
    """Given the demo and one saved result, when the benchmark runs, then ultra < compact < verbose and the saved row shows."""
    row = {
        "qid": "q", "athlete": "maya", "week": 16, "kind": "note", "format": "ultra", "model": "m", "endpoint": "openai",
        "correct": True, "answer": "a", "gold": "a", "data_tokens": 1, "prompt_tokens": 2,
        "reported_prompt_tokens": None, "completion_tokens": None, "latency_s": 1.5,
    }  # fmt: skip
    (tmp_path / "m.jsonl").write_text(json.dumps(row) + "\n")
    monkeypatch.setenv("COACH_EVAL_DIR", str(tmp_path))
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    result = bench.run(argparse.Namespace(**vars(parser.parse_args([])), db=demo_db_path))
    ratio = {t["format"]: t["ratio_to_verbose"] for t in result["tokens"]}
    assert result["questions"] >= 100 and ratio["verbose"] == 1.0
    assert ratio["ultra"] < ratio["compact"] < ratio["verbose"]
    assert [(s["model"], s["format"], s["n"], s["median_latency_s"]) for s in result["saved"]] == [
        ("m", "ultra", 1, 1.5)
    ]
    assert "system prompt" in bench.render(result)
    base = {(b["model"], b["format"]): b["accuracy"] for b in result["baselines"]}
    assert base[("baseline: echo", "toon")] == 0.0 and base[("oracle: our parser", "ultra")] == 1.0
