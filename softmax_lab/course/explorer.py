"""The temperature explorer of notebook 07, the presenter and the static site: an ``anywidget``.

Two parts:

* :class:`TemperatureExplorer`, the widget. Python only holds the settings (logits, labels, T, top-k, top-p,
  number of draws, seed), synced to the browser; the ES module beside this file, ``explorer.js``, computes
  softmax(z / T) with the max shift, its T -> 0 and T -> inf limits, top-k / top-p, entropy and seeded draws,
  and draws an SVG chart with a table of the numbers. So the same widget works in JupyterLab, in the Voila
  presenter and in the static site, which has no kernel at all (``tools/build_site.py`` loads
  ``explorer.js`` with a small stand-in for the widget model).
* The numpy reference for what it shows: :func:`temperature_view` and :func:`readout_text`, which notebook
  07 prints for fixed settings and ``tests/test_explorer_js.py`` compares the JavaScript with, under node.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import anywidget
import numpy as np
import traitlets
from numpy.typing import ArrayLike

from .. import entropy, softmax, top_k_top_p_mask
from .._validate import as_real_array, check_temperature
from .widget_assets import T_MAX, T_MIN, slider_temperature, widget_css, widget_esm

__all__ = ["DEFAULT_LABELS", "DEFAULT_LOGITS", "T_MIN", "T_MAX", "TemperatureView", "temperature_view",
           "readout_text", "TemperatureExplorer"]

# "The cat sat on the ..." - next-word logits of a toy language model.
DEFAULT_LABELS: tuple[str, ...] = ("mat", "sofa", "floor", "roof", "moon", "piano")
DEFAULT_LOGITS: tuple[float, ...] = (3.0, 2.2, 1.6, 0.5, -0.6, -1.4)


# ------------------------------------------------------------------------------- the numpy reference
@dataclass(frozen=True)
class TemperatureView:
    """Everything the explorer shows for one setting of the sliders.

    ``probs`` = softmax(z / T) over all classes; ``kept`` = classes surviving top-k then top-p (computed on
    ``probs``); ``sampling_probs`` = ``probs`` renormalised over the kept classes (0 elsewhere), the
    distribution the draws come from; ``entropy`` / ``max_prob`` / ``argmax`` describe ``probs``.
    """

    temperature: float
    probs: np.ndarray
    kept: np.ndarray
    sampling_probs: np.ndarray
    entropy: float
    sampling_entropy: float
    max_prob: float
    argmax: int

    @property
    def n_kept(self) -> int:
        return int(self.kept.sum())


def temperature_view(logits: ArrayLike, temperature: float, top_k: int | None = None,
                     top_p: float | None = None) -> TemperatureView:
    """Compute the view for logits ``z`` (shape (C,)) at temperature T >= 0 with optional top-k / top-p.

    ``top_k=None`` / ``top_p=None`` (or ``top_k=C``, ``top_p=1``) keep every class. T = 0 and T = inf are the
    exact limits (argmax and uniform), as in :func:`softmax_lab.softmax`.
    """
    z = as_real_array(logits, "logits")
    if z.ndim != 1:
        raise ValueError(f"logits must be one vector of shape (C,), got shape {z.shape}")
    t = check_temperature(temperature)
    p = softmax(z, temperature=t).astype(np.float64, copy=False)
    kept = top_k_top_p_mask(p, top_k=top_k, top_p=top_p)
    if kept.all():
        q = p
    else:
        q = np.where(kept, p, 0.0)
        q /= q.sum()
    i = int(np.argmax(p))
    return TemperatureView(temperature=t, probs=p, kept=kept, sampling_probs=q, entropy=float(entropy(p)),
                           sampling_entropy=float(entropy(q)), max_prob=float(p[i]), argmax=i)


def readout_text(view: TemperatureView, labels: Sequence[str] | None = None) -> str:
    """One line of numbers for the current view (the explorer shows the same line), e.g.
    ``T = 0.5 | entropy 0.912 of max 1.792 nats | max p = 0.781 (mat) | sampling from 3 of 6 classes``."""
    c = view.probs.size
    name = labels[view.argmax] if labels is not None else f"class {view.argmax}"
    return (f"T = {view.temperature:.3g} | entropy {view.entropy:.3f} of max {math.log(c):.3f} nats | "
            f"max p = {view.max_prob:.3f} ({name}) | sampling from {view.n_kept} of {c} classes")


# ------------------------------------------------------------------------------------------ the widget
def _logits_to_json(values: list[float], _widget: Any) -> list[float | None]:
    """JSON has no -inf: a masked class (-inf logit) travels as ``null``; explorer.js reads it back."""
    return [None if v == -math.inf else v for v in values]


class TemperatureExplorer(anywidget.AnyWidget):
    """Sliders for T (log scale, 0.01 to 100), top-k, top-p and the number of draws, a Resample button, a
    readout line and a chart of softmax(z / T), the seeded draws and the entropy curve, all computed in JS.

    ``logits`` may contain ``-inf`` (a masked class, probability 0); ``presenter=True`` switches to the
    high-contrast, large-type projector theme.
    """

    _esm = widget_esm("explorer.js")  # with widget_dom.js and softmax.js inlined
    _css = widget_css("explorer.css", "softmax-explorer")  # after widget_base.css

    logits = traitlets.List(traitlets.Float()).tag(sync=True, to_json=_logits_to_json)
    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    temperature = traitlets.Float(1.0).tag(sync=True)
    top_k = traitlets.Int(1).tag(sync=True)
    top_p = traitlets.Float(1.0).tag(sync=True)
    n_draws = traitlets.Int(1000).tag(sync=True)
    seed = traitlets.Int(0).tag(sync=True)
    presenter = traitlets.Bool(False).tag(sync=True)

    def __init__(self, logits: ArrayLike | None = None, labels: Sequence[str] | None = None, *,
                 temperature: float = 1.0, n_draws: int = 1000, seed: int = 0, presenter: bool = False) -> None:
        z = as_real_array(DEFAULT_LOGITS if logits is None else logits, "logits").astype(np.float64)
        if z.ndim != 1:
            raise ValueError(f"logits must be one vector of shape (C,), got shape {z.shape}")
        bad = np.isnan(z) | np.isposinf(z)
        if bad.any():
            raise ValueError(f"logits contains {z[bad][0]} at index {int(np.argmax(bad))}; "
                             "use finite values, or -inf to mask a class")
        if np.isneginf(z).all():
            raise ValueError("logits is -inf everywhere: every class is masked")
        if labels is None:
            labels = DEFAULT_LABELS if logits is None else [str(i) for i in range(z.size)]
        if len(labels) != z.size:
            raise ValueError(f"labels has {len(labels)} names for {z.size} logits")
        t = slider_temperature(temperature)
        if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or not 10 <= n_draws <= 10_000:
            raise ValueError(f"n_draws must be an int from 10 to 10000 (the slider's range), got {n_draws!r}")
        super().__init__(logits=z.tolist(), labels=[str(s) for s in labels], temperature=t, top_k=int(z.size),
                         top_p=1.0, n_draws=int(n_draws), seed=int(seed), presenter=bool(presenter))

    def __repr__(self) -> str:  # the text fallback a notebook stores: stable, no memory address
        return f"TemperatureExplorer({len(self.logits)} classes, T={self.temperature:g})"
