"""The city's content model: stations, posts, warnings and service guides.

Reads every source file's front matter with line numbers, checks it, and
stops the build with ``path:line: problem：fix`` lines when anything is wrong.
"""

from __future__ import annotations

from .model import City, Guide, Post, Station, WarningInfo, load_city
from .options import SettingsError, plugin_options
from .plugin import register
from .problems import ContentError, Problem

__all__ = [
    "City",
    "ContentError",
    "Guide",
    "Post",
    "Problem",
    "SettingsError",
    "Station",
    "WarningInfo",
    "load_city",
    "plugin_options",
    "register",
]
