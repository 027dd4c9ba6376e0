"""Prompt caching in the price: which input tokens a provider would bill at its cached rate, by a stated rule.

The rule (OpenAI's automatic prompt caching, as documented): a request's longest token prefix shared with an
earlier request of the same conversation is cached, counted in whole blocks of 128 tokens, once the shared prefix
is at least 1,024 tokens; shorter shared prefixes are not cached at all. Cached tokens are billed at the cached
price, the rest at the full price.

It is computed on exact token sequences: each request is serialized as a provider renders it (OpenAI puts the tool
definitions into the system message after its text): the system message, the tool definitions as raw JSON in the
request's order, the history, the last message; each piece encoded with tiktoken and the pieces concatenated; every message adds 3 framing tokens and
the reply 3 priming tokens (the cookbook's framing, as `messages_tokens` counts it). A sequence is as long as the
request's raw-JSON count give or take a token at the joins, so the sequences only decide the shared prefix: the
input tokens priced are the replay's own request counts (`TurnFigures.a_request` / `b_request`), and the cached
part is capped at them. Every cost of one report, cached or not, is on those same counts, so with a cached price
at most the price (every provider's discount) a cost with caching is never above the same requests' cost without it.

So what a request puts first decides what is cached: both strategies send their stable part first
(`request_messages`): A's instructions, program data and plan, then every tool; B's instructions and Tier 1, then its
tools in a fixed order (`request_order`), with Tier 2 and the plan part in the last message.

The replay does not keep requests; `replay_requests` records them through its `measure` hook (called with A's and
then B's exact messages and tools every turn), passing them on to a live measure when one is given.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from core.context.replay import DEFAULT_PRICE, AthleteReplay, Measure, replay
from core.errors import CoachError
from core.tokens import DEFAULT_ENCODING, get_encoding

CACHE_MIN_PREFIX = 1_024
CACHE_BLOCK = 128
DEFAULT_CACHED_PRICE = 1.25  # USD per million cached input tokens (half of DEFAULT_PRICE, as for gpt-4o)
FRAME = -1  # a framing token: not text, identical in every request

Messages = list[dict[str, Any]]
Tools = list[dict[str, Any]]


@dataclass(frozen=True)
class Request:
    """One request as sent: the messages and the tool definitions."""

    messages: Messages
    tools: Tools


@dataclass(frozen=True)
class TurnRequests:
    """Strategy A's and B's exact requests for one replay turn."""

    turn: int
    a: Request
    b: Request


def request_sequence(request: Request, encoding: str = DEFAULT_ENCODING) -> list[int]:
    """The request's tokens in the order a provider renders them: each message in turn, the tool definitions (raw
    JSON, in the request's order) right after the first system message's text; framing included."""
    enc = get_encoding(encoding)
    out: list[int] = []
    tools = list(request.tools)
    for i, m in enumerate(request.messages):
        out += [FRAME] * 3 + enc.encode(str(m["role"])) + enc.encode(str(m.get("content") or ""), disallowed_special=())
        if i == 0 and m["role"] == "system" and tools:
            out += enc.encode(json.dumps(tools), disallowed_special=())
            tools = []
    if tools:  # no system message: the tools lead
        out = enc.encode(json.dumps(tools), disallowed_special=()) + out
    return out + [FRAME] * 3


def shared_prefix(sequence: Sequence[int], earlier: Sequence[Sequence[int]]) -> int:
    """The longest prefix `sequence` shares with any earlier sequence, in tokens."""
    best = 0
    for other in earlier:
        n = 0
        for x, y in zip(sequence, other, strict=False):
            if x != y:
                break
            n += 1
        best = max(best, n)
    return best


def cached_tokens(prefix: int) -> int:
    """Tokens billed at the cached rate for a shared prefix: whole 128-token blocks, only from 1,024 up."""
    return 0 if prefix < CACHE_MIN_PREFIX else prefix // CACHE_BLOCK * CACHE_BLOCK


@dataclass(frozen=True)
class CachedTurn:
    """One request under the rule: its input tokens, the prefix shared with an earlier one, and what is cached."""

    input_tokens: int
    shared_prefix: int
    cached_tokens: int

    @property
    def uncached_tokens(self) -> int:
        return self.input_tokens - self.cached_tokens


def conversation_caching(
    sequences: Sequence[Sequence[int]], input_tokens: Sequence[int] | None = None
) -> list[CachedTurn]:
    """Each request of one conversation (in order) against every earlier one.

    `input_tokens` are the requests' own counts (default: the sequences' lengths); the cached part never exceeds them.
    """
    counts = list(input_tokens) if input_tokens is not None else [len(seq) for seq in sequences]
    if len(counts) != len(sequences):
        raise CoachError(f"input_tokens: {len(counts)} counts for {len(sequences)} requests; expected one per request")
    out = []
    for i, (seq, count) in enumerate(zip(sequences, counts, strict=True)):
        prefix = shared_prefix(seq, sequences[:i])
        out.append(CachedTurn(count, prefix, cached_tokens(min(prefix, count))))
    return out


def cost_usd(turns: Sequence[CachedTurn], price: float, cached_price: float, *, caching: bool = True) -> float:
    """The input cost of the turns: cached tokens at `cached_price`, the rest at `price` (USD per million)."""
    cached = sum(t.cached_tokens for t in turns) if caching else 0
    total = sum(t.input_tokens for t in turns)
    return round(((total - cached) * price + cached * cached_price) / 1_000_000, 6)


@dataclass(frozen=True)
class CacheReport:
    """Both strategies of one replay under the caching rule, priced with and without it."""

    handle: str
    encoding: str
    price: float
    cached_price: float
    a: tuple[CachedTurn, ...]
    b: tuple[CachedTurn, ...]

    def strategy(self, name: str) -> dict[str, Any]:
        """One strategy's totals: `cost_usd` is without caching, `cost_cached_usd` with it, on the same tokens."""
        turns = self.a if name == "A" else self.b
        return {
            "input_tokens": sum(t.input_tokens for t in turns),
            "cached_tokens": sum(t.cached_tokens for t in turns),
            "uncached_tokens": sum(t.uncached_tokens for t in turns),
            "cost_usd": cost_usd(turns, self.price, self.cached_price, caching=False),
            "cost_cached_usd": cost_usd(turns, self.price, self.cached_price),
            "cached_per_turn": [t.cached_tokens for t in turns],
            "shared_prefix_per_turn": [t.shared_prefix for t in turns],
            "shared_prefix_median": statistics.median(t.shared_prefix for t in turns[1:]) if len(turns) > 1 else 0,
        }

    @property
    def winner(self) -> str:
        """The strategy cheaper under caching ('A', 'B' or 'tie')."""
        a, b = self.strategy("A")["cost_cached_usd"], self.strategy("B")["cost_cached_usd"]
        return "tie" if a == b else ("A" if a < b else "B")

    def to_dict(self) -> dict[str, Any]:
        return {
            "handle": self.handle,
            "encoding": self.encoding,
            "price_per_million": self.price,
            "cached_price_per_million": self.cached_price,
            "rule": CACHING_RULE,
            "tokens": COST_BASIS,
            "A": self.strategy("A"),
            "B": self.strategy("B"),
            "winner_with_caching": self.winner,
        }

    def lines(self) -> list[str]:
        """Human lines: each strategy's tokens and cost with and without caching, and the winner."""
        out = [f"prompt caching ({self.encoding}; ${self.price}/M, cached ${self.cached_price}/M): {CACHING_RULE}"]
        for name in ("A", "B"):
            s = self.strategy(name)
            out.append(
                f"  {name}: {s['input_tokens']:,} input tokens ({COST_BASIS}), {s['cached_tokens']:,} of them cached;"
                f" cost ${s['cost_usd']:.4f} without caching, ${s['cost_cached_usd']:.4f} with caching;"
                f" prefix shared with an earlier turn: median {s['shared_prefix_median']:g} tokens"
            )
        out.append(f"  cheaper with caching: {self.winner}")
        return out


