"""Each plugin's one dict setting: defaults merged in, unknown keys and wrong types stop the build."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from .problems import ContentError


class SettingsError(ContentError):
    """A plugin setting is wrong; the build stops (exit code 1).

    A kind of ContentError, so that whatever stops a build cleanly on content
    problems (``invoke build``, the publisher) prints this message the same way.
    """

    def __init__(self, message: str) -> None:
        self.problems = []
        self.message = message
        Exception.__init__(self, message)

    def __str__(self) -> str:
        return self.message


def type_name(value: Any) -> str:
    return type(value).__name__


def plugin_options(
    settings: Mapping[str, Any],
    setting_name: str,
    defaults: Mapping[str, Any],
    plugin_name: str,
    required: Iterable[str] = (),
) -> dict[str, Any]:
    """``settings[setting_name]`` over ``defaults``.

    Raises SettingsError, naming the plugin, for a setting that is not a dict,
    an unknown key (with the closest known one), a missing required key, or a
    value whose type differs from its default's (``None`` defaults take anything).
    """
    given = settings.get(setting_name) or {}
    if not isinstance(given, Mapping):
        raise SettingsError(f"{plugin_name}: {setting_name} must be a dict, not {type_name(given)}")
    known = sorted({*defaults, *required})
    problems = []
    for key in sorted(set(given) - set(known), key=str):
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        problems.append(f"unknown key {key!r} in {setting_name}; {hint}Known keys: {', '.join(known)}")
    for key in sorted(set(required) - set(given)):
        problems.append(f"{setting_name} needs the key {key!r}")
    for key, value in given.items():
        default = defaults.get(key)
        if default is None or key not in defaults:
            continue
        # bool is an int to Python, but ``workers: True`` is a typo all the same.
        wrong = isinstance(value, bool) != isinstance(default, bool) or not isinstance(value, type(default))
        if wrong:
            problems.append(
                f"{setting_name}[{key!r}] must be {type_name(default)} like {default!r}, not {type_name(value)} {value!r}"
            )
    if problems:
        raise SettingsError("\n".join(f"{plugin_name}: {problem}" for problem in problems))
    return {**defaults, **given}
