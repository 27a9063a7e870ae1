"""The sampling-pipeline explorer of notebook 10, the presenter (``make present DEMO=pipeline``) and the static site.

:class:`PipelineExplorer` is an ``anywidget``: Python only holds the settings (class labels and logits, the
history counts and penalties, banned classes, a logit bias on one class, T, top-k, top-p, min-p), synced to the
browser; the ES module beside this file, ``pipeline_demo.js``, computes the stages of
:func:`softmax_lab.course.pipeline.sampler_stages` in the same order (penalties and logit bias -> temperature ->
softmax -> top-k -> top-p -> min-p, each filter renormalising) and draws every stage as a bar chart, with a
table of the numbers. ``tests/test_pipeline_js.py`` compares its arithmetic with ``pipeline.py`` under node.
"""

from __future__ import annotations

from typing import Sequence

import anywidget
import numpy as np
import traitlets
from numpy.typing import ArrayLike

from .._validate import as_real_array
from .widget_assets import slider_temperature, widget_css, widget_esm

__all__ = ["PipelineExplorer", "DEFAULT_LABELS", "DEFAULT_LOGITS", "DEFAULT_COUNTS", "BIAS_RANGE"]

BIAS_RANGE = (-10.0, 10.0)  # the bias slider's range (BIAS_MIN / BIAS_MAX in pipeline_demo.js)

# The next character after "the cat sat on th" (invented logits): "end" (end of text) is banned by default,
# the history has seen "e" three times, "a" twice and the space (shown as "␣") five times.
DEFAULT_LABELS = ("e", "a", "i", "o", "r", "y", "u", "\u2423", "s", "w", ".", "end")
DEFAULT_LOGITS = (3.2, 2.1, 1.6, 1.2, 0.9, 0.6, 0.1, -0.3, -0.8, -1.2, -1.5, 0.5)
DEFAULT_COUNTS = (3, 2, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0)


class PipelineExplorer(anywidget.AnyWidget):
    """Sliders for T (log scale, 0.01 to 100), top-k (the number of classes = off), top-p (1 = off), min-p
    (0 = off) and a logit bias (-10 to 10) on one chosen class, a readout line, one picture with a bar chart per
    stage and a table of the numbers, all computed in JS. ``presenter=True`` switches to the projector theme."""

    _esm = widget_esm("pipeline_demo.js")  # with widget_dom.js and softmax.js inlined
    _css = widget_css("pipeline_demo.css", "softmax-pipeline")  # after widget_base.css

    labels = traitlets.List(traitlets.Unicode()).tag(sync=True)
    logits = traitlets.List(traitlets.Float()).tag(sync=True)
    counts = traitlets.List(traitlets.Float()).tag(sync=True)
    banned = traitlets.List(traitlets.Int()).tag(sync=True)
    repetition = traitlets.Float(1.3).tag(sync=True)
    presence = traitlets.Float(0.3).tag(sync=True)
    frequency = traitlets.Float(0.0).tag(sync=True)
    bias_class = traitlets.Int(0).tag(sync=True)
    bias = traitlets.Float(0.0).tag(sync=True)
    temperature = traitlets.Float(1.0).tag(sync=True)
    top_k = traitlets.Int().tag(sync=True)
    top_p = traitlets.Float(0.9).tag(sync=True)
    min_p = traitlets.Float(0.0).tag(sync=True)
    presenter = traitlets.Bool(False).tag(sync=True)

    def __init__(self, logits: ArrayLike = DEFAULT_LOGITS, labels: Sequence[str] = DEFAULT_LABELS, *,
                 counts: ArrayLike = DEFAULT_COUNTS, banned: Sequence[str] = ("end",), repetition: float = 1.3,
                 presence: float = 0.3, frequency: float = 0.0, bias_class: str = "y", bias: float = 0.0,
                 temperature: float = 1.0, top_k: int | None = None, top_p: float | None = 0.9,
                 min_p: float | None = None, presenter: bool = False) -> None:
        z = as_real_array(logits, "logits").astype(np.float64)
        labels = [str(v) for v in labels]
        if z.ndim != 1 or not 2 <= z.size <= 50 or not np.all(np.isfinite(z)):
            raise ValueError(f"logits must be 2 to 50 finite numbers, got {np.asarray(logits).tolist()}")
        if len(labels) != z.size or len(set(labels)) != z.size:
            raise ValueError(f"labels must be {z.size} distinct names, one per logit, got {labels}")
        n = as_real_array(counts, "counts").astype(np.float64)
        if n.shape != z.shape or not np.all(np.isfinite(n) & (n >= 0)):
            raise ValueError(f"counts must be {z.size} finite counts >= 0, one per class, got {n.tolist()}")
        for name in (*banned, bias_class):
            if name not in labels:
                raise ValueError(f"{name!r} (in banned or bias_class) is not one of the labels {labels}")
        if len(set(banned)) >= z.size:
            raise ValueError(f"banned must leave at least one class, got {list(banned)}")
        if not (repetition > 0 and np.isfinite(repetition)):
            raise ValueError(f"repetition must be a finite number > 0 (1 = no penalty), got {repetition!r}")
        lo, hi = BIAS_RANGE
        if not lo <= bias <= hi:
            raise ValueError(f"bias must be within the slider range [{lo:g}, {hi:g}], got {bias!r}")
        t = slider_temperature(temperature)
        k = z.size if top_k is None else top_k
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= z.size:
            raise ValueError(f"top_k must be None or an int from 1 to {z.size}, got {top_k!r}")
        p = 1.0 if top_p is None else float(top_p)
        if not 0.01 <= p <= 1:
            raise ValueError(f"top_p must be None or in [0.01, 1] (the slider's range), got {top_p!r}")
        m = 0.0 if min_p is None else float(min_p)
        if not 0 <= m <= 1:
            raise ValueError(f"min_p must be None or in [0, 1], got {min_p!r}")
        super().__init__(labels=labels, logits=z.tolist(), counts=n.tolist(),
                         banned=[labels.index(b) for b in banned], repetition=float(repetition),
                         presence=float(presence), frequency=float(frequency), bias_class=labels.index(bias_class),
                         bias=float(bias), temperature=t, top_k=int(k), top_p=p, min_p=m, presenter=bool(presenter))

    def __repr__(self) -> str:  # the text fallback a notebook stores: stable, no memory address
        return (f"PipelineExplorer({len(self.logits)} classes, T={self.temperature:g}, top_k={self.top_k}, "
                f"top_p={self.top_p:g}, min_p={self.min_p:g})")
