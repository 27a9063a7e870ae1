"""The simplex explorer's Python side: what it accepts and what it sends to the browser (its arithmetic runs in
simplex.js and is tested against numpy in ``tests/test_simplex_js.py``; its DOM in the browser tests)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from softmax_lab.course.simplex import SimplexExplorer


def test_defaults_and_the_state_sent_to_the_browser() -> None:
    w = SimplexExplorer()
    state = w.get_state()
    assert (state["logits"], state["temperature"], state["shift"], state["presenter"]) == ([2.0, 0.5, -1.0], 1.0, 0.0, False)
    # simplex.js with the shared softmax.js and widget_dom.js inlined (anywidget cannot resolve an import)
    assert "function softmax(z, T = 1)" in state["_esm"] and not re.search(r"^\s*import\b", state["_esm"], re.M)
    assert ".softmax-simplex" in state["_css"]
    assert repr(w) == "SimplexExplorer(logits=(2, 0.5, -1), T=1)"


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_logits_in_every_accepted_dtype(dtype: type) -> None:
    assert SimplexExplorer(np.array([1, 0, -1], dtype=dtype), temperature=0.5).logits == [1.0, 0.0, -1.0]


@pytest.mark.parametrize("kwargs, message", [
    ({"logits": (1.0, 2.0)}, r"logits must be three numbers \(shape \(3,\)\), got shape \(2,\)"),
    ({"logits": (1.0, float("nan"), 0.0)}, r"logits must be finite numbers"),
    ({"logits": (1.0, 9.0, 0.0)}, r"logits must be within the sliders' range \[-5, 5\]"),
    ({"temperature": 1000.0}, r"temperature must be within the slider range \[0.01, 100.0\], got 1000.0"),
    ({"temperature": -1.0}, r"temperature"),
])
def test_bad_input_names_the_argument(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SimplexExplorer(**kwargs)
