"""The calibration explorer of notebook 09, the presenter (``make present DEMO=calibration``) and the static site.

:class:`CalibrationExplorer` is an ``anywidget``: Python sends a fixed set of held-out logits ``Z`` (N, C) and
labels once (rounded to 4 decimals, so the payload stays small); the ES module beside this file,
``calibration_demo.js``, computes in the browser, as the log-scale T slider moves, P = softmax(Z / T) row by row,
the reliability bins of :func:`softmax_lab.course.calibration.reliability_bins` (same binning rule), the expected
calibration error, the mean NLL mean_n (LSE(z_n / T) - z_{n, t_n} / T), and the T that minimises the NLL
(golden-section search on log10 T). ``tests/test_calibration_js.py`` compares its arithmetic with
:mod:`softmax_lab.course.calibration` and :func:`softmax_lab.softmax` under node.
"""

from __future__ import annotations

import numbers

import anywidget
import numpy as np
import traitlets
from numpy.typing import ArrayLike

from .. import cross_entropy_grad
from .._validate import as_real_array
from .calibration import load_digits, split_indices
from .widget_assets import slider_temperature, widget_css, widget_esm

__all__ = ["CalibrationExplorer", "digits_validation_logits", "DECIMALS"]

DECIMALS = 4  # logits are sent rounded to 4 decimals


def digits_validation_logits() -> tuple[np.ndarray, np.ndarray]:
    """The 500 validation logits (500, 10) and labels of notebook 09's model, for the presenter.

    The same recipe as notebook 09, section 1: pixels / 16, the seeded split (300 train, 500 validation, 997 test,
    seed 11), softmax regression trained by full-batch gradient descent on the mean cross-entropy (4000 steps,
    step size 4.0, from zeros), then Z = X W + b on the validation digits.
    """
    X, t = load_digits()
    X = X / 16.0
    train, val, _ = split_indices(len(t), (300, 500, 997), seed=11)
    W, b = np.zeros((X.shape[1], 10)), np.zeros(10)
    for _ in range(4000):
        G = cross_entropy_grad(X[train] @ W + b, t[train])  # (P - Y) / N
        W -= 4.0 * X[train].T @ G
        b -= 4.0 * G.sum(axis=0)
    return X[val] @ W + b, t[val]


class CalibrationExplorer(anywidget.AnyWidget):
    """A log-scale T slider (0.01 to 100), a readout (ECE, NLL, mean confidence, accuracy, the T of lowest NLL),
    the reliability diagram of softmax(Z / T) and a table of its bins, all computed in JS from the fixed held-out
    ``logits`` (N, C) and ``labels`` (N,). ``presenter=True`` switches to the projector theme."""

    _esm = widget_esm("calibration_demo.js")  # with widget_dom.js and softmax.js inlined
    _css = widget_css("calibration_demo.css", "softmax-calibration")  # after widget_base.css

    logits = traitlets.List(traitlets.List(traitlets.Float())).tag(sync=True)
    labels = traitlets.List(traitlets.Int()).tag(sync=True)
    temperature = traitlets.Float(1.0).tag(sync=True)
    n_bins = traitlets.Int(10).tag(sync=True)
    presenter = traitlets.Bool(False).tag(sync=True)

    def __init__(self, logits: ArrayLike, labels: ArrayLike, temperature: float = 1.0, *, n_bins: int = 10,
                 presenter: bool = False) -> None:
        Z = as_real_array(logits, "logits").astype(np.float64)
        if Z.ndim != 2 or Z.shape[0] < 1 or Z.shape[1] < 2:
            raise ValueError(f"logits must have shape (N, C) with N >= 1 and C >= 2, got shape {Z.shape}")
        if not np.all(np.isfinite(Z)):
            raise ValueError("logits must be finite numbers")
        t = np.asarray(labels)
        if t.shape != (Z.shape[0],) or t.dtype.kind not in "iu":
            raise ValueError(f"labels must be N = {Z.shape[0]} integer class indices, got dtype {t.dtype} and "
                             f"shape {t.shape}")
        if (t < 0).any() or (t >= Z.shape[1]).any():
            raise ValueError(f"labels must lie in 0..{Z.shape[1] - 1}")
        if isinstance(n_bins, bool) or not isinstance(n_bins, numbers.Integral) or n_bins < 1:
            raise ValueError(f"n_bins must be an int >= 1, got {n_bins!r}")
        T = slider_temperature(temperature)
        super().__init__(logits=np.round(Z, DECIMALS).tolist(), labels=t.astype(int).tolist(), temperature=T,
                         n_bins=int(n_bins), presenter=bool(presenter))

    def __repr__(self) -> str:  # the text fallback a notebook stores: stable, no memory address
        n, c = len(self.logits), len(self.logits[0])
        return f"CalibrationExplorer({n} samples x {c} classes, T={self.temperature:g}, n_bins={self.n_bins})"
