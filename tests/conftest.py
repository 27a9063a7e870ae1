import atexit
import os
import shutil
import tempfile
import warnings

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, max_examples=150,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=150, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")

# The exercise checkers record results for progress(): during the tests (and in the notebook kernels nbval
# starts, which inherit this environment) they go to a throw-away file, never into a student's
# ~/.softmax_lab/progress.json. Set at import time, before any test or kernel runs.
_PROGRESS_DIR = tempfile.mkdtemp(prefix="softmax-lab-progress-")
os.environ["SOFTMAX_LAB_PROGRESS"] = os.path.join(_PROGRESS_DIR, "progress.json")
atexit.register(shutil.rmtree, _PROGRESS_DIR, ignore_errors=True)


@pytest.fixture
def warnings_are_errors():
    """Every warning raised during the test fails it (use with pytest.mark.usefixtures)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield
