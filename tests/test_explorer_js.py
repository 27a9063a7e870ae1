"""The explorer's JavaScript (softmax_lab/course/explorer.js) against the numpy reference (issue 16).

The browser computes everything the explorer shows, so its arithmetic is tested here: one ``node`` process
runs the module's exported functions on every case (JSON in, JSON out; float64 survives the trip exactly:
both sides print the shortest round-trip decimal) and each result is compared with softmax_lab. Its softmax
is the widgets' shared softmax.js, tested against ``softmax_lab.softmax`` in test_softmax_js.py; the harness
here (``node_runner``) serves the parity tests of every widget and of softmax.js.

Tolerances (float64 on both sides). The entropy of the same probabilities sums C terms -p ln p, each within
a few eps relatively on either side (``log`` within 1 ulp, one product), in another order (numpy pairwise, JS
left to right: within (C - 1) eps H): ``(4C + 8) eps (H + 1)`` bounds the difference with room. Where both
sides do only exact operations (masks, searchsorted) the results must be equal bit for bit."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

from softmax_lab import entropy, softmax, top_k_top_p_mask
from softmax_lab.course.explorer import readout_text, temperature_view

EXPLORER_JS = Path(__file__).resolve().parents[1] / "softmax_lab" / "course" / "explorer.js"
EPS = float(np.finfo(np.float64).eps)
ATOL = 1e-320  # a few thousand ulps of a subnormal; nothing a chart could show

# node harness: reads [[function name, args...], ...] as JSON, answers the results in the same order.
# -inf / inf / NaN travel as the strings "-inf" / "inf" / "nan" (JSON has no such numbers).
HARNESS = """
import * as ex from %s;
const decode = (v) => v === "-inf" ? -Infinity : v === "inf" ? Infinity : v === "nan" ? NaN
  : Array.isArray(v) ? v.map(decode) : v;
const encode = (v) => v === -Infinity ? "-inf" : v === Infinity ? "inf" : Number.isNaN(v) ? "nan"
  : ArrayBuffer.isView(v) || Array.isArray(v) ? Array.from(v, encode)
  : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)])) : v;
