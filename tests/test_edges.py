"""Issue 11, classes 1-4: extreme spreads with temperature, float16 end to end, 0-d and empty input,
ties and limits in every sampler. Each rule is pinned in every dtype the package accepts, against
exact (rational) or float64 oracles written here, never against the package itself."""

import math

import numpy as np
import pytest
import scipy.special
from scipy import stats

import softmax_lab as sl
from edge_oracles import DTYPES, assert_matches_exact, backward_exact, rows
from softmax_lab._validate import check_probabilities, sum_tolerance
from softmax_lab.gumbel import gumbel_max_sample


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


# --- class 1: a spread beyond the dtype's range, with temperature ------------------------------

def test_the_issue_reproducers():
    z = np.array([1e308, -1e308])
    np.testing.assert_array_equal(sl.softmax(z, temperature=np.inf), [0.5, 0.5])
    np.testing.assert_array_equal(sl.log_softmax(z, temperature=2.0), [0.0, -1e308])


TEMPERATURES = [0.0, 1e-300, 0.5, 1.0, 2.0, 3.0, 1e3, 1e30, 1e39, 1e300, math.inf]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("t", TEMPERATURES)
def test_spread_beyond_the_dtype_range_matches_the_exact_shift(dtype, t):
    big = float(np.finfo(dtype).max)
    z = np.array([[0.9 * big, -0.9 * big, 0.5 * big, -np.inf],
                  [-0.75 * big, 0.75 * big, 0.75 * big, 0.0]], dtype=dtype)
    assert_matches_exact(sl.softmax(z, temperature=t), z, t)
    assert_matches_exact(sl.log_softmax(z, temperature=t), z, t, log=True)
    assert_matches_exact(sl.online_softmax(z), z, 1.0)


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("t", [1e39, 1e300, float(np.finfo(np.float32).max) * 1.5])
def test_temperature_beyond_float32_range_gives_the_limit_without_a_cast_warning(dtype, t):
    z = np.array([1.0, 2.0, float(np.finfo(dtype).max) / 2], dtype=dtype)
    p = sl.softmax(z, temperature=t)
    assert p.dtype == dtype
    assert_matches_exact(p, z, t)
    where = np.array([True, False, True])
    assert_matches_exact(sl.softmax(z, temperature=t, where=where), z, t, allowed=where)


@pytest.mark.parametrize("dtype", DTYPES)
def test_spread_with_where_and_in_place_out(dtype):
    big = float(np.finfo(dtype).max)
    z = np.array([[big, -big, 0.0], [-big, big, big]], dtype=dtype)
    where = np.array([[True, True, False], [True, True, True]])
    for t in (2.0, 7.0, math.inf):
        assert_matches_exact(sl.softmax(z, temperature=t, where=where), z, t, allowed=where)
        buf = z.copy()
        sl.log_softmax(buf, temperature=t, out=buf)
        assert_matches_exact(buf, z, t, log=True)


# --- class 2: float16 end to end ----------------------------------------------------------------

def _random_shapes(n, seed):
    rng = np.random.default_rng(seed)
    for _ in range(n):
        ndim = int(rng.integers(1, 4))
        shape = tuple(int(s) for s in rng.integers(1, 6, size=ndim - 1)) + (int(rng.choice([1, 2, 7, 64, 1000, 4099])),)
        yield rng, shape


def test_float16_softmax_output_is_accepted_by_every_consumer():
    for rng, shape in _random_shapes(40, 0):
        z = (rng.standard_normal(shape) * rng.choice([0.1, 3.0, 30.0])).astype(np.float16)
        p = sl.softmax(z)
        assert p.dtype == np.float16
        draws = sl.sample_probabilities(p, size=3, rng=rng)
        assert draws.shape == shape[:-1] + (3,)
        assert np.all(np.take_along_axis(p, draws.reshape(shape[:-1] + (3,)), axis=-1) > 0)
        assert sl.sample(z, rng=rng).shape == shape[:-1]
        assert sl.top_k_top_p_mask(p, top_p=0.9).any(axis=-1).all()
        g = rng.standard_normal(shape).astype(np.float16)
        p64, g64 = p.astype(np.float64), g.astype(np.float64)
        dot = np.sum(p64 * g64, axis=-1, keepdims=True)
        np.testing.assert_allclose(sl.softmax_backward(p, g).astype(np.float64), p64 * (g64 - dot),
                                   rtol=4e-3, atol=2e-3 * np.abs(g64).max())
        if shape[-1] <= 64:
            jac = sl.softmax_jacobian(p).astype(np.float64)
            want = np.einsum("...i,ij->...ij", p64, np.eye(shape[-1])) - p64[..., :, None] * p64[..., None, :]
            np.testing.assert_allclose(jac, want, rtol=2e-3, atol=1e-7)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c", [2, 10, 1000, 50_000])
