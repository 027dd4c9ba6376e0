"""What the model is sent about the plan each turn: unchanged, the delta since its last view, or the full plan."""

from __future__ import annotations

from dataclasses import dataclass

from core.plan.diff import PlanDiff, diff_plans, render_diff
from core.plan.model import Plan, short_hash
from core.plan.text import format_plan_context
from core.tokens import DEFAULT_ENCODING, count_tokens

UNCHANGED_TEXT = "Plan unchanged since last interaction"


@dataclass(frozen=True)
class PlanContext:
    """What the model is sent about the plan, and what it costs.

    mode: 'unchanged' | 'delta' | 'full'. `full_tokens` is always the full plan's
    cost, so callers can show the reduction; `reason` says why full was used.
    """

    mode: str
    text: str
    tokens: int
    full_tokens: int
    delta_tokens: int | None
    reason: str
    base_hash: str | None
    current_hash: str
    diff: PlanDiff | None = None

    @property
    def is_single_block_edit(self) -> bool:
        """True when exactly one existing block changed (one `update_block`), nothing else."""
        return (
            self.diff is not None
            and len(self.diff.changes) == 1
            and self.diff.changes[0].element == "block"
            and (self.diff.changes[0].change == "changed")
        )

    @property
    def reduction(self) -> float:
        """Share of full-plan tokens saved, 0..1."""
        return 1 - self.tokens / self.full_tokens if self.full_tokens else 0.0


def delta_text(diff: PlanDiff) -> str:
    """`Plan changes:` then one line per change.

    No hash here on purpose: the server records the hash each interaction showed,
    and the tool executor uses it as the base when a call gives none, so the model
    never pays tokens for the concurrency token (the full plan's header still shows it).
    """
    return "\n".join(["Plan changes:", *render_diff(diff)])


def build_plan_context(
    current: Plan,
    current_hash: str,
    version: int,
    base: Plan | None,
    base_hash: str | None,
    base_version: int | None,
    encoding: str = DEFAULT_ENCODING,
) -> PlanContext:
    """Delta since `base` when it is known and cheaper; else the full plan, saying why."""
    full = format_plan_context(current, current_hash, version)
    full_tokens = count_tokens(full, encoding)
    if base_hash is not None and base_hash == current_hash:
        tokens = count_tokens(UNCHANGED_TEXT, encoding)
        return PlanContext(
            "unchanged",
            UNCHANGED_TEXT,
            tokens,
            full_tokens,
            tokens,
            "same hash as last interaction",
            base_hash,
            current_hash,
            PlanDiff(()),
        )
    if base is None or base_hash is None or base_version is None:
        reason = (
            "no earlier interaction"
            if base_hash is None
            else f"base plan {short_hash(base_hash)} is not a known version"
        )
        text = f"Full plan ({reason}):\n{full}"
        return PlanContext(
            "full", text, count_tokens(text, encoding), full_tokens, None, reason, base_hash, current_hash
        )
    diff = diff_plans(base, current)
    delta = delta_text(diff)
    delta_tokens = count_tokens(delta, encoding)
    if delta_tokens > full_tokens:
        reason = f"delta would cost {delta_tokens} tokens, more than the full plan's {full_tokens}"
        text = f"Full plan ({reason}):\n{full}"
        return PlanContext(
            "full", text, count_tokens(text, encoding), full_tokens, delta_tokens, reason, base_hash, current_hash, diff
        )
    return PlanContext("delta", delta, delta_tokens, full_tokens, delta_tokens, "", base_hash, current_hash, diff)
