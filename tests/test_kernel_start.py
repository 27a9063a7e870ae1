"""The root conftest starts a notebook kernel again when a start dies (a port taken in between)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_root_conftest(monkeypatch):
    """A fresh copy of the root conftest; nbval's start function is put back afterwards."""
    import nbval.kernel
    monkeypatch.setattr(nbval.kernel, "start_new_kernel", nbval.kernel.start_new_kernel)
    spec = importlib.util.spec_from_file_location("root_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def flaky_start(deaths: int):
    """A stand-in for nbval's kernel start whose first ``deaths`` calls die as a kernel does."""
    calls = []

    def start(*args, **kwargs):
        calls.append((args, kwargs))
        if len(calls) <= deaths:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "km", "kc"
    return start, calls


def test_nbval_uses_the_retrying_start():
    import nbval.kernel
    assert nbval.kernel.start_new_kernel.__name__ == "start_new_kernel_with_retries"


@pytest.mark.parametrize("deaths", [0, 1, 2])
def test_a_kernel_that_dies_while_starting_is_started_again(monkeypatch, deaths):
    conftest = load_root_conftest(monkeypatch)
    start, calls = flaky_start(deaths)
    monkeypatch.setattr(conftest, "_start_new_kernel", start)
    assert conftest.start_new_kernel_with_retries(kernel_name="k", cwd="d") == ("km", "kc")
    assert len(calls) == deaths + 1
    assert all(c == ((), {"kernel_name": "k", "cwd": "d"}) for c in calls)


def test_three_deaths_in_a_row_are_reported(monkeypatch):
    conftest = load_root_conftest(monkeypatch)
    start, calls = flaky_start(conftest.KERNEL_START_ATTEMPTS)
    monkeypatch.setattr(conftest, "_start_new_kernel", start)
    with pytest.raises(RuntimeError, match="Kernel died"):
        conftest.start_new_kernel_with_retries()
    assert len(calls) == conftest.KERNEL_START_ATTEMPTS
