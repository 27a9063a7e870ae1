"""The explorer's JavaScript (softmax_lab/course/explorer.js) against the numpy reference (issue 16).

The browser computes everything the explorer shows, so its arithmetic is tested here: one ``node`` process
runs the module's exported functions on every case (JSON in, JSON out; float64 survives the trip exactly:
both sides print the shortest round-trip decimal) and each result is compared with softmax_lab.

Tolerances (float64 on both sides). The shift ``z - m`` and the division by T are correctly rounded IEEE
operations, so both sides feed identical arguments to ``exp``. What may differ: ``exp`` itself (glibc's and
V8's are each within 1 ulp: 2 eps apart relatively), the order of the sum of weights (numpy sums pairwise,
JS left to right: each within (C - 1) eps of the exact sum) and the final division (eps/2 each). So every
probability agrees within ``(2C + 4) eps`` relatively; results below the normal range (subnormals, which
carry fewer bits) within ``ATOL`` absolutely. The entropy sums C terms p ln p, each off by the above plus 2
eps: ``(4C + 8) eps (H + 1)``. Where both sides do only exact operations (the T = 0 and T = inf limits,
1/m for m tied maxima, masks, searchsorted) the results must be equal bit for bit.
"""

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


def _close(js_p: list[float], np_p: np.ndarray) -> None:
    got = np.asarray(js_p, dtype=np.float64)
    rtol = (2 * np_p.size + 4) * EPS
    err = np.abs(got - np_p)
    assert np.all(err <= rtol * np.abs(np_p) + ATOL), f"worst |js - numpy| = {err.max():.3g} at {np.argmax(err)}"


def _random_cases(n: int, seed: int) -> list[tuple[np.ndarray, float]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        c = int(rng.integers(1, 51))
        z = rng.normal(0, 10 ** rng.uniform(-1, 2), size=c)
        t = float(10 ** rng.uniform(-2, 2))
        cases.append((z, t))
    return cases


# -------------------------------------------------------------------------------------------- softmax

def test_random_logits_match_numpy_within_the_stated_tolerance(js) -> None:
    cases = _random_cases(300, seed=1) + [(z, 1.0) for z, _ in _random_cases(50, seed=2)]
    results = js([("softmax", z, t) for z, t in cases] + [("entropy", softmax(z, temperature=t)) for z, t in cases])
    for (z, t), p in zip(cases, results[:len(cases)]):
        _close(p, softmax(z, temperature=t))
    for (z, t), h in zip(cases, results[len(cases):]):
        ref = float(entropy(softmax(z, temperature=t)))
        assert abs(h - ref) <= (4 * z.size + 8) * EPS * (ref + 1), (h, ref)


def test_fifty_classes_at_the_slider_limits(js) -> None:
    z = np.random.default_rng(3).normal(0, 2, size=50)
    temps = [0.01, 0.0251188643150958, 0.5, 1.0, 3.98107170553497, 100.0]
    for t, p in zip(temps, js([("softmax", z, t) for t in temps])):
        _close(p, softmax(z, temperature=t))


def test_the_zero_temperature_limit_splits_ties_evenly_bit_for_bit(js) -> None:
    cases = [np.array([2.0, 2.0, 0.5]), np.array([1.0, 3.0, 3.0, 3.0, -np.inf]), np.array([-5.0]),
             np.array([0.0, -np.inf, 0.0, 0.0, 0.0, 0.0, 0.0]), np.full(50, 7.25)]
    temps = [0.0, 1e-300, 5e-324]  # 5e-324 is the smallest subnormal: (z - m) / T is -inf or 0
    calls = [("softmax", z, t) for z in cases for t in temps]
    for (_, z, t), p in zip(calls, js(calls)):
        ref = softmax(z, temperature=t)
        assert np.array_equal(np.asarray(p), ref), (z, t, p, ref)
        m = np.sum(z == z.max())
        assert np.all(ref[z == z.max()] == 1 / m)  # the oracle: 1/m each, by the argument of notebook 07


def test_the_infinite_temperature_limit_is_uniform_over_unmasked_classes_bit_for_bit(js) -> None:
    cases = [np.array([3.0, 2.2, 1.6]), np.array([1e300, -np.inf, -1e300, 0.0]), np.arange(50.0)]
    for z, p in zip(cases, js([("softmax", z, math.inf) for z in cases])):
        allowed = np.isfinite(z)
        expected = np.where(allowed, 1 / allowed.sum(), 0.0)
        assert np.array_equal(np.asarray(p), expected)
        assert np.array_equal(softmax(z, temperature=math.inf), expected)


def test_huge_logits_do_not_overflow(js) -> None:
    cases = [(np.array([1e300, -1e300, 1e300]), 1.0), (np.array([1e300, 1e300 - 1e285, 0.0]), 1.0),
             (np.array([1.7e308, -1.7e308, 1.6e308]), 1.0),  # z - m overflows to -inf: weight exactly 0
             (np.array([-1e300, -1e300 + 2e284, -1e300]), 1e284), (np.array([1e300, 1e299]), 1e299)]
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        ref = softmax(z, temperature=t)
        assert np.all(np.isfinite(ref)) and abs(ref.sum() - 1) < 1e-15
        _close(p, ref)


def test_minus_inf_logits_are_masked_classes(js) -> None:
    rng = np.random.default_rng(4)
    cases = []
    for _ in range(60):
        c = int(rng.integers(2, 51))
        z = rng.normal(0, 3, size=c)
        z[rng.random(c) < 0.4] = -np.inf
        z[int(rng.integers(c))] = rng.normal()  # at least one class left
        cases.append((z, float(10 ** rng.uniform(-2, 2))))
    for (z, t), p in zip(cases, js([("softmax", z, t) for z, t in cases])):
        ref = softmax(z, temperature=t)
        assert np.all(np.asarray(p)[np.isneginf(z)] == 0)
        _close(p, ref)


def test_bad_logits_raise_naming_the_argument(js) -> None:
    calls = [("softmax", [1.0, math.nan], 1.0), ("softmax", [1.0, math.inf], 1.0),
             ("softmax", [-math.inf, -math.inf], 1.0), ("softmax", [1.0, 2.0], -1.0),
             ("topKTopPMask", [0.5, 0.5], 3, None), ("topKTopPMask", [0.5, 0.5], None, 0.0)]
    errors = [r["error"] for r in js(calls)]
    for pattern, message in zip([r"z contains NaN at index 1", r"z contains \+inf at index 1", r"z is -inf everywhere",
                                 r"temperature must be a number >= 0", r"top_k must be an integer between 1 and .* 2",
                                 r"top_p must be in \(0, 1\]"], errors):
        assert re.search(pattern, message), (pattern, message)
    for z in ([1.0, math.nan], [1.0, math.inf], [-math.inf, -math.inf]):  # numpy refuses the same inputs
        with pytest.raises(ValueError, match="^z"):
            softmax(np.array(z))


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
