"""Property tests of the whole public API over dtype x memory layout x temperature extremes x masks.

Every property compares with a formulation written here: exact rational shifts (edge_oracles),
scipy.special, float64 formulas, or the definition (support of a sampler). Strategies include
logits at the edge of the dtype's range, -inf entries, where= masks (rows with nothing allowed),
C / Fortran / strided / negative-stride views, and T in {0, tiny, 1, huge, inf}.
"""

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st

import softmax_lab as sl
from edge_oracles import DTYPES, assert_matches_exact, backward_exact, exact_shift, softmax_exact
from softmax_lab.gumbel import gumbel_max_sample

EXAMPLES = settings(max_examples=150, deadline=None)


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


def layout(a: np.ndarray, kind: str) -> np.ndarray:
    """The same values as ``a`` in another memory layout (a view where the layout needs one)."""
    if kind == "C":
        return np.ascontiguousarray(a)
    if kind == "F":
        return np.asfortranarray(a)
    if kind == "strided":  # every other column of a wider buffer
        wide = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
        wide[..., ::2] = a
        return wide[..., ::2]
    flipped = np.ascontiguousarray(a[(slice(None, None, -1),) * a.ndim])  # negative strides
    return flipped[(slice(None, None, -1),) * a.ndim]


LAYOUTS = st.sampled_from(["C", "F", "strided", "negative"])
TEMPERATURES = st.one_of(st.sampled_from([0.0, 5e-324, 1e-300, 1e-45, 1.0, 1e30, 1e39, 1e300, math.inf]),
                         st.floats(0.05, 50.0))


@st.composite
def logits(draw, min_classes=1, neg_inf=True):
    """(z, dtype): a 2-d array with ordinary values, values at the dtype's range edge and -inf entries
    (never a whole row of -inf)."""
    dtype = draw(st.sampled_from(DTYPES))
    big = float(np.finfo(dtype).max)
    r, c = draw(st.integers(1, 4)), draw(st.integers(min_classes, 6))
    pool = [st.floats(-30, 30), st.sampled_from([0.9 * big, -0.9 * big, 0.5 * big, 0.0])]
    if neg_inf:
        pool.append(st.just(-math.inf))
    vals = draw(st.lists(st.one_of(*pool), min_size=r * c, max_size=r * c))
    z = np.array(vals, dtype=np.float64).reshape(r, c)
    for row in z:
        if np.all(row == -np.inf):
            row[0] = 0.0
    return z.astype(dtype), dtype


@st.composite
def masks(draw, shape):
    """None, or a boolean where= of the given shape (rows with nothing allowed included)."""
    if draw(st.booleans()):
        return None
    flags = draw(st.lists(st.booleans(), min_size=math.prod(shape), max_size=math.prod(shape)))
    return np.array(flags, dtype=bool).reshape(shape)


@EXAMPLES
@given(zd=logits(), t=TEMPERATURES, kind=LAYOUTS, data=st.data())
def test_softmax_and_log_softmax_match_the_exact_shift(zd, t, kind, data):
    z, dtype = zd
    where = data.draw(masks(z.shape))
    zl = layout(z, kind)
    p = sl.softmax(zl, temperature=t, where=where)
    assert p.dtype == dtype and p.shape == z.shape
    assert_matches_exact(p, z, t, allowed=where)
    assert_matches_exact(sl.log_softmax(zl, temperature=t, where=where), z, t, allowed=where, log=True)
    out = layout(np.empty_like(z), kind)
    assert sl.softmax(zl, temperature=t, where=where, out=out) is out
    np.testing.assert_array_equal(out, p)


@EXAMPLES
@given(zd=logits(), kind=LAYOUTS, block=st.integers(1, 4))
def test_logsumexp_and_online_softmax_match_their_oracles(zd, kind, block):
    z, dtype = zd
    zl = layout(z, kind)
    with np.errstate(over="ignore"):
        want = scipy.special.logsumexp(z.astype(np.float64), axis=-1).astype(dtype)
    lse = sl.logsumexp(zl)
    assert lse.dtype == dtype
    eps = float(np.finfo(np.float32 if dtype == np.float16 else dtype).eps)
    np.testing.assert_allclose(lse, want, rtol=8 * eps + float(np.finfo(dtype).eps), atol=8 * eps)
    assert_matches_exact(sl.online_softmax(zl, block_size=block), z, 1.0)


