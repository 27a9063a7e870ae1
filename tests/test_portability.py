"""Would the stored notebook outputs hold on another machine? (issue 10)

``tools/check_portability.py`` reruns every notebook under strict nbval in a kernel that rounds like another
machine; here it runs as part of ``make test``. The perturbation it relies on is tested first, in a
subprocess (importing it patches numpy and math for the whole process).
It is also the strict nbval run of the worked solutions (solutions/ is not in pytest's testpaths): a stricter
run than a plain one, and one run instead of two. Wall time: about 40-60 s on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PERTURB_DIR = ROOT / "tools" / "portability"

PROBE = r"""
import json, math, sys
import numpy as np
x = np.linspace(-30.0, 30.0, 20001)
x32 = x.astype(np.float32)
before = {"exp": np.exp(x), "log": np.log(np.abs(x) + 0.5), "exp32": np.exp(x32), "mexp": math.exp(1.3)}
buf = np.array([0.25, 1.5, 700.0]); plain_inplace = np.exp(buf)
sys.path.insert(0, sys.argv[1])
import perturb_libm  # patches numpy and math
after = {"exp": np.exp(x), "log": np.log(np.abs(x) + 0.5), "exp32": np.exp(x32), "mexp": math.exp(1.3)}
np.exp(buf, out=buf)
ulps = lambda a, b: (np.abs(a.astype(np.float64) - b) / np.spacing(np.abs(b).astype(b.dtype))).astype(float)
print(json.dumps({
    "max_ulps_exp": float(ulps(after["exp"], before["exp"])[np.isfinite(before["exp"])].max()),
    "moved_exp": float(np.mean(after["exp"] != before["exp"])),
    "max_ulps_log": float(ulps(after["log"], before["log"]).max()),
    "max_ulps_exp32": float(ulps(after["exp32"], before["exp32"]).max()),
    "math_moved": after["mexp"] != before["mexp"],
    "math_ulps": abs(after["mexp"] - before["mexp"]) / math.ulp(before["mexp"]),
    "deterministic": bool(np.array_equal(np.exp(x), after["exp"])),
    "inplace_same_as_new": bool(np.array_equal(buf, np.exp(np.array([0.25, 1.5, 700.0])))),
    "inplace_moved": bool(not np.array_equal(buf, plain_inplace)),
    "exact": [float(np.exp(0.0)), float(np.log(1.0)), float(np.exp(-np.inf)), float(np.exp(-800.0)),
              math.exp(0.0), float(np.exp(np.float32(0.0)))],
    "overflow_still_inf": bool(np.isinf(np.exp(np.array([710.0]))[0])),
    "float16_untouched": bool(np.array_equal(np.exp(x.astype(np.float16)[:100]),
                                             np.exp(x.astype(np.float16)[:100].astype(np.float32)).astype(np.float16))),
}))
"""


def _probe(ulps: int) -> dict:
    out = subprocess.run([sys.executable, "-c", PROBE, str(PERTURB_DIR)], capture_output=True, text=True,
                         env={**__import__("os").environ, "SOFTMAX_LAB_PERTURB_ULPS": str(ulps)}, check=True)
    return json.loads(out.stdout)


def test_perturbation_moves_exp_and_log_by_at_most_the_stated_ulps():
    r = _probe(64)
    assert 32 < r["max_ulps_exp"] <= 64.5       # float64: up to 64 ulps, and it does use the range
    assert r["moved_exp"] > 0.9                  # almost every result moves (the offset 0 keeps 1 in 129)
    assert r["max_ulps_log"] <= 64.5
    assert 4 < r["max_ulps_exp32"] <= 16.5       # float32: a quarter of it
    assert r["math_moved"] and r["math_ulps"] <= 64


def test_perturbation_is_a_function_and_keeps_what_every_machine_shares():
    r = _probe(64)
    assert r["deterministic"]                    # the same input gives the same output
    assert r["inplace_same_as_new"] and r["inplace_moved"]   # out= is perturbed like a new array
    assert r["exact"] == [1.0, 0.0, 0.0, 0.0, 1.0, 1.0]
    assert r["overflow_still_inf"]
    assert r["float16_untouched"]


def test_the_perturbation_size_is_a_setting():
    assert _probe(4)["max_ulps_exp"] <= 4.5


@pytest.mark.skipif(sys.platform == "win32", reason="IPython startup files and OpenBLAS core types: Linux/macOS")
def test_stored_notebook_outputs_hold_on_a_machine_that_rounds_differently():
    """The check itself: the canary must fail (the kernel is perturbed) and every notebook must pass."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "check_portability.py")],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-8000:] + result.stderr[-2000:]
    assert "portable:" in result.stdout
