"""Which exercises a student has passed, recorded on their own machine and never sent anywhere (issue 13).

Every checker records its result here (``softmax_lab.course.checks``); :func:`progress` prints a table per
notebook and :func:`reset_progress` forgets everything::

    from softmax_lab.course.progress import progress
    progress()

The record is a JSON file: ``$SOFTMAX_LAB_PROGRESS`` if that is set, else ``~/.softmax_lab/progress.json``.
It lives with the kernel, so JupyterLab and Voila record the same way. A fresh clone has no file: nothing
recorded. If the file cannot be written, the checkers still work and say so once. Under pytest
(``PYTEST_CURRENT_TEST`` is set, also in the kernels nbval starts) nothing is recorded unless
``SOFTMAX_LAB_PROGRESS`` names a file: a test run never writes into a student's record.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

__all__ = ["progress", "reset_progress", "record", "progress_path"]

EXERCISES = Path(__file__).parent / "data" / "exercises.json"  # per notebook, written by tools/editions.py
RANK = {"tried": 1, "passed": 2}  # a pass is kept when a later run fails
_warned = False


def progress_path() -> Path:
    """The record's file: ``$SOFTMAX_LAB_PROGRESS`` if set, else ``~/.softmax_lab/progress.json``."""
    env = os.environ.get("SOFTMAX_LAB_PROGRESS")
    return Path(env) if env else Path.home() / ".softmax_lab" / "progress.json"


def _say_once(message: str) -> None:
    global _warned
    if not _warned:
        print(f"progress: {message}; your results are not recorded (the checks still work)", file=sys.stderr)
        _warned = True


def _load() -> dict[str, dict[str, str]] | None:
    """The recorded results, ``{exercise: {"status": ..., "time": ...}}``; None if the file is unreadable."""
    path = progress_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError):
        return None
    results = data.get("results") if isinstance(data, dict) else None
    return results if isinstance(results, dict) else None


def record(exercise: str, status: str, keep_first: bool = False) -> None:
    """Record ``status`` ("passed" or "tried"; "not attempted" records nothing) for ``exercise``.

    A pass stays a pass when a later run fails. With ``keep_first`` (a prediction, whose answer is revealed
    by the first try) only the first status counts. Never raises: a file that cannot be read or written is
    reported once on stderr.
    """
    if status not in RANK:
        return
    if "SOFTMAX_LAB_PROGRESS" not in os.environ and "PYTEST_CURRENT_TEST" in os.environ:
        return  # a test run without its own record file: never the student's
    results = _load()
    if results is None:
        _say_once(f"cannot read {progress_path()}")
        return
    old = results.get(exercise, {}).get("status")
    if old is not None and (keep_first or RANK.get(old, 0) >= RANK[status]):
        return
    results[exercise] = {"status": status, "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    path = progress_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"version": 1, "results": results}, f, indent=1, sort_keys=True)
        os.replace(tmp, path)  # atomic: a reader sees the old file or the new one, never half of one
    except OSError as exc:
        _say_once(f"cannot write {path} ({exc.strerror or exc})")


def _course() -> dict[str, list[str]]:
    try:
        return json.loads(EXERCISES.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def progress() -> None:
    """Print, per notebook, each exercise with its status: passed, tried or not attempted."""
    results = _load()
    if results is None:
        print(f"cannot read the progress record {progress_path()}")
        return
    course = _course()
    listed = {name for names in course.values() for name in names}
    others = sorted(set(results) - listed)
    print(f"Your progress (recorded in {progress_path()}, on this machine only)")
    for notebook, names in list(course.items()) + ([("other exercises", others)] if others else []):
        if not names:
            continue
        statuses = [results.get(n, {}).get("status", "not attempted") for n in names]
        counts = ", ".join(f"{statuses.count(s)} {s}" for s in ("passed", "tried", "not attempted"))
        print(f"\n{notebook}: {counts}")
        for name, status in zip(names, statuses):
            print(f"  {status:<14} {name}")


def reset_progress() -> None:
    """Forget every recorded result (deletes the record's file)."""
    try:
        progress_path().unlink(missing_ok=True)
    except OSError as exc:
        print(f"cannot delete {progress_path()}: {exc.strerror or exc}")
        return
    print(f"progress reset: {progress_path()} deleted")
