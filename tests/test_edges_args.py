"""Issue 11, classes 5-7: ndarray subclasses, errors that name the argument as the caller wrote it,
and no RuntimeWarning on valid input. Oracles: the same call on a plain ndarray (subclasses),
exact rational arithmetic (huge gradients), float64 formulas written here."""

import math
import re
import warnings

import numpy as np
import pytest

import softmax_lab as sl
from edge_oracles import DTYPES, backward_exact
from softmax_lab.gumbel import gumbel_max_sample, gumbel_noise
from test_edges import ARGUMENTS, P23, Q


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


def _valid_input(name):
    """An input every function in ARGUMENTS accepts for this argument (a 2x3 distribution-like array)."""
    if name in ("q", "k", "v"):
        return np.arange(8.0).reshape(2, 4) / 8
    if name == "x":
        return np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])[0]
    return np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])


def _ce_ok(name, call):  # cross_entropy with targets [0] needs a single row
    return not (name == "logits" and call.__name__ == "<lambda>")


# --- class 5: ndarray subclasses --------------------------------------------------------------------

class Tagged(np.ndarray):
    """A trivial ndarray subclass, as a library might define."""


def _matrix(a):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        return np.asmatrix(a)


@pytest.mark.parametrize("make", [_matrix, lambda a: a.view(Tagged)], ids=["matrix", "subclass"])
@pytest.mark.parametrize("name,call", ARGUMENTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ARGUMENTS)])
def test_subclasses_are_read_as_plain_arrays_and_results_are_plain(name, call, make):
    x = _valid_input(name)
    if name == "logits" and call is not sl.sample and call is not gumbel_max_sample:
        x = x[:1]
    if call is gumbel_max_sample or name == "x":
        x = x.ravel()
        if call is gumbel_max_sample:
            x = x[None]  # a 1-row matrix is 2-d: gumbel_max_sample refuses it as it refuses any 2-d input
            with pytest.raises(ValueError, match="logits must be one vector"):
                call(make(x))
            return
    sub = make(np.array(x))
    try:
        want = call(np.asarray(sub))  # the rule: the subclass is read as np.asarray(x)
    except ValueError as exc:  # e.g. a matrix is never 1-d: then the same error, word for word
        with pytest.raises(ValueError, match=f"^{re.escape(str(exc))}$"):
            call(sub)
        return
    got = call(sub)
    assert type(got) in (np.ndarray, np.float16, np.float32, np.float64)
    if call in (sl.sample, sl.sample_probabilities):
        return  # random draws without a seed: the type is what is pinned here
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name,call", ARGUMENTS + [
    ("where", lambda x: sl.softmax(P23, where=x)), ("mask", lambda x: sl.attention(Q, Q, Q, mask=x)),
    ("targets", lambda x: sl.cross_entropy(P23, x))], ids=lambda v: v if isinstance(v, str) else "")
def test_masked_arrays_are_refused_with_advice(name, call):
    x = np.ma.array(np.ones((2, 3)), mask=[[0, 1, 0], [0, 0, 0]])
    with pytest.raises(TypeError, match=rf"^{name} is a masked array; its mask would not be used\. Pass where="):
        call(x)


def test_masked_array_with_nan_under_its_mask_gets_no_silent_nan():
    z = np.ma.array([1.0, np.nan, 2.0], mask=[False, True, False])
    for fn in (sl.softmax, sl.log_softmax, sl.logsumexp, sl.online_softmax, sl.sample, sl.entropy):
        with pytest.raises(TypeError, match="masked array"):
            fn(z)
    # what the advice says works: where= honours the mask, filled(-inf) gives the same answer
    p = sl.softmax(z.data, where=~z.mask)
    np.testing.assert_allclose(p, [1 / (1 + math.e), 0.0, math.e / (1 + math.e)], rtol=1e-15)
    np.testing.assert_array_equal(sl.softmax(z.filled(-np.inf)), p)


# --- class 6: errors name the argument as the caller wrote it ---------------------------------------

RAGGED = [[1.0, 2.0], [3.0]]


@pytest.mark.parametrize("name,call", ARGUMENTS + [
    ("where", lambda x: sl.softmax(P23, where=x)), ("mask", lambda x: sl.attention(Q, Q, Q, mask=x)),
    ("targets", lambda x: sl.cross_entropy(P23, x))], ids=lambda v: v if isinstance(v, str) else "")
def test_ragged_lists_get_our_message_with_the_name(name, call):
    with pytest.raises(TypeError, match=rf"^{name} could not be converted to an array \(a ragged list\?\)"):
        call(RAGGED)


def test_sample_names_logits_and_the_layer_names_Z_and_dLdA():
    with pytest.raises(ValueError, match=r"^logits contains NaN at index \(1,\)"):
        sl.sample([0.0, np.nan])
    with pytest.raises(ValueError, match=r"^logits contains \+inf"):
        sl.sample([0.0, np.inf], temperature=2.0, top_k=1)
    layer = sl.Softmax()
    with pytest.raises(ValueError, match=r"^Z contains NaN"):
        layer.forward([[0.0, np.nan]])
    layer.forward([[0.0, 1.0]])
    with pytest.raises(ValueError, match=r"^dLdA contains nan at index \(0, 1\)"):
        layer.backward([[0.0, np.nan]])
    with pytest.raises(TypeError, match=r"^dLdA must hold real numbers"):
        layer.backward([["a", "b"]])
    with pytest.raises(ValueError, match=r"^dLdA must have the shape of the forward output"):
        layer.backward([[0.0, 1.0, 2.0]])


