"""check_backward (the batched softmax backward of notebooks 05 and 06): right answers pass, the classic wrong
ones fail and say which input failed and what was expected. The cross-entropy checkers of notebook 03 are tested
in test_checks_losses.py."""

import numpy as np
import pytest

from softmax_lab.course.checks import check_backward


# --- check_backward (notebooks 05 and 06) ----------------------------------------------------------------------

def vjp(A, G):
    return A * (G - np.sum(G * A, axis=1, keepdims=True))


def per_row_jacobian(A, G):
    return np.stack([g @ (np.diag(a) - np.outer(a, a)) for a, g in zip(A, G)])


def batched_jacobian(A, G):
    C = A.shape[1]
    J = A[:, :, None] * np.eye(C) - A[:, :, None] * A[:, None, :]
    return np.einsum("ni,nij->nj", G, J)


@pytest.mark.parametrize("fn", [vjp, per_row_jacobian, batched_jacobian])
def test_check_backward_passes_right_answers(fn):
    res = check_backward(fn)
    assert res.ok, repr(res)
    assert repr(res) == "softmax backward: all 4 checks passed"


@pytest.mark.parametrize("fn", [
    lambda A, G: A * (G - np.sum(G * A, axis=0, keepdims=True)),  # <g, p> over the wrong axis
    lambda A, G: G - np.sum(G * A, axis=1, keepdims=True),        # forgot the factor p
    lambda A, G: A * G,                                           # diagonal only
    lambda A, G: -vjp(A, G),                                      # sign
])
def test_check_backward_explains_wrong_answers(fn):
    res = check_backward(fn)
    assert not res.ok
    assert "a batch of N=" in repr(res)  # says which input failed
    # and either names the slip (a flipped sign) or shows what was expected against what came
    assert all("sign" in p or ("expected" in p and "got" in p) for p in res.problems)


def test_check_backward_names_a_wrong_shape():
    res = check_backward(lambda A, G: vjp(A, G)[:, :-1])
    assert not res.ok and "shape" in repr(res)


def test_check_backward_no_keepdims_passes_only_the_single_sample_case():
    res = check_backward(lambda A, G: A * (G - np.sum(G * A, axis=1)))
    assert res.passed == 1 and len(res.problems) == 3
    assert "(3, 1)" in repr(res) and "(3, 3)" in repr(res)   # the shapes it expected and got


@pytest.mark.parametrize("fn, slip", [
    (lambda A, G: np.stack([g @ (np.diag(a * (1 - a)) - np.outer(a, a)) for a, g in zip(A, G)]),
     "p_j^2 is subtracted twice on the diagonal"),
    (lambda A, G: np.stack([g @ np.diag(a) for a, g in zip(A, G)]), "the -p p^T part is missing"),
])
def test_check_backward_names_a_wrong_jacobian_before_expected_against_actual(fn, slip):
    res = check_backward(fn)
    assert len(res.problems) == 4, repr(res)
    assert all(p.index(slip) < p.index("expected") for p in res.problems), repr(res)
    # the slip really is wrong: compare with finite differences of sum(G * softmax(Z)) on one row
    z, g = np.array([0.3, -1.2, 2.0]), np.array([0.5, -0.7, 0.1])
    h = 1e-6

    def softmax(v):
        e = np.exp(v - v.max())
        return e / e.sum()

    fd = np.array([(g @ softmax(z + h * e) - g @ softmax(z - h * e)) / (2 * h) for e in np.eye(3)])
    assert np.allclose(per_row_jacobian(softmax(z)[None], g[None])[0], fd, atol=1e-8)
    assert not np.allclose(fn(softmax(z)[None], g[None])[0], fd, atol=1e-4)
