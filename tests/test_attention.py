"""attention, online_softmax and flash_attention: against each other and against independent oracles
(a per-query Python loop with math.exp and math.fsum, and scipy.special.softmax on -inf masked scores)."""

from __future__ import annotations

import math
import tracemalloc
import zlib

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st

from softmax_lab import attention, flash_attention, online_softmax, softmax


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


# --- oracles ------------------------------------------------------------------------------------

def loop_attention_2d(q, k, v, mask=None, scale=None) -> np.ndarray:
    """One query at a time with Python floats: w_j = exp(s_j - max) / fsum(...), out = fsum(w_j v_j)."""
    q, k, v = (np.asarray(a, dtype=np.float64).tolist() for a in (q, k, v))
    lq, d, lk, dv = len(q), len(k[0]), len(k), len(v[0])
    sc = 1 / math.sqrt(d) if scale is None else scale
    out = np.zeros((lq, dv))
    for i in range(lq):
        allowed = [j for j in range(lk) if mask is None or mask[i][j]]
        if not allowed:
            continue  # no key to attend to: output 0
        scores = {j: sc * math.fsum(q[i][t] * k[j][t] for t in range(d)) for j in allowed}
        top = max(scores.values())
        w = {j: math.exp(s - top) for j, s in scores.items()}
        total = math.fsum(w.values())
        for c in range(dv):
            out[i, c] = math.fsum(w[j] / total * v[j][c] for j in allowed)
    return out


