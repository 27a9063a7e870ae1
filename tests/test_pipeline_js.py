"""The sampling-pipeline explorer's JavaScript (softmax_lab/course/pipeline_demo.js) against numpy (issues 15, 16).

The browser computes every stage the pipeline explorer shows, so node runs the module's exported functions (one
process, JSON in and out; float64 survives the trip exactly) and each result is compared with the functions of
:mod:`softmax_lab.course.pipeline` (the numpy reference) on many cases: random logits, penalties and biases,
ties, bans (-inf), T -> 0 and T -> inf, and every filter at its limits.

Tolerances (float64 on both sides). Penalties: the same correctly rounded operations in the same order, so the
penalised logits agree bit for bit. softmax of C logits: both sides shift by the max and divide by T exactly;
``exp`` may differ by 1 ulp between glibc and V8, the sum of weights by (C - 1) eps (numpy sums pairwise, JS left
to right), the division by eps/2: ``(2C + 4) eps`` relatively (as in test_explorer_js). Each filter keeps a set
(decided by comparisons) and renormalises: one more sum and division, ``(C + 1) eps`` more per filter, so the
last stage agrees within ``RTOL = (5C + 8) eps`` relatively (plus ``ATOL`` for subnormals). The kept sets must be
identical: the random cases keep every threshold far from a rounding tie, and the cases built on a threshold use
exact binary fractions. Where only exact operations occur (T -> 0 with ties, T = inf, one-hot inputs, filters at
their limits on exact fractions) the results are equal bit for bit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from softmax_lab import softmax
from softmax_lab.course.pipeline import (apply_penalties, min_p_filter, sampler_stages, top_k_filter,
                                         top_p_filter)
from test_explorer_js import ATOL, EPS, _decode, _encode, node_runner

PIPELINE_JS = Path(__file__).resolve().parents[1] / "softmax_lab" / "course" / "pipeline_demo.js"

# node harness: [[function name, args...], ...] in, results out; "-inf" / "inf" / "nan" stand for the numbers,
# inside arrays and objects (samplerStages takes an options object).
HARNESS = """
import * as ex from %s;
const decode = (v) => v === "-inf" ? -Infinity : v === "inf" ? Infinity : v === "nan" ? NaN
  : Array.isArray(v) ? v.map(decode)
  : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)])) : v;
const encode = (v) => v === -Infinity ? "-inf" : v === Infinity ? "inf" : Number.isNaN(v) ? "nan"
  : Array.isArray(v) ? v.map(encode)
  : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)])) : v;
