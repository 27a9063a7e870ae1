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
