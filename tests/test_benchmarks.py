"""The benchmark's plumbing, benchmarks/softmax.py (no timings are asserted: those belong in the benchmark's
own output)."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # benchmarks/ lives beside the package, not in it
from benchmarks import softmax as bm  # noqa: E402


def _row(op, shape, **times):
    return bm.Row(op, shape, "float32", {k: v * 1e-6 for k, v in times.items()}, {"ours": 1.0})


def test_every_op_runs_without_peers_and_reports_a_copy_baseline():
    for op in bm.OPS:
        row = bm.bench_row(op, (4, 5), "float64", None, None, budget_s=0.0)
        assert row.times["ours"] > 0 and row.times["copy"] > 0
        assert "scipy" not in row.times and "torch" not in row.times
        assert row.memory["ours"] >= 0
    back = bm.bench_row("backward", (4, 5), "float32", None, None, budget_s=0.0)
    assert {"jac_loop", "row_loop", "jac_batched"} <= set(back.times)


def test_jacobians_are_skipped_where_they_do_not_fit():
    row = bm.bench_row("backward", (64, 5000), "float64", None, None, budget_s=0.0)
    assert not {"jac_batched", "jac_loop", "row_loop"} & set(row.times)


def test_the_compared_implementations_agree():
    scipy_special = pytest.importorskip("scipy.special")
    z, g, labels = bm._inputs((6, 7), "float64")
    from softmax_lab import cross_entropy, softmax, softmax_backward
    np.testing.assert_allclose(softmax(z), scipy_special.softmax(z, axis=-1), rtol=1e-14)
    p = softmax(z)
    for method in (bm.backward_elementwise_loop, bm.backward_row_loop, bm.backward_batched_jacobian):
        np.testing.assert_allclose(method(p, g), softmax_backward(p, g), rtol=1e-12, atol=1e-15)
    by_scipy = -scipy_special.log_softmax(z, axis=-1)[np.arange(6), labels].mean()
    assert cross_entropy(z, labels) == pytest.approx(by_scipy, rel=1e-14)


def test_goals_are_judged_from_the_ratios():
    rows = [
        _row("forward", (256, 1000), ours=80, ours_out=70, scipy=100, torch=50, torch_out=20, copy=10),
        _row("backward", (64, 10), ours=5, torch=2, jac_loop=2000, copy=0.3),
    ]
    lines = bm.check_goals(rows)
    assert "PASS  forward 256x1000 float32: ours/scipy = 0.80 (goal <= 0.85)" in lines
    assert "PASS  forward 256x1000 float32: ours/torch-1t = 1.60 (goal <= 2.5)" in lines
    assert "FAIL  forward 256x1000 float32: ours(out=)/torch-1t(out=) = 3.50 (goal <= 2.5)" in lines
    assert "FAIL  backward 64x10 float32: ours/torch softmax-backward = 2.50 (goal <= 2)" in lines
    assert "PASS  backward 64x10 float32: Jacobian loop / VJP = 400x (goal >= 300)" in lines
    assert "PASS  forward 256x1000 float32: peak extra memory = 1.00 x input (goal <= 1.1)" in lines


def test_memory_goal_is_judged_on_large_inputs_only():
    small = bm.Row("forward", (64, 10), "float32", {"ours": 1e-5, "copy": 1e-6}, {"ours": 2.9})
    large = bm.Row("forward", (4096, 4096), "float32", {"ours": 1e-2, "copy": 1e-3}, {"ours": 2.0})
    lines = bm.check_goals([small, large])
    assert any(line.startswith("info  forward 64x10 float32: peak extra memory = 2.90") for line in lines)
    assert "FAIL  forward 4096x4096 float32: peak extra memory = 2.00 x input (goal <= 1.1)" in lines


def test_table_has_one_line_per_row_and_shows_ratios():
    rows = [_row("forward", (2, 3), ours=4, ours_out=3, scipy=8, copy=0.4)]
    table = bm.format_table(rows).splitlines()
    assert len(table) == 3
    assert " 0.50 " in table[2] and "2x3" in table[2]


def test_main_quick_run_prints_table_and_goals(capsys, monkeypatch):
    monkeypatch.setattr(bm, "_load_torch", lambda: None)  # torch is optional; keep this test light
    assert bm.main(["--shapes", "2x3", "--dtypes", "float32", "--ops", "forward", "--budget", "0"]) == 0
    out = capsys.readouterr().out
    assert "forward" in out and "Goals (issue 7):" in out
