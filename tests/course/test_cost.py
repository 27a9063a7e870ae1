"""softmax_lab.course.cost: the four backward methods agree with independent oracles; memory formulas and the
measured table are consistent; bad input is rejected by name. No assertion depends on a timing."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra.numpy import arrays  # noqa: E402

from softmax_lab import numerical_gradient, softmax, softmax_backward  # noqa: E402
from softmax_lab.course import cost  # noqa: E402
from softmax_lab.course.cost import (BACKWARD_METHODS, backward_batched_jacobian, backward_elementwise_loop,  # noqa: E402
                              backward_row_loop, backward_vjp, jacobian_bytes, measure_backward_cost,
                              plot_backward_cost, vjp_bytes)

from oracles import jacobian_ref, softmax_ref  # noqa: E402

METHODS = list(BACKWARD_METHODS.values())


def _oracle(A, G):
    """Per row g @ J with J filled element by element from Python floats (tests/oracles.py)."""
    return np.stack([np.asarray(G[n], float) @ jacobian_ref([float(v) for v in A[n]]) for n in range(len(A))])


@pytest.mark.parametrize("fn", METHODS, ids=list(BACKWARD_METHODS))
def test_methods_match_finite_differences(fn):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(4, 5)) * 2
    G = rng.normal(size=(4, 5))
    fd = numerical_gradient(lambda zz: float(np.sum(G * softmax(zz))), Z)  # L(Z) = sum G * softmax(Z)
    np.testing.assert_allclose(fn(softmax(Z), G), fd, atol=1e-8)


@pytest.mark.parametrize("fn", METHODS, ids=list(BACKWARD_METHODS))
def test_methods_on_lecture_note_c_example(fn):
    # dLdZ for lecture note C's batch, which the note leaves out; oracle: element-by-element Jacobian.
    Z = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]])
    G = np.array([[0.1, -0.2, 0.1], [-0.1, 0.3, -0.2]])
    A = np.stack([softmax_ref(z) for z in Z])
    got = fn(A, G)
    np.testing.assert_allclose(got, _oracle(A, G), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.sum(axis=1), 0, atol=1e-15)  # shift invariance


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=st.floats(-30, 30)),
       st.integers(0, 2**32 - 1))
def test_methods_agree_with_oracle_property(Z, seed):
    G = np.random.default_rng(seed).normal(size=Z.shape)
    A = np.stack([softmax_ref(z) for z in Z])
    expected = _oracle(A, G)
    for fn in METHODS:
        np.testing.assert_allclose(fn(A, G), expected, rtol=1e-9, atol=1e-12)


def test_lecture_note_a_formula_is_the_vjp():
    rng = np.random.default_rng(3)
    p = softmax(rng.normal(size=(6, 7)))
    grad = rng.normal(size=(6, 7))
    note_a = p * (grad - (grad * p).sum(axis=1)[:, None])
    np.testing.assert_allclose(note_a, _oracle(p, grad), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(backward_vjp(p, grad), note_a, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fn", METHODS, ids=list(BACKWARD_METHODS))
def test_methods_reject_bad_input(fn):
    A = softmax(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="A must have shape"):
        fn(A[0], A[0])
    with pytest.raises(ValueError, match="dLdA must have the shape of A"):
        fn(A, np.zeros((2, 4)))
    with pytest.raises(TypeError, match="dLdA"):
        fn(A, A > 0)


def test_memory_formulas_against_real_arrays():
    for c, n in [(1, 1), (3, 2), (10, 32), (257, 5)]:
        for dt in (np.float32, np.float64):
            assert jacobian_bytes(c, n, dt) == np.empty((n, c, c), dtype=dt).nbytes
            assert vjp_bytes(c, n, dt) == softmax_backward(np.full((n, c), 1 / c, dt), np.zeros((n, c), dt)).nbytes
    # the vocabulary numbers quoted in notebook 06 (50257^2 * 4 worked out by hand: 2,525,766,049 * 4)
    assert jacobian_bytes(50257) == 10_103_064_196
    assert jacobian_bytes(50257, 32) == 323_298_054_272
    assert vjp_bytes(50257, 32) == 6_432_896


@pytest.mark.parametrize("args, exc, msg", [((0,), ValueError, "c must be >= 1"),
                                            ((3, 0), ValueError, "n must be >= 1"),
                                            ((2.5,), TypeError, "c must be an int"),
                                            ((True,), TypeError, "c must be an int")])
def test_memory_formulas_reject_bad_sizes(args, exc, msg):
    for f in (jacobian_bytes, vjp_bytes):
        with pytest.raises(exc, match=msg):
            f(*args)


def test_measure_table_structure_and_memory():
    cs = [4, 8, 128]
    table = measure_backward_cost(cs, n=8, repeat=1, max_c={"elementwise loop": 8})
    assert list(table["C"]) == cs
    for m in BACKWARD_METHODS:
        assert table["seconds/" + m].shape == (3,) and table["bytes/" + m].shape == (3,)
    # the elementwise loop was skipped beyond its max_c, everything else was measured
    assert np.isnan(table["seconds/elementwise loop"][2]) and np.isnan(table["bytes/elementwise loop"][2])
    for m in ["row loop", "batched Jacobian", "VJP"]:
        assert np.all(np.isfinite(table["seconds/" + m])) and np.all(table["seconds/" + m] > 0)
    # the batched method must hold all n Jacobians at once; the VJP must not
    for k, c in enumerate(cs):
        assert table["bytes/batched Jacobian"][k] >= jacobian_bytes(c, 8, np.float64)
    assert table["bytes/VJP"][2] < jacobian_bytes(128, 8, np.float64) / 10
    # the row loop holds a few temporaries of one row's C x C size, however many rows there are
    assert jacobian_bytes(128, 1, np.float64) <= table["bytes/row loop"][2] <= 6 * jacobian_bytes(128, 1, np.float64)


def test_measure_method_subset_and_errors():
    table = measure_backward_cost([5], n=2, repeat=1, methods=["VJP"])
    assert set(table) == {"C", "seconds/VJP", "bytes/VJP"}
    with pytest.raises(ValueError, match="unknown method 'fast'"):
        measure_backward_cost([5], methods=["fast"])
    with pytest.raises(ValueError, match="repeat must be an int >= 1"):
        measure_backward_cost([5], repeat=0)
    with pytest.raises(ValueError, match="cs must hold at least one"):
        measure_backward_cost([])
    with pytest.raises(ValueError, match="c must be >= 1"):
        measure_backward_cost([0])


def test_measure_takes_the_callers_own_implementations():
    def mine(A, dLdA):  # the VJP written out, as a notebook would
        return A * (dLdA - np.sum(dLdA * A, axis=1, keepdims=True))

    table = measure_backward_cost([5, 7], n=2, repeat=1, methods={"mine": mine}, max_c={"mine": 5})
    assert set(table) == {"C", "seconds/mine", "bytes/mine"}
    assert table["seconds/mine"][0] > 0 and np.isnan(table["seconds/mine"][1])  # C = 7 is above its max_c
    with pytest.raises(AssertionError, match="wrong disagrees with the VJP at C=4"):
        measure_backward_cost([4], n=2, repeat=1, methods={"wrong": lambda A, G: A * G})


def test_measure_refuses_a_wrong_method(monkeypatch):
    monkeypatch.setitem(cost.BACKWARD_METHODS, "row loop", lambda A, G: A * G)
    with pytest.raises(AssertionError, match="row loop disagrees with the VJP at C=6"):
        measure_backward_cost([6], n=3, repeat=1, methods=["row loop"])


def test_plot_draws_the_table():
    table = {"C": np.array([8, 16, 32]),
             "seconds/row loop": np.array([1e-4, 4e-4, 1.6e-3]), "bytes/row loop": np.array([1e3, 4e3, 1.6e4]),
             "seconds/VJP": np.array([1e-5, 2e-5, np.nan]), "bytes/VJP": np.array([100.0, 200.0, np.nan])}
    axes = plot_backward_cost(table)
    assert len(axes) == 2
    for ax, kind in zip(axes, ["seconds", "bytes"]):
        lines = {ln.get_label(): ln for ln in ax.get_lines()}
        np.testing.assert_array_equal(lines["row loop"].get_ydata(), table[f"{kind}/row loop"])
        np.testing.assert_array_equal(lines["VJP"].get_xdata(), [8, 16])  # the NaN point is left out
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert ax.get_xlabel() == "number of classes C"
    assert axes[0].get_title() == "softmax backward: time"
    _, one = plt.subplots()
    assert plot_backward_cost(table, ax=one) is one
    plt.close("all")
