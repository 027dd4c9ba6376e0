"""Boundaries of a run (issue 24): odd answers, a broken result file and an echoed key never stop a run or leak."""

from __future__ import annotations

import json
import logging

from core.chat.endpoints import Endpoint
from core.cli import main
from core.eval.documents import DocumentSource
from core.eval.questions import generate_questions, limit_questions
from core.eval.report import scores
from core.eval.runner import load_results, run_evaluation, run_name, storable
from core.eval.scoring import gold_text

ROW = {
    "qid": "maya:W16:note", "athlete": "maya", "week": 16, "kind": "note", "format": "ultra", "model": "m",
    "endpoint": "openai", "correct": True, "answer": "a", "gold": "a", "data_tokens": 100, "prompt_tokens": 400,
    "reported_prompt_tokens": None, "completion_tokens": None, "latency_s": 0.1,
}  # fmt: skip


def _by_question(questions, reply):
    by_text = {q.text: q for q in questions}
    return lambda body: reply(by_text[body["messages"][-1]["content"].rsplit("\n\nQuestion: ", 1)[1]])


def test_a_lone_surrogate_is_stored_as_a_replacement_character_and_reads_no_digits(demo_con, scripted_server, tmp_path):
    """Given answers holding a lone surrogate ("3 \\ud800" to a question whose gold is 3), when the run writes them, then
    the surrogate is stored as U+FFFD (no digit the model did not write), "3" is scored right and every answer is saved."""
    questions = limit_questions(generate_questions(demo_con), 18)
    sets = next(q for q in questions if q.kind == "logged_sets" and q.gold != (800,))
    odd = next(q for q in questions if q.kind == "note")
    answers = {sets.qid: f"{gold_text(sets)} \ud800", odd.qid: "bad \ud800 answer"}
    server = scripted_server(_by_question(questions, lambda q: {"content": answers.get(q.qid, gold_text(q))}))
    path = tmp_path / "run.jsonl"
    endpoint = Endpoint("openai", server.base_url, "m", None, "")
    summary = run_evaluation(endpoint, questions, ["compact"], DocumentSource(demo_con), path, concurrency=2)
    assert (summary.answered, summary.failed) == (18, 0)
    text = path.read_bytes().decode("utf-8")  # the whole file is valid UTF-8
    assert "\\ud800" not in text and "800" not in "".join(r.answer for r in load_results(path))
    stored = {r.qid: r for r in load_results(path)}
    assert stored[odd.qid].answer == "bad \ufffd answer" and not stored[odd.qid].correct
    assert stored[sets.qid].answer == f"{gold_text(sets)} \ufffd" and stored[sets.qid].correct
    assert sum(r.correct for r in stored.values()) == 17


def test_a_torn_last_line_is_skipped_and_the_next_answer_starts_on_a_fresh_line(
    demo_con, scripted_server, tmp_path, caplog
):
    """Given a result file whose last line was cut by a kill (no newline), when the next run appends, then its first
    answer starts on a line of its own: every answer is kept and the torn line alone is skipped with one warning."""
    questions = limit_questions(generate_questions(demo_con), 3)
    server = scripted_server(_by_question(questions, lambda q: {"content": gold_text(q)}))
    endpoint = Endpoint("openai", server.base_url, "m", None, "")
    row = {**ROW, "qid": questions[0].qid, "athlete": questions[0].athlete, "kind": questions[0].kind}
    row["model"] = run_name(endpoint)
    path = tmp_path / "run.jsonl"
    path.write_text(json.dumps({**row, "format": "compact"}) + "\n" + json.dumps({**row, "format": "ultra"})[:50])
    summary = run_evaluation(endpoint, questions, ["compact"], DocumentSource(demo_con), path, concurrency=1)
    assert (summary.answered, summary.skipped) == (2, 1)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        stored = load_results(path)
    assert sorted(r.qid for r in stored) == sorted(q.qid for q in questions)
    assert [m for m in caplog.messages if "skipped" in m] == [
        f"{path} line 2 skipped: not JSON (Unterminated string starting at)"
    ]


