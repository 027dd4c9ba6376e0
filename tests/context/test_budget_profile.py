"""Budget profiles: the file the page downloads, read back by every command with the same flags."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from core.context.budget_profile import (
    WINDOW_PRESETS,
    add_budget_arguments,
    budgets_from_args,
    load_profile,
    parse_profile,
    profile_toml,
    save_profile,
)
from core.context.builder import Budgets
from core.context.conversation import ContextError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    add_budget_arguments(p)
    return p


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_saved_profile_reads_back_the_same_budgets(tmp_path: Path, suffix: str) -> None:
    """Given tuned budgets, when saved as TOML or JSON and loaded, then the same Budgets come back."""
    budgets = Budgets(tier1=80, tier2=250, plan=500, history=120, context_window=WINDOW_PRESETS["8k"])
    assert load_profile(save_profile(budgets, tmp_path / f"p{suffix}")) == budgets


def test_profile_without_window_means_no_window() -> None:
    """Given a profile with no context_window key, when parsed, then the window is None and defaults fill the rest."""
    assert parse_profile("[budgets]\ntier1 = 60\n") == Budgets(tier1=60)
    assert "context_window" not in profile_toml(Budgets())


def test_flags_override_the_profile_which_overrides_defaults(tmp_path: Path) -> None:
    """Given a profile and flags, when combined, then each flag wins over the file and the file over the defaults."""
    path = save_profile(Budgets(tier1=70, tier2=300, context_window=4096), tmp_path / "p.toml")
    args = _parser().parse_args(["--budget-profile", str(path), "--tier2-budget", "200", "--window", "8192"])
    assert budgets_from_args(args) == Budgets(tier1=70, tier2=200, context_window=8192)
    assert budgets_from_args(_parser().parse_args([])) == Budgets()
    assert budgets_from_args(_parser().parse_args(["--window", "0"])).context_window is None


@pytest.mark.parametrize(
    ("text", "needle"),
    [("[budgets]\ntier9 = 1\n", "tier9"), ("[budgets]\ntier1 = 'x'\n", "tier1"), ("tier1 = 1\n", "[budgets]")],
)
def test_bad_profile_is_refused_naming_the_key(text: str, needle: str) -> None:
    """Given an unknown key, a non-number or no table, when parsed, then ContextError names what is wrong."""
    with pytest.raises(ContextError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        parse_profile(text)


def test_out_of_range_flag_is_refused() -> None:
    """Given a window below the builder's minimum, when read from flags, then the builder's check refuses it."""
    with pytest.raises(ContextError, match="context_window"):
        budgets_from_args(_parser().parse_args(["--window", "100"]))


def test_window_parts_add_up_to_the_window(demo_con) -> None:
    """Given a turn fitted to an 8k window, when split by part, then request parts sum to the request and all to the window."""
    from core.context.budget_profile import window_parts
    from core.context.builder import build_context
    from core.db.athletes import resolve_athlete

    ctx = build_context(
        demo_con, resolve_athlete(demo_con, "maya"), "Add a set to Friday", budgets=Budgets(context_window=8192)
    )
    parts = window_parts(ctx)
    request = sum(v for k, v in parts.items() if k not in ("reserved output", "reserved tool round", "free"))
    assert request == ctx.request_tokens and sum(parts.values()) == 8192


def test_refit_conversation_recounts_every_turn_with_the_new_tokenizer(demo_con) -> None:
    """Given a two-turn conversation, when refitted with cl100k_base and a small history budget, then each turn says so."""
    from core.context.budget_profile import refit_conversation
    from core.db.athletes import resolve_athlete

    turns = [("How did my runs go?", ""), ("And my sleep this week?", "")]
    contexts = refit_conversation(demo_con, resolve_athlete(demo_con, "maya"), turns, Budgets(history=5), "cl100k_base")
    assert [c.encoding for c in contexts] == ["cl100k_base", "cl100k_base"]
    assert contexts[1].history == () and any(d.part == "history" for d in contexts[1].drops)
