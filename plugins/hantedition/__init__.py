"""The Traditional Chinese (繁體) edition, generated from the finished Simplified site with OpenCC."""

from __future__ import annotations

from .edition import register, write_edition

__all__ = ["register", "write_edition"]
