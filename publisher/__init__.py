"""The site publisher: builds changes incrementally and switches the served folder atomically."""

from __future__ import annotations

from .live import Publisher, PublisherBusy, Release, switch_symlink

__all__ = ["Publisher", "PublisherBusy", "Release", "switch_symlink"]
