"""Would the stored notebook outputs hold on another machine? Find out on this one.

Runs strict nbval on the notebooks in a kernel that computes like a different machine:

1. numpy's SIMD code paths above the build's baseline are switched off (``NPY_DISABLE_CPU_FEATURES``),
   so exp, log, tanh and friends run other kernels (on an AVX-512 machine about 5 % of float64 ``exp``
   results and 40 % of float32 ones change in the last bit);
2. OpenBLAS is told to use another CPU's kernels (``OPENBLAS_CORETYPE``), so matrix products round
   differently;
3. every result of exp, expm1, log, log1p, log10, tanh, sin and cos, in numpy and in ``math``, is moved by
   up to 64 ulps in float64 (16 in float32), deterministically in the result's bits
   (``tools/portability/perturb_libm.py``, loaded as an IPython startup file of the kernel).

A cell whose stored output shows digits at rounding level fails here, on the machine where it was
written, instead of on a student's laptop. Before the notebooks are checked, a canary notebook that
prints raw ``exp`` digits must fail: that proves the kernel really computes differently.

Usage: ``python tools/check_portability.py [notebooks/NN-x.ipynb ...]`` (default: solutions/. The worked
solutions hold every cell of the student edition except the exercise stubs, whose outputs are the checkers'
fixed "not attempted yet" lines; so every number that strict nbval compares is checked. ``make test`` runs it
as tests/test_portability.py, which is also the strict nbval run of the worked solutions.)
Exit status 0 when every notebook passes and the canary fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PERTURB = Path(__file__).resolve().parent / "portability" / "perturb_libm.py"
# A kernel family other than the one OpenBLAS picks on a modern x86 machine (SSE3 only); ignored on ARM.
OTHER_BLAS_CORE = "Prescott"


def simd_groups_above_baseline() -> list[str]:
    """The SIMD groups numpy found on this CPU beyond its build's baseline (what we switch off)."""
    from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__
    return [f for f in __cpu_dispatch__ if __cpu_features__.get(f) and f not in __cpu_baseline__]


def other_machine_env(workdir: Path) -> dict[str, str]:
    """Environment for a kernel that computes like another machine (see the module docstring)."""
    ipython_dir = workdir / "ipython"
    startup = ipython_dir / "profile_default" / "startup"
    startup.mkdir(parents=True)
    shutil.copy(PERTURB, startup / "00-perturb-libm.py")
    env = dict(os.environ)
    env.update(IPYTHONDIR=str(ipython_dir), OPENBLAS_CORETYPE=OTHER_BLAS_CORE,
               NPY_DISABLE_CPU_FEATURES=" ".join(simd_groups_above_baseline()))
    return env


def confirm_simd_off(env: dict[str, str]) -> None:
    """numpy accepts unknown names in NPY_DISABLE_CPU_FEATURES silently: check the groups are really off."""
    code = ("from numpy._core._multiarray_umath import __cpu_baseline__, __cpu_dispatch__, __cpu_features__\n"
            "print(' '.join(f for f in __cpu_dispatch__ if __cpu_features__.get(f) "
            "and f not in __cpu_baseline__))")
    left = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          check=True).stdout.split()
    wanted = env["NPY_DISABLE_CPU_FEATURES"].split()
    still_on = [f for f in wanted if f in left]
    if still_on:
        raise SystemExit(f"NPY_DISABLE_CPU_FEATURES did not switch off {still_on}")


def write_canary(path: Path) -> None:
    """A notebook whose stored output is raw exp/log digits computed here, unperturbed."""
    import math

    import numpy as np
    x = np.linspace(0.1, 3.0, 8)
    code = ("import math\nimport numpy as np\nx = np.linspace(0.1, 3.0, 8)\n"
            "print([v.hex() for v in np.exp(x)], math.log(7.0).hex())")
    text = str([v.hex() for v in np.exp(x)]) + " " + math.log(7.0).hex() + "\n"
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code, execution_count=1)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    nb.cells = [cell]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def run_nbval(paths: list[Path], env: dict[str, str]) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--nbval",
           "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
           "-o", "addopts=", "-o", "testpaths=", *map(str, paths)]
    if len(paths) > 1:  # two workers (pytest-xdist); the cells of one notebook stay in one worker, in order
        cmd[3:3] = ["-n", "2", "--dist", "loadscope"]
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)


def main(argv: list[str]) -> int:
    notebooks = [Path(a).resolve() for a in argv] or sorted(
        ROOT.glob("solutions/[0-9][0-9]-*.ipynb"))
    with tempfile.TemporaryDirectory(prefix="portability-") as tmp:
        env = other_machine_env(Path(tmp))
        confirm_simd_off(env)
        print(f"SIMD off: {env['NPY_DISABLE_CPU_FEATURES'] or '(none above baseline)'}; "
              f"OPENBLAS_CORETYPE={OTHER_BLAS_CORE}; exp/log/... perturbed by up to {os.environ.get('SOFTMAX_LAB_PERTURB_ULPS', '64')} ulps", flush=True)
        canary = Path(tmp) / "canary.ipynb"
        write_canary(canary)
        canary_run = run_nbval([canary], env)
        if "Cell outputs differ" not in canary_run.stdout:  # failing for another reason proves nothing
            print("FAIL: the canary notebook (raw exp digits) did not fail on its digits: the kernel is not "
                  "perturbed", canary_run.stdout[-3000:], sep="\n")
            return 1
        result = run_nbval(notebooks, env)
        print(result.stdout, result.stderr, sep="\n")
        if result.returncode != 0:
            print("FAIL: the outputs above differ on a machine that rounds differently; print bounds, "
                  "values rounded well above the noise, or a claim checked with a tolerance instead")
            return 1
    print(f"portable: {len(notebooks)} notebooks give their stored outputs on a differently-rounding machine")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