def test_probabilities_rounded_to_their_dtype_pass_the_sum_check(dtype, c):
    rng = np.random.default_rng(c)
    for alpha in (0.01, 1.0, 100.0):  # spiky, flat, near uniform
        p64 = rng.dirichlet(np.full(c, alpha))
        p = p64.astype(dtype)
        if p.sum(dtype=np.float64) == 0:
            continue
        assert abs(p.sum(dtype=np.float64) - 1) <= sum_tolerance(np.dtype(dtype), c)
        check_probabilities(p)
    with pytest.raises(ValueError, match="p must sum to 1"):
        check_probabilities(np.full(c, 1.02 / c, dtype=dtype))


@pytest.mark.parametrize("n", [1000, 70_000])  # 70,000 > 65,504: N itself overflows float16
def test_float16_cross_entropy_mean_and_gradient_for_large_batches(n):
    rng = np.random.default_rng(n)
    z = (rng.standard_normal((n, 5)) * 3).astype(np.float16)
    labels = rng.integers(0, 5, size=n)
    logp = scipy.special.log_softmax(z.astype(np.float64), axis=1)
    per = -logp[np.arange(n), labels]
    loss = sl.cross_entropy(z, labels)
    assert loss.dtype == np.float16
    assert float(loss) == pytest.approx(per.mean(), rel=2e-3)
    assert float(sl.cross_entropy(z, labels, reduction="sum")) == pytest.approx(per.sum(), rel=2e-3) or n > 20_000
    grad = sl.cross_entropy_grad(z, labels)
    want = np.exp(logp)
    want[np.arange(n), labels] -= 1
    want /= n
    assert grad.dtype == np.float16 and np.abs(grad).max() > 0
    np.testing.assert_allclose(grad.astype(np.float64), want, rtol=2e-3, atol=float(np.finfo(np.float16).smallest_subnormal))


def test_float16_sum_beyond_its_range_is_inf_without_a_warning():
    z = np.zeros((70_000, 3), np.float16)
    assert sl.cross_entropy(z, np.zeros(70_000, int), reduction="sum") == np.inf  # 70000 ln 3 > 65504
    assert float(sl.cross_entropy(z, np.zeros(70_000, int))) == pytest.approx(math.log(3), rel=1e-3)


# --- class 3: 0-d and empty input ---------------------------------------------------------------

def _layer_backward(x):
    layer = sl.Softmax()
    layer.forward(np.zeros((2, 3)))
    return layer.backward(x)


P23 = np.full((2, 3), 1 / 3)
Q = np.ones((2, 4))
# (argument name, a call that passes x as that argument)
ARGUMENTS = [
    ("z", sl.softmax), ("z", sl.log_softmax), ("z", sl.logsumexp), ("z", sl.online_softmax),
    ("Z", lambda x: sl.Softmax().forward(x)), ("dLdA", _layer_backward),
    ("p", sl.softmax_jacobian), ("p", lambda x: sl.softmax_backward(x, P23)),
    ("grad", lambda x: sl.softmax_backward(P23, x)),
    ("logits", lambda x: sl.cross_entropy(x, [0])), ("logits", lambda x: sl.cross_entropy_grad(x, [0])),
    ("logits", sl.sample), ("logits", gumbel_max_sample), ("p", sl.sample_probabilities),
    ("p", sl.top_k_top_p_mask), ("p", sl.entropy),
    ("q", lambda x: sl.attention(x, Q, Q)), ("k", lambda x: sl.attention(Q, x, Q)),
    ("v", lambda x: sl.flash_attention(Q, Q, x)),
    ("x", lambda x: sl.numerical_gradient(lambda v: float(v.sum()), x)),
    ("x", lambda x: sl.numerical_jacobian(lambda v: v, x)),
]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
@pytest.mark.parametrize("name,call", ARGUMENTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(ARGUMENTS)])
def test_zero_d_input_is_the_documented_error_naming_the_argument(name, call, dtype):
    with pytest.raises(ValueError, match=rf"^{name} must have at least one dimension"):
        call(np.array(1, dtype=dtype))
    with pytest.raises(ValueError, match=rf"^{name} must have at least one dimension"):
        call(np.float64(1.0))


