"""core.plan.edits: circuit members offered by ID and name, and the member ops a coach's fields turn into."""

from __future__ import annotations

from core.plan.edits import add_member_op, edit_fields, member_label, update_op
from core.plan.model import Block, Member

PUSH_UP = Member("m_3", "Push-up", reps="12", weight="BW")
CIRCUIT = Block("b_5", "circuit", "Core Circuit", sets=3, members=(PUSH_UP,))


def test_a_member_is_labelled_by_id_name_rounds_and_reps() -> None:
    """Given a 3-round circuit with Push-up 12@BW, its label reads `m_3 · Push-up 3×12@BW`; no reps, just the name."""
    assert member_label(CIRCUIT, PUSH_UP) == "m_3 · Push-up 3×12@BW"
    assert member_label(CIRCUIT, Member("m_4", "Plank")) == "m_4 · Plank"


def test_a_member_update_op_carries_only_changed_fields_and_blank_clears() -> None:
    """Given Push-up's prefilled fields with reps 15 and weight blanked, the op changes reps and clears weight only."""
    values = {"exercise": "Push-up", "reps": " 15 ", "weight": "", "notes": None}
    assert update_op(PUSH_UP, values) == {"op": "update_member", "member_id": "m_3", "reps": "15", "weight": None}
    assert update_op(PUSH_UP, {"exercise": "Push-up", "reps": "12", "weight": "BW", "notes": ""}) is None


def test_an_add_member_op_leaves_blank_fields_out() -> None:
    """Given a new member with only a name and reps, the add_member op names the circuit and those two fields."""
    values = {"exercise": "Plank", "reps": "45s", "weight": "", "notes": None}
    assert add_member_op("b_5", values) == {"op": "add_member", "block_id": "b_5", "exercise": "Plank", "reps": "45s"}
    assert edit_fields("member") == ("exercise", "reps", "weight", "notes")
