"""The simplex explorer of notebook 08, the presenter (``make present DEMO=simplex``) and the static site.

:class:`SimplexExplorer` is an ``anywidget``: Python only holds the settings (three logits, T, a shift c),
synced to the browser; the ES module beside this file, ``simplex.js``, computes p = softmax((z + c 1) / T) with
the max shift (and its T -> 0 and T -> inf limits) and draws the open triangle of probability vectors with the
point sum_i p_i V_i (the barycentric map of :func:`softmax_lab.course.geometry.to_plane`), the temperature path
from the corner of the largest logit (T -> 0) to the centre (T -> inf), and the note that the shift c does not
move the point (shift invariance). ``tests/test_simplex_js.py`` compares its arithmetic with
:func:`softmax_lab.softmax` and ``to_plane`` under node.
"""

from __future__ import annotations

import anywidget
import numpy as np
import traitlets
from numpy.typing import ArrayLike

from .._validate import as_real_array
from .widget_assets import slider_temperature, widget_css, widget_esm

__all__ = ["SimplexExplorer", "LOGIT_RANGE"]

LOGIT_RANGE = (-5.0, 5.0)  # the logit sliders' range (LOGIT_MIN / LOGIT_MAX in simplex.js)


class SimplexExplorer(anywidget.AnyWidget):
    """Sliders for the three logits (-5 to 5), T (log scale, 0.01 to 100) and a shift c added to all three
    logits, a readout line, the triangle with the point softmax((z + c 1) / T) and its temperature path, and a
    table of the numbers, all computed in JS. ``presenter=True`` switches to the projector theme."""

    _esm = widget_esm("simplex.js")  # with widget_dom.js and softmax.js inlined
    _css = widget_css("simplex.css", "softmax-simplex")  # after widget_base.css

    logits = traitlets.List(traitlets.Float(), minlen=3, maxlen=3).tag(sync=True)
    temperature = traitlets.Float(1.0).tag(sync=True)
    shift = traitlets.Float(0.0).tag(sync=True)
    presenter = traitlets.Bool(False).tag(sync=True)

    def __init__(self, logits: ArrayLike = (2.0, 0.5, -1.0), temperature: float = 1.0, *,
                 presenter: bool = False) -> None:
        z = as_real_array(logits, "logits").astype(np.float64)
        if z.shape != (3,):
            raise ValueError(f"logits must be three numbers (shape (3,)), got shape {z.shape}")
        if not np.all(np.isfinite(z)):
            raise ValueError(f"logits must be finite numbers, got {z.tolist()}")
        lo, hi = LOGIT_RANGE
        if not np.all((z >= lo) & (z <= hi)):
            raise ValueError(f"logits must be within the sliders' range [{lo:g}, {hi:g}], got {z.tolist()}")
        t = slider_temperature(temperature)
        super().__init__(logits=z.tolist(), temperature=t, shift=0.0, presenter=bool(presenter))

    def __repr__(self) -> str:  # the text fallback a notebook stores: stable, no memory address
        z = ", ".join(f"{v:g}" for v in self.logits)
        return f"SimplexExplorer(logits=({z}), T={self.temperature:g})"
