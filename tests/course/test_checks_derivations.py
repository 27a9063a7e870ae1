"""Tests for what the derivation notebooks (02, 04-05) add to the package: the checkers
check_logsumexp / check_jacobian_row / check_softmax_vjp, plot_jacobian_heatmap and error_table.

Every checker is run on a right answer (written here independently of the package) and on the
classic wrong answers, and the wrong answers must be reported in words naming the failing case.
"""

from __future__ import annotations

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402

from softmax_lab import numerical_jacobian, softmax  # noqa: E402
from softmax_lab.course.checks import check_jacobian_row, check_logsumexp, check_softmax_vjp  # noqa: E402
from softmax_lab.course.plots import plot_jacobian_heatmap  # noqa: E402
from softmax_lab.course.display import error_table  # noqa: E402


# ---------------------------------------------------------------- student answers, right and wrong
def lse_right(z):
    m = max(float(v) for v in z)  # pure-Python floats: independent of the package
    return m + math.log(math.fsum(math.exp(float(v) - m) for v in z))


def lse_naive(z):
    return np.log(np.sum(np.exp(z)))


def lse_mean_shift(z):
    c = z.mean()
    return c + np.log(np.sum(np.exp(z - c)))


def lse_forgets_max(z):
    m = z.max()
    return np.log(np.sum(np.exp(z - m)))


def row_right(p, i):
    c = p.size
    return np.array([p[i] * (1.0 - p[i]) if j == i else -p[i] * p[j] for j in range(c)])


def row_sign_error(p, i):
    return np.array([p[i] * (1.0 - p[i]) if j == i else p[i] * p[j] for j in range(p.size)])


def row_no_diag_term(p, i):
    return -p[i] * p


def row_full_matrix(p, i):
    return np.diag(p) - np.outer(p, p)


def stable_rows(Z):
    e = np.exp(Z - Z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def vjp_right(Z, G):  # per-row Jacobian loop, written out from the two cases
    A = stable_rows(Z)
    out = np.zeros_like(G)
    for n in range(Z.shape[0]):
        C = Z.shape[1]
        J = np.array([[A[n, i] * ((i == j) - A[n, j]) for j in range(C)] for i in range(C)])
        out[n] = G[n] @ J
    return out


def vjp_naive_forward(Z, G):  # lecture note C's forward: np.exp(Z) without the max shift
    E = np.exp(Z)
    A = E / E.sum(axis=1, keepdims=True)
    return A * (G - (G * A).sum(axis=1, keepdims=True))


def vjp_elementwise(Z, G):  # treats softmax as if it acted element by element: dL/dz = g * a(1 - a)
    A = stable_rows(Z)
    return G * A * (1 - A)


# ---------------------------------------------------------------- check_jacobian_row
def test_jacobian_row_accepts_a_right_answer():
    res = check_jacobian_row(row_right)
    assert res.ok, repr(res)
    assert res.passed == 4  # one case per probability vector, every row of it


@pytest.mark.parametrize("wrong", [row_sign_error, row_no_diag_term])
def test_jacobian_row_catches_wrong_formulas(wrong):
    res = check_jacobian_row(wrong)
    assert not res.ok
    assert "value off at index" in res.problems[0]


def test_jacobian_row_catches_the_full_matrix():
    res = check_jacobian_row(row_full_matrix)
    assert len(res.problems) == 4
    assert "fn(p, 0) returned shape (3, 3); a row of J has one entry per logit z_j, shape (3,)" in res.problems[0]


def test_jacobian_row_names_the_wrong_row_and_column():
    def wrong_in_row_1(p, i):  # right everywhere except the diagonal entry of row 1
        row = row_right(p, i)
        if i == 1:
            row[1] = -row[1]
        return row

    res = check_jacobian_row(wrong_in_row_1)
    assert len(res.problems) == 4
    assert "value off at index (1, 1)" in res.problems[0]


# ---------------------------------------------------------------- check_softmax_vjp
def test_softmax_vjp_accepts_a_right_answer():
    res = check_softmax_vjp(vjp_right)
    assert res.ok, repr(res)
    assert res.passed == 3


def test_softmax_vjp_catches_a_forward_without_the_max_shift():
    res = check_softmax_vjp(vjp_naive_forward)
    assert len(res.problems) == 1
    assert res.problems[0].startswith("large logits [[1000, 1001, 1002]]: no max shift")
    assert "got nan" in res.problems[0]


def test_softmax_vjp_does_not_blame_the_max_shift_for_a_nan_it_did_not_cause():
    def shifted_but_logs_zero(Z, G):  # max-shifted, but 0 * log(0) = nan on every input
        P = stable_rows(Z)
        return P * (G - np.sum(G * P, axis=1, keepdims=True)) + 0 * np.log(P - P)

    res = check_softmax_vjp(shifted_but_logs_zero)
    assert len(res.problems) == 3
    assert all("no max shift" not in p and "not an overflow" in p for p in res.problems)


def test_softmax_vjp_catches_an_elementwise_derivative():
    res = check_softmax_vjp(vjp_elementwise)
    assert len(res.problems) == 3
    assert "value off at index" in res.problems[0]


def test_the_right_vjp_matches_finite_differences_on_the_worked_example():
    # pins the checker's first case to an oracle that shares nothing with the package's backward
    Z = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]])
    G = np.array([[0.1, -0.2, 0.1], [-0.1, 0.3, -0.2]])
    eps = 1e-6
    fd = np.zeros_like(Z)
    for idx in np.ndindex(Z.shape):
        zp, zm = Z.copy(), Z.copy()
        zp[idx] += eps
        zm[idx] -= eps
        fd[idx] = (np.sum(G * stable_rows(zp)) - np.sum(G * stable_rows(zm))) / (2 * eps)
    np.testing.assert_allclose(vjp_right(Z, G), fd, atol=1e-9)


