"""Service guides (办事指南): an index by category and one printable page per guide."""

from __future__ import annotations

from .generator import GuidesGenerator, register

__all__ = ["GuidesGenerator", "register"]
