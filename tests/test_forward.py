"""The forward contract: stable softmax / log_softmax / logsumexp, dtypes, masks, temperature, errors."""

import math

import numpy as np
import pytest
import scipy.special

from oracles import log_softmax_ref, rowwise, softmax_ref
from softmax_lab import log_softmax, logsumexp, softmax


pytestmark = pytest.mark.usefixtures("warnings_are_errors")


# --- values -------------------------------------------------------------------------------------

def test_small_vector_matches_closed_form():
    e = [math.exp(1), math.exp(2), math.exp(3)]
    expected = np.array(e) / math.fsum(e)
    np.testing.assert_allclose(softmax([1.0, 2.0, 3.0]), expected, rtol=1e-15)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_any_axis_matches_reference(axis):
    z = np.random.default_rng(0).normal(size=(3, 4, 5)) * 5
    np.testing.assert_allclose(softmax(z, axis=axis), rowwise(softmax_ref, z, axis), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(log_softmax(z, axis=axis), rowwise(log_softmax_ref, z, axis), rtol=1e-13)
    np.testing.assert_allclose(logsumexp(z, axis=axis), scipy.special.logsumexp(z, axis=axis), rtol=1e-14)


@pytest.mark.parametrize("scale", [1e3, 1e300, 1e308])
def test_huge_logits_are_exact_without_warnings(scale):
    z = np.array([[scale, -scale], [-scale, scale], [scale, scale], [scale, 0.0]])
    p = softmax(z)
    np.testing.assert_array_equal(p, [[1, 0], [0, 1], [0.5, 0.5], [1, 0]])
    lp = log_softmax(z)
    np.testing.assert_allclose(lp[2], [-math.log(2)] * 2, rtol=1e-15)
    assert lp[0, 0] == 0.0 and lp[0, 1] == -2 * scale  # may be -inf for 1e308: that is the exact rounding


def test_large_shift_keeps_relative_gaps():
    # softmax(z + 1000) == softmax(z): a naive exp would overflow to inf/inf = nan
    z = np.array([1000.0, 1001.0, 1002.0])
    np.testing.assert_allclose(softmax(z), softmax_ref([0.0, 1.0, 2.0]), rtol=1e-15)
    assert logsumexp(z) == pytest.approx(1002 + math.log(1 + math.exp(-1) + math.exp(-2)), rel=1e-15)


def test_log_softmax_survives_where_log_of_softmax_fails():
    z = np.array([0.0, -1000.0])
    assert log_softmax(z)[1] == -1000.0
    with np.errstate(divide="ignore"):
        assert np.log(softmax(z))[1] == -np.inf  # the naive route loses the value entirely


def test_logsumexp_keepdims_and_all_neg_inf():
    z = np.array([[1.0, 2.0], [-np.inf, -np.inf]])
    r = logsumexp(z, axis=1, keepdims=True)
    assert r.shape == (2, 1)
    assert r[0, 0] == pytest.approx(math.log(math.exp(1) + math.exp(2)), rel=1e-15)
    assert r[1, 0] == -np.inf  # log of an empty sum


# --- dtypes -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [softmax, log_softmax])
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_float_dtype_is_preserved(fn, dtype):
    z = np.array([[0.5, 1.5, -2.0], [3.0, 3.0, 3.0]], dtype=dtype)
    out = fn(z)
    assert out.dtype == dtype
    ref = rowwise(softmax_ref if fn is softmax else log_softmax_ref, z.astype(np.float64))
    np.testing.assert_allclose(out.astype(np.float64), ref, rtol=4 * np.finfo(dtype).eps)


def test_float16_is_computed_in_float32():
    z = np.array([11.0, 12.0, -5.0], dtype=np.float16)  # exp(12) overflows float16 (max 65504)
    expected = softmax_ref(z.astype(np.float64)).astype(np.float32).astype(np.float16)
    np.testing.assert_array_equal(softmax(z), expected)
    assert logsumexp(z).dtype == np.float16


@pytest.mark.parametrize("z", [[1, 2, 3], np.array([1, 2, 3], dtype=np.int32), np.array([1, 2, 3], dtype=np.uint8),
                               (1, 2, 3)])
def test_ints_and_lists_become_float64(z):
    out = softmax(z)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, softmax_ref([1, 2, 3]), rtol=1e-15)


