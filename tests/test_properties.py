"""Hypothesis properties: what must hold for every input, not just the examples we thought of."""

import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import array_shapes, arrays

from oracles import jacobian_ref
from softmax_lab import (cross_entropy, cross_entropy_grad, log_softmax, logsumexp, numerical_gradient, softmax,
                         softmax_backward, softmax_jacobian)

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False)
huge = st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False)
logit_arrays = arrays(np.float64, array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), elements=finite)


@st.composite
def batch(draw, max_c=8):
    n = draw(st.integers(1, 5))
    c = draw(st.integers(1, max_c))
    z = draw(arrays(np.float64, (n, c), elements=st.floats(-30, 30)))
    return z


@given(arrays(np.float64, array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), elements=huge),
       st.integers(-1, 0))
def test_sums_to_one_and_in_range_even_for_huge_logits(z, axis):
    p = softmax(z, axis=axis)
    assert np.all((p >= 0) & (p <= 1))
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=1e-13)
    assert np.all(log_softmax(z, axis=axis) <= 0)


@given(logit_arrays, st.floats(-1e3, 1e3))
def test_shift_invariance(z, c):
    np.testing.assert_allclose(softmax(z + c), softmax(z), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(logsumexp(z + c), logsumexp(z) + c, rtol=1e-12, atol=1e-9)


@given(logit_arrays)
def test_log_softmax_is_z_minus_logsumexp_and_exp_is_softmax(z):
    lse = logsumexp(z, axis=-1, keepdims=True)
    np.testing.assert_allclose(log_softmax(z), z - lse, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.exp(log_softmax(z)), softmax(z), rtol=1e-12, atol=1e-300)


@given(logit_arrays)
def test_order_is_preserved(z):
    p = softmax(z)
    # a larger logit never gets a smaller probability (same row)
    zi, zj = z[..., :, None], z[..., None, :]
    pi, pj = p[..., :, None], p[..., None, :]
    assert np.all(~(zi > zj) | (pi >= pj))


@given(batch())
def test_jacobian_symmetric_rows_sum_to_zero_psd(z):
    p = softmax(z)
    jac = softmax_jacobian(p)
    np.testing.assert_allclose(jac, np.swapaxes(jac, -1, -2), atol=0)
    np.testing.assert_allclose(jac.sum(axis=-1), 0, atol=1e-15)
    assert np.all(np.linalg.eigvalsh(jac) >= -1e-15)
    for row, j in zip(p, jac):
        np.testing.assert_allclose(j, jacobian_ref(row.tolist()), atol=1e-17)


@given(batch(), st.data())
def test_vjp_equals_jacobian_transpose_times_grad(z, data):
    g = data.draw(arrays(np.float64, z.shape, elements=st.floats(-10, 10)))
    p = softmax(z)
    ref = np.einsum("nij,ni->nj", softmax_jacobian(p), g)
    np.testing.assert_allclose(softmax_backward(p, g), ref, rtol=1e-10, atol=1e-14)


@given(batch(max_c=5), st.data())
def test_cross_entropy_grad_equals_finite_differences(z, data):
    n, c = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    fd = numerical_gradient(lambda x: float(cross_entropy(x, labels)), z, eps=1e-6)
    np.testing.assert_allclose(cross_entropy_grad(z, labels), fd, atol=1e-7)


@given(batch(max_c=5))
def test_cross_entropy_is_at_least_zero_and_gradient_rows_sum_to_zero(z):
    labels = np.zeros(z.shape[0], dtype=int)
    assert np.all(cross_entropy(z, labels, reduction="none") >= 0)
    np.testing.assert_allclose(cross_entropy_grad(z, labels).sum(axis=1), 0, atol=1e-15)


@given(arrays(np.float32, array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=6),
              elements=st.floats(-80, 80, width=32)))
def test_float32_agrees_with_float64(z):
    np.testing.assert_allclose(softmax(z), softmax(z.astype(np.float64)), rtol=1e-5, atol=1e-30)