COST_BASIS = "the replay's request tokens, tools as raw JSON"
CACHING_RULE = (
    "a request's longest prefix shared with an earlier request of the conversation is cached in whole"
    f" {CACHE_BLOCK}-token blocks once it is at least {CACHE_MIN_PREFIX:,} tokens (stable part first)"
)


def cache_report(
    result: AthleteReplay,
    requests: Sequence[TurnRequests],
    *,
    encoding: str = DEFAULT_ENCODING,
    price: float = DEFAULT_PRICE,
    cached_price: float = DEFAULT_CACHED_PRICE,
) -> CacheReport:
    """The caching figures of one athlete's replay from its recorded requests."""
    check_prices(price, cached_price)
    if len(requests) != len(result.turns):
        raise CoachError(f"requests: {len(requests)} for {len(result.turns)} replay turns; expected one pair per turn")
    a_counts = [t.a_request for t in result.turns]
    b_counts = [t.b_request for t in result.turns]
    a = conversation_caching([request_sequence(r.a, encoding) for r in requests], a_counts)
    b = conversation_caching([request_sequence(r.b, encoding) for r in requests], b_counts)
    return CacheReport(result.handle, encoding, price, cached_price, tuple(a), tuple(b))


def check_prices(price: float, cached_price: float) -> None:
    for name, value in (("price", price), ("cached_price", cached_price)):
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 10_000:
            raise CoachError(f"{name} {value!r}: expected USD per million input tokens, 0-10000")


