"""Password checks: median seconds per scrypt verify, guesses per second one core allows a brute-forcer, and
a sign-in for an unknown username against a known one (the ratio near 1: the time does not say who exists)."""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from core.access import (
    FREE_FAILURES,
    SCRYPT_N,
    SCRYPT_P,
    SCRYPT_R,
    check_sign_in,
    hash_password,
    retry_after,
    verify_password,
)

QUICK = {"repeats": 5}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repeats", type=int, default=15, help="verifications timed; the median is reported")


def _median_check_seconds(repeats: int, check: Callable[[], object]) -> float:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        check()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def run(args: argparse.Namespace) -> dict[str, Any]:
    stored = hash_password("correct horse battery")
    table = {"alice": stored}
    median = _median_check_seconds(args.repeats, lambda: verify_password("wrong horse battery", stored))
    known = _median_check_seconds(args.repeats, lambda: check_sign_in(table, "alice", "wrong horse battery"))
    unknown = _median_check_seconds(args.repeats, lambda: check_sign_in(table, "nobody", "wrong horse battery"))
    # What the per-username backoff adds: total wait before the 20th guess at one username.
    waited = sum(retry_after(n) for n in range(1, 20))
    return {
        "scrypt": {"n": SCRYPT_N, "r": SCRYPT_R, "p": SCRYPT_P, "memory_mib": 128 * SCRYPT_N * SCRYPT_R // 2**20},
        "repeats": args.repeats,
        "verify_median_s": round(median, 4),
        "guesses_per_core_per_s": round(1 / median, 1),
        "sign_in_known_user_median_s": round(known, 4),
        "sign_in_unknown_user_median_s": round(unknown, 4),
        "unknown_over_known_ratio": round(unknown / known, 3),
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
            f"sign-in: unknown username {result['sign_in_unknown_user_median_s'] * 1000:.0f} ms,"
            f" known {result['sign_in_known_user_median_s'] * 1000:.0f} ms (ratio {result['unknown_over_known_ratio']:.2f})",
            f"per-username backoff: {result['free_failures']} free failures, then"
            f" {result['backoff_wait_before_20th_guess_s']:.0f} s of waiting before a 20th guess",
        ]
    )
