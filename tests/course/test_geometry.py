"""softmax_lab.course.geometry: the barycentric picture of the 3-class simplex that notebook 08 draws."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from softmax_lab.course.geometry import CORNERS, draw_simplex, to_plane  # noqa: E402


def test_corners_form_an_equilateral_triangle_of_side_one():
    sides = [np.linalg.norm(CORNERS[i] - CORNERS[(i + 1) % 3]) for i in range(3)]
    np.testing.assert_allclose(sides, 1.0, rtol=1e-15)


def test_one_hot_vectors_go_to_the_corners_and_uniform_to_the_centre():
    np.testing.assert_array_equal(to_plane(np.eye(3)), CORNERS)
    np.testing.assert_allclose(to_plane(np.full(3, 1 / 3)), [0.5, np.sqrt(3) / 6], rtol=1e-15)
    assert to_plane(np.ones((4, 5, 3)) / 3).shape == (4, 5, 2)


@given(st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3).filter(lambda w: sum(w) > 1e-3))
def test_distance_to_each_edge_is_p_i_times_the_height(w):
    # plane geometry, independent of the barycentric formula: distance of the point to the line through the
    # other two corners equals p_i * sqrt(3) / 2, the notebook's statement
    p = np.array(w) / sum(w)
    x = to_plane(p)
    for i in range(3):
        a, b = CORNERS[(i + 1) % 3], CORNERS[(i + 2) % 3]
        d = b - a
        distance = abs(d[0] * (x[1] - a[1]) - d[1] * (x[0] - a[0])) / np.linalg.norm(d)
        assert distance == pytest.approx(p[i] * np.sqrt(3) / 2, abs=1e-12)


def test_wrong_number_of_classes_is_refused_naming_p():
    with pytest.raises(ValueError, match="P must have 3 entries"):
        to_plane(np.ones(4) / 4)


def test_draw_simplex_draws_the_closed_outline_and_labels():
    ax = draw_simplex(labels=("a", "b", "c"))
    outline = ax.lines[0].get_xydata()
    np.testing.assert_allclose(outline, np.vstack([CORNERS, CORNERS[:1]]))
    assert ax.lines[0].get_linestyle() == "--"                 # the edges are not part of the open simplex
    assert [t.get_text().split("\n")[0].split(" (")[0] for t in ax.texts] == ["a", "b", "c"]
    plt.close(ax.figure)
