"""Accuracy of the optimised kernels (issue 7): in-place steps and row blocks must not cost a bit.

Two independent checks, over many seeded random shapes, dtypes and axes, including inputs cut into
several row blocks and rows long enough for the buffer-size path:

1. Against a slow, obviously-correct reference written here, row by row in ``np.longdouble`` from
   the unshifted input. The bounds are the honest ones for floating point: the shift ``z - m``
   is rounded (relative error up to ``|z - m| * eps / 2``, which ``exp`` turns into the same
   relative error of ``p``), ``exp`` and ``log`` are within about 1 ulp, the sum adds a few ulps,
   the final division / subtraction half an ulp. Where ``|z - m|`` is small that is 2-3 ulps.
2. Against the plain formula written in each public function's body (``softmax_lab._fast`` switched
   off, see :func:`plain_body`): at most 1 ulp apart (in practice the same bits). The body itself is
   checked against the textbook three lines written here.
"""

from __future__ import annotations

import contextlib
import math
from unittest import mock

import numpy as np
import pytest

import softmax_lab._fast as fast
from softmax_lab import cross_entropy, cross_entropy_grad, log_softmax, softmax, softmax_backward

LD = np.longdouble


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


# ----------------------------------------------------------------------------- references

def _rows(z: np.ndarray, axis: int):
    """Yield (index, row) of ``z`` with ``axis`` moved last, as longdouble vectors."""
    zl = np.moveaxis(np.asarray(z, dtype=LD), axis, -1)
    for idx in np.ndindex(zl.shape[:-1]):
        yield idx, zl[idx]


