"""Full-text search with Pagefind's extended build (it segments Chinese), run from Python after the build."""

from __future__ import annotations

from .search import build_index, register

__all__ = ["build_index", "register"]