class RequestRecorder:
    """A replay `measure` that keeps every request it is given (A then B each turn) and asks `inner`, if any."""

    def __init__(self, inner: Measure | None = None) -> None:
        self.inner = inner
        self.calls: list[Request] = []

    def __call__(self, messages: Messages, tools: Tools) -> int | None:
        self.calls.append(Request([dict(m) for m in messages], [dict(t) for t in tools]))
        return self.inner(messages, tools) if self.inner is not None else None

    def per_athlete(self, turns: int) -> list[tuple[TurnRequests, ...]]:
        pairs = [
            TurnRequests(i // 2 % turns + 1, self.calls[i], self.calls[i + 1]) for i in range(0, len(self.calls), 2)
        ]
        return [tuple(pairs[k : k + turns]) for k in range(0, len(pairs), turns)]


def replay_requests(
    con: duckdb.DuckDBPyConnection, athletes: Sequence[int] | None = None, **kwargs: Any
) -> list[tuple[AthleteReplay, tuple[TurnRequests, ...]]]:
    """`replay` (same arguments; `measure` is passed on) with every turn's exact A and B requests beside it."""
    recorder = RequestRecorder(kwargs.pop("measure", None))
    results = replay(con, athletes, measure=recorder, **kwargs)
    turns = len(results[0].turns) if results else 0
    return list(zip(results, recorder.per_athlete(turns) if turns else [], strict=True))


def bench_caching(
    con: duckdb.DuckDBPyConnection,
    athletes: Sequence[int],
    *,
    encoding: str = DEFAULT_ENCODING,
    price: float = DEFAULT_PRICE,
    cached_price: float = DEFAULT_CACHED_PRICE,
) -> list[dict[str, Any]]:
    """For `bench context`: each athlete's replay under the caching rule, as plain values (`CacheReport.to_dict`)."""
    return [
        cache_report(r, q, encoding=encoding, price=price, cached_price=cached_price).to_dict()
        for r, q in replay_requests(con, athletes, encoding=encoding, price_per_million=price)
    ]


def bench_caching_lines(rows: Sequence[dict[str, Any]]) -> list[str]:
    """For `bench context`: one line per athlete, both strategies' cost without and with caching, and the winner."""
    if not rows:
        return []
    head = rows[0]
    out = [
        f"prompt caching (${head['price_per_million']}/M, cached ${head['cached_price_per_million']}/M)"
        f" on {COST_BASIS}: {CACHING_RULE}"
    ]
    for r in rows:
        a, b = r["A"], r["B"]
        out.append(
            f"  {r['handle']:<8} A ${a['cost_usd']:.4f} uncached → ${a['cost_cached_usd']:.4f} with caching"
            f" ({a['cached_tokens']:,} tok cached); B ${b['cost_usd']:.4f} uncached → ${b['cost_cached_usd']:.4f}"
            f" with caching ({b['cached_tokens']:,} tok cached); cheaper with caching: {r['winner_with_caching']};"
            f" prefix shared with an earlier turn, median: A {a['shared_prefix_median']:g}, B"
            f" {b['shared_prefix_median']:g} tok"
        )
    return out
