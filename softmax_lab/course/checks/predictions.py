"""Predict, then run: the student writes a prediction, :func:`check_prediction` reveals the answer.

Each topic module defines its questions in a ``PREDICTIONS`` dict, question id -> a dict with the fields of
:class:`Prediction`::

    PREDICTIONS = {"07-rise-then-fall": {"question": "...", "answer": 2, "explanation": "..."}}

``checks/__init__.py`` merges them into :data:`PREDICTIONS` here. In a notebook::

    prediction = ...          # your prediction, e.g. 0.5
    check_prediction("uniform-probability", prediction)

An unset prediction (``...`` or None) gives "not attempted yet" and reveals nothing; a set one reveals the
answer with its explanation and says whether the prediction matched. The first answer is what
``progress()`` keeps (the answer is visible after it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Prediction", "PredictionResult", "check_prediction", "PREDICTIONS"]


@dataclass(frozen=True)
class Prediction:
    """One predict-then-run question.

    ``answer`` is a number (or a sequence of numbers), a bool, or a string; ``choices`` (strings) restricts a
    string answer to one of them. A number matches within ``rtol`` (relative) or ``atol``; a string matches
    ignoring case and surrounding spaces. ``question`` restates the question and ``explanation`` says why;
    both are shown with the answer once the student has predicted.
    """

    answer: Any
    explanation: str
    question: str = ""
    choices: tuple[str, ...] = ()
    rtol: float = 0.05
    atol: float = 0.0

    def matches(self, prediction: Any) -> bool:
        if isinstance(self.answer, bool) or isinstance(self.answer, str):
            return _text(prediction) == _text(self.answer)
        try:
            got = np.asarray(prediction, dtype=np.float64)
        except (TypeError, ValueError):
            return False
        want = np.asarray(self.answer, dtype=np.float64)
        return got.shape == want.shape and bool(np.allclose(got, want, rtol=self.rtol, atol=self.atol))


def _text(x: Any) -> str:
    return str(x).strip().lower()


PREDICTIONS: dict[str, Prediction] = {}  # filled by checks/__init__.py from every topic module


@dataclass
class PredictionResult:
    """What :func:`check_prediction` says; ``status`` is what ``progress()`` records."""

    question_id: str
    prediction: Any
    question: Prediction | None  # None: not attempted, nothing revealed

    @property
    def status(self) -> str:
        if self.question is None:
            return "not attempted"
        return "passed" if self.question.matches(self.prediction) else "tried"

    @property
    def ok(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        head = f'prediction "{self.question_id}"'
        if self.question is None:
            return (f"{head}: not attempted yet - set prediction to your guess, then run this cell again "
                    "(the answer is revealed after you predict)")
        q = self.question
        verdict = "passed: your prediction matches" if self.ok else "not quite: your prediction differs"
        return (f"{head}: {verdict}. You predicted {_show(self.prediction)}; the answer is {_show(q.answer)}.\n"
                + (f"  Question: {q.question}\n" if q.question else "") + f"  Why: {q.explanation}")


def _show(x: Any) -> str:
    if isinstance(x, (float, np.floating)) and math.isfinite(x):
        return f"{float(x):.4g}"
    return repr(x) if isinstance(x, str) else str(x)


def check_prediction(question_id: str, prediction: Any) -> PredictionResult:
    """Reveal the answer to the question ``question_id`` and say whether ``prediction`` matched it.

    ``prediction`` left as ``...`` (or None) means not attempted yet: nothing is revealed or recorded.
    """
    from .. import progress

    if question_id not in PREDICTIONS:
        known = ", ".join(sorted(PREDICTIONS)) or "none"
        raise ValueError(f"check_prediction: question_id {question_id!r} is not a known question (known: {known})")
    question = PREDICTIONS[question_id]
    if prediction is Ellipsis or prediction is None:
        return PredictionResult(question_id, prediction, None)
    if question.choices and _text(prediction) not in {_text(c) for c in question.choices}:
        choices = ", ".join(repr(c) for c in question.choices)
        raise ValueError(f"check_prediction: prediction {prediction!r} is not one of the choices {choices}")
    result = PredictionResult(question_id, prediction, question)
    progress.record(f'check_prediction("{question_id}")', result.status, keep_first=True)
    return result
