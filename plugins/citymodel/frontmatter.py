"""Front matter with line numbers.

Follows the rules of Python-Markdown's ``meta`` extension, which Pelican uses
to read the same files: ``Key: value`` lines at the top, continuation lines
indented four spaces, ended by a blank line or the first other line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

KEY_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)$")
MORE_LINE = re.compile(r"^[ ]{4,}(?P<value>.*)$")
FULLWIDTH_KEY_LINE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+)\s*：")
FENCE = re.compile(r"^-{3}(\s.*)?$")


@dataclass
class Field:
    key: str
    value: str
    line: int


@dataclass
class FrontMatter:
    fields: dict[str, list[Field]] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1
    end_line: int = 1
    stray_lines: list[tuple[int, str]] = field(default_factory=list)

    def get(self, key: str) -> Field | None:
        values = self.fields.get(key.lower())
        return values[0] if values else None

    def value(self, key: str) -> str:
        found = self.get(key)
        return found.value.strip() if found else ""

    def all(self, key: str) -> list[Field]:
        return self.fields.get(key.lower(), [])

    def line_of(self, key: str) -> int:
        found = self.get(key)
        return found.line if found else self.end_line


def parse(text: str) -> FrontMatter:
    """Split ``text`` into fields (with their 1-based lines) and the body."""
    lines = text.lstrip("\ufeff").splitlines()
    result = FrontMatter()
    index = 0
    if lines and FENCE.match(lines[0]):
        index = 1
    last: Field | None = None
    while index < len(lines):
        line = lines[index]
        number = index + 1
        if not line.strip() or (index > 0 and FENCE.match(line)):
            if line.strip():
                index += 1
            break
        key_match = KEY_LINE.match(line)
        more_match = MORE_LINE.match(line)
        if key_match:
            last = Field(key_match["key"].lower(), key_match["value"], number)
            result.fields.setdefault(last.key, []).append(last)
        elif more_match and last is not None:
            last.value = f"{last.value}\n{more_match['value']}"
        elif FULLWIDTH_KEY_LINE.match(line):
            result.stray_lines.append((number, line))
        else:
            break
        index += 1
    result.end_line = max(index, 1)
    while index < len(lines) and not lines[index].strip():
        index += 1
    result.body_line = index + 1
    result.body = "\n".join(lines[index:])
    return result
