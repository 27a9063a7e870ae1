"""Self-checking exercises: run a student's function against the library and say, in words, what is wrong
(no max shift, a missing 1/N, a transposed matrix, ...), then expected against actual.

One module per part of the course; every name in a topic module's ``__all__`` is re-exported here, so a
notebook reads ``from softmax_lab.course.checks import check_softmax``:

* :mod:`._core` -- :class:`CheckResult`, :func:`compare`, :func:`run_checks` (what every checker uses);
* :mod:`.predictions` -- :func:`check_prediction` for predict-then-run questions;
* :mod:`.basics`, :mod:`.losses`, :mod:`.jacobian`, :mod:`.derivatives`, :mod:`.geometry`,
  :mod:`.temperature`, :mod:`.calibration`, :mod:`.pipeline`, :mod:`.attention` -- the checkers of each part of the course, and each module's ``PREDICTIONS``: question
  id -> a dict with the keys of :class:`.predictions.Prediction` (question, answer, explanation; optional
  choices, rtol, atol).

Every ``check_*`` re-exported here is wrapped by :func:`._core.checker`: an untouched stub gives "not
attempted yet", and the result is recorded for :func:`softmax_lab.course.progress.progress`.
"""

from . import attention, basics, calibration, derivatives, geometry, jacobian, losses, pipeline, temperature
from ._core import CheckResult, checker, compare, run_checks
from .predictions import PREDICTIONS, Prediction, check_prediction

__all__ = ["CheckResult", "compare", "run_checks", "checker", "check_prediction", "Prediction", "PREDICTIONS"]

for _module in (basics, losses, jacobian, derivatives, geometry, temperature, calibration, pipeline, attention):
    for _name in _module.__all__:
        if _name == "PREDICTIONS":  # merged below, not re-exported one module at a time
            continue
        _obj = getattr(_module, _name)
        globals()[_name] = checker(_obj) if _name.startswith("check_") else _obj
        __all__.append(_name)
    for _qid, _question in getattr(_module, "PREDICTIONS", {}).items():
        if _qid in PREDICTIONS:
            raise ValueError(f"prediction question id {_qid!r} is defined twice ({_module.__name__})")
        PREDICTIONS[_qid] = _question if isinstance(_question, Prediction) else Prediction(**_question)
