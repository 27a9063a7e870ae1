"""The package's layout (issue 12): the library needs numpy only; the course's helpers load only when asked for.

Each check runs in a fresh interpreter, so modules other tests have already imported cannot hide an import.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "ipywidgets", "IPython")


def _loaded_after(statement: str) -> set[str]:
    """Names of the top-level packages and softmax_lab modules in ``sys.modules`` after ``statement``."""
    code = (f"import sys\n{statement}\n"
            "print('\\n'.join(m for m in sys.modules if '.' not in m or m.startswith('softmax_lab')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_import_softmax_lab_loads_neither_plotting_nor_widgets_nor_the_course():
    loaded = _loaded_after("import softmax_lab")
    assert "numpy" in loaded and "softmax_lab" in loaded  # the probe sees what it should
    assert not loaded & set(HEAVY), f"import softmax_lab loaded {sorted(loaded & set(HEAVY))}"
    assert "softmax_lab.course" not in loaded


def test_the_course_package_and_its_checkers_load_without_plotting_or_widgets():
    loaded = _loaded_after("import softmax_lab.course.checks")
    assert "softmax_lab.course.checks.basics" in loaded
    assert not loaded & set(HEAVY), f"the checkers loaded {sorted(loaded & set(HEAVY))}"


def test_the_course_plots_do_load_matplotlib():
    """The other side of the two tests above: the probe does notice matplotlib when it is loaded."""
    assert "matplotlib" in _loaded_after("import softmax_lab.course.plots")