def test_a_non_utf8_byte_skips_one_line_with_a_warning_and_resume_still_works(
    demo_con, scripted_server, tmp_path, caplog
):
    """Given a result file with one non-UTF-8 line between good ones, when the run resumes, then that line is skipped
    with a warning naming the file and line, the good answers are kept and only the missing ones are asked."""
    questions = limit_questions(generate_questions(demo_con), 3)
    server = scripted_server(_by_question(questions, lambda q: {"content": gold_text(q)}))
    endpoint = Endpoint("openai", server.base_url, "m", None, "")
    rows = [
        {**ROW, "qid": q.qid, "athlete": q.athlete, "kind": q.kind, "format": "compact", "model": run_name(endpoint)}
        for q in questions
    ]
    path = tmp_path / "run.jsonl"
    lines = [json.dumps(rows[0]).encode(), json.dumps(rows[1]).encode().replace(b'"a"', b'"\xff"', 1)]
    path.write_bytes(b"\n".join([*lines, json.dumps(rows[2]).encode()]) + b"\n")
    with caplog.at_level(logging.WARNING):
        assert [r.qid for r in load_results(path)] == [questions[0].qid, questions[2].qid]
    assert f"{path} line 2 skipped: byte" in caplog.text and "is not UTF-8" in caplog.text
    summary = run_evaluation(endpoint, questions, ["compact"], DocumentSource(demo_con), path, concurrency=1)
    assert (summary.answered, summary.skipped, len(server.requests)) == (1, 2, 1)


def test_a_line_with_wrong_field_types_gives_one_clear_line_not_a_traceback(demo_db_path, cli, tmp_path):
    """Given a result line whose week is a string, when `eval --rescore` reads it, then stderr has one line naming
    the file, the line, the field, the value and the type expected, and no traceback."""
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(ROW) + "\n" + json.dumps({**ROW, "qid": "maya:W16:plan_edit", "week": "x"}) + "\n")
    done = cli("--db", str(demo_db_path), "eval", "--rescore", "--results", str(path))
    assert done.returncode == 0, done.stderr
    warnings = [line for line in done.stderr.splitlines() if "skipped" in line]
    assert warnings == [f"{path} line 2 skipped: field 'week' = 'x': expected int"]
    assert "Traceback" not in done.stderr


def test_the_api_key_of_any_length_never_reaches_the_result_file(demo_con, scripted_server, tmp_path):
    """Given an endpoint that echoes its short key and the tail of a long one, when answers are stored, then neither is in the file."""
    questions = limit_questions(generate_questions(demo_con), 2)
    for key, echoed in (("k3y", "k3y"), ("sk-" + "x" * 37 + "SENTINEL", "xxxSENTINEL")):
        server = scripted_server(_by_question(questions, lambda q, e=echoed: {"content": f"the key is {e}"}))
        path = tmp_path / f"{len(key)}.jsonl"
        endpoint = Endpoint("openai", server.base_url, "m", None, key)
        run_evaluation(endpoint, questions, ["ultra"], DocumentSource(demo_con), path)
        text = path.read_text()
        assert key not in text and key[-8:] not in text and text.count("***") == 2
    assert storable("abc", "abc") == "***"


def test_an_answer_cut_at_the_token_limit_is_flagged_and_counted_apart(demo_con, scripted_server, tmp_path):
    """Given one answer with finish_reason length, when the run scores, then it is stored as cut and not in n."""
    questions = limit_questions(generate_questions(demo_con), 3)
    cut = questions[0].qid
    server = scripted_server(
        _by_question(
            questions,
            lambda q: {"content": gold_text(q), "finish_reason": "length" if q.qid == cut else "stop"},
        )
    )
    path = tmp_path / "run.jsonl"
    run_evaluation(
        Endpoint("openai", server.base_url, "m", None, ""), questions, ["json"], DocumentSource(demo_con), path
    )
    stored = {r.qid: r for r in load_results(path)}
    assert stored[cut].truncated and not stored[cut].correct and stored[cut].finish_reason == "length"
    [score] = scores(stored.values())
    assert (score.n, score.correct, score.truncated) == (2, 2, 1)


