"""The notebooks' printing helpers: fixed decimals, per-notebook defaults, warnings captured as data."""

import numpy as np

from softmax_lab.course.display import fixed_decimals, show, warnings_raised
from softmax_lab.course.memory import peak_memory


def test_show_prints_fixed_decimals():
    assert show([0.5, 1 / 3]) == "[0.500000, 0.333333]"
    assert show([0.5, 1e-300], 2) == "[0.50, 0.00]"
    assert show([0.5, 1e-300], 2, suppress_small=False) == "[5.00e-001, 1.00e-300]"


def test_fixed_decimals_sets_the_default_and_keeps_the_override():
    show7 = fixed_decimals(7)
    assert show7([0.25]) == "[0.2500000]"
    assert show7([0.25], 1) == "[0.2]"
    assert fixed_decimals(3, suppress_small=False)([1e-9]) == "[1.000e-09]"


def test_warnings_raised_returns_result_and_messages():
    result, msgs = warnings_raised(lambda: np.exp(np.array([1000.0, 0.0])))
    assert result[0] == np.inf and result[1] == 1.0
    assert msgs == ["overflow encountered in exp"]
    assert warnings_raised(lambda: 3) == (3, [])


def test_peak_memory_counts_the_result_not_the_inputs():
    x = np.ones(1_000_000)
    result, peak = peak_memory(np.multiply, x, 2.0)
    assert result[0] == 2.0
    assert 8_000_000 <= peak < 8_100_000  # one float64 output of 1e6 entries
    _, peak_view = peak_memory(lambda a: a[::2], x)
    assert peak_view < 10_000  # a view allocates no data buffer
