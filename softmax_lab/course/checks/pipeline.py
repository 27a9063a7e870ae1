"""Checkers of notebook 12-sampling-pipeline."""

from __future__ import annotations

__all__: list[str] = []

PREDICTIONS: dict[str, dict] = {}