let input = "";
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([name, ...args]) => {
    try {
      const a = args.map(decode);
      if (name === "readout") return encode(ex.readoutText(ex.temperatureView(a[0], a[1], a[2], a[3]), a[4]));
      return encode(ex[name](...a));
    } catch (e) { return { error: String(e.message) }; }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def _encode(x: Any) -> Any:
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (list, tuple)):
        return [_encode(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def _decode(x: Any) -> Any:
    if isinstance(x, list):
        return [_decode(v) for v in x]
    return {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}.get(x, x) if isinstance(x, str) else x


def node_runner(tmp_path_factory: pytest.TempPathFactory, module: Path, what: str, harness: str = HARNESS,
                encode_call: Callable[[tuple[Any, ...]], Any] = lambda c: _encode(list(c)),
                decode_result: Callable[[Any], Any] = lambda r: r if isinstance(r, dict) and "error" in r else _decode(r),
                timeout: float = 120) -> Callable[[list[tuple[Any, ...]]], list[Any]]:
    """``run(calls)``: ``[(name, *args), ...]`` through the ES module ``module`` in one node process (the
    parity tests of every widget use it). Without node the tests skip with an install hint, except under
    ``CI=true``, where they fail."""
    node = shutil.which("node")
    if node is None:
        from browser_support import in_ci
        reason = f"node is not installed (Debian: apt-get install nodejs); {what}'s JS goes untested"
        if in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    script = tmp_path_factory.mktemp("node") / "harness.mjs"
    script.write_text(harness % json.dumps(module.as_uri()))

    def run(calls: list[tuple[Any, ...]]) -> list[Any]:
        done = subprocess.run([node, str(script)], input=json.dumps([encode_call(c) for c in calls]),
                              capture_output=True, text=True, timeout=timeout, check=True)
        return [decode_result(r) for r in json.loads(done.stdout)]
    return run


@pytest.fixture(scope="module")
def js(tmp_path_factory: pytest.TempPathFactory):
    """``js(calls)`` runs ``[(name, *args), ...]`` through explorer.js in one node process."""
    return node_runner(tmp_path_factory, EXPLORER_JS, "the explorer")


def _random_cases(n: int, seed: int) -> list[tuple[np.ndarray, float]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        c = int(rng.integers(1, 51))
        z = rng.normal(0, 10 ** rng.uniform(-1, 2), size=c)
        t = float(10 ** rng.uniform(-2, 2))
        cases.append((z, t))
    return cases


# -------------------------------------------------------------------------------------------- entropy

def test_entropy_of_random_probabilities_matches_numpy(js) -> None:
    cases = _random_cases(300, seed=1) + [(z, 1.0) for z, _ in _random_cases(50, seed=2)]
    results = js([("entropy", softmax(z, temperature=t)) for z, t in cases])
    for (z, t), h in zip(cases, results):
        ref = float(entropy(softmax(z, temperature=t)))
        assert abs(h - ref) <= (4 * z.size + 8) * EPS * (ref + 1), (h, ref)


# -------------------------------------------------------------------------------------------- top-k / top-p

def test_masks_equal_numpy_on_random_and_tied_probabilities(js) -> None:
    rng = np.random.default_rng(5)
    cases = []
    for z, t in _random_cases(150, seed=6):
        p = softmax(z, temperature=t)
        k = int(rng.integers(1, p.size + 1)) if rng.random() < 0.6 else None
        top_p = float(rng.uniform(0.05, 1.0)) if rng.random() < 0.6 else None
        cases.append((p, k, top_p))
    uniform4, tied = np.full(4, 0.25), np.array([0.3, 0.2, 0.3, 0.2])
    cases += [(uniform4, None, 0.5), (uniform4, 2, None), (uniform4, None, 0.5000001), (tied, 1, None),
              (tied, 3, None), (tied, None, 0.3), (tied, None, 0.6), (np.array([1.0, 0.0, 0.0]), None, 1.0),
              (np.array([0.0, 0.0, 1.0]), 2, None), (np.full(50, 0.02), 7, 0.5)]
    for (p, k, top_p), mask in zip(cases, js([("topKTopPMask", p, k, top_p) for p, k, top_p in cases])):
        assert mask == top_k_top_p_mask(p, top_k=k, top_p=top_p).tolist(), (p, k, top_p)
    # ties go to the lower index, as the docstring says (an oracle independent of both implementations)
    assert js([("topKTopPMask", tied, 1, None)])[0] == [True, False, False, False]


def test_bad_top_k_and_top_p_raise_naming_the_argument(js) -> None:
    errors = [r["error"] for r in js([("topKTopPMask", [0.5, 0.5], 3, None), ("topKTopPMask", [0.5, 0.5], None, 0.0)])]
    assert re.search(r"top_k must be an integer between 1 and .* 2", errors[0]), errors[0]
    assert re.search(r"top_p must be in \(0, 1\]", errors[1]), errors[1]


def test_readout_line_matches_python(js) -> None:
    labels = ["mat", "sofa", "floor", "roof", "moon", "piano"]
    z = np.array([3.0, 2.2, 1.6, 0.5, -0.6, -1.4])
    settings = [(1.0, None, None), (0.5011872336272722, None, None), (2.0, 3, None), (2.0, None, 0.9),
                (0.01, None, None), (100.0, 2, 0.5), (12.589254117941675, None, 0.35)]
    lines = js([("readout", z, t, k, p, labels) for t, k, p in settings])
    for (t, k, p), line in zip(settings, lines):
        assert line == readout_text(temperature_view(z, t, top_k=k, top_p=p), labels)


# -------------------------------------------------------------------------------------------- draws

def test_draw_index_is_searchsorted_right_clamped_to_the_last_possible_class(js) -> None:
    q = np.array([0.1, 0.0, 0.25, 0.65, 0.0])
    cdf = np.cumsum(q)
    us = np.concatenate([np.random.default_rng(7).random(200) * cdf[-1], cdf, [0.0, cdf[-1]]])
    got = js([("drawIndex", cdf, float(u), 3) for u in us])
    assert got == np.minimum(np.searchsorted(cdf, us, side="right"), 3).tolist()


def test_seeded_draws_follow_the_probabilities(js) -> None:
    q = softmax(np.array([3.0, 2.2, 1.6, 0.5, -np.inf, -1.4]), temperature=0.8)
    n = 20_000
    a, b, c = js([("drawCounts", q, n, 0), ("drawCounts", q, n, 0), ("drawCounts", q, n, 1)])
    assert a == b and a != c  # same seed, same draws; another seed, other draws
    assert sum(a) == n and a[4] == 0  # the masked class is never drawn
    z_scores = (np.array(a) / n - q)[q > 0] / np.sqrt(q * (1 - q) / n)[q > 0]
    assert np.all(np.abs(z_scores) < 5), z_scores  # binomial: |z| > 5 has probability < 1e-6 per class