def test_out_argument_receives_result():
    z = np.random.default_rng(1).normal(size=(4, 6)).astype(np.float32)
    out = np.empty_like(z)
    res = softmax(z, out=out)
    assert res is out
    np.testing.assert_allclose(out, scipy.special.softmax(z.astype(np.float64), axis=-1), rtol=1e-6)
    with pytest.raises(ValueError, match="out must have shape"):
        softmax(z, out=np.empty((4, 5), np.float32))


# --- masks --------------------------------------------------------------------------------------

def test_neg_inf_is_a_masked_class():
    z = np.array([1.0, -np.inf, 2.0])
    p = softmax(z)
    assert p[1] == 0.0
    np.testing.assert_allclose(p[[0, 2]], softmax_ref([1.0, 2.0]), rtol=1e-15)
    lp = log_softmax(z)
    assert lp[1] == -np.inf
    np.testing.assert_allclose(lp[[0, 2]], log_softmax_ref([1.0, 2.0]), rtol=1e-15)


def test_where_masks_classes_and_empty_slices_get_zero():
    z = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    where = np.array([[True, False, True], [False, False, False]])
    p = softmax(z, where=where)
    np.testing.assert_allclose(p[0], [softmax_ref([1.0, 3.0])[0], 0.0, softmax_ref([1.0, 3.0])[1]], rtol=1e-15)
    np.testing.assert_array_equal(p[1], [0.0, 0.0, 0.0])
    lp = log_softmax(z, where=where)
    assert lp[0, 1] == -np.inf and np.all(lp[1] == -np.inf)


def test_where_ignores_nan_in_masked_positions_and_broadcasts():
    z = np.array([[1.0, np.nan], [2.0, np.nan]])
    p = softmax(z, where=np.array([True, False]))
    np.testing.assert_array_equal(p, [[1.0, 0.0], [1.0, 0.0]])


def test_where_must_be_boolean_and_broadcastable():
    with pytest.raises(TypeError, match="where must be a boolean mask"):
        softmax([1.0, 2.0], where=[1, 0])
    with pytest.raises(ValueError, match="does not broadcast"):
        softmax([1.0, 2.0], where=np.array([True, False, True]))


# --- temperature --------------------------------------------------------------------------------

@pytest.mark.parametrize("t", [0.05, 0.5, 2.0, 37.0])
def test_temperature_divides_logits(t):
    z = np.array([[0.3, -1.2, 2.5, 0.0]])
    np.testing.assert_allclose(softmax(z, temperature=t), scipy.special.softmax(z / t, axis=-1), rtol=1e-13)
    np.testing.assert_allclose(log_softmax(z, temperature=t), scipy.special.log_softmax(z / t, axis=-1), rtol=1e-13)


def test_temperature_zero_is_argmax_with_even_ties():
    np.testing.assert_array_equal(softmax([1.0, 3.0, 2.0], temperature=0), [0, 1, 0])
    np.testing.assert_array_equal(softmax([3.0, 1.0, 3.0, 3.0], temperature=0), [1 / 3, 0, 1 / 3, 1 / 3])
    np.testing.assert_array_equal(log_softmax([1.0, 3.0], temperature=0), [-np.inf, 0.0])


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_subnormal_temperature_works(dtype):
    z = np.array([1.0, 2.0, 3.0, 2.9999], dtype=dtype)
    p = softmax(z, temperature=1e-320)
    assert p.dtype == dtype
    expected = np.zeros(4)
    expected[np.argmax(z)] = 1.0  # float16 rounds 2.9999 to 3.0: then the tie is split
    if dtype == np.float16:
        expected = np.array([0, 0, 0.5, 0.5])
    np.testing.assert_array_equal(p, expected)


def test_temperature_limits_approach_the_limit_values():
    z = np.array([0.5, 2.0, -1.0, 1.9])
    np.testing.assert_allclose(softmax(z, temperature=1e-3), [0, 1, 0, 0], atol=1e-40)
    np.testing.assert_allclose(softmax(z, temperature=1e6), [0.25] * 4, rtol=1e-5)


