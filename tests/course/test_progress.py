"""progress(): the checkers record each result locally, per exercise; the tests never touch a real record."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

from softmax_lab import softmax
from softmax_lab.course import progress as prog
from softmax_lab.course.checks import check_prediction, check_softmax, checker, run_checks

Z = np.array([1.0, 2.0, 3.0])
P = np.exp(Z) / np.exp(Z).sum()  # independent of softmax_lab


@checker
def check_softmax_demo(fn):
    """A stand-in checker (the topic checkers change with the course): fn(Z) must be softmax(Z)."""
    return run_checks("demo", [("[1, 2, 3]", lambda: fn(Z.copy()), P)])


@checker
def check_log_softmax_demo(fn):
    return run_checks("demo log", [("[1, 2, 3]", lambda: fn(Z.copy()), np.log(P))])


check_log_softmax = check_log_softmax_demo


def stable_softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def stub_softmax(z):
    raise NotImplementedError("write stub_softmax")


@pytest.fixture
def record(tmp_path, monkeypatch):
    """A fresh record file and a known course: notebook 01 with three exercises, 02 with one."""
    path = tmp_path / "record" / "progress.json"
    monkeypatch.setenv("SOFTMAX_LAB_PROGRESS", str(path))
    course = tmp_path / "exercises.json"
    course.write_text(json.dumps({"01-a": ["check_softmax_demo", "check_log_softmax_demo",
                                           'check_prediction("shift-or-scale")'],
                                  "02-b": ["check_logsumexp"]}))
    monkeypatch.setattr(prog, "EXERCISES", course)
    monkeypatch.setattr(prog, "_warned", False)
    return path


def recorded(path: Path) -> dict:
    return {k: v["status"] for k, v in json.loads(path.read_text())["results"].items()}


def test_the_test_session_never_uses_the_default_record():
    env = os.environ.get("SOFTMAX_LAB_PROGRESS")  # set by tests/conftest.py for the whole session
    assert env and Path(env).parent != Path.home() / ".softmax_lab"
    assert prog.progress_path() == Path(env)


def test_default_record_is_under_home(tmp_path, monkeypatch):
    monkeypatch.delenv("SOFTMAX_LAB_PROGRESS")
    monkeypatch.delenv("PYTEST_CURRENT_TEST")  # as in a student's kernel, not a test run
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))  # what Path.home() reads on Windows
    assert prog.progress_path() == tmp_path / ".softmax_lab" / "progress.json"
    assert check_softmax(softmax).ok  # a real checker, re-exported by softmax_lab.course.checks, records too
    assert recorded(tmp_path / ".softmax_lab" / "progress.json") == {"check_softmax": "passed"}


def test_a_test_run_without_its_own_record_writes_nothing(tmp_path, monkeypatch):
    """``pytest notebooks/x.ipynb`` does not load tests/conftest.py; its kernels see PYTEST_CURRENT_TEST."""
    monkeypatch.delenv("SOFTMAX_LAB_PROGRESS")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("USERPROFILE", str(tmp_path))
    assert check_softmax(softmax).ok
    assert not (tmp_path / ".softmax_lab").exists()


def test_a_fresh_record_is_empty_and_lists_every_exercise_as_not_attempted(record, capsys):
    prog.progress()
    out = capsys.readouterr().out
    assert not record.exists()
    assert "01-a: 0 passed, 0 tried, 3 not attempted" in out and "02-b: 0 passed, 0 tried, 1 not attempted" in out
    assert "not attempted  check_log_softmax_demo" in out


def test_a_pass_and_a_failure_are_recorded(record, capsys):
    assert check_softmax_demo(stable_softmax).ok
    assert not check_log_softmax(lambda z: z - z.max()).ok  # the log of the sum is missing
    assert recorded(record) == {"check_softmax_demo": "passed", "check_log_softmax_demo": "tried"}
    prog.progress()
    out = capsys.readouterr().out
    assert "01-a: 1 passed, 1 tried, 1 not attempted" in out
    assert "passed         check_softmax_demo" in out and "tried          check_log_softmax_demo" in out
    assert "not attempted  check_prediction(\"shift-or-scale\")" in out


def test_an_untouched_stub_records_nothing(record):
    res = check_softmax_demo(stub_softmax)
    assert res.status == "not attempted" and not res.ok
    assert not record.exists()


def test_a_pass_is_kept_when_a_later_run_fails(record):
    check_softmax_demo(stable_softmax)
    check_softmax_demo(lambda z: z)
    assert recorded(record) == {"check_softmax_demo": "passed"}
    check_log_softmax(lambda z: z)
    check_log_softmax(lambda z: z - z.max() - np.log(np.exp(z - z.max()).sum()))
    assert recorded(record)["check_log_softmax_demo"] == "passed"


def test_a_prediction_keeps_its_first_answer(record):
    from softmax_lab.course.checks import PREDICTIONS
    qid = next(iter(PREDICTIONS))
    answer = PREDICTIONS[qid].answer
    wrong = "surely not this" if isinstance(answer, str) else np.asarray(answer, dtype=float) + 1e6
    check_prediction(qid, ...)
    assert not record.exists()  # unset: nothing revealed, nothing recorded
    check_prediction(qid, wrong)
    check_prediction(qid, answer)  # right after the answer was revealed: still the first try that counts
    assert recorded(record) == {f'check_prediction("{qid}")': "tried"}


def test_writes_are_atomic_and_leave_no_temporary_file(record):
    check_softmax_demo(stable_softmax)
    check_log_softmax(lambda z: z)
    assert sorted(p.name for p in record.parent.iterdir()) == ["progress.json"]


def test_an_unwritable_record_never_fails_a_checker_and_says_so_once(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("SOFTMAX_LAB_PROGRESS", str(blocker / "progress.json"))  # parent is a file
    monkeypatch.setattr(prog, "_warned", False)
    assert check_softmax_demo(stable_softmax).ok
    assert not check_log_softmax(lambda z: z).ok
    err = capsys.readouterr().err
    assert err.count("progress: cannot") == 1 and "not recorded (the checks still work)" in err


def test_an_unreadable_record_is_left_alone(record, capsys):
    record.parent.mkdir(parents=True)
    record.write_text("{not json")
    assert check_softmax_demo(stable_softmax).ok
    assert record.read_text() == "{not json"  # a damaged record is not overwritten
    assert "cannot read" in capsys.readouterr().err


def test_reset_progress_forgets_everything(record, capsys):
    check_softmax_demo(stable_softmax)
    assert record.exists()
    prog.reset_progress()
    assert not record.exists()
    prog.progress()
    assert "01-a: 0 passed, 0 tried, 3 not attempted" in capsys.readouterr().out


def test_results_outside_the_course_list_are_still_shown(record, capsys):
    prog.record("check_something_renamed", "passed")
    prog.progress()
    out = capsys.readouterr().out
    assert "other exercises: 1 passed" in out and "check_something_renamed" in out