def test_a_reply_without_choices_is_a_failure_of_that_question_only(demo_con, scripted_server, tmp_path):
    """Given an endpoint answering one question with an error, when the run goes on, then the others are saved."""
    questions = limit_questions(generate_questions(demo_con), 3)
    server = scripted_server(
        _by_question(questions, lambda q: {"status": 400} if q is questions[1] else {"content": gold_text(q)})
    )
    path = tmp_path / "run.jsonl"
    endpoint = Endpoint("openai", server.base_url, "m", None, "")
    summary = run_evaluation(endpoint, questions, ["toon"], DocumentSource(demo_con), path, max_retries=0)
    assert (summary.answered, summary.failed) == (2, 1) and len(load_results(path)) == 2


def test_rescore_without_results_prints_old_and_new_accuracy_per_format(
    demo_db_path, demo_con, monkeypatch, tmp_path, capsys
):
    """Given a saved file whose verdict the scorer now refuses, when `eval --rescore` runs, then it prints both figures."""
    [note] = [q for q in generate_questions(demo_con) if q.qid == ROW["qid"]]
    demo_con.close()
    gold = gold_text(note)
    rows = [{**ROW, "answer": f'"{gold}, {gold}, {gold}"', "gold": gold}, {**ROW, "format": "compact", "gold": gold}]
    (tmp_path / "m.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    monkeypatch.setenv("COACH_EVAL_DIR", str(tmp_path))
    assert main(["--db", str(demo_db_path), "eval", "--rescore", "--json"]) == 0
    [figures] = json.loads(capsys.readouterr().out)["files"]
    by_format = {f["format"]: (f["old_correct"], f["new_correct"]) for f in figures["formats"]}
    assert by_format == {"compact": (1, 0), "ultra": (1, 0)} and figures["changed"] == 2


def test_ctrl_c_keeps_finished_answers_and_says_how_to_resume(demo_db_path, demo_con, scripted_server, tmp_path):
    """Given `eval` interrupted (SIGINT) after 3 answers, when it stops, then it exits 130 naming the kept answers."""
    import os
    import signal
    import subprocess
    import sys
    import threading

    from core.db.connection import PROJECT_ROOT

    questions = limit_questions(generate_questions(demo_con), 6)
    demo_con.close()
    seen, reached, release = [], threading.Event(), threading.Event()
    answer = _by_question(questions, lambda q: {"content": gold_text(q)})

    def stalls_after_three(body):
        seen.append(body)
        if len(seen) == 4:
            reached.set()
        if len(seen) > 3:
            release.wait(60)
        return answer(body)

    server = scripted_server(stalls_after_three)
    path = tmp_path / "run.jsonl"
    env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-x", "OPENAI_MODEL": "scripted"}
    command = [sys.executable, "-m", "core", "--db", str(demo_db_path), "eval", "--formats", "compact"]
    command += ["--limit", "6", "--results", str(path), "--concurrency", "1"]
    child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert reached.wait(120), "no fourth request"
        child.send_signal(signal.SIGINT)
    finally:
        release.set()
        _, err = child.communicate(timeout=120)
    assert child.returncode == 130, err.decode()
    # the fourth answer finishes after the signal; on a loaded machine the signal can be handled after a later
    # question has been answered too: every finished answer is kept and the count said is the file's
    kept = len(load_results(path))
    assert 4 <= kept <= 6 and "Traceback" not in err.decode()
    assert f"interrupted: {kept} answers kept in {path}; run the same command to resume" in err.decode()
