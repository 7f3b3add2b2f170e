"""A station's chiefs over time: who held the post on a given day.

A station profile names its current chief with the ``Chief*`` keys and its
history with repeatable lines, oldest or newest first, in any order::

    Past_Chief: 姓名 | 警衔 | 警号 | 照片路径（可空） | 任职起 YYYY-MM-DD | 任职止 YYYY-MM-DD
    Chief_Vacancy: 起 YYYY-MM-DD | 止 YYYY-MM-DD | 说明（可选）

Both dates are days in office, inclusive. Together with the current chief
(``Chief_Since`` onwards) the terms and vacancies must follow one another
with no overlap and no gap: the day after one ends, the next begins.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from typing import Protocol

BADGE = re.compile(r"\d{6}")
# The problems are in Chinese for the chiefs (docs/content.md); the keys stay as they are typed.
PAST_CHIEF_FORMAT = "请写成 'Past_Chief: 姓名 | 警衔 | 警号 | 照片路径（可空） | 任职起 YYYY-MM-DD | 任职止 YYYY-MM-DD'"
VACANCY_FORMAT = "请写成 'Chief_Vacancy: 起 YYYY-MM-DD | 止 YYYY-MM-DD | 说明（可选）'"
DATE_FIX = "日期请写成 2024-06-17 这样的格式（年-月-日）"


@dataclass(frozen=True)
class ChiefTerm:
    """One chief's time in post at one station; ``until`` is the last day, None while in office."""

    name: str
    rank: str
    badge: str
    photo: str
    since: dt.date
    until: dt.date | None = None

    def holds(self, day: dt.date) -> bool:
        return self.since <= day and (self.until is None or day <= self.until)

    @property
    def key(self) -> str:
        """Names this term in 考核 files and URLs: the badge and the first day."""
        return f"{self.badge}-{self.since:%Y%m%d}"

    def describe(self) -> str:
        until = f"{self.until:%Y年%m月%d日}" if self.until else "今"
        return f"{self.since:%Y年%m月%d日}—{until}"


@dataclass(frozen=True)
class Vacancy:
    """Days with no chief in post (stated in the profile); ``note`` says who stood in."""

    since: dt.date
    until: dt.date
    note: str = ""


@dataclass(frozen=True)
class _Span:
    """A term or a vacancy, as the chain check sees it; ``label`` names it to the chief, in Chinese."""

    since: dt.date
    until: dt.date | None
    line: int
    label: str


class Reporter(Protocol):
    def report(self, line: int, problem: str, fix: str) -> None: ...

    def photo_exists(self, relative: str, line: int) -> bool: ...


