"""The 考核 figures on a hand-made data set whose answers are worked out here."""

from __future__ import annotations

import datetime as dt

from relay.figures import CITY, ItemRecord, nearest_rank, period_figures, period_keys, rating_summary

BJ = dt.timezone(dt.timedelta(hours=8))


def at(text: str) -> dt.datetime:
    """A Beijing wall-clock time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BJ)


def item(
    station: str,
    kind: str,
    received: str,
    first: float | None = None,
    final: float | None = None,
    due_days: float | None = None,
    status: str = "answered",
    rating: int | None = None,
    channel: str = "web",
    escalations: tuple[int, int] = (0, 0),
) -> ItemRecord:
    start = at(received)
    return ItemRecord(
        station=station,
        kind=kind,
        status=status,
        received_at=start.astimezone(dt.UTC),
        first_reply_at=start + dt.timedelta(hours=first) if first is not None else None,
        final_reply_at=start + dt.timedelta(hours=final) if final is not None else None,
        final_reply_due_at=start + dt.timedelta(days=due_days) if due_days is not None else None,
        item_rating=rating,
        channel=channel,
        escalations=escalations[0],
        escalations_met=escalations[1],
    )


RECORDS = [
    # Station A, ISO week 2026-W45 (Mon 2 Nov - Sun 8 Nov)
    item("a", "question", "2026-11-02 10:00", first=24, rating=5),  # exactly 24 hours: within
    item("a", "question", "2026-11-02 11:00", first=24 + 1 / 60, rating=2),  # one minute late
    item(
        "a", "question", "2026-11-03 09:00", status="awaiting_reply", channel="phone", escalations=(1, 0)
    ),  # unanswered
    item("a", "question", "2026-11-04 09:00", status="rejected"),  # rejected: received, not answered
    item(
        "a", "help", "2026-11-08 23:30", first=2, final=6 * 24, due_days=7, channel="hotline_12345", escalations=(2, 1)
    ),  # closed within its deadline
    item("a", "question", "2026-11-06 09:00", first=1, status="transferred_out"),  # transferred out: not counted
    item("a", "question", "2026-11-05 09:00", first=1, status="spam"),  # spam: never counted
    item("a", "hazard", "2026-11-05 10:00", first=3),  # no 24-hour clock: not counted
    # Station A, W46: a help request received 30 minutes after the week changed
    item("a", "help", "2026-11-09 00:30", first=30, final=9 * 24, due_days=7, rating=4),  # late, closed after deadline
    # Station B: received 23:50 on 31 October (Beijing), transferred to B, answered in an hour
    item("b", "question", "2026-10-31 23:50", first=1),
    # Station B: the last minute of the year
    item("b", "question", "2026-12-31 23:59", first=0.5),
]


def test_period_keys_use_beijing_time() -> None:
    utc_evening = dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on 1 November in Beijing
    assert period_keys(utc_evening) == {"week": "2026-W44", "month": "2026-11", "quarter": "2026-Q4", "year": "2026"}
    assert period_keys(at("2027-01-01 00:00"))["week"] == "2026-W53"


def test_station_week_figures() -> None:
    figures = period_figures(RECORDS)
    week = figures["a"]["week"]["2026-W45"]
    assert week == {
        "received": 5,  # 4 questions + 1 help (spam and hazard excluded)
        "answered": 3,
        "answered_within_24h": 2,  # the 24-hour one and the help request (2 h)
        "first_reply_hours_median": 24.0,  # of 24, 24.02, 2
        "first_reply_hours_p90": 24.02,  # nearest rank: ceil(0.9 * 3) = 3rd of 2, 24, 24.02
        "help_requests": 1,
        "help_closed_within_deadline": 1,
        "satisfaction_count": 2,
        "satisfaction_mean": 3.5,
        "received_by_channel": {"hotline_12345": 1, "phone": 1, "web": 3},  # staff-entered items under their channel
        "escalations": 3,
        "escalations_met": 1,
    }
    next_week = figures["a"]["week"]["2026-W46"]
    assert (next_week["received"], next_week["answered_within_24h"], next_week["help_closed_within_deadline"]) == (
        1,
        0,
        0,
    )


def test_month_quarter_year_and_city() -> None:
    figures = period_figures(RECORDS)
    november = figures["a"]["month"]["2026-11"]
    assert (november["received"], november["answered"], november["answered_within_24h"]) == (6, 4, 2)
    assert november["first_reply_hours_median"] == 24.01  # of 2, 24, 24.02, 30
    assert november["first_reply_hours_p90"] == 30.0
    assert (november["help_requests"], november["help_closed_within_deadline"]) == (2, 1)
    assert figures["b"]["month"]["2026-10"]["received"] == 1  # 23:50 on 31 Oct stays in October
    assert figures["b"]["month"]["2026-12"]["answered_within_24h"] == 1
    assert figures["b"]["year"]["2026"]["received"] == 2
    city = figures[CITY]["quarter"]["2026-Q4"]
    assert (city["received"], city["answered"], city["answered_within_24h"]) == (8, 6, 4)
    assert city["satisfaction_count"] == 3 and city["satisfaction_mean"] == 3.67


def test_no_answers_means_no_median() -> None:
    lonely = period_figures([item("c", "question", "2026-11-02 10:00", status="new")])
    assert lonely["c"]["month"]["2026-11"]["first_reply_hours_median"] is None
    assert lonely["c"]["month"]["2026-11"]["first_reply_hours_p90"] is None


def test_nearest_rank_and_rating_summary() -> None:
    assert nearest_rank([5, 1, 3, 2, 4, 6, 7, 8, 9, 10], 0.9) == 9
    assert nearest_rank([7], 0.9) == 7
    assert rating_summary([5, 5, 4, 1]) == {
        "count": 4,
        "mean": 3.75,
        "distribution": {"1": 1, "2": 0, "3": 0, "4": 1, "5": 2},
    }
    assert rating_summary([]) == {"count": 0, "mean": None, "distribution": {"1": 0, "2": 0, "3": 0, "4": 0, "5": 0}}
