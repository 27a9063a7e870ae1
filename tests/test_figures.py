"""`make figures` (tools/figures.py): the generator writes every registered figure as a valid, sensibly sized PNG."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ lives beside the package, not in it
from tools import figures  # noqa: E402


def test_generate_writes_every_figure(tmp_path):
    names = list(figures.FIGURES)
    assert {"temperature_panel.png", "entropy_curve.png"} <= set(names)
    written = figures.generate(tmp_path)
    assert sorted(p.name for p in written) == sorted(names)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names)
    for path in written:
        assert path.stat().st_size > 5000, path.name
        with Image.open(path) as im:
            im.verify()  # a complete, uncorrupted PNG
        with Image.open(path) as im:
            assert im.format == "PNG"
            w, h = im.size
            assert 400 <= w <= 3000 and 250 <= h <= 2000, (path.name, im.size)
            pixels = np.asarray(im.convert("L"))
            assert pixels.std() > 5, f"{path.name} looks blank"


def test_cli_writes_into_the_given_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(figures, "FIGURES", {"temperature_panel.png": figures.FIGURES["temperature_panel.png"]})
    assert figures.main([str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "temperature_panel.png").exists()
    assert "wrote" in capsys.readouterr().out


def test_unknown_figure_name_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="unknown figure"):
        figures.generate(tmp_path, names=["nope.png"])