@pytest.mark.parametrize("p,msg", [([np.nan, 1.0], "finite"), ([1.5, -0.5], ">= 0"), ([0.3, 0.3], "sum to 1"),
                                   ([0.0, 0.0], "all zeros")])
def test_top_k_top_p_mask_validates_p(p, msg):
    with pytest.raises(ValueError, match=rf"^p .*{msg}"):
        sl.top_k_top_p_mask(np.array(p), top_k=1)


@pytest.mark.parametrize("eps,err", [(math.inf, ValueError), (math.nan, ValueError), (0.0, ValueError),
                                     (-1e-3, ValueError), (np.float64(-np.inf), ValueError), ("1e-3", TypeError),
                                     (True, TypeError), (1e-3 + 0j, TypeError), (None, TypeError)])
def test_numerical_gradient_eps_must_be_a_finite_positive_real(eps, err):
    for fn in (sl.numerical_gradient, sl.numerical_jacobian):
        with pytest.raises(err, match=r"^eps must be a finite positive real"):
            fn(lambda v: v.sum() if fn is sl.numerical_gradient else v, [1.0, 2.0], eps=eps)


@pytest.mark.parametrize("eps", [np.float16(1e-2), np.float32(1e-3), np.float64(1e-4), 1e-4, np.array(1e-4)])
def test_numpy_scalar_eps_is_accepted(eps):
    # d/dx of x^2 + 3x is 2x + 3; central differences are exact for a quadratic up to rounding
    got = sl.numerical_gradient(lambda v: float(np.sum(v ** 2 + 3 * v)), [1.0, -2.0], eps=eps)
    np.testing.assert_allclose(got, [5.0, -1.0], rtol=1e-6)


def test_complex_x_is_refused_not_truncated():
    for fn in (sl.numerical_gradient, sl.numerical_jacobian):
        with pytest.raises(TypeError, match=r"^x must hold real numbers, got complex"):
            fn(lambda v: v.sum(), np.array([1.0 + 2.0j, 3.0]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_read_only_out_gets_our_words(dtype):
    z = np.zeros((2, 3), dtype)
    out = np.empty_like(z)
    out.flags.writeable = False
    for fn in (sl.softmax, sl.log_softmax):
        with pytest.raises(ValueError, match=r"^out is read-only"):
            fn(z, out=out)


@pytest.mark.parametrize("rng", [-1, np.int64(-5)])
def test_negative_seed_gets_our_words(rng):
    calls = [lambda: sl.sample([1.0, 2.0], rng=rng), lambda: sl.sample_probabilities([0.5, 0.5], rng=rng),
             lambda: gumbel_max_sample([1.0, 2.0], rng=rng), lambda: gumbel_noise(3, rng=rng)]
    for call in calls:
        with pytest.raises(ValueError, match=r"^rng must be a non-negative int seed, got -"):
            call()


# --- class 7: no RuntimeWarning on valid input ------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
def test_online_softmax_with_logits_at_the_range_edge(dtype):
    big = float(np.finfo(dtype).max)
    z = np.array([[big, -big, 0.0], [-big, -big, -big]], dtype=dtype)
    p = sl.online_softmax(z, block_size=1)
    np.testing.assert_array_equal(p, np.array([[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], dtype=dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(2,), (3, 2), (70, 70)])  # the small path and the blocked path
def test_huge_gradients_give_the_exact_finite_answer(dtype, shape):
    big = float(np.finfo(dtype).max)
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1]).astype(dtype)
    p /= p.sum(axis=-1, keepdims=True, dtype=np.float64).astype(dtype)
    g = (rng.choice([-0.99, 0.99, 0.5], size=shape) * big).astype(dtype)
    got = sl.softmax_backward(p, g)
    assert got.dtype == dtype and np.isfinite(got).all()
    want = np.array([backward_exact(pr, gr) for pr, gr in zip(p.reshape(-1, shape[-1]), g.reshape(-1, shape[-1]))])
    tol = 8 * float(np.finfo(np.float32 if dtype == np.float16 else dtype).eps) * shape[-1] + float(np.finfo(dtype).eps)
    np.testing.assert_allclose(got.reshape(want.shape).astype(np.float64), want, rtol=tol, atol=tol * big)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_gradient_that_does_not_fit_is_our_overflow_error(dtype):
    big = float(np.finfo(dtype).max)
    # p is not a distribution: p * (g - <g, p>) is 2 * big in column 0. (With p a distribution the
    # result is at most big / 2: |J g| <= max_j 2 p_j (1 - p_j) |g|.) 64 x 70 takes the blocked path;
    # small float32/64 inputs may see numpy's overflow warning in the dot product first (documented).
    p = np.zeros((64, 70), dtype)
    p[:, 0], p[:, 1] = 2.0, -1.0
    g = np.zeros((64, 70), dtype)
    g[:, 0], g[:, 1] = big, -big
    with pytest.raises(OverflowError, match=r"^grad is too large"):
        sl.softmax_backward(p, g)
    onehot = np.zeros((64, 70), dtype)
    onehot[:, 1] = 1
    g_inf = np.ones((64, 70), dtype)
    g_inf[3, 0] = np.inf  # inf * 0 inside the dot product
    with pytest.raises(ValueError, match=r"^grad contains inf at index \(3, 0\)"):
        sl.softmax_backward(onehot, g_inf)
    layer = sl.Softmax()
    layer.A = p  # the layer's own check of dLdA names it
    with pytest.raises(OverflowError, match=r"^dLdA is too large"):
        layer.backward(g)
