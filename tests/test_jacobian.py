"""The explicit Jacobian, the VJP, the Softmax layer and the worked N=2, C=3 example."""

import math

import numpy as np
import pytest

from oracles import jacobian_ref, softmax_ref
from softmax_lab import Softmax, numerical_jacobian, softmax, softmax_backward, softmax_jacobian


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


Z = np.array([[1.0, 2.0, 3.0], [2.0, 2.0, 1.0]])
DLDA = np.array([[0.1, -0.2, 0.1], [-0.1, 0.3, -0.2]])


def _worked_example_by_hand():
    """dLdZ of the worked example from the definitions, with Python floats and explicit loops."""
    rows = []
    for z, g in zip(Z.tolist(), DLDA.tolist()):
        e = [math.exp(v) for v in z]
        s = math.fsum(e)
        a = [v / s for v in e]
        jac = [[a[m] * (1 - a[m]) if m == n else -a[m] * a[n] for n in range(3)] for m in range(3)]
        rows.append([math.fsum(g[m] * jac[m][n] for m in range(3)) for n in range(3)])
    return np.array(rows)


def test_worked_example_against_explicit_jacobian_and_finite_differences():
    layer = Softmax()
    a = layer.forward(Z)
    np.testing.assert_allclose(a, [softmax_ref(r) for r in Z], rtol=1e-15)
    dldz = layer.backward(DLDA)
    np.testing.assert_allclose(dldz, _worked_example_by_hand(), rtol=1e-13, atol=1e-17)

    # finite differences of L(Z) = sum(dLdA * softmax(Z)), whose gradient is exactly dLdZ
    def loss(flat):
        zz = flat.reshape(Z.shape)
        return float(sum(np.dot(g, softmax_ref(r)) for g, r in zip(DLDA, zz)))

    eps = 1e-6
    fd = np.zeros(Z.size)
    for i in range(Z.size):
        up, dn = Z.ravel().copy(), Z.ravel().copy()
        up[i] += eps
        dn[i] -= eps
        fd[i] = (loss(up) - loss(dn)) / (2 * eps)
    np.testing.assert_allclose(dldz.ravel(), fd, atol=1e-9)
    # each row's gradient sums to zero (the Jacobian's columns sum to zero)
    np.testing.assert_allclose(dldz.sum(axis=1), 0, atol=1e-17)


def test_worked_example_values_match_closed_forms():
    # row 1: e^1, e^2, e^3 over their sum = 1 / (1 + e + e^2) times (1, e, e^2)
    # row 2: two equal logits and one 1 lower: (e, e, 1) / (2e + 1)
    e = math.e
    a = Softmax().forward(Z)
    d1, d2 = 1 + e + e * e, 2 * e + 1
    assert a[0] == pytest.approx([1 / d1, e / d1, e * e / d1], rel=1e-14)
    assert a[1] == pytest.approx([e / d2, e / d2, 1 / d2], rel=1e-14)
    # lecture note C's two-decimal values are these, rounded
    np.testing.assert_array_equal(np.round(a, 2), [[0.09, 0.24, 0.67], [0.42, 0.42, 0.16]])


def test_layer_errors():
    layer = Softmax()
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(DLDA)
    layer.forward(Z)
    with pytest.raises(ValueError, match=r"dLdA must have the shape of the forward output \(2, 3\)"):
        layer.backward(DLDA[:, :2])


@pytest.mark.parametrize("c", [1, 2, 3, 7])
def test_jacobian_matches_reference_and_finite_differences(c):
    z = np.random.default_rng(c).normal(size=c) * 2
    p = softmax(z)
    jac = softmax_jacobian(p)
    np.testing.assert_allclose(jac, jacobian_ref(p.tolist()), rtol=1e-15, atol=1e-18)
    np.testing.assert_allclose(jac, numerical_jacobian(softmax, z), atol=1e-9)


def test_batched_jacobian_shape_and_rows():
    z = np.random.default_rng(3).normal(size=(2, 4, 5))
    p = softmax(z)
    jac = softmax_jacobian(p)
    assert jac.shape == (2, 4, 5, 5)
    np.testing.assert_allclose(jac[1, 2], jacobian_ref(p[1, 2].tolist()), rtol=1e-15, atol=1e-18)


@pytest.mark.parametrize("bad,msg", [
    (np.array([0.5, 0.6]), "p must sum to 1 along axis -1; the slice at \\(\\) sums to 1.1"),
    (np.array([[0.5, 0.5], [1.2, -0.2]]), "p must be probabilities >= 0, found -0.2 at index \\(1, 1\\)"),
    (np.array([np.nan, 1.0]), "p must be finite probabilities, found nan at index \\(0,\\)"),
])
def test_jacobian_rejects_non_distributions(bad, msg):
    with pytest.raises(ValueError, match=msg):
        softmax_jacobian(bad)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_backward_equals_jacobian_transpose_times_grad(axis):
    rng = np.random.default_rng(11)
    z = rng.normal(size=(4, 6)) * 3
    g = rng.normal(size=(4, 6))
    p = softmax(z, axis=axis)
    got = softmax_backward(p, g, axis=axis)
    pm, gm = np.moveaxis(p, axis, -1), np.moveaxis(g, axis, -1)
    ref = np.stack([jacobian_ref(pr.tolist()).T @ gr for pr, gr in zip(pm, gm)])
    np.testing.assert_allclose(np.moveaxis(got, -1, axis), ref, rtol=1e-12, atol=1e-16)


def test_backward_gradient_is_zero_on_masked_classes():
    p = softmax(np.array([[1.0, -np.inf, 0.5]]))
    g = softmax_backward(p, np.array([[0.3, 5.0, -1.0]]))
    assert g[0, 1] == 0.0
    # masking a class is the same as removing it
    np.testing.assert_allclose(g[0, [0, 2]], softmax_backward(softmax([1.0, 0.5]), np.array([0.3, -1.0])), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_backward_keeps_dtype(dtype):
    p = softmax(np.array([1.0, 2.0, 3.0], dtype=dtype))
    g = np.array([0.1, -0.2, 0.1], dtype=dtype)
    out = softmax_backward(p, g)
    assert out.dtype == dtype
    ref = jacobian_ref(p.astype(np.float64).tolist()).T @ g.astype(np.float64)
    np.testing.assert_allclose(out.astype(np.float64), ref, atol=8 * np.finfo(dtype).eps)


def test_backward_errors():
    p = softmax(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"p and grad must have the same shape, got p \(2, 3\) and grad \(3,\)"):
        softmax_backward(p, np.zeros(3))
    g = np.zeros((2, 3))
    g[1, 0] = np.nan
    with pytest.raises(ValueError, match=r"grad contains nan at index \(1, 0\)"):
        softmax_backward(p, g)
    with pytest.raises(TypeError, match="grad must hold real numbers"):
        softmax_backward(p, np.zeros((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="axis=2 is out of range"):
        softmax_backward(p, np.zeros((2, 3)), axis=2)