def _empty_cases(dtype):
    z = np.zeros((0, 4), dtype)
    out = np.float64 if np.dtype(dtype).kind == "i" else dtype
    layer = sl.Softmax()
    return [
        (sl.softmax(z), (0, 4), out), (sl.log_softmax(z, temperature=0.5), (0, 4), out),
        (sl.softmax(np.zeros((2, 0, 3), dtype)), (2, 0, 3), out),
        (sl.logsumexp(z), (0,), out), (sl.online_softmax(z), (0, 4), out),
        (layer.forward(z), (0, 4), out), (layer.backward(z), (0, 4), out),
        (sl.softmax_jacobian(z), (0, 4, 4), out), (sl.softmax_backward(z, z), (0, 4), out),
        (sl.cross_entropy(z, np.zeros(0, int), reduction="none"), (0,), out),
        (sl.cross_entropy(z, np.zeros(0, int), reduction="sum"), (), out),
        (sl.cross_entropy_grad(z, np.zeros(0, int), reduction="sum"), (0, 4), out),
        (sl.sample(z, rng=0), (0,), np.intp), (sl.sample(z, size=(2, 3), rng=0), (0, 2, 3), np.intp),
        (sl.sample_probabilities(z, size=5, rng=0), (0, 5), np.intp),
        (sl.top_k_top_p_mask(z, top_k=1, top_p=0.5), (0, 4), np.bool_),
        (sl.entropy(z), (0,), np.float64),
        (sl.attention(z, np.ones((3, 4), dtype), np.ones((3, 2), dtype)), (0, 2), out),
        (sl.flash_attention(z, np.ones((3, 4), dtype), np.ones((3, 2), dtype)), (0, 2), out),
    ]


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
def test_empty_batches_give_empty_results_of_the_right_shape_and_dtype(dtype):
    for i, (res, shape, out) in enumerate(_empty_cases(dtype)):
        assert np.shape(res) == shape and np.asarray(res).dtype == out, i
    with pytest.raises(ValueError, match="empty batch"):
        sl.cross_entropy(np.zeros((0, 4), dtype), np.zeros(0, int))  # the mean of nothing is undefined


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
@pytest.mark.parametrize("name,call", [a for a in ARGUMENTS if a[0] in ("z", "Z", "logits")]
                         + [("p", sl.softmax_jacobian), ("p", lambda x: sl.softmax_backward(x, x)),
                            ("p", sl.sample_probabilities), ("p", sl.top_k_top_p_mask), ("p", sl.entropy)])
def test_an_empty_class_axis_stays_an_error(name, call, dtype):
    with pytest.raises(ValueError, match=rf"^{name} (has|must)"):
        call(np.zeros((3, 0), dtype) if call is not gumbel_max_sample else np.zeros(0, dtype))


# --- class 4: ties and limits in every sampler ----------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int64])
def test_every_sampler_splits_ties_evenly_at_t0(dtype):
    z = np.array([3, 1, 3, 3, -np.inf if dtype != np.int64 else -5], dtype=dtype)
    n = 6000
    for draws in (gumbel_max_sample(z, 0.0, size=n, rng=1), sl.sample(z, 0.0, size=n, rng=2)):
        counts = np.bincount(draws, minlength=5)
        assert counts[1] == counts[4] == 0
        assert stats.chisquare(counts[[0, 2, 3]]).pvalue > 1e-4


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("t", [1e-45, 1e-300, 5e-324, 1e-8])
def test_tiny_temperature_is_the_argmax_in_every_dtype(dtype, t):
    z = np.array([0.5, 2.0, 1.0, 2.0], dtype=dtype)
    for draws in (gumbel_max_sample(z, t, size=400, rng=3), sl.sample(z, t, size=400, rng=3)):
        assert set(np.unique(draws)) == {1, 3}


@pytest.mark.parametrize("t", [0.0, 1e-300, 1.0, 50.0])
def test_samplers_return_an_intp_ndarray_of_shape_size_for_every_t(t):
    z = np.array([1.0, 2.0, 2.0])
    for fn in (gumbel_max_sample, sl.sample):
        one = fn(z, t, rng=0)
        assert type(one) is np.ndarray and one.shape == () and one.dtype == np.intp
        many = fn(z, t, size=(2, 3), rng=0)
        assert type(many) is np.ndarray and many.shape == (2, 3) and many.dtype == np.intp


def test_gumbel_at_moderate_t_follows_the_exact_softmax_in_float16_and_float32():
    for dtype in (np.float16, np.float32):
        z = np.array([0.0, 1.0, 2.5, -1.0], dtype=dtype)
        n = 40_000
        counts = np.bincount(gumbel_max_sample(z, 0.7, size=n, rng=5), minlength=4)
        want = rows(lambda r, t: scipy.special.softmax(np.asarray(r, np.float64) / t), z[None], 0.7)[0]
        assert stats.chisquare(counts, n * want).pvalue > 1e-4


def test_backward_exact_oracle_agrees_with_the_plain_formula_on_ordinary_input():
    """The oracle used in class 7 is itself checked where the plain float64 formula is exact enough."""
    p = scipy.special.softmax([0.3, -1.0, 2.0])
    g = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(backward_exact(p, g), p * (g - g @ p), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("t", [1e-45, 5e-46, 1e-42, 1e-40, 1e-39, 2e-38])
def test_a_temperature_below_float32s_normal_range_keeps_its_digits(t):
    """A float32 subnormal T (below 1.18e-38) holds few digits (1e-45 is stored as 1.4e-45): cast to the
    logits' dtype it would give results off by up to 40 %. The exact quotient (z - m) / T, rounded once to
    float32, is what both functions return."""
    z = np.array([[0.0, 2.3841858e-07, -1.2e-38, 1.5e-45]], dtype=np.float32)
    with np.errstate(over="ignore"):
        want = ((z.astype(np.float64) - z.max()) / t).astype(np.float32)  # beyond float32's range: -inf
    got = sl.log_softmax(z, temperature=t)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=2 * np.finfo(np.float32).eps, atol=0)
    p = sl.softmax(z, temperature=t)
    np.testing.assert_array_equal(p, np.exp(want.astype(np.float64) - np.logaddexp.reduce(want.astype(np.float64), axis=-1,
                                                                                         keepdims=True)).astype(np.float32))
