"""Content problems: where, what is wrong, and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}: {self.fix}"


class ContentError(Exception):
    """Raised when content has problems; the build stops (exit code 1)."""

    exitcode = 1

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        count = len(self.problems)
        lines = "\n".join(str(problem) for problem in self.problems)
        return f"{count} content problem(s):\n{lines}"
