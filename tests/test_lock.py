"""requirements.lock (what make lab/test install) agrees with requirements.txt (the ranges we support).

`make lock` regenerates the lock; this test fails when someone edits requirements.txt and forgets to.
"""

from __future__ import annotations

import re
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def _requirements() -> list[Requirement]:
    reqs = []
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            reqs.append(Requirement(line))
    return reqs


def _pins() -> dict[str, list[Version]]:
    pins: dict[str, list[Version]] = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins.setdefault(canonicalize_name(m.group(1)), []).append(Version(m.group(2)))
    return pins


def test_every_requirement_is_pinned_within_its_range():
    pins = _pins()
    for req in _requirements():
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is in requirements.txt but not in requirements.lock: run `make lock`"
        for version in pins[name]:
            assert req.specifier.contains(version, prereleases=True), (
                f"requirements.lock pins {req.name}=={version}, outside requirements.txt's {req}: run `make lock`")


def test_the_lock_pins_one_version_of_each_package_the_outputs_depend_on():
    pins = _pins()
    for name in ("numpy", "scipy", "matplotlib", "ipywidgets", "anywidget", "ipykernel", "nbval", "jupyterlab"):
        assert len(pins[name]) == 1, f"{name} has several pins {pins[name]}: one Python would get other outputs"


def test_the_lock_installs_this_package_and_no_deep_learning_framework():
    text = (ROOT / "requirements.lock").read_text()
    assert re.search(r"^-e \.$", text, re.M)
    assert not re.search(r"^(torch|jax|tensorflow)==", text, re.M)
