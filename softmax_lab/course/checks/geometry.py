"""Checkers of notebook 10-geometry-and-convexity."""

from __future__ import annotations

__all__: list[str] = []

PREDICTIONS: dict[str, dict] = {}
