"""Checkers of notebook 11-temperature-beyond-sampling."""

from __future__ import annotations

__all__: list[str] = []

PREDICTIONS: dict[str, dict] = {}