def test_temperature_inf_is_uniform_over_unmasked():
    np.testing.assert_array_equal(softmax([1.0, -np.inf, 5.0, 2.0], temperature=np.inf), [1 / 3, 0, 1 / 3, 1 / 3])
    lp = log_softmax([1.0, -np.inf], temperature=math.inf)
    assert lp[0] == 0.0 and lp[1] == -np.inf


@pytest.mark.parametrize("t,err,msg", [
    (-1.0, ValueError, "temperature must be >= 0"),
    (-1e-300, ValueError, "temperature must be >= 0"),
    (float("nan"), ValueError, "temperature must be a number >= 0, got NaN"),
    ("1.0", TypeError, "temperature must be a real scalar"),
    ([1.0, 2.0], TypeError, "temperature must be a real scalar"),
    (np.array([1.0]), TypeError, "temperature must be a real scalar"),
    (1 + 2j, TypeError, "temperature must be a real scalar"),
    (True, TypeError, "temperature must be a real scalar"),
    (None, TypeError, "temperature must be a real scalar"),
])
def test_bad_temperature(t, err, msg):
    for fn in (softmax, log_softmax):
        with pytest.raises(err, match=msg):
            fn([1.0, 2.0], temperature=t)


def test_numpy_scalar_temperature_is_accepted():
    np.testing.assert_allclose(softmax([0.0, 1.0], temperature=np.float32(0.5)), softmax_ref([0.0, 2.0]), rtol=1e-15)


# --- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
def test_nan_is_reported_with_its_position(fn):
    z = np.zeros((2, 3))
    z[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"z contains NaN at index \(1, 2\)"):
        fn(z)


@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
def test_pos_inf_is_reported_with_its_position(fn):
    z = np.zeros((2, 3))
    z[0, 1] = np.inf
    with pytest.raises(ValueError, match=r"z contains \+inf at index \(0, 1\)"):
        fn(z)


@pytest.mark.parametrize("fn", [softmax, log_softmax])
def test_all_neg_inf_slice_is_an_error(fn):
    z = np.array([[0.0, 1.0], [-np.inf, -np.inf]])
    with pytest.raises(ValueError, match=r"z\[1, :\] is -inf everywhere"):
        fn(z)
    with pytest.raises(ValueError, match=r"z\[:, 1\] is -inf everywhere"):
        fn(np.array([[0.0, -np.inf], [1.0, -np.inf]]), axis=0)


@pytest.mark.parametrize("bad,msg", [
    (np.array([True, False]), "got a boolean array"),
    (np.array([1 + 1j, 2.0]), "got complex dtype"),
    (np.array(["a", "b"]), "got dtype <U1"),
    (np.array([1.0, None], dtype=object), "got dtype object"),
    ("abc", "(str input)"),
])
@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
def test_non_real_input_is_a_type_error(fn, bad, msg):
    with pytest.raises(TypeError, match="^z must hold real numbers") as info:
        fn(bad)
    assert msg.removeprefix("must hold real numbers") in str(info.value)


def test_ragged_list_is_a_type_error():
    with pytest.raises(TypeError, match="z could not be converted to an array"):
        softmax([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
def test_zero_d_and_empty_class_axis(fn):
    with pytest.raises(ValueError, match="0-d"):
        fn(3.0)
    with pytest.raises(ValueError, match="zero-length class axis"):
        fn(np.zeros((4, 0)))
    with pytest.raises(ValueError, match="zero-length class axis"):
        fn(np.zeros((0, 4)), axis=0)


def test_empty_batch_is_fine():
    assert softmax(np.zeros((0, 4))).shape == (0, 4)


@pytest.mark.parametrize("fn", [softmax, log_softmax, logsumexp])
@pytest.mark.parametrize("axis,err,msg", [
    (2, ValueError, "axis=2 is out of range"),
    (-3, ValueError, "axis=-3 is out of range"),
    (1.0, TypeError, "axis must be an integer, got float"),
    ("0", TypeError, "axis must be an integer, got str"),
    (None, TypeError, "axis must be an integer, got NoneType"),
    (True, TypeError, "axis must be an integer, got bool"),
])
def test_bad_axis(fn, axis, err, msg):
    with pytest.raises(err, match=msg):
        fn(np.zeros((2, 3)), axis=axis)