let input = "";
process.stdin.on("data", (d) => { input += d; });
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(([name, ...args]) => {
    try { return encode(ex[name](...args.map(decode))); } catch (e) { return { error: String(e.message) }; }
  });
  process.stdout.write(JSON.stringify(out));
});
"""


def _enc(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _enc(v) for k, v in x.items()}
    return _encode(x.tolist() if isinstance(x, np.ndarray) else x)


def _dec(x: Any) -> Any:
    if isinstance(x, dict):
        return x if "error" in x else {k: _dec(v) for k, v in x.items()}
    return _decode(x)


@pytest.fixture(scope="module")
def js(tmp_path_factory: pytest.TempPathFactory):
    """``js(calls)`` runs ``[(name, *args), ...]`` through pipeline_demo.js in one node process."""
    return node_runner(tmp_path_factory, PIPELINE_JS, "the pipeline explorer", HARNESS,
                       encode_call=lambda c: [_enc(a) for a in c], decode_result=_dec)


def _rtol(c: int) -> float:
    return (5 * c + 8) * EPS


def _close(got: list[float], ref: np.ndarray, what: str = "") -> None:
    got_a = np.asarray(got, dtype=np.float64)
    assert np.array_equal(got_a > 0, ref > 0), f"{what}: kept sets differ: {got_a > 0} vs {ref > 0}"
    err = np.abs(got_a - ref)
    assert np.all(err <= _rtol(ref.size) * np.abs(ref) + ATOL), f"{what}: worst |js - numpy| = {err.max():.3g}"


def _opts(**kw: Any) -> dict[str, Any]:
    """samplerStages' options from sampler_stages' keywords."""
    names = {"top_k": "topK", "top_p": "topP", "min_p": "minP"}
    return {names.get(k, k): v for k, v in kw.items()}


def _random_settings(n: int, seed: int) -> list[tuple[np.ndarray, np.ndarray, dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        c = int(rng.integers(2, 51))
        z = rng.normal(0, 10 ** rng.uniform(-1, 1.5), size=c)
        counts = np.where(rng.random(c) < 0.3, rng.integers(0, 6, size=c), 0).astype(np.float64)
        bias = np.where(rng.random(c) < 0.2, rng.normal(0, 3, size=c), 0.0)
        if rng.random() < 0.3 and c > 2:
            bias[rng.choice(c - 1, size=int(rng.integers(1, c // 2 + 1)), replace=False) + 1] = -np.inf
        kw: dict[str, Any] = dict(repetition=float(rng.choice([1.0, rng.uniform(1, 2)])),
                                  presence=float(rng.choice([0.0, rng.uniform(0, 1)])),
                                  frequency=float(rng.choice([0.0, rng.uniform(0, 0.5)])), bias=bias,
                                  temperature=float(10 ** rng.uniform(-2, 2)))
        if rng.random() < 0.7:
            kw["top_k"] = int(rng.integers(1, c + 1))
        if rng.random() < 0.7:
            kw["top_p"] = float(rng.uniform(0.05, 1))
        if rng.random() < 0.7:
            kw["min_p"] = float(rng.uniform(0, 0.5))
        cases.append((z, counts, kw))
    return cases


def _check_stages(js_out: dict[str, Any], z: np.ndarray, counts: np.ndarray | None, kw: dict[str, Any]) -> None:
    ref = sampler_stages(z, counts, **kw)
    zp = apply_penalties(z, np.zeros(z.size) if counts is None else counts, kw.get("repetition", 1.0),
                         kw.get("presence", 0.0), kw.get("frequency", 0.0), kw.get("bias"))
    assert np.array_equal(np.asarray(js_out["penalised"]), zp), (js_out["penalised"], zp)  # same operations
    for name, p in ref.items():
        _close(js_out["stages"][name], p, name)


def test_random_settings_match_sampler_stages(js) -> None:
    cases = _random_settings(400, seed=12)
    for (z, n, kw), out in zip(cases, js([("samplerStages", z, n, _opts(**kw)) for z, n, kw in cases])):
        _check_stages(out, z, n, kw)


def test_each_filter_matches_its_numpy_function(js) -> None:
    rng = np.random.default_rng(13)
    calls, refs = [], []
    for _ in range(200):
        c = int(rng.integers(1, 40))
        p = softmax(rng.normal(0, 3, size=c))
        k, top_p, p_min = int(rng.integers(1, c + 1)), float(rng.uniform(0.01, 1)), float(rng.uniform(0, 1))
        calls += [("topKFilter", p, k), ("topPFilter", p, top_p), ("minPFilter", p, p_min)]
        refs += [top_k_filter(p, k), top_p_filter(p, top_p), min_p_filter(p, p_min)]
    for call, got, ref in zip(calls, js(calls), refs):
        _close(got, ref, call[0])


def test_filters_at_their_limits_bit_for_bit(js) -> None:
    p = np.array([0.5, 0.25, 0.125, 0.125])  # exact binary fractions: every sum and ratio is exact
    cases = [("topKFilter", p, 4), ("topKFilter", p, 1), ("topKFilter", p, 3), ("topPFilter", p, 1.0),
             ("topPFilter", p, 1e-9), ("topPFilter", p, 0.5), ("topPFilter", p, 0.75), ("minPFilter", p, 0.0),
             ("minPFilter", p, 1.0), ("minPFilter", p, 0.25), ("minPFilter", p, 0.2500001)]
    funcs = {"topKFilter": top_k_filter, "topPFilter": top_p_filter, "minPFilter": min_p_filter}
    for (name, q, arg), got in zip(cases, js(cases)):
        ref = funcs[name](q, arg)
        assert np.array_equal(np.asarray(got), ref), (name, arg, got, ref)
    got = js(cases)
    # independent oracles, written out: k = 1 and top-p -> 0 and min-p = 1 keep the argmax alone;
    # top-p 0.5 keeps only the first class (its mass reaches 0.5); min-p 0.25 keeps p >= 0.125: all four
    for i in (1, 4, 5, 8):
        assert got[i] == [1.0, 0.0, 0.0, 0.0]
    assert got[6] == [2 / 3, 1 / 3, 0.0, 0.0]  # top-p 0.75: classes 1 and 2 reach it, renormalised
    assert got[2] == [4 / 7, 2 / 7, 1 / 7, 0.0]  # top-k 3 with a tie at the end: the lower index stays
    assert got[9] == p.tolist() and got[10] == [2 / 3, 1 / 3, 0.0, 0.0]


def test_ties_break_towards_the_lower_index(js) -> None:
    p = np.array([0.2, 0.3, 0.2, 0.3])
    got = js([("topKFilter", p, 1), ("topKFilter", p, 3), ("ranking", p)])
    assert got[0] == [0.0, 1.0, 0.0, 0.0] and got[2] == [1, 3, 0, 2]
    assert np.array_equal(np.asarray(got[1]), top_k_filter(p, 3))


def test_temperature_limits(js) -> None:
    z = np.array([2.0, 2.0, 0.5, -1.0, 2.0])
    cases = [(z, {"temperature": t}) for t in (1e-300, 5e-324)] + [(z, {"temperature": 1e300})]
    cases += [(z, {"temperature": 1e-300, "top_k": 2}), (np.array([1e300, -1e300, 0.0]), {"temperature": 1e-5})]
    for (zc, kw), out in zip(cases, js([("samplerStages", zc, None, _opts(**kw)) for zc, kw in cases])):
        ref = sampler_stages(zc, **kw)
        for name, p in ref.items():
            assert np.array_equal(np.asarray(out["stages"][name]), p), (kw, name, out["stages"][name], p)
    got = js([("samplerStages", z, None, {"temperature": 1e-300}), ("softmax", z, np.inf), ("softmax", z, 0.0)])
    assert got[0]["stages"]["temperature"] == [1 / 3, 1 / 3, 0.0, 0.0, 1 / 3]  # T -> 0: the tied maxima share
    assert got[1] == [0.2] * 5 and got[2] == [1 / 3, 1 / 3, 0.0, 0.0, 1 / 3]
    # T -> inf: uniform over the classes not banned
    banned = js([("samplerStages", z, None, {"temperature": 1e300, "bias": [0.0, -np.inf, 0.0, 0.0, -np.inf]})])[0]
    assert banned["stages"]["temperature"] == [1 / 3, 0.0, 1 / 3, 1 / 3, 0.0]


def test_penalties_follow_the_rule(js) -> None:
    z = np.array([2.0, -2.0, 2.0, -2.0, 0.0])
    n = np.array([1.0, 1.0, 0.0, 0.0, 3.0])
    got = js([("applyPenalties", z, n, 2.0, 0.5, 0.25, [0.0, 0.0, 1.0, -np.inf, 0.0])])[0]
    # written out: seen positive 2 / 2 - 0.5 - 0.25; seen negative -2 * 2 - 0.5 - 0.25; unseen 2 + bias 1;
    # banned; seen zero 0 * 2 - 0.5 - 0.75
    assert got == [0.25, -4.75, 3.0, -np.inf, -1.25]
    assert np.array_equal(got, apply_penalties(z, n, 2.0, 0.5, 0.25, [0.0, 0.0, 1.0, -np.inf, 0.0]))


def test_the_widget_settings_map_to_sampler_stages(js) -> None:
    from softmax_lab.course.pipeline_demo import PipelineExplorer
    w = PipelineExplorer(temperature=0.7, top_k=5, top_p=0.8, min_p=0.05, bias=2.0)
    settings = {k: getattr(w, k) for k in ("labels", "logits", "counts", "banned", "repetition", "presence",
                                           "frequency", "bias_class", "bias", "temperature", "top_k", "top_p",
                                           "min_p")}
    off = dict(settings, top_k=len(w.logits), top_p=1.0, min_p=0.0)
    on_view, off_view = js([("pipelineView", settings), ("pipelineView", off)])
    bias = np.zeros(len(w.logits))
    bias[w.banned] = -np.inf
    bias[w.bias_class] += 2.0
    kw = dict(repetition=1.3, presence=0.3, frequency=0.0, bias=bias, temperature=0.7)
    for name, p in sampler_stages(w.logits, w.counts, **kw, top_k=5, top_p=0.8, min_p=0.05).items():
        _close(on_view["stages"][name], p, name)
    for name, p in sampler_stages(w.logits, w.counts, **kw).items():  # the end positions switch the filters off
        _close(off_view["stages"][name], p, name)
    assert on_view["kept"]["min-p"] == int(np.sum(sampler_stages(w.logits, w.counts, **kw, top_k=5, top_p=0.8,
                                                                  min_p=0.05)["min-p"] > 0))
    assert on_view["stages"]["penalties"][w.labels.index("end")] == 0.0  # banned


def test_bad_input_names_the_argument(js) -> None:
    errors = js([("softmax", [1.0, np.nan], 1.0), ("softmax", [-np.inf, -np.inf], 1.0), ("softmax", [1.0], -1.0),
                 ("topKFilter", [0.5, 0.5], 3), ("topPFilter", [0.5, 0.5], 0.0), ("minPFilter", [0.5, 0.5], 2.0),
                 ("applyPenalties", [1.0, 2.0], [1.0], 1.0, 0.0, 0.0, None),
                 ("samplerStages", [1.0, 2.0], None, {"temperature": 0.0})])
    messages = [e["error"] for e in errors]
    assert "z contains NaN at index 1" in messages[0] and "every class is masked" in messages[1]
    assert "temperature" in messages[2] and "top_k" in messages[3] and "top_p" in messages[4]
    assert "p_min" in messages[5] and "counts" in messages[6] and "temperature must be > 0" in messages[7]


def test_python_widget_rejects_bad_settings() -> None:
    from softmax_lab.course.pipeline_demo import PipelineExplorer
    for kwargs, word in [({"temperature": 1000.0}, "temperature"), ({"top_k": 0}, "top_k"), ({"top_p": 0.0}, "top_p"),
                         ({"banned": ("zz",)}, "'zz'"), ({"bias": 11.0}, "bias"), ({"logits": [1.0]}, "logits"),
                         ({"counts": [1.0] * 3}, "counts")]:
        with pytest.raises(ValueError, match=word):
            PipelineExplorer(**kwargs)
    assert repr(PipelineExplorer()) == "PipelineExplorer(12 classes, T=1, top_k=12, top_p=0.9, min_p=0)"
