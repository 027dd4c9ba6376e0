"""The verbose rendering: the baseline every compact form is measured against."""

from __future__ import annotations

from core.errors import CoachError
from core.workouts.program import Exercise, LoggedSet, Program, Session, Week
from core.workouts.scalars import format_number

# ---------------------------------------------------------------- verbose

_VERBOSE_STATUS = {"C": "Completed ✓", "P": "In Progress", "N": "Not Started", "S": "[SKIPPED]"}


def _verbose_set(s: LoggedSet, units: str) -> str:
    load = f" @ {format_number(s.weight)} {units}" if s.weight is not None else " (bodyweight)"
    rir = f", RIR {s.rir}" if s.rir is not None else ""
    notes = f" Notes: {s.notes}" if s.notes else ""
    return f"   Set {s.number}: {s.reps} reps{load}{rir} ✓{notes}"


def _verbose_exercise(ex: Exercise, units: str) -> list[str]:
    group = f" [{ex.group}]" if ex.group else ""
    load = f" @ {ex.target_load}" if ex.target_load else ""
    state = "[SKIPPED]" if ex.skipped else f"[{len(ex.sets)}/{ex.target_sets} logged]"
    lines = [f"{ex.number}. {ex.name}{group} - Target: {ex.target_sets} sets × {ex.target_reps}{load} {state}"]
    lines += [_verbose_set(s, units) for s in ex.sets]
    if ex.sets and not ex.skipped:
        last = max(s.number for s in ex.sets)
        lines += [f"   Set {n}: [pending]" for n in range(last + 1, ex.target_sets + 1)]
    if not ex.sets and not ex.skipped:
        lines.append("   [no sets logged yet]")
    if ex.coach_notes:
        lines.append(f"   Exercise notes: {ex.coach_notes}")
    if ex.athlete_notes:
        lines.append(f"   User notes: {ex.athlete_notes}")
    return lines


def format_session_verbose(session: Session, units: str) -> str:
    """The seed's "Before" session block: labelled lines, one set per line."""
    lines = [f"--- Session {session.number}: {session.name} ({session.session_id})"]
    lines.append(f"Status: {_VERBOSE_STATUS[session.status]}")
    if session.scheduled:
        lines.append(f"Scheduled: {session.scheduled.isoformat()}")
    if session.completed_at:
        lines.append(f"Completed: {session.completed_at.strftime('%Y-%m-%dT%H:%M:%SZ')}")
    if session.duration_min is not None:
        lines.append(f"Duration: {session.duration_min} minutes")
    if session.notes:
        lines.append(f"Notes: {session.notes}")
    if session.exercises:
        lines += ["", "Exercises:"]
        blocks = ["\n".join(_verbose_exercise(ex, units)) for ex in session.exercises]
        lines.append("\n\n".join(blocks))
    return "\n".join(lines)


def format_week_verbose(week: Week, units: str) -> str:
    """The seed's "Before" week: `=== WEEK N DATA ===`, labelled header, then each session."""
    head = [f"=== WEEK {week.number} DATA ===", f"Phase: {week.phase}"]
    head.append(f"Period: {week.start.isoformat()} to {week.end.isoformat()}")
    if week.description:
        head.append(f"Description: {week.description}")
    head.append(f"Sessions: {len(week.sessions)}")
    return "\n\n".join(["\n".join(head), *(format_session_verbose(s, units) for s in week.sessions)])


def format_verbose(program: Program, session_only: bool = False) -> str:
    """Verbose text of every week (or of the single session when `session_only`)."""
    if session_only:
        return format_session_verbose(only_session(program), program.units)
    return "\n\n".join(format_week_verbose(w, program.units) for w in program.weeks)


def only_session(program: Program) -> Session:
    sessions = [s for w in program.weeks for s in w.sessions]
    if len(sessions) != 1:
        raise CoachError(f"session_only: expected exactly one session, got {len(sessions)}")
    return sessions[0]
