"""考核 periods: weeks (ISO, Monday to Sunday), months, quarters and years, all in Beijing time.

Keys look like ``2026-W47``, ``2026-11``, ``2026-Q4`` and ``2026``; the relay's
export uses the same keys (relay/figures.py ``period_keys``).
"""

from __future__ import annotations

import datetime as dt

PERIOD_KINDS = ("week", "month", "quarter", "year")
PERIOD_NAMES = {"week": "周", "month": "月", "quarter": "季度", "year": "年度"}


def keys_of(day: dt.date) -> dict[str, str]:
    """The key of every kind of period that holds ``day``."""
    iso = day.isocalendar()
    return {
        "week": f"{iso.year}-W{iso.week:02d}",
        "month": f"{day.year}-{day.month:02d}",
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "year": f"{day.year}",
    }


def period_range(kind: str, key: str) -> tuple[dt.date, dt.date]:
    """First and last day of a period key such as 2026-W47, 2026-11, 2026-Q4, 2026."""
    if kind == "week":
        year, week = key.split("-W")
        start = dt.date.fromisocalendar(int(year), int(week), 1)
        return start, start + dt.timedelta(days=6)
    if kind == "month":
        month_year, month = (int(part) for part in key.split("-"))
        following = dt.date(month_year + month // 12, month % 12 + 1, 1)
        return dt.date(month_year, month, 1), following - dt.timedelta(days=1)
    if kind == "quarter":
        year, quarter = key.split("-Q")
        first_month = (int(quarter) - 1) * 3 + 1
        end = period_range("month", f"{year}-{first_month + 2:02d}")[1]
        return dt.date(int(year), first_month, 1), end
    return dt.date(int(key), 1, 1), dt.date(int(key), 12, 31)


def period_of(kind: str, day: dt.date) -> tuple[str, dt.date, dt.date]:
    """The key, first and last day of the ``kind`` period holding ``day``."""
    key = keys_of(day)[kind]
    return (key, *period_range(kind, key))


def last_complete(kind: str, today: dt.date) -> str:
    """The key of the latest ``kind`` period that ended before ``today``."""
    first, _ = period_range(kind, keys_of(today)[kind])
    return keys_of(first - dt.timedelta(days=1))[kind]


def is_complete(kind: str, key: str, today: dt.date) -> bool:
    """A period is complete once its last day is before ``today`` (Beijing time); else it is 进行中."""
    return period_range(kind, key)[1] < today