@st.composite
def distributions(draw):
    """(p, g, dtype): p a softmax output of the dtype (exact oracle rounded), g an upstream gradient
    with ordinary values and values near the dtype's largest."""
    z, dtype = draw(logits())
    p = np.array([softmax_exact(r) for r in z.astype(np.float64)]).astype(dtype)
    big = float(np.finfo(dtype).max)
    vals = draw(st.lists(st.one_of(st.floats(-10, 10), st.sampled_from([0.99 * big, -0.99 * big, 0.25 * big])),
                         min_size=z.size, max_size=z.size))
    return p, np.array(vals).astype(dtype).reshape(z.shape), dtype


@EXAMPLES
@given(pgd=distributions(), kind=LAYOUTS)
def test_backward_jacobian_and_layer_match_exact_arithmetic(pgd, kind):
    p, g, dtype = pgd
    got = sl.softmax_backward(layout(p, kind), layout(g, kind))
    want = np.array([backward_exact(pr, gr) for pr, gr in zip(p, g)])
    eps = float(np.finfo(np.float32 if dtype == np.float16 else dtype).eps)
    scale = np.abs(g.astype(np.float64)).max(axis=-1, keepdims=True)  # errors scale with each row's largest |g|
    bound = ((8 * eps + float(np.finfo(dtype).eps)) * np.abs(want) + (8 * eps * p.shape[-1] + float(np.finfo(dtype).eps)) * scale
             + 2 * float(np.finfo(dtype).smallest_subnormal))  # subnormal results round to a multiple of it
    assert np.all(np.abs(got.astype(np.float64) - want) <= bound), (got, want)
    layer = sl.Softmax()
    layer.A = layout(p, kind)  # the same memory layout: vecdot may sum in another order otherwise
    np.testing.assert_array_equal(layer.backward(layout(g, kind)), got)
    p64 = p.astype(np.float64)
    jac_want = np.array([np.diag(r) - np.outer(r, r) for r in p64])
    # p_i - p_i^2 cancels: its error is a few eps of p_i (at most 1), not of the result
    np.testing.assert_allclose(sl.softmax_jacobian(layout(p, kind)).astype(np.float64), jac_want,
                               rtol=4 * float(np.finfo(dtype).eps), atol=4 * float(np.finfo(dtype).eps))


@EXAMPLES
@given(zd=logits(neg_inf=False), kind=LAYOUTS, data=st.data())
def test_cross_entropy_and_its_gradient_match_float64_formulas(zd, kind, data):
    z, dtype = zd
    n, c = z.shape
    labels = np.array(data.draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)))
    logp = np.array([[s - math.log(math.fsum(math.exp(v) for v in exact_shift(r, 1.0)))
                      for s in exact_shift(r, 1.0)] for r in z.astype(np.float64)])
    per = -logp[np.arange(n), labels]
    zl = layout(z, kind)
    eps = float(np.finfo(dtype).eps)
    with np.errstate(over="ignore"):
        np.testing.assert_allclose(sl.cross_entropy(zl, labels, reduction="none").astype(np.float64),
                                   per.astype(dtype).astype(np.float64), rtol=8 * eps, atol=8 * eps)
        mean = sl.cross_entropy(zl, labels)
        assert mean.dtype == dtype
        # the rule: per-sample losses in the compute dtype (float32 for float16), mean there, rounded once
        per_c = per.astype(np.float32 if dtype == np.float16 else dtype).astype(np.float64)
        exact_mean = math.inf if np.isinf(per_c).any() else float(sum(map(Fraction, per_c.tolist())) / n)
        np.testing.assert_allclose(float(mean), float(np.float64(exact_mean).astype(dtype)), rtol=8 * eps, atol=8 * eps)
    grad = np.exp(logp)
    grad[np.arange(n), labels] -= 1
    np.testing.assert_allclose(sl.cross_entropy_grad(zl, labels).astype(np.float64), grad / n, rtol=8 * eps,
                               atol=4 * eps / n + float(np.finfo(dtype).smallest_subnormal))


