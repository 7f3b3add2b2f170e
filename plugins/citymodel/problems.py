"""Content problems: where, what is wrong, and how to fix it.

The problem and fix are in Chinese: the station chiefs who write the content read them (docs/content.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}：{self.fix}"


class ContentError(Exception):
    """Raised when content has problems; the build stops (exit code 1)."""

    exitcode = 1

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        return f"发现 {count} 处内容问题：\n{lines}"
