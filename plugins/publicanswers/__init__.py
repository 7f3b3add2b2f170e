"""Published answers, ratings and 考核 figures from the relay's ``export.json``.

Submitted text reaches the site only as JSON rendered with escaping here; it
never passes through Pelican's Markdown or metadata readers.
"""

from __future__ import annotations

from .plugin import register

__all__ = ["register"]
