"""Fitting text into a token budget by dropping whole items, lowest priority first, never cutting one.

A tier is a list of sections (a line such as `Alerts: a; b`, or a block such as `[CARDIO]` with one
item per line). Each item has a priority (lower = kept longer). While the rendered tier is over its
budget, the item with the highest priority number is removed whole (ties: the later one), and the
drop is recorded with the reason. Counts are exact: the whole tier is recounted after each drop.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from core.tokens import count_tokens


@dataclass(frozen=True)
class Item:
    """One droppable piece of a tier: `key` names it in drop records, `priority` orders dropping."""

    key: str
    text: str
    priority: int


@dataclass(frozen=True)
class Section:
    """A header and items joined by `sep`; a section with no items left is not rendered."""

    header: str
    sep: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Drop:
    """What was left out of a request, from which part, and why; `describe()` is its one text rendering.

    Fields (the only ones): `part` is where it was dropped from ('history', 'tools', 'tier1', 'tier2',
    'plan'); `key` names what was dropped (a Tier item key such as 'cardio:2', a tool name, 'plan (full)',
    'message 3 (user)'); `tokens` is what it would have cost; `reason` is the budget or window it broke.
    A trimmed tier is recorded as one Drop per item it lost.
    """

    part: str
    key: str
    tokens: int
    reason: str

    def describe(self) -> str:
        """`tier2 cardio:2 (31 tokens): tier2 was 412 tokens, over its 400-token budget` (CLIs and pages)."""
        return f"{self.part} {self.key} ({self.tokens} tokens): {self.reason}"


@dataclass(frozen=True)
class Overrun:
    """A part kept over its budget because nothing smaller can stand in for it, and why (CLIs and pages)."""

    part: str
    key: str
    tokens: int
    budget: int
    reason: str

    def describe(self) -> str:
        """`tools change_plan (49 tokens) kept over the 10-token budget: …`."""
        return f"{self.part} {self.key} ({self.tokens} tokens) kept over the {self.budget}-token budget: {self.reason}"


@dataclass(frozen=True)
class Fitted:
    """A tier fitted to its budget: the kept sections, their text and tokens, and the items its budget dropped."""

    part: str
    text: str
    tokens: int
    sections: tuple[Section, ...]
    drops: tuple[Drop, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(i.key for s in self.sections for i in s.items)

    def items_in_drop_order(self) -> tuple[Item, ...]:
        """The kept items in the order `fit_sections` gives them up: highest priority number first, ties later first."""
        order = [(item.priority, si, ii, item) for si, s in enumerate(self.sections) for ii, item in enumerate(s.items)]
        return tuple(entry[3] for entry in sorted(order, key=lambda e: e[:3], reverse=True))

    def without(self, keys: Collection[str], encoding: str) -> Fitted:
        """This tier with the items named by `keys` left out, recounted (its own `drops` unchanged)."""
        if not keys:
            return self
        sections = [replace(s, items=tuple(i for i in s.items if i.key not in keys)) for s in self.sections]
        kept = tuple(s for s in sections if s.items)
        text = render_sections(kept)
        return Fitted(self.part, text, count_tokens(text, encoding) if text else 0, kept, self.drops)


def render_sections(sections: Sequence[Section]) -> str:
    return "\n".join(s.header + s.sep.join(i.text for i in s.items) for s in sections if s.items)


def fit_sections(part: str, sections: Sequence[Section], budget: int, encoding: str, why: str = "") -> Fitted:
    """Drop whole items, lowest priority first, until the rendered text is within `budget` tokens."""
    current = [s for s in sections if s.items]
    drops: list[Drop] = []
    text = render_sections(current)
    tokens = count_tokens(text, encoding) if text else 0
    while tokens > budget and current:
        order = [(item.priority, si, ii) for si, s in enumerate(current) for ii, item in enumerate(s.items)]
        _, si, ii = max(order)
        item = current[si].items[ii]
        reason = why or f"{part} was {tokens} tokens, over its {budget}-token budget"
        drops.append(Drop(part, item.key, count_tokens(item.text, encoding), reason))
        current[si] = replace(current[si], items=current[si].items[:ii] + current[si].items[ii + 1 :])
        current = [s for s in current if s.items]
        text = render_sections(current)
        tokens = count_tokens(text, encoding) if text else 0
    return Fitted(part, text, tokens, tuple(current), tuple(drops))