# ---------------------------------------------------------------- plot_jacobian_heatmap
def test_heatmap_returns_axes_whose_image_is_the_jacobian():
    z = np.array([0.5, -1.0, 2.0, 0.0])
    ax = plot_jacobian_heatmap(softmax(z), labels=["a", "b", "c", "d"])
    try:
        assert isinstance(ax, Axes)
        data = np.asarray(ax.images[0].get_array())
        expected = numerical_jacobian(lambda v: np.exp(v) / np.exp(v).sum(), z)  # finite differences
        assert data.shape == (4, 4)
        np.testing.assert_allclose(data, expected, atol=1e-8)
        assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c", "d"]
        assert len(ax.texts) == 16  # every cell annotated
    finally:
        plt.close(ax.figure)


def test_heatmap_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    try:
        assert plot_jacobian_heatmap([0.25, 0.75], ax=ax) is ax
    finally:
        plt.close(fig)


def test_heatmap_rejects_bad_input():
    with pytest.raises(ValueError, match="labels"):
        plot_jacobian_heatmap([0.5, 0.5], labels=["only one"])
    with pytest.raises(ValueError, match="one probability vector"):
        plot_jacobian_heatmap([[0.5, 0.5], [0.5, 0.5]])
    with pytest.raises(ValueError, match="p must sum to 1"):
        plot_jacobian_heatmap([0.5, 0.6])
    with pytest.raises(ValueError, match="vmax"):
        plot_jacobian_heatmap([0.5, 0.5], vmax=-1.0)
    plt.close("all")


def test_heatmap_shared_scale_and_no_negative_zero_labels():
    ax = plot_jacobian_heatmap([0.998, 0.001, 0.001], vmax=0.25)
    try:
        assert ax.images[0].get_clim() == (-0.25, 0.25)
        labels = [t.get_text() for t in ax.texts]
        assert "-0.000" not in labels and "0.000" in labels  # -0.000998 * 0.001 rounds to 0.000
        assert "0.002" in labels  # 0.998 * 0.002 = 0.001996 on the diagonal
    finally:
        plt.close(ax.figure)


# ---------------------------------------------------------------- error_table
def test_error_table_formats_error_and_relative_error():
    text = error_table([("x", 0.24, 0.25), ("zero", 0.5, 0.0)], digits=4)
    lines = text.splitlines()
    assert lines[0].split() == ["note", "exact", "error", "rel.", "error"]
    assert lines[2].split() == ["x", "0.2400", "0.2500", "-0.0100", "4.00%"]
    assert lines[3].split() == ["zero", "0.5000", "0.0000", "+0.5000", "-"]
    assert len({len(line) for line in lines}) == 1  # columns aligned


def test_error_table_rejects_bad_input():
    with pytest.raises(ValueError, match="rows"):
        error_table([])
    with pytest.raises(ValueError, match="digits"):
        error_table([("x", 1.0, 1.0)], digits=-1)
    with pytest.raises(ValueError, match="non-finite"):
        error_table([("x", float("nan"), 1.0)])