@EXAMPLES
@given(zd=logits(), t=TEMPERATURES, kind=LAYOUTS, seed=st.integers(0, 2**32 - 1))
def test_samplers_draw_only_from_the_support(zd, t, kind, seed):
    z, dtype = zd
    if t == math.inf:  # the uniform limit: every class that is not -inf
        support = [set(np.flatnonzero(r > -np.inf)) for r in z]
    else:
        support = [{i for i, s in enumerate(exact_shift(r, t)) if math.exp(s) > 0} for r in z.astype(np.float64)]
    draws = sl.sample(layout(z, kind), t, size=7, rng=seed)
    assert draws.shape == (z.shape[0], 7) and draws.dtype == np.intp
    for row, allowed in zip(draws, support):
        assert set(row.tolist()) <= allowed
    if t < math.inf:
        row = z[0]
        g = gumbel_max_sample(layout(row, kind if kind != "F" else "C"), t, size=7, rng=seed)
        assert g.dtype == np.intp and set(g.tolist()) <= support[0]


def _top_k_top_p_reference(p, k, top_p):
    """Keep the k most probable (lower index first on ties), then the shortest prefix of those whose
    mass reaches top_p of the kept mass, in plain Python."""
    order = sorted(range(len(p)), key=lambda i: (-p[i], i))[: (k or len(p))]
    total = math.fsum(p[i] for i in order)
    kept, before = [], 0.0
    for i in order:
        if top_p is not None and not before < top_p * total:
            break
        kept.append(i)
        before += p[i]
    return [i in kept for i in range(len(p))]


@EXAMPLES
@given(zd=logits(), kind=LAYOUTS, data=st.data())
def test_top_k_top_p_mask_and_entropy_match_plain_python(zd, kind, data):
    z, dtype = zd
    p = np.array([softmax_exact(r) for r in z.astype(np.float64)]).astype(dtype)
    c = z.shape[1]
    k = data.draw(st.one_of(st.none(), st.integers(1, c)))
    top_p = data.draw(st.one_of(st.none(), st.floats(0.01, 1.0)))
    got = sl.top_k_top_p_mask(layout(p, kind), top_k=k, top_p=top_p)
    p64 = p.astype(np.float64)
    want = [_top_k_top_p_reference(r.tolist(), k, top_p) for r in p64]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_allclose(sl.entropy(layout(p, kind)), scipy.special.entr(p64).sum(axis=-1), rtol=1e-12, atol=1e-300)


@EXAMPLES
@given(dtype=st.sampled_from(DTYPES), lq=st.integers(0, 3), lk=st.integers(1, 5), d=st.integers(1, 3),
       kind=LAYOUTS, block=st.integers(1, 4), data=st.data())
def test_attention_and_flash_attention_match_a_float64_formula(dtype, lq, lk, d, kind, block, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    q, k, v = (rng.standard_normal(s).astype(dtype) for s in ((lq, d), (lk, d), (lk, 2)))
    mask = data.draw(masks((lq, lk)))
    scores = q.astype(np.float64) @ k.astype(np.float64).T / math.sqrt(d)
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    dead = np.all(scores == -np.inf, axis=-1, keepdims=True)
    w = scipy.special.softmax(np.where(dead, 0.0, scores), axis=-1) * ~dead
    want = w @ v.astype(np.float64)
    eps = float(np.finfo(dtype).eps)
    for fn in (sl.attention, lambda *a, **kw: sl.flash_attention(*a, block_size=block, **kw)):
        got = fn(layout(q, kind), layout(k, kind), layout(v, kind), mask=mask)
        assert got.dtype == dtype and got.shape == (lq, 2)
        np.testing.assert_allclose(got.astype(np.float64), want, rtol=16 * eps, atol=16 * eps)


@EXAMPLES
@given(dtype=st.sampled_from(DTYPES + (np.int64,)), kind=LAYOUTS, data=st.data())
def test_numerical_gradient_of_a_quadratic_is_its_closed_form(dtype, kind, data):
    shape = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    x = np.array(data.draw(st.lists(st.integers(-5, 5), min_size=math.prod(shape), max_size=math.prod(shape))),
                 dtype=dtype).reshape(shape)
    a = np.arange(1.0, 1.0 + x.size).reshape(shape)
    got = sl.numerical_gradient(lambda v: float(np.sum(a * v * v)), layout(x, kind), eps=1e-3)
    np.testing.assert_allclose(got, 2 * a * x.astype(np.float64), rtol=1e-9, atol=1e-8)
