"""Times as people in the city read them: Beijing time, to the minute."""

from __future__ import annotations

import datetime as dt

BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def local_time(moment: dt.datetime) -> str:
    return moment.astimezone(BEIJING).strftime("%Y年%m月%d日 %H:%M")


def machine_time(moment: dt.datetime) -> str:
    """For ``<time datetime>``: Beijing time to the second, with its offset (valid HTML; no microseconds)."""
    return moment.astimezone(BEIJING).isoformat(timespec="seconds")
