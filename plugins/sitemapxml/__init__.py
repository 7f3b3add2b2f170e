"""``sitemap.xml`` listing every HTML page the build wrote, stations and guides included."""

from __future__ import annotations

from .sitemap import register, write_sitemap

__all__ = ["register", "write_sitemap"]