def softmax_reference(z: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Exact-ish softmax in longdouble, and x = z - max (longdouble) for the error bounds."""
    zl = np.moveaxis(np.asarray(z, dtype=LD), axis, -1)
    p, x = np.empty_like(zl), np.empty_like(zl)
    for idx, row in _rows(z, axis):
        m = max(row)
        e = np.exp(row - m)  # longdouble exp, element by element
        p[idx] = e / e.sum()
        x[idx] = row - m
    return np.moveaxis(p, -1, axis), np.moveaxis(x, -1, axis)


def log_softmax_reference(z: np.ndarray, axis: int) -> np.ndarray:
    zl = np.moveaxis(np.asarray(z, dtype=LD), axis, -1)
    out = np.empty_like(zl)
    for idx, row in _rows(z, axis):
        m = max(row)
        out[idx] = (row - m) - np.log(np.exp(row - m).sum())
    return np.moveaxis(out, -1, axis)


@contextlib.contextmanager
def plain_body():
    """Inside, every public function runs the plain formula written in its body: ``_fast`` is never used."""
    with mock.patch.object(fast, "small_plain", lambda *a: False), mock.patch.object(fast, "pays", lambda *a: False), \
            mock.patch.object(fast, "small_backward", lambda *a: None), \
            mock.patch.object(fast, "backward_pays", lambda *a: False):
        yield


def plain_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """softmax as its body writes it: (z - m) / T, exp, divide by the sum; no blocks, nothing in place."""
    with plain_body():
        return softmax(z, axis=axis)


def plain_log_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    with plain_body():
        return log_softmax(z, axis=axis)


def plain_backward(p: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    with plain_body():
        return softmax_backward(p, g, axis=axis)


def test_the_plain_body_is_the_textbook_formula():
    """The plain body itself against the three textbook lines, written here (float16 in float32)."""
    rng = np.random.default_rng(1)
    for dtype in (np.float16, np.float32, np.float64):
        z = (rng.standard_normal((20, 30)) * 4).astype(dtype)
        a = z.astype(np.float32) if dtype == np.float16 else z
        x = a - a.max(axis=-1, keepdims=True)
        e = np.exp(x)
        np.testing.assert_array_equal(plain_softmax(z, -1), (e / e.sum(axis=-1, keepdims=True)).astype(dtype))
        np.testing.assert_array_equal(plain_log_softmax(z, -1),
                                      (x - np.log(e.sum(axis=-1, keepdims=True))).astype(dtype))
        if dtype != np.float16:
            p = plain_softmax(z, -1)
            np.testing.assert_array_equal(plain_backward(p, a, -1),
                                          p * (a - np.vecdot(a, p)[:, None]))


# ----------------------------------------------------------------------------- helpers

def ulps_apart(a: np.ndarray, b: np.ndarray) -> float:
    """Largest distance between a and b in units of the spacing at b (same dtype, finite)."""
    assert a.dtype == b.dtype and a.shape == b.shape
    if a.size == 0:
        return 0.0
    diff = np.abs(a.astype(LD) - b.astype(LD))
    return float(np.max(diff / np.spacing(np.abs(b)).astype(LD)))


def random_case(rng: np.random.Generator, big: bool):
    """A random shape (1-3 dims), dtype, axis and logit scale; ``big`` gives multi-block inputs."""
    if big:
        shape = [(300, 1000), (3, 70_000), (40, 4096), (2, 5, 600)][int(rng.integers(4))]
    else:
        shape = tuple(int(v) for v in rng.integers(1, 8, int(rng.integers(1, 4))))
    dtype = np.dtype(rng.choice(["float16", "float32", "float64"]))
    axis = -1 if big else int(rng.integers(-len(shape), len(shape)))
    scale = float(rng.choice([0.1, 1.0, 4.0, 30.0]))
    if dtype == np.float16:
        scale = min(scale, 4.0)
    z = (rng.standard_normal(shape) * scale).astype(dtype)
    return z, axis


CASES = [(seed, False) for seed in range(40)] + [(seed, True) for seed in range(100, 108)]


def _eps(dtype: np.dtype) -> float:
    return float(np.finfo(dtype).eps)


# ----------------------------------------------------------------------------- softmax

@pytest.mark.parametrize("seed,big", CASES)
def test_softmax_against_longdouble_reference(seed, big):
    z, axis = random_case(np.random.default_rng(seed), big)
    p = softmax(z, axis=axis)
    ref, x = softmax_reference(z, axis)
    if z.dtype == np.float16:  # computed in float32: one rounding to float16 at the end
        assert ulps_apart(p, ref.astype(np.float16)) <= 1.0
        return
    eps = _eps(z.dtype)
    c = z.shape[axis]
    # relative error: shift rounding |x_i|/2 (times 1 for p_i, times the p-weighted mean for the
    # sum), exp 1, sum log2(C)/2 + 1, division 1/2 -- in units of eps, with a factor 2 margin
    weighted = np.sum(ref * np.abs(x), axis=axis, keepdims=True)
    bound = 2 * eps * (0.5 * np.abs(x) + 0.5 * weighted + 2.5 + 0.5 * math.log2(c))
    tiny = 2 * np.finfo(z.dtype).smallest_subnormal  # subnormal results: two roundings (exp, divide)
    err = np.abs(p.astype(LD) - ref)
    assert np.all(err <= ref * bound + tiny), float(np.max((err - tiny) / (ref * bound)))


@pytest.mark.parametrize("seed,big", CASES)
def test_softmax_within_one_ulp_of_plain_formula(seed, big):
    z, axis = random_case(np.random.default_rng(seed), big)
    with np.errstate(under="ignore"):
        assert ulps_apart(softmax(z, axis=axis), plain_softmax(z, axis)) <= 1.0


def test_small_logit_spread_is_within_three_ulps():
    """|z - max| < 1: no conditioning from exp, so the error is a few ulps of p at most."""
    rng = np.random.default_rng(7)
    for dtype in (np.float32, np.float64):
        z = rng.random((50, 7)).astype(dtype)
        assert ulps_apart(softmax(z), softmax_reference(z, -1)[0].astype(dtype)) <= 3.0


# ----------------------------------------------------------------------------- log_softmax

@pytest.mark.parametrize("seed,big", CASES)
def test_log_softmax_against_longdouble_reference(seed, big):
    z, axis = random_case(np.random.default_rng(seed), big)
    lp = log_softmax(z, axis=axis)
    ref = log_softmax_reference(z, axis)
    if z.dtype == np.float16:
        assert ulps_apart(lp, ref.astype(np.float16)) <= 1.0
        return
    # absolute error: shift |x_i| eps/2 <= |log p| eps/2, log(s) 1 ulp, the sum's relative error
    # (which log turns into an absolute one), last subtraction 1/2 ulp: ~3 ulps of max(|log p|, 1)
    p_ref, x = softmax_reference(z, axis)
    weighted = np.sum(p_ref * np.abs(x), axis=axis, keepdims=True)
    scale = np.spacing(np.maximum(np.abs(ref), 1).astype(z.dtype)).astype(LD)
    bound = scale * (3 + weighted + 0.5 * math.log2(z.shape[axis]))
    assert np.all(np.abs(lp.astype(LD) - ref) <= bound)


@pytest.mark.parametrize("seed,big", CASES)
def test_log_softmax_within_one_ulp_of_plain_formula(seed, big):
    z, axis = random_case(np.random.default_rng(seed), big)
    assert ulps_apart(log_softmax(z, axis=axis), plain_log_softmax(z, axis)) <= 1.0


# ----------------------------------------------------------------------------- backward

@pytest.mark.parametrize("seed,big", CASES)
def test_backward_against_longdouble_reference(seed, big):
    rng = np.random.default_rng(seed)
    z, axis = random_case(rng, big)
    if z.dtype == np.float16:
        z = z.astype(np.float32)
    p = softmax(z, axis=axis)
    g = rng.standard_normal(z.shape).astype(z.dtype)
    got = softmax_backward(p, g, axis=axis)
    pl, gl = p.astype(LD), g.astype(LD)
    dot = np.sum(gl * pl, axis=axis, keepdims=True)
    ref = pl * (gl - dot)
    # the dot product of C terms is within C eps sum|g p| in any summation order; then one
    # rounding of g - dot and one of the product
    eps = _eps(z.dtype)
    c = z.shape[axis]
    dot_err = c * eps * np.sum(np.abs(gl * pl), axis=axis, keepdims=True)
    bound = pl * (dot_err + eps * np.abs(gl - dot)) + eps * np.abs(ref) + np.finfo(z.dtype).smallest_subnormal
    assert np.all(np.abs(got.astype(LD) - ref) <= bound)


@pytest.mark.parametrize("seed,big", CASES)
def test_backward_matches_plain_formula(seed, big):
    rng = np.random.default_rng(seed)
    z, axis = random_case(rng, big)
    p = softmax(z.astype(np.float64), axis=axis)
    g = rng.standard_normal(z.shape)
    got, plain = softmax_backward(p, g, axis=axis), plain_backward(p, g, axis)
    # the dot product may be summed in another order than (g * p).sum(): compare in absolute terms
    scale = np.sum(np.abs(g * p), axis=axis, keepdims=True) + np.abs(g)
    assert np.all(np.abs(got - plain) <= 4 * z.shape[axis] * 2.0**-52 * p * scale + 2.0**-1074)


# ----------------------------------------------------------------------------- cross-entropy

@pytest.mark.parametrize("seed", range(12))
def test_cross_entropy_is_minus_log_softmax_at_the_label(seed):
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 300)), int(rng.choice([3, 10, 1000, 5000]))
    dtype = np.dtype(rng.choice(["float16", "float32", "float64"]))
    z = (rng.standard_normal((n, c)) * 3).astype(dtype)
    labels = rng.integers(0, c, n)
    per = cross_entropy(z, labels, reduction="none")
    # the fused version must give exactly what log_softmax gives (same operations)
    np.testing.assert_array_equal(per, -log_softmax(z, axis=1)[np.arange(n), labels])
    ref = -log_softmax_reference(z, 1)[np.arange(n), labels]
    scale = np.spacing(np.maximum(np.abs(ref), 1).astype(dtype)).astype(LD)
    assert np.all(np.abs(per.astype(LD) - ref) <= scale * (4 + 0.5 * math.log2(c)))


@pytest.mark.parametrize("seed", range(6))
def test_cross_entropy_grad_is_p_minus_onehot(seed):
    rng = np.random.default_rng(seed)
    n, c = int(rng.integers(1, 300)), int(rng.choice([3, 1000]))
    z = rng.standard_normal((n, c))
    labels = rng.integers(0, c, n)
    p_ref = softmax_reference(z, 1)[0]
    ref = (p_ref - np.eye(c, dtype=LD)[labels]) / n
    got = cross_entropy_grad(z, labels)
    assert np.all(np.abs(got.astype(LD) - ref) <= 2.0**-52 * (16 * p_ref + 1) / n)


# ----------------------------------------------------------------------------- blocking itself

@pytest.fixture
def tiny_blocks(monkeypatch):
    """Blocks of a few rows, so that even small inputs cross many block boundaries."""
    monkeypatch.setattr(fast, "_BLOCK_BYTES", 64)


@pytest.mark.parametrize("shape", [(37, 5), (9, 3, 4), (5, 600), (2, 33), (300, 20)])  # (300, 20): the blocked path
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_tiny_blocks_give_the_same_bits(tiny_blocks, shape, dtype):
    z = (np.random.default_rng(3).standard_normal(shape) * 5).astype(dtype)
    assert len(fast.row_blocks(z)) > 1  # the blocking is really exercised
    np.testing.assert_array_equal(softmax(z), plain_softmax(z, -1))
    np.testing.assert_array_equal(log_softmax(z), plain_log_softmax(z, -1))
    if z.ndim == 2:
        labels = np.arange(shape[0]) % shape[1]
        np.testing.assert_array_equal(cross_entropy(z, labels, reduction="none"),
                                      -plain_log_softmax(z, -1)[np.arange(shape[0]), labels])
    p = softmax(z.astype(np.float64))
    g = np.random.default_rng(4).standard_normal(shape)
    np.testing.assert_allclose(softmax_backward(p, g), plain_backward(p, g, -1), rtol=1e-12, atol=1e-15)


def test_an_error_in_a_later_block_names_the_right_position(tiny_blocks):
    z = np.zeros((40, 5))
    z[33, 2] = np.nan
    with pytest.raises(ValueError, match=r"z contains NaN at index \(33, 2\)"):
        softmax(z)
    z[33, 2] = 0
    z[38] = -np.inf
    with pytest.raises(ValueError, match=r"z\[38, :\] is -inf everywhere"):
        log_softmax(z)


# ----------------------------------------------------------------------------- out= and layouts

@pytest.mark.parametrize("shape", [(5, 7), (300, 1000)])  # the small path and the blocked path
@pytest.mark.parametrize("fn,plain", [(softmax, plain_softmax), (log_softmax, plain_log_softmax)])
def test_out_may_be_the_input_itself(fn, plain, shape):
    z = np.random.default_rng(5).standard_normal(shape)
    expected = plain(z, -1)
    res = fn(z, out=z)
    assert res is z
    np.testing.assert_array_equal(z, expected)
    for dtype in (np.float32, np.float16):  # out a view of z; float16 is computed in a scratch
        z = np.random.default_rng(5).standard_normal(shape).astype(dtype)
        expected = plain(z, -1)
        view = z.view()
        assert fn(z, out=view) is view
        np.testing.assert_array_equal(z, expected)


@pytest.mark.parametrize("rows", [6, 300])
@pytest.mark.parametrize("fn,plain", [(softmax, plain_softmax), (log_softmax, plain_log_softmax)])
def test_out_overlapping_the_input_partially_is_still_correct(fn, plain, rows):
    buf = np.random.default_rng(6).standard_normal((rows + 1, 1000 if rows > 6 else 7))
    z = buf[1:]
    expected = plain(z.copy(), -1)
    out = buf[:-1]  # shares memory with z, shifted by one row
    res = fn(z, out=out)
    assert res is out
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("fn,plain", [(softmax, plain_softmax), (log_softmax, plain_log_softmax)])
@pytest.mark.parametrize("c", [30, 2000])
def test_non_contiguous_and_other_axes(fn, plain, c):
    z = np.random.default_rng(8).standard_normal((64, c)).astype(np.float32)
    view = z[:, ::3]
    np.testing.assert_array_equal(fn(view), plain(view, -1))
    np.testing.assert_array_equal(fn(z, axis=0), plain(z, 0))
    out = np.empty((c, 64), np.float32).T  # a Fortran-ordered out
    np.testing.assert_array_equal(fn(z, out=out), plain(z, -1))


def test_bufsize_is_restored():
    before = np.getbufsize()
    z = np.random.default_rng(9).standard_normal((64, 1000))
    softmax(z)
    log_softmax(z)
    softmax_backward(softmax(z), z)
    cross_entropy(z, np.arange(64))
    assert np.getbufsize() == before


@pytest.mark.parametrize("shape", [(50, 100), (9, 1000), (3, 4, 700)])
def test_blocked_backward_gives_the_same_bits_as_one_block(monkeypatch, shape):
    rng = np.random.default_rng(10)
    p = softmax(rng.standard_normal(shape) * 3)
    g = rng.standard_normal(shape)
    monkeypatch.setattr(fast, "_BLOCK_BYTES", 1 << 30)
    whole = softmax_backward(p, g)
    monkeypatch.setattr(fast, "_BLOCK_BYTES", 2000)
    assert len(fast.row_blocks(p)) > 1
    np.testing.assert_array_equal(softmax_backward(p, g), whole)
    np.testing.assert_allclose(whole, plain_backward(p, g, -1), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("shape", [(3,), (2, 3), (64, 10), (4, 5, 6)])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_small_backward_path_gives_the_same_bits_as_the_general_path(shape, dtype):
    rng = np.random.default_rng(11)
    p = softmax(rng.standard_normal(shape) * 3).astype(dtype)
    g = rng.standard_normal(shape).astype(dtype)
    small = softmax_backward(p, g)
    general = softmax_backward(p, g, axis=np.int64(-1))  # an axis that is not a Python int: general path
    assert small.dtype == general.dtype == p.dtype
    np.testing.assert_array_equal(small, general)
    g[(0,) * g.ndim] = np.nan
    with pytest.raises(ValueError, match="grad contains nan"):
        softmax_backward(p, g)