def parse_day(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_past_chief(value: str, line: int, check: Reporter) -> ChiefTerm | None:
    parts = [part.strip() for part in value.split("|")]
    if len(parts) != 6:
        check.report(
            line,
            f"'Past_Chief' 这一行 '{value.strip()}' 写得不对（用 | 分成了 {len(parts)} 段，要分成 6 段）",
            PAST_CHIEF_FORMAT,
        )
        return None
    name, rank, badge, photo, since_text, until_text = parts
    ok = True
    if not name or not rank:
        check.report(line, "'Past_Chief' 这一行缺少姓名或警衔", PAST_CHIEF_FORMAT)
        ok = False
    if not BADGE.fullmatch(badge):
        check.report(line, f"'Past_Chief' 里的警号 '{badge}' 不是六位数字", "警号请写六位数字，例如 031107")
        ok = False
    if photo and not check.photo_exists(photo, line):
        ok = False
    since, until = parse_day(since_text), parse_day(until_text)
    for text, day in ((since_text, since), (until_text, until)):
        if day is None:
            check.report(line, f"'Past_Chief' 里的日期 '{text}' 写得不对", DATE_FIX)
            ok = False
    if since and until and until < since:
        check.report(
            line, f"'Past_Chief' {name} 的任职止日期（{until}）早于任职起日期（{since}）", "请把这两个日期对调"
        )
        ok = False
    if not ok or since is None or until is None:
        return None
    return ChiefTerm(name, rank, badge, photo, since, until)


def parse_vacancy(value: str, line: int, check: Reporter) -> Vacancy | None:
    parts = [part.strip() for part in value.split("|")]
    if len(parts) not in (2, 3):
        check.report(
            line, f"'Chief_Vacancy' 这一行 '{value.strip()}' 写得不对（要分成 2 段或 3 段，用 | 隔开）", VACANCY_FORMAT
        )
        return None
    since, until = parse_day(parts[0]), parse_day(parts[1])
    if since is None or until is None:
        check.report(line, f"'Chief_Vacancy' 这一行 '{value.strip()}' 里的日期写得不对", VACANCY_FORMAT)
        return None
    if until < since:
        check.report(line, f"'Chief_Vacancy' 的止日期（{until}）早于起日期（{since}）", "请把这两个日期对调")
        return None
    return Vacancy(since, until, parts[2] if len(parts) == 3 else "")


def check_chain(spans: list[_Span], check: Reporter) -> bool:
    """Report overlaps and unstated gaps between consecutive spans; True when there are none."""
    ordered = sorted(spans, key=lambda s: (s.since, s.line))
    ok = True
    for earlier, later in itertools.pairwise(ordered):
        assert earlier.until is not None  # only the current chief is open-ended, and it starts last or overlaps
        if later.since <= earlier.until:
            day_before = later.since - dt.timedelta(days=1)
            check.report(
                later.line,
                f"{later.label}（{later.since} 起）和{earlier.label}（到 {earlier.until} 止，第 {earlier.line} 行）"
                "的时间重叠了",
                f"请把{earlier.label}的结束日期改成 {day_before}（前一天），或者改正日期",
            )
            ok = False
        elif later.since > earlier.until + dt.timedelta(days=1):
            first, last = earlier.until + dt.timedelta(days=1), later.since - dt.timedelta(days=1)
            check.report(
                later.line,
                f"{earlier.label}（第 {earlier.line} 行）和{later.label}之间，{first} 到 {last} 没有所长",
                f"请改正日期，或者写明所长空缺，写成 'Chief_Vacancy: {first} | {last} | 说明（如：副所长主持工作）'",
            )
            ok = False
    return ok


def open_ended_last(spans: list[_Span], check: Reporter) -> bool:
    """Every past term and vacancy ends before the current chief's first day."""
    current = next(s for s in spans if s.until is None)
    ok = True
    for span in spans:
        if span.until is not None and span.until >= current.since:
            check.report(
                span.line,
                f"{span.label}的结束日期是 {span.until}，可现任所长在 {current.since} 已经上任（'Chief_Since'）",
                f"请最晚在 {current.since - dt.timedelta(days=1)} 结束，或者改正 'Chief_Since'",
            )
            ok = False
    return ok


def check_tenure(
    current: ChiefTerm,
    current_line: int,
    past_lines: list[tuple[str, int]],
    vacancy_lines: list[tuple[str, int]],
    check: Reporter,
) -> tuple[list[ChiefTerm], list[Vacancy]] | None:
    """The past chiefs (oldest first) and stated vacancies, or None after reporting a problem."""
    past = [parse_past_chief(value, line, check) for value, line in past_lines]
    vacancies = [parse_vacancy(value, line, check) for value, line in vacancy_lines]
    if None in past or None in vacancies:
        return None
    spans = [_Span(current.since, None, current_line, f"现任所长 {current.name}")]
    spans += [
        _Span(term.since, term.until, line, f"前任所长 {term.name}")
        for term, (_, line) in zip(past, past_lines, strict=True)
        if term
    ]
    spans += [
        _Span(gap.since, gap.until, line, "所长空缺期")
        for gap, (_, line) in zip(vacancies, vacancy_lines, strict=True)
        if gap
    ]
    if not open_ended_last(spans, check) or not check_chain(spans, check):
        return None
    return sorted((t for t in past if t), key=lambda t: t.since), sorted(
        (v for v in vacancies if v), key=lambda v: v.since
    )
