"""The widgets' shared softmax (softmax_lab/course/softmax.js) against numpy's ``softmax_lab.softmax`` (issue 16).

The four widgets compute every probability they show with this one function (explorer.js and pipeline_demo.js
as it is, simplex.js and calibration_demo.js behind their own input rules), so its arithmetic is tested here:
one ``node`` process runs it on every case, with the harness of ``tests/test_explorer_js.py`` (JSON in, JSON
out; float64 survives the trip exactly: both sides print the shortest round-trip decimal), and each result is
compared with ``softmax_lab.softmax(z, temperature=T)``.

Tolerances (float64 on both sides). The shift ``z - m`` and the division by T are correctly rounded IEEE
operations, so both sides feed identical arguments to ``exp``. What may differ: ``exp`` itself (glibc's and
V8's are each within 1 ulp: 2 eps apart relatively), the order of the sum of weights (numpy sums pairwise,
JS left to right: each within (C - 1) eps of the exact sum) and the final division (eps/2 each). So every
probability agrees within ``(2C + 4) eps`` relatively; results below the normal range (subnormals, which
carry fewer bits) within ``ATOL`` absolutely. Where both sides do only exact operations (the T = 0 and T = inf
limits, 1/m for m tied maxima, masks) the results must be equal bit for bit.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pytest

from softmax_lab import softmax
from test_explorer_js import ATOL, EPS, _random_cases, node_runner

SOFTMAX_JS = Path(__file__).resolve().parents[1] / "softmax_lab" / "course" / "softmax.js"
TINY_T = [5e-324, 1e-300, 1e-5]  # tiny temperatures: (z - m) / T is 0 or far below exp's range, or large
HUGE_T = [1e6, 1e100, 1e300, float(np.finfo(np.float64).max)]


@pytest.fixture(scope="module")
def js(tmp_path_factory: pytest.TempPathFactory):
    """``js(calls)`` runs ``[("softmax", z, T), ...]`` through softmax.js in one node process."""
    return node_runner(tmp_path_factory, SOFTMAX_JS, "the widgets' softmax")


def _close(js_p: list[float], np_p: np.ndarray) -> None:
    got = np.asarray(js_p, dtype=np.float64)
    rtol = (2 * np_p.size + 4) * EPS
    err = np.abs(got - np_p)
    assert np.all(err <= rtol * np.abs(np_p) + ATOL), f"worst |js - numpy| = {err.max():.3g} at {np.argmax(err)}"


def test_random_logits_match_numpy_within_the_stated_tolerance(js) -> None:
    cases = _random_cases(300, seed=1) + [(z, 1.0) for z, _ in _random_cases(50, seed=2)]
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        _close(p, softmax(z, temperature=t))


def test_the_default_temperature_is_one(js) -> None:
    z = np.array([3.0, 2.2, 1.6, 0.5, -np.inf])
    default, one = js([("softmax", z), ("softmax", z, 1.0)])
    assert default == one
    _close(default, softmax(z))


def test_fifty_classes_at_the_slider_limits(js) -> None:
    z = np.random.default_rng(3).normal(0, 2, size=50)
    temps = [0.01, 0.0251188643150958, 0.5, 1.0, 3.98107170553497, 100.0]
    for t, p in zip(temps, js([("softmax", z, t) for t in temps])):
        _close(p, softmax(z, temperature=t))


def test_tiny_and_huge_temperatures_match_numpy(js) -> None:
    cases = [(z, t) for z, _ in _random_cases(40, seed=8) for t in TINY_T + HUGE_T]
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        _close(p, softmax(z, temperature=t))


def test_the_zero_temperature_limit_splits_ties_evenly_bit_for_bit(js) -> None:
    cases = [np.array([2.0, 2.0, 0.5]), np.array([1.0, 3.0, 3.0, 3.0, -np.inf]), np.array([-5.0]),
             np.array([0.0, -np.inf, 0.0, 0.0, 0.0, 0.0, 0.0]), np.full(50, 7.25), np.array([1e300, -1e300, 1e300])]
    temps = [0.0, 1e-300, 5e-324]  # 5e-324 is the smallest subnormal: (z - m) / T is -inf or 0
    calls = [("softmax", z, t) for z in cases for t in temps]
    for (_, z, t), p in zip(calls, js(calls)):
        ref = softmax(z, temperature=t)
        assert np.array_equal(np.asarray(p), ref), (z, t, p, ref)
        m = np.sum(z == z.max())
        assert np.all(ref[z == z.max()] == 1 / m)  # the oracle: 1/m each, by the argument of notebook 07


def test_the_infinite_temperature_limit_is_uniform_over_the_finite_logits_bit_for_bit(js) -> None:
    cases = [np.array([3.0, 2.2, 1.6]), np.array([1e300, -np.inf, -1e300, 0.0]), np.arange(50.0),
             np.array([1.7e308, -1.7e308, -np.inf]), np.array([-np.inf, 4.0])]  # z - m overflows in the 4th
    for z, p in zip(cases, js([("softmax", z, math.inf) for z in cases])):
        allowed = np.isfinite(z)
        expected = np.where(allowed, 1 / allowed.sum(), 0.0)
        assert np.array_equal(np.asarray(p), expected)
        assert np.array_equal(softmax(z, temperature=math.inf), expected)


def test_huge_logits_do_not_overflow(js) -> None:
    cases = [(np.array([1e300, -1e300, 1e300]), 1.0), (np.array([1e300, 1e300 - 1e285, 0.0]), 1.0),
             (np.array([-1e300, -1e300 + 2e284, -1e300]), 1e284), (np.array([1e300, 1e299]), 1e299),
             (np.array([1e300, -1e300, 5e299, -np.inf]), 3e299), (np.array([-1e300, 1e300]), 0.5)]
    # a spread beyond float64's range: z - m overflows to -inf, the exact weight 0 for T <= 1; for T > 1 both
    # sides form the exponents as z / T - m / T instead
    cases += [(np.array([1.7e308, -1.7e308, 1.6e308]), t) for t in (1.0, 0.5, 1.5, 1e308)]
    cases += [(np.array([1e307, 1e307 - 1e300, -1.797e308, -np.inf]), 1e300)]
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        ref = softmax(z, temperature=t)
        assert np.all(np.isfinite(ref)) and abs(ref.sum() - 1) < 1e-15
        _close(p, ref)
    assert js([("softmax", np.full(3, 1e308), 1.0)])[0] == [1 / 3] * 3  # equal huge logits: exactly 1/3 each


def test_minus_inf_logits_are_masked_classes(js) -> None:
    rng = np.random.default_rng(4)
    cases = []
    for _ in range(60):
        c = int(rng.integers(2, 51))
        z = rng.normal(0, 3, size=c)
        z[rng.random(c) < 0.4] = -np.inf
        z[int(rng.integers(c))] = rng.normal()  # at least one class left
        cases.append((z, float(10 ** rng.uniform(-2, 2))))
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        ref = softmax(z, temperature=t)
        assert np.all(np.asarray(p)[np.isneginf(z)] == 0)
        _close(p, ref)


BAD = [  # (z, T, the JS message, the argument numpy's error names)
    ([1.0, math.nan], 1.0, r"^z contains NaN at index 1$", "z"),
    ([1.0, math.inf, 0.0], 1.0, r"^z contains \+inf at index 1; use -inf to mask a class$", "z"),
    ([-math.inf, -math.inf], 1.0, r"^z is -inf everywhere: every class is masked$", "z"),
    ([], 1.0, r"^z is empty", "z"),
    ([1.0, 2.0], -1.0, r"^temperature must be a number >= 0, got -1$", "temperature"),
    ([1.0, 2.0], math.nan, r"^temperature must be a number >= 0, got NaN$", "temperature"),
    ([1.0, 2.0], -math.inf, r"^temperature must be a number >= 0, got -Infinity$", "temperature"),
    ([1.0, 2.0], "1", r"^temperature must be a number >= 0, got 1$", "temperature"),
    ([1.0, 2.0], None, r"^temperature must be a number >= 0, got null$", "temperature"),
]


def test_bad_input_raises_naming_the_argument_where_numpy_raises(js) -> None:
    errors = js([("softmax", z, t) for z, t, _, _ in BAD])
    for (z, t, pattern, argument), error in zip(BAD, errors):
        assert isinstance(error, dict) and re.search(pattern, error["error"]), (z, t, error)
        with pytest.raises((ValueError, TypeError), match=f"^{argument}"):  # numpy refuses the same input
            softmax(np.array(z, dtype=np.float64), temperature=t)
