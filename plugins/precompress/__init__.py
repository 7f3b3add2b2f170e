"""``page.html.gz`` and ``page.html.br`` beside every text file, for nginx's ``gzip_static`` and ``brotli_static``."""

from __future__ import annotations

from .compress import compress_output, register

__all__ = ["compress_output", "register"]
