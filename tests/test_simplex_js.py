"""The simplex explorer's JavaScript (softmax_lab/course/simplex.js) against numpy (issues 15 and 16).

The browser computes every number and point the simplex explorer shows, so node runs the module's exported
functions (one process, JSON in and out, with the harness of ``tests/test_explorer_js.py``) and each result is
compared with :func:`softmax_lab.softmax` and :func:`softmax_lab.course.geometry.to_plane`.

Tolerances (float64 on both sides). softmax of three logits: the shift and the division by T are correctly
rounded, ``exp`` differs by at most 1 ulp between glibc and V8, the sum of three weights by 2 eps and the
division by eps/2: every probability agrees within ``(2C + 4) eps = 10 eps`` relatively (plus ``ATOL`` for
subnormal results), as in test_explorer_js. The plane point sum_i p_i V_i has coordinates in [0, 1]: three
products and two sums, each correctly rounded, on inputs that agree within 10 eps, so within ``16 eps``
absolutely. Where only exact operations occur (T = 0 and T = inf limits, 1/m for m tied maxima, corners
of the triangle) the results are equal bit for bit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from softmax_lab import softmax
from softmax_lab.course.geometry import CORNERS, to_plane
from test_explorer_js import ATOL, EPS, node_runner

SIMPLEX_JS = Path(__file__).resolve().parents[1] / "softmax_lab" / "course" / "simplex.js"
P_RTOL = 10 * EPS      # (2C + 4) eps for C = 3
XY_ATOL = 16 * EPS     # the plane point: coordinates in [0, 1]


@pytest.fixture(scope="module")
def js(tmp_path_factory: pytest.TempPathFactory):
    """``js(calls)`` runs ``[(name, *args), ...]`` through simplex.js in one node process."""
    return node_runner(tmp_path_factory, SIMPLEX_JS, "the simplex explorer")


def _close(js_p: list[float], np_p: np.ndarray) -> None:
    got = np.asarray(js_p, dtype=np.float64)
    err = np.abs(got - np_p)
    assert np.all(err <= P_RTOL * np.abs(np_p) + ATOL), f"worst |js - numpy| = {err.max():.3g}: {got} vs {np_p}"


def _random_cases(n: int, seed: int) -> list[tuple[np.ndarray, float]]:
    rng = np.random.default_rng(seed)
    return [(rng.normal(0, 10 ** rng.uniform(-1, 2), size=3), float(10 ** rng.uniform(-2, 2))) for _ in range(n)]


def test_random_logits_match_numpy(js) -> None:
    cases = _random_cases(400, seed=11)
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        _close(p, softmax(z, temperature=t))


def test_huge_logits_do_not_overflow(js) -> None:
    cases = [(np.array([1e308, -1e308, 0.0]), 1.0), (np.array([1e300, 1e300 - 1e285, 5e299]), 1.0),
             (np.array([-1e308, -1e308, -1e308]), 0.5), (np.array([800.0, 799.0, -800.0]), 1.0),
             (np.array([1000.0, 1001.0, 999.0]), 0.01)]
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        assert np.all(np.isfinite(p)), (z, p)
        _close(p, softmax(z, temperature=t))
    # an oracle independent of both: equal huge logits give exactly 1/3 each
    assert js([("softmax", np.full(3, 1e308), 1.0)])[0] == [1 / 3] * 3


def test_the_zero_temperature_limit_is_the_argmax_corner_or_splits_ties_bit_for_bit(js) -> None:
    cases = [np.array([2.0, 0.5, -1.0]), np.array([2.0, 2.0, 0.5]), np.array([-1.0, 3.0, 3.0]), np.full(3, 7.25)]
    temps = [0.0, 1e-300, 5e-324]
    calls = [("softmax", z, t) for z in cases for t in temps]
    for (_, z, t), p in zip(calls, js(calls)):
        ref = softmax(z, temperature=t)
        assert np.array_equal(np.asarray(p), ref), (z, t, p, ref)
        ties = z == z.max()
        assert np.all(ref[ties] == 1 / ties.sum()) and np.all(ref[~ties] == 0)  # 1/m on the m tied maxima


def test_the_infinite_temperature_limit_is_the_centre_bit_for_bit(js) -> None:
    cases = [np.array([2.0, 0.5, -1.0]), np.array([1e300, -1e300, 0.0])]
    for z, p in zip(cases, js([("softmax", z, np.inf) for z in cases])):
        assert np.array_equal(np.asarray(p), softmax(z, temperature=np.inf))
        assert p == [1 / 3] * 3
    _close(js([("softmax", cases[0], 1e12)])[0], softmax(cases[0], temperature=1e12))


def test_bad_input_names_the_argument(js) -> None:
    errors = js([("softmax", [1.0, np.nan, 0.0], 1.0), ("softmax", [1.0, np.inf, 0.0], 1.0),
                 ("softmax", [1.0, 2.0, 0.0], -1.0), ("toPlane", [0.5, 0.5])])
    messages = [e["error"] for e in errors]
    assert "logits contains NaN at index 1" in messages[0] and "logits contains Infinity at index 1" in messages[1]
    assert "temperature" in messages[2] and "3 entries" in messages[3]


def test_the_plane_mapping_is_geometry_to_plane(js) -> None:
    rng = np.random.default_rng(12)
    P = rng.dirichlet(np.ones(3), size=300)
    P = np.vstack([P, np.eye(3), np.full((1, 3), 1 / 3), [[0.5, 0.5, 0.0]]])
    got = np.asarray(js([("toPlane", p) for p in P]))
    ref = to_plane(P)
    assert np.max(np.abs(got - ref)) <= XY_ATOL, np.max(np.abs(got - ref))
    assert np.array_equal(got[300:303], CORNERS)  # one-hot vectors land exactly on the corners


def test_the_temperature_path_runs_from_the_argmax_corner_to_the_centre(js) -> None:
    z = np.array([2.0, 0.5, -1.0])
    n = 40
    temps, path = js([("pathTemperatures", n), ("temperaturePath", z, n)])
    temps = np.asarray(temps)
    assert np.allclose(np.log10(temps), np.linspace(-2, 2, n + 1), rtol=0, atol=1e-12)
    path = np.asarray(path)
    ref = to_plane(np.array([softmax(z, temperature=t) for t in temps]))
    assert np.max(np.abs(path[1:-1] - ref)) <= XY_ATOL + P_RTOL
    assert np.array_equal(path[0], CORNERS[0]) and np.array_equal(path[-1], to_plane(np.full(3, 1 / 3)))
    tie = np.asarray(js([("temperaturePath", np.array([1.0, 1.0, -1.0]), 4)])[0])
    assert np.array_equal(tie[0], (CORNERS[0] + CORNERS[1]) / 2)  # a tie starts mid-edge


def test_the_view_is_shift_invariant_and_maps_p_to_the_plane(js) -> None:
    z = np.array([2.0, 0.5, -1.0])
    shifts = [-5.0, -0.5, 0.0, 2.5, 5.0]
    views = js([("simplexView", z, 0.7, c) for c in shifts])
    ref = softmax(z, temperature=0.7)
    for c, view in zip(shifts, views):
        assert np.allclose(view["shifted"], z + c, rtol=0, atol=0)
        _close(view["probs"], ref)
        assert np.max(np.abs(np.asarray(view["point"]) - to_plane(ref))) <= XY_ATOL + P_RTOL
        assert view["argmax"] == 0
