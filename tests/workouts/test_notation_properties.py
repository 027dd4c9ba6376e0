"""Property tests: random programs, nasty text included, read back exactly from compact and ultra."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.workouts.compact import format_compact, format_session_compact, parse_compact, parse_compact_session
from core.workouts.program import Exercise, LoggedSet, Program, Session, Week, canonical_session_id
from core.workouts.ultra import format_ultra, parse_ultra

NASTY_TEXT = [
    "ignore previous instructions",
    '"; DROP TABLE; "',
    "a | b |N:fake |U:fake",
    "@225 × 3 [S] {C 60m}",
    "line\nW2 Fake [01-01→01-07] 3sess\nS1:Evil {C}",
    "back\\slash \\n not a newline",
    "tab\tcr\rsep\u2028nel\x85",
    "S1 C60",
    "#3 Bench",
    ":!#",
    " lead and trail ",
    "]}[{",
    "r-1 @BW 3:10",
]

text = st.one_of(st.text(max_size=12), st.sampled_from(NASTY_TEXT))
maybe_text = st.one_of(st.none(), text.filter(bool))
names = st.one_of(st.sampled_from(["Bench Press", "Squat", "Pull-up", "Row", "S1", "W2 x"]), text)
groups = st.one_of(st.none(), st.sampled_from(["Horizontal Push", "Hinge", "Squat"]), text.filter(bool))
weights = st.one_of(st.none(), st.integers(0, 1000).map(lambda n: n / 2))


@st.composite
def loads(draw: st.DrawFn, units: str) -> str | None:
    kind = draw(st.sampled_from(["number", "number", "bw", "none", "text"]))
    if kind == "number":
        return f"{draw(st.integers(0, 500))}{units}"
    if kind == "bw":
        return "BW"
    if kind == "none":
        return None
    return draw(text.filter(bool))


@st.composite
def exercises(draw: st.DrawFn, number: int, units: str) -> Exercise:
    n_sets = draw(st.integers(0, 4))
    start = draw(st.sampled_from([1, 1, 1, 2]))
    sets = tuple(
        LoggedSet(
            start + i if draw(st.booleans()) or i == 0 else start + i + 3,
            draw(st.integers(0, 30)),
            draw(weights),
            draw(st.one_of(st.none(), st.integers(-1, 5))),
            draw(maybe_text),
        )
        for i in range(n_sets)
    )
    return Exercise(
        number if draw(st.integers(0, 5)) else number + 7,
        draw(names),
        draw(groups),
        draw(st.integers(0, 6)),
        draw(st.one_of(st.sampled_from(["8-10", "5", "AMRAP"]), text)),
        draw(loads(units)),
        draw(maybe_text),
        draw(maybe_text),
        draw(st.booleans()),
        sets,
    )


@st.composite
def sessions(draw: st.DrawFn, week_number: int, number: int, start: date, units: str) -> Session:
    status = draw(st.sampled_from("CPNS"))
    scheduled = draw(st.one_of(st.none(), st.integers(-3, 10).map(lambda d: start + timedelta(days=d))))
    completed = None
    if draw(st.booleans()):
        base = datetime.combine(start, datetime.min.time()) + timedelta(days=draw(st.integers(-2, 12)))
        completed = base + timedelta(seconds=draw(st.sampled_from([0, 59, 3600 * 7 + 60 * 30, 86399])))
    session_id = canonical_session_id(week_number, number) if draw(st.integers(0, 4)) else draw(text)
    n_ex = draw(st.integers(0, 3))
    return Session(
        session_id,
        number,
        draw(st.one_of(st.sampled_from(["Upper A", "Lower B"]), text)),
        status,
        scheduled,
        completed,
        draw(st.one_of(st.none(), st.integers(0, 200))),
        draw(maybe_text),
        tuple(draw(exercises(i + 1, units)) for i in range(n_ex)),
    )


@st.composite
def programs(draw: st.DrawFn) -> Program:
    units = draw(st.sampled_from(["lbs", "kg"]))
    start = draw(st.dates(date(2020, 1, 1), date(2030, 12, 20)))
    weeks = []
    for number in range(1, draw(st.integers(0, 3)) + 1):
        length = draw(st.sampled_from([6, 6, 6, 4, 9]))
        phase = draw(st.one_of(st.sampled_from(["Accumulation", "Deload"]), text))
        n_sessions = draw(st.integers(0, 3))
        weeks.append(
            Week(
                number,
                phase,
                start,
                start + timedelta(days=length),
                draw(maybe_text),
                tuple(draw(sessions(number, s + 1, start, units)) for s in range(n_sessions)),
            )
        )
        start = start + timedelta(days=draw(st.sampled_from([7, 7, 7, 10])))
    return Program(units, tuple(weeks))


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(programs())
def test_random_programs_read_back_from_compact(program: Program) -> None:
    """Any program, however nasty its text, parses back from compact to the identical Program."""
    year = program.weeks[0].start.year if program.weeks else 2000
    assert parse_compact(format_compact(program), units=program.units, year=year) == program


@SETTINGS
@given(programs())
def test_random_programs_read_back_from_ultra(program: Program) -> None:
    """Any program parses back from ultra-compact to the identical Program."""
    assert parse_ultra(format_ultra(program)) == program


@SETTINGS
@given(programs())
def test_no_free_text_can_start_a_record_line(program: Program) -> None:
    """Every line of compact text starts with a structural prefix: W<n>, S<n>, E<n> or the set indent."""
    for line in format_compact(program).split("\n") if program.weeks else []:
        assert (line[:1] in ("W", "S", "E") and line[1:2].isdigit()) or line.startswith("  ")


@settings(max_examples=100, deadline=None)
@given(programs().filter(lambda p: any(w.sessions for w in p.weeks)))
def test_a_lone_session_reads_back_from_compact(program: Program) -> None:
    """A session printed on its own parses back given its week number and a date of its week."""
    week = next(w for w in program.weeks if w.sessions)
    session = week.sessions[0]
    text = format_session_compact(session, week.number)
    assert parse_compact_session(text, week=week.number, anchor=week.start) == session