def loop_attention(q, k, v, mask=None, scale=None) -> np.ndarray:
    """The 2-D loop oracle applied to every batch index after broadcasting."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    lq, lk = q.shape[-2], k.shape[-2]
    qb = np.broadcast_to(q, batch + q.shape[-2:])
    kb = np.broadcast_to(k, batch + k.shape[-2:])
    vb = np.broadcast_to(v, batch + v.shape[-2:])
    mb = None if mask is None else np.broadcast_to(mask, batch + (lq, lk))
    out = np.zeros(batch + (lq, v.shape[-1]))
    for idx in np.ndindex(*batch):
        out[idx] = loop_attention_2d(qb[idx], kb[idx], vb[idx], None if mb is None else mb[idx].tolist(), scale)
    return out


def scipy_attention(q, k, v, mask=None, scale=None) -> np.ndarray:
    """scipy.special.softmax on scores with -inf at masked keys; fully masked rows set to 0 by hand."""
    q, k, v = (np.asarray(a, dtype=np.float64) for a in (q, k, v))
    sc = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    s = np.einsum("...id,...jd->...ij", q, k) * sc
    if mask is None:
        return scipy.special.softmax(s, axis=-1) @ v
    mask = np.broadcast_to(mask, s.shape)
    dead = ~mask.any(axis=-1, keepdims=True)
    s = np.where(mask | dead, s, -np.inf)  # dead rows: keep finite scores so scipy gives no NaN
    w = np.where(dead, 0.0, scipy.special.softmax(s, axis=-1))
    return w @ v


def seed_of(*parts) -> int:
    """A seed that is the same in every process (str hashes are randomised per run)."""
    return zlib.crc32(repr(parts).encode())


def causal(lq: int, lk: int) -> np.ndarray:
    return np.array([[j <= i for j in range(lk)] for i in range(lq)])


def make_mask(kind: str, shape: tuple[int, ...], rng: np.random.Generator):
    lq, lk = shape[-2], shape[-1]
    if kind == "none":
        return None
    if kind == "causal":
        return causal(lq, lk)
    m = rng.random(shape) < 0.6
    if kind == "dead rows":  # some queries may attend to nothing
        m[..., ::2, :] = False
    return m


def inputs(rng, batch, lq, lk, d, dv, dtype=np.float64, spread=1.0):
    q = (rng.normal(size=batch + (lq, d)) * spread).astype(dtype)
    k = (rng.normal(size=batch + (lk, d)) * spread).astype(dtype)
    v = rng.normal(size=batch + (lk, dv)).astype(dtype)
    return q, k, v


SHAPES = [((), 1, 1, 1, 1), ((), 4, 7, 3, 2), ((), 9, 9, 8, 5), ((2,), 5, 11, 4, 3), ((2, 3), 3, 6, 2, 4)]
MASKS = ["none", "causal", "random", "dead rows"]


# --- values against the oracles -------------------------------------------------------------------

@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", MASKS)
def test_attention_matches_loop_and_scipy_oracles(shape, kind):
    rng = np.random.default_rng(seed_of(shape, kind))
    batch, lq, lk, d, dv = shape
    q, k, v = inputs(rng, batch, lq, lk, d, dv, spread=2.0)
    mask = make_mask(kind, batch + (lq, lk), rng)
    expected = loop_attention(q, k, v, mask)
    np.testing.assert_allclose(attention(q, k, v, mask), expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(scipy_attention(q, k, v, mask), expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("kind", MASKS)
@pytest.mark.parametrize("block_size", [1, 3, 4, 64, 1000])
def test_flash_matches_attention_and_loop_for_every_block_size(shape, kind, block_size):
    rng = np.random.default_rng(seed_of(shape, kind, block_size))
    batch, lq, lk, d, dv = shape
    q, k, v = inputs(rng, batch, lq, lk, d, dv, spread=2.0)
    mask = make_mask(kind, batch + (lq, lk), rng)
    got = flash_attention(q, k, v, mask, block_size=block_size)
    np.testing.assert_allclose(got, attention(q, k, v, mask), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(got, loop_attention(q, k, v, mask), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("block_size", [1, 3, 64, 100, 127, 128, 129, 500])
def test_flash_long_sequence_block_sizes_that_do_and_do_not_divide_l(block_size):
    rng = np.random.default_rng(block_size)
    q, k, v = inputs(rng, (), 64, 128, 16, 8, spread=1.5)
    for mask in (None, causal(64, 128), rng.random((64, 128)) < 0.1):
        np.testing.assert_allclose(flash_attention(q, k, v, mask, block_size=block_size),
                                   scipy_attention(q, k, v, mask), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("dtype, tol", [(np.float32, 2e-5), (np.float16, 4e-3)])
@pytest.mark.parametrize("kind", MASKS)
def test_low_precision_keeps_dtype_and_is_close_to_float64(dtype, tol, kind):
    rng = np.random.default_rng(5)
    q, k, v = inputs(rng, (2,), 6, 10, 8, 3, dtype=dtype)
    mask = make_mask(kind, (2, 6, 10), rng)
    expected = loop_attention(q, k, v, mask)  # float64 on the same (rounded) inputs
    for got in (attention(q, k, v, mask), flash_attention(q, k, v, mask, block_size=3)):
        assert got.dtype == dtype
        np.testing.assert_allclose(got.astype(np.float64), expected, rtol=tol, atol=tol)


def test_mixed_and_integer_dtypes_promote_like_numpy():
    q = np.ones((2, 3), np.float32)
    k = np.ones((4, 3), np.float64)
    v = np.arange(8).reshape(4, 2)  # ints
    assert attention(q, k, v).dtype == np.float64
    assert flash_attention(q, k.astype(np.float32), v.astype(np.float32)).dtype == np.float32
    assert attention([[1, 0]], [[1, 0], [0, 1]], [[1], [2]]).dtype == np.float64


def test_fully_masked_rows_are_zero_not_nan_and_other_rows_untouched():
    rng = np.random.default_rng(1)
    q, k, v = inputs(rng, (), 4, 5, 3, 2)
    mask = np.ones((4, 5), bool)
    mask[2] = False
    for fn in (attention, lambda *a: flash_attention(*a, block_size=2)):
        out = fn(q, k, v, mask)
        assert np.isfinite(out).all()
        np.testing.assert_array_equal(out[2], [0.0, 0.0])
        np.testing.assert_allclose(np.delete(out, 2, axis=0), np.delete(attention(q, k, v), 2, axis=0),
                                   rtol=1e-13)


def test_everything_masked_gives_all_zeros():
    rng = np.random.default_rng(2)
    q, k, v = inputs(rng, (3,), 4, 6, 2, 5)
    mask = np.zeros((4, 6), bool)
    np.testing.assert_array_equal(attention(q, k, v, mask), np.zeros((3, 4, 5)))
    np.testing.assert_array_equal(flash_attention(q, k, v, mask, block_size=4), np.zeros((3, 4, 5)))


def test_masked_key_has_no_influence_at_all():
    # changing the value (and key) behind a masked key must not change any output, even by huge amounts
    rng = np.random.default_rng(3)
    q, k, v = inputs(rng, (), 5, 6, 4, 3)
    mask = np.ones((5, 6), bool)
    mask[:, 4] = False
    k2, v2 = k.copy(), v.copy()
    k2[4] *= 50.0
    v2[4] = 1e6
    for fn in (attention, flash_attention):
        np.testing.assert_allclose(fn(q, k, v, mask), fn(q, k2, v2, mask), rtol=1e-14, atol=1e-14)


def test_causal_first_query_copies_first_value():
    rng = np.random.default_rng(4)
    q, k, v = inputs(rng, (), 6, 6, 4, 3)
    for fn in (attention, flash_attention):
        out = fn(q, k, v, causal(6, 6))
        np.testing.assert_allclose(out[0], v[0], rtol=1e-15)


def test_default_scale_is_one_over_sqrt_d_and_scale_zero_is_the_mean():
    rng = np.random.default_rng(6)
    q, k, v = inputs(rng, (), 3, 5, 16, 2)
    np.testing.assert_allclose(attention(q, k, v), attention(q, k, v, scale=0.25), rtol=1e-15)
    np.testing.assert_allclose(attention(q * 0.25, k, v, scale=1.0), attention(q, k, v), rtol=1e-13)
    for fn in (attention, flash_attention):
        np.testing.assert_allclose(fn(q, k, v, scale=0.0), np.broadcast_to(v.mean(axis=0), (3, 2)), rtol=1e-14)
        np.testing.assert_allclose(fn(q, k, v, scale=np.float32(0.5)), loop_attention(q, k, v, scale=0.5),
                                   rtol=1e-12)


def test_huge_scores_use_the_max_shift_no_overflow():
    # scores around 1e4 (exp would overflow without the shift); the loop oracle shifts by the max too
    rng = np.random.default_rng(8)
    q, k, v = inputs(rng, (), 4, 6, 8, 2, spread=40.0)
    expected = loop_attention(q, k, v)
    np.testing.assert_allclose(attention(q, k, v), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(flash_attention(q, k, v, block_size=2), expected, rtol=1e-12, atol=1e-12)


def test_float16_scores_beyond_float16_range_are_computed_in_float32():
    # q.k = 8 * 200 * 200 = 320000 > 65504 (float16 max): a float16 matmul overflows, the package does not
    q = np.full((2, 8), 200, np.float16)
    k = np.full((3, 8), 200, np.float16)
    v = np.array([[1], [2], [3]], np.float16)
    with np.errstate(over="ignore"):
        assert np.isinf(q @ k.T).all()  # the naive float16 score
    for fn in (attention, flash_attention):
        out = fn(q, k, v)
        assert out.dtype == np.float16
        np.testing.assert_array_equal(out, np.full((2, 1), 2, np.float16))  # equal scores: mean of v


def test_batch_dimensions_broadcast():
    rng = np.random.default_rng(9)
    q = rng.normal(size=(2, 1, 4, 3))
    k = rng.normal(size=(3, 5, 3))
    v = rng.normal(size=(5, 2))
    mask = causal(4, 5)
    expected = loop_attention(q, k, v, mask)
    assert expected.shape == (2, 3, 4, 2)
    np.testing.assert_allclose(attention(q, k, v, mask), expected, rtol=1e-12)
    np.testing.assert_allclose(flash_attention(q, k, v, mask, block_size=2), expected, rtol=1e-12)


def test_empty_query_axis_gives_empty_output():
    q, k, v = np.zeros((0, 3)), np.ones((4, 3)), np.ones((4, 2))
    assert attention(q, k, v).shape == (0, 2)
    assert flash_attention(q, k, v).shape == (0, 2)


def test_inputs_are_not_modified():
    rng = np.random.default_rng(10)
    q, k, v = inputs(rng, (), 3, 4, 2, 2)
    mask = causal(3, 4)
    copies = [a.copy() for a in (q, k, v, mask)]
    attention(q, k, v, mask)
    flash_attention(q, k, v, mask, block_size=3)
    for a, c in zip((q, k, v, mask), copies):
        np.testing.assert_array_equal(a, c)


def test_flash_never_holds_the_full_score_matrix():
    # deterministic memory accounting (tracemalloc sees numpy's allocations): at L=512 the score matrix
    # alone is 512*512*8 B = 2 MiB; flash attention with 32-key blocks must peak far below that
    rng = np.random.default_rng(11)
    q, k, v = inputs(rng, (), 512, 512, 16, 16)
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        attention(q, k, v)
        full_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        flash_attention(q, k, v, block_size=32)
        flash_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    score_bytes = 512 * 512 * 8
    assert full_peak >= score_bytes
    assert flash_peak < score_bytes / 4


# --- online softmax -------------------------------------------------------------------------------

@pytest.mark.parametrize("block_size", [1, 2, 3, 7, 64, 100, 1000])
@pytest.mark.parametrize("shape", [(1,), (10,), (3, 100), (2, 3, 17)])
def test_online_softmax_matches_scipy(block_size, shape):
    z = np.random.default_rng(block_size).normal(size=shape) * 6
    np.testing.assert_allclose(online_softmax(z, block_size), scipy.special.softmax(z, axis=-1),
                               rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_online_softmax_any_axis(axis):
    z = np.random.default_rng(0).normal(size=(5, 6, 7)) * 3
    np.testing.assert_allclose(online_softmax(z, 4, axis=axis), scipy.special.softmax(z, axis=axis),
                               rtol=1e-13)


def test_online_softmax_increasing_maxima_need_the_rescale():
    # every block has a larger max than the last: each step must rescale the running sum
    z = np.arange(0.0, 2000.0, 10.0)
    np.testing.assert_allclose(online_softmax(z, 3), scipy.special.softmax(z), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(online_softmax(z[::-1], 3), scipy.special.softmax(z[::-1]), rtol=1e-13,
                               atol=1e-300)


def test_online_softmax_masks_and_dtypes():
    z = np.array([[-np.inf, 1.0, 2.0, -np.inf, 0.5], [3.0, -np.inf, -np.inf, -np.inf, -np.inf]])
    np.testing.assert_allclose(online_softmax(z, 2), softmax(z), rtol=1e-15)
    assert online_softmax(z, 2)[0, 0] == 0.0
    z32 = z.astype(np.float32)
    assert online_softmax(z32, 2).dtype == np.float32
    np.testing.assert_allclose(online_softmax(z32, 2), softmax(z32), rtol=1e-6)
    z16 = z.astype(np.float16)
    assert online_softmax(z16, 2).dtype == np.float16
    assert online_softmax([1, 2, 3], 2).dtype == np.float64


def test_online_softmax_extreme_values_exact():
    z = np.array([1e300, -1e300, 1e300, 0.0])
    np.testing.assert_array_equal(online_softmax(z, 1), [0.5, 0.0, 0.5, 0.0])


@given(st.integers(1, 40), st.integers(1, 50), st.integers(0, 2**32 - 1), st.floats(0.01, 300))
def test_online_softmax_property_equals_softmax(n, block_size, seed, spread):
    z = np.random.default_rng(seed).normal(size=(3, n)) * spread
    p = online_softmax(z, block_size)
    np.testing.assert_allclose(p, softmax(z), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-14)


# --- properties of attention ----------------------------------------------------------------------

@given(st.integers(1, 6), st.integers(1, 12), st.integers(1, 5), st.integers(1, 4), st.integers(1, 14),
       st.integers(0, 2**32 - 1), st.sampled_from(MASKS))
def test_property_flash_equals_attention(lq, lk, d, dv, block_size, seed, kind):
    rng = np.random.default_rng(seed)
    q, k, v = inputs(rng, (), lq, lk, d, dv, spread=3.0)
    mask = make_mask(kind, (lq, lk), rng)
    a = attention(q, k, v, mask)
    np.testing.assert_allclose(flash_attention(q, k, v, mask, block_size=block_size), a, rtol=1e-12, atol=1e-12)
    # each output row is a convex combination of the allowed value rows: inside their range
    m = np.ones((lq, lk), bool) if mask is None else mask
    for i in range(lq):
        if m[i].any():
            rows = v[m[i]]
            assert (a[i] >= rows.min(axis=0) - 1e-12).all() and (a[i] <= rows.max(axis=0) + 1e-12).all()
        else:
            assert (a[i] == 0).all()


@given(st.integers(2, 10), st.integers(0, 2**32 - 1))
def test_property_permuting_keys_with_values_changes_nothing(lk, seed):
    rng = np.random.default_rng(seed)
    q, k, v = inputs(rng, (), 3, lk, 4, 2)
    mask = rng.random((3, lk)) < 0.7
    perm = rng.permutation(lk)
    np.testing.assert_allclose(attention(q, k[perm], v[perm], mask[:, perm]), attention(q, k, v, mask),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(flash_attention(q, k[perm], v[perm], mask[:, perm], block_size=3),
                               attention(q, k, v, mask), rtol=1e-12, atol=1e-12)


# --- errors ---------------------------------------------------------------------------------------

Q, K, V = np.ones((2, 16)), np.ones((3, 16)), np.ones((3, 4))


@pytest.mark.parametrize("fn", [attention, flash_attention])
@pytest.mark.parametrize("args, kwargs, exc, match", [
    ((Q, np.ones((3, 8)), V), {}, ValueError, r"k has d=8 but q has d=16"),
    ((Q, K, np.ones((5, 4))), {}, ValueError, r"v has Lk=5 rows but k has Lk=3"),
    ((np.ones(16), K, V), {}, ValueError, r"q must have shape \(\.\.\., L, d\)"),
    ((Q, K, np.ones(3)), {}, ValueError, r"v must have shape \(\.\.\., L, dv\)"),
    ((np.ones((2, 0)), np.ones((3, 0)), V), {}, ValueError, r"q has d=0"),
    ((Q, np.ones((0, 16)), np.ones((0, 4))), {}, ValueError, r"k has no keys"),
    ((np.ones((2, 2, 16)), np.ones((3, 3, 16)), V), {}, ValueError, r"batch dimensions .* do not broadcast"),
    ((Q.astype(bool), K, V), {}, TypeError, r"q must hold real numbers"),
    ((Q, K.astype(complex), V), {}, TypeError, r"k must hold real numbers"),
    ((Q, K, np.array([["a"] * 4] * 3)), {}, TypeError, r"v must hold real numbers"),
    ((Q, K, V), {"mask": np.ones((2, 3))}, TypeError, r"mask must be boolean"),
    ((Q, K, V), {"mask": np.zeros((2, 3)) - np.inf}, TypeError, r"mask must be boolean"),
    ((Q, K, V), {"mask": np.ones((3, 2), bool)}, ValueError, r"mask of shape \(3, 2\) does not broadcast"),
    ((Q, K, V), {"scale": -1.0}, ValueError, r"scale must be a finite number >= 0"),
    ((Q, K, V), {"scale": float("nan")}, ValueError, r"scale must be a finite number >= 0"),
    ((Q, K, V), {"scale": "0.5"}, TypeError, r"scale must be a real number"),
    ((Q, K, V), {"scale": True}, TypeError, r"scale must be a real number"),
])
def test_bad_input_errors_name_the_argument(fn, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        fn(*args, **kwargs)


@pytest.mark.parametrize("fn", [attention, flash_attention])
@pytest.mark.parametrize("name, pos, bad", [("q", 0, np.nan), ("k", 1, -np.inf), ("v", 2, np.inf),
                                            ("q", 0, -np.inf)])
def test_non_finite_inputs_are_value_errors(fn, name, pos, bad):
    args = [Q.copy(), K.copy(), V.copy()]
    args[pos][1, 2] = bad
    with pytest.raises(ValueError, match=rf"{name} contains {bad} at index \(1, 2\)"):
        fn(*args)


@pytest.mark.parametrize("fn", [attention, flash_attention])
def test_score_overflow_is_reported(fn):
    big = np.full((2, 4), 1e200)
    with pytest.raises(ValueError, match=r"scores .* overflow float64"):
        fn(big, big, np.ones((2, 1)))
    big32 = np.full((2, 4), 1e20, np.float32)
    with pytest.raises(ValueError, match=r"overflow float32"):
        fn(big32, big32, np.ones((2, 1), np.float32))


@pytest.mark.parametrize("block_size, exc", [(0, ValueError), (-3, ValueError), (2.5, TypeError),
                                             ("4", TypeError), (True, TypeError), (None, TypeError)])
def test_bad_block_size(block_size, exc):
    with pytest.raises(exc, match=r"block_size must be a positive int"):
        flash_attention(Q, K, V, block_size=block_size)
    with pytest.raises(exc, match=r"block_size must be a positive int"):
        online_softmax(np.ones(4), block_size)


def test_numpy_integer_block_size_is_fine():
    np.testing.assert_allclose(flash_attention(Q, K, V, block_size=np.int64(2)), attention(Q, K, V))


@pytest.mark.parametrize("z, match", [
    ([1.0, np.nan, 2.0], r"z contains NaN at index \(1,\)"),
    ([1.0, 2.0, np.inf], r"z contains \+inf at index \(2,\)"),
    ([[0.0, 1.0], [-np.inf, -np.inf]], r"z\[1, :\] is -inf everywhere"),
    (np.ones((2, 0)), r"zero-length class axis"),
])
def test_online_softmax_bad_logits(z, match):
    with pytest.raises(ValueError, match=match):
        online_softmax(np.asarray(z), 1)


def test_online_softmax_bad_types():
    with pytest.raises(TypeError, match=r"z must hold real numbers"):
        online_softmax(np.array([True, False]))
    with pytest.raises(ValueError, match=r"axis=2 is out of range"):
        online_softmax(np.ones((2, 2)), 2, axis=2)
