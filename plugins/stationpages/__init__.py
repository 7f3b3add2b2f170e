"""Station pages: the directory by district, one page per station, paginated
module lists, the city-wide warnings page and Atom feeds per station and module."""

from __future__ import annotations

from .generator import StationPagesGenerator, register

__all__ = ["StationPagesGenerator", "register"]
