"""Password checks: median seconds per scrypt verify, and guesses per second one core allows a brute-forcer."""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

from core.access import FREE_FAILURES, SCRYPT_N, SCRYPT_P, SCRYPT_R, hash_password, retry_after, verify_password

QUICK = {"repeats": 5}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=15, help="verifications timed; the median is reported")


def run(args: argparse.Namespace) -> dict[str, Any]:
    stored = hash_password("correct horse battery")
    seconds = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        verify_password("wrong horse battery", stored)
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds)
    # What the per-session backoff adds: total wait before the 20th guess in one session.
    waited = sum(retry_after(n) for n in range(1, 20))
    return {
        "scrypt": {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "memory_mib": 128 * SCRYPT_N * SCRYPT_R // 2**20},
        "repeats": args.repeats,
        "verify_median_s": round(median, 4),
        "guesses_per_core_per_s": round(1 / median, 1),
        "free_failures": FREE_FAILURES,
        "backoff_wait_before_20th_guess_s": waited,
    }


def headline(result: dict[str, Any]) -> str:
    return f"scrypt verify {result['verify_median_s'] * 1000:.0f} ms median → {result['guesses_per_core_per_s']:.0f} guesses/s per core"


def render(result: dict[str, Any]) -> str:
    s = result["scrypt"]
    return "\n".join(
        [
            f"scrypt n={s['n']} r={s['r']} p={s['p']} ({s['memory_mib']} MiB per check)",
            f"verify: median {result['verify_median_s'] * 1000:.0f} ms over {result['repeats']} runs"
            f" → {result['guesses_per_core_per_s']:.0f} guesses per second per core",
            f"per-session backoff: {result['free_failures']} free failures, then"
            f" {result['backoff_wait_before_20th_guess_s']:.0f} s of waiting before a 20th guess",
        ]
    )
