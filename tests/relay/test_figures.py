"""The figures (考核) on a hand-worked data set: 63 items and 34 ratings over three stations.

Every expected number below was worked out by hand from the definitions in
docs/kaohe.md (and relay/figures.py's docstring), not by running the code;
the comments show the working. The export is taken at 08:00 on 1 December
2026, Beijing time, so October and November are complete and the week of
30 November is still running.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from relay.figures import CITY, CallbackRecord, EscalationRecord, ItemRecord, period_end, period_figures, period_keys
from relay.timefmt import BEIJING

NOW = dt.datetime(2026, 12, 1, 8, 0, tzinfo=BEIJING)
END_OF_DAY = dt.time(23, 59, 59)


def bj(month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=BEIJING)


def hours(moment: dt.datetime, count: float) -> dt.datetime:
    return moment + dt.timedelta(hours=count)


def item(
    station: str,
    kind: str,
    received: dt.datetime,
    answered: float | None = None,  # hours after receipt of the first reply (or the rejection)
    *,
    status: str = "answered",
    closed: float | None = None,  # hours after receipt it was closed; default: at the first reply (not for help)
    close_due: dt.datetime | None = None,  # default: the first-reply deadline (24 hours)
    first_due: dt.datetime | None = None,
    channel: str = "web",
    ack: float | None = None,
    rating: int | None = None,
    callbacks: tuple[CallbackRecord, ...] = (),
    escalations: tuple[EscalationRecord, ...] = (),
) -> ItemRecord:
    first_due = first_due or hours(received, 24)
    first_at = hours(received, answered) if answered is not None else None
    if closed is None and kind != "help":
        closed = answered
    closed_at = hours(received, closed) if closed is not None else None
    return ItemRecord(
        station=station,
        kind=kind,
        status=status if first_at or status != "answered" else "awaiting_reply",
        received_at=received.astimezone(dt.UTC),
        channel=channel,
        first_reply_due_at=first_due,
        first_reply_at=first_at,
        close_due_at=close_due or first_due,
        closed_at=closed_at,
        ack_due_at=hours(received, 2) if kind == "hazard" else None,
        acknowledged_at=hours(received, ack) if ack is not None else None,
        rating=rating,
        rated_at=hours(first_at or received, 24) if rating is not None else None,
        callbacks=callbacks,
        escalations=escalations,
    )


STARS_A = [5, 5, 1, 4, 4, 5, 3, 2, 5, 4]  # Q1-Q10's one-time ratings, a day after each answer
STARS_B = [5, 4, 4, 3, 5, 2]  # B1-B6

# 东山 ("a"): 27 items, 25 counted (the spam and the transfer out are not), 12 ratings.
A = [
    # Q1-Q10: received 2-11 November 09:00, answered in 2 hours, rated a day later.
    *(
        item("a", "question", bj(11, 2 + n, 9), 2, rating=STARS_A[n], closed=(54 if n == 2 else None))
        for n in range(10)
    ),
    # Q11 (a phone call entered by staff): answered at exactly 24 hours, on time.
    item("a", "question", bj(11, 12, 10), 24, channel="phone"),
    # Q12 (from 12345), Q13, Q14: answered at 30 hours, late; Q12 was escalated and resolved in time.
    item(
        "a",
        "question",
        bj(11, 13, 10),
        30,
        channel="hotline_12345",
        escalations=(EscalationRecord(bj(11, 13, 12), bj(11, 14, 18), bj(11, 14, 16)),),
    ),
    item("a", "question", bj(11, 14, 10), 30),
    item("a", "question", bj(11, 15, 10), 30),
    # Q15, Q16: never answered, overdue; Q15's 督办 is still open past its deadline.
    item("a", "question", bj(11, 16, 10), escalations=(EscalationRecord(bj(11, 17, 12), bj(11, 18, 12)),)),
    item("a", "question", bj(11, 17, 10)),
    # Q17, Q18: received late on 30 November, still inside their 24 hours at the export: not judged.
    item("a", "question", bj(11, 30, 22)),
    item("a", "question", bj(11, 30, 23, 59)),
    # R1: rejected with its reason an hour after it arrived: a response on time, and closed.
    item("a", "question", bj(11, 11, 10), 1, status="rejected"),
    # H1: first reply in 3 hours, final reply on 10 November, well before its 15-day deadline (18 November).
    item(
        "a",
        "help",
        bj(11, 3, 10),
        3,
        closed=7 * 24,
        close_due=dt.datetime.combine(dt.date(2026, 11, 18), END_OF_DAY, BEIJING),
        rating=5,
    ),
    # H2: first reply at 25 hours (late); final reply on 25 November, after its deadline (20 November);
    # its 督办 (6-7 November) was resolved only then: not met.
    item(
        "a",
        "help",
        bj(11, 5, 10),
        25,
        closed=20 * 24,
        close_due=dt.datetime.combine(dt.date(2026, 11, 20), END_OF_DAY, BEIJING),
        escalations=(EscalationRecord(bj(11, 6, 12), bj(11, 7, 12), bj(11, 25, 10)),),
    ),
    # H3: first reply in an hour; its final deadline (5 December) has not come: not judged for closure.
    item("a", "help", bj(11, 20, 10), 1, close_due=dt.datetime.combine(dt.date(2026, 12, 5), END_OF_DAY, BEIJING)),
    # Z1: acknowledged in an hour (on time), answered in 5 hours; Z2: acknowledged in 3 (late), answered in 30.
    item("a", "hazard", bj(11, 8, 10), 5, ack=1, rating=4),
    item("a", "hazard", bj(11, 9, 10), 30, ack=3),
    # The last minutes of October: received 23:50 on 31 October, answered 00:30 on 1 November.
    item("a", "question", bj(10, 31, 23, 50), 40 / 60),
    # Never counted: spam, and an item transferred out to the 城管 bureau.
    item("a", "question", bj(11, 10, 10), status="spam"),
    item("a", "hazard", bj(11, 12, 10), status="transferred_out"),
]
# Q3 (4 November): rated 1 star on the 5th; the callback on the 6th reopened it for correction (整改),
# answered again that afternoon (closed at 54 hours: after its deadline, so closed late).
# Q8 (9 November): rated 2 stars on the 10th; the callback was due on the 12th and done on the 13th (late).
A[2] = ItemRecord(**{**A[2].__dict__, "callbacks": (CallbackRecord(bj(11, 9, 23, 59), bj(11, 6, 10), True),)})
A[7] = ItemRecord(**{**A[7].__dict__, "callbacks": (CallbackRecord(bj(11, 12, 23, 59), bj(11, 13, 10)),)})

# 湖滨 ("b"): 16 items, 12 ratings.
B = [
    # B1-B6: received 8-13 October 10:00 (just after the National Day holiday), answered in an hour.
    *(
        item("b", "question", bj(10, 8 + n, 10), 1, rating=STARS_B[n], channel="letter" if n == 4 else "web")
        for n in range(6)
    ),
    # B7: answered in 48 hours (late); B8: never answered (late).
    item("b", "question", bj(10, 14, 10), 48),
    item("b", "question", bj(10, 15, 10)),
    # G1, G2: suggestions, due in 5 working days. From 1 October (a holiday) and from 7 October alike:
    # 8, 9, 10 (the make-up working Saturday), 12 and 13 October, so both are due at the end of the 13th.
    item(
        "b",
        "suggestion",
        bj(10, 1, 10),
        11 * 24,
        first_due=dt.datetime.combine(dt.date(2026, 10, 13), END_OF_DAY, BEIJING),
        rating=5,
    ),
    item(
        "b",
        "suggestion",
        bj(10, 7, 10),
        7 * 24,
        first_due=dt.datetime.combine(dt.date(2026, 10, 13), END_OF_DAY, BEIJING),
    ),
    # X1: sent to 东山, transferred to 湖滨, which holds it now: it counts for 湖滨. Answered in 10 hours.
    item("b", "question", bj(10, 20, 10), 10, rating=4),
    # B9-B12 in November, answered in 2 hours; B13 answered in 26 hours (late).
    *(item("b", "question", bj(11, 2 + n, 10), 2, rating=[5, 5, 4, 1][n]) for n in range(4)),
    item("b", "question", bj(11, 25, 10), 26),
]
# B6 (13 October): rated 2 on the 14th; the callback, due on the 16th, was done on the 15th.
B[5] = ItemRecord(**{**B[5].__dict__, "callbacks": (CallbackRecord(bj(10, 16, 23, 59), bj(10, 15, 10)),)})
# B12 (5 November): rated 1 on the 6th; the callback, due on the 10th, was done on the 9th (no correction).
B[14] = ItemRecord(**{**B[14].__dict__, "callbacks": (CallbackRecord(bj(11, 10, 23, 59), bj(11, 9, 10)),)})

# 桃源 ("c"): 20 questions on 18 November, 08:00 to 17:30, half an hour apart; 10 ratings, all 5 stars.
C = [
    item(
        "c",
        "question",
        bj(11, 18, 8) + dt.timedelta(minutes=30 * n),
        3 if n < 15 else 25,
        rating=5 if n < 10 else None,
        channel="referral_110" if n == 19 else "web",
    )
    for n in range(20)
]
RECORDS = A + B + C


def empty() -> dict[str, Any]:
    return {
        "first_reply": {"due": 0, "on_time": 0, "rate": None},
        "first_reply_hours": {"count": 0, "median": None, "p90": None},
        "closure": {"due": 0, "closed": 0, "rate": None, "closed_on_time": 0},
        "satisfaction": {"count": 0, "satisfied": 0, "rate": None, "mean": None},
        "callbacks": {"due": 0, "on_time": 0, "rate": None, "corrected": 0},
        "escalations": {"opened": 0, "met": 0, "overdue": 0},
        "hazards": {"due": 0, "acknowledged_on_time": 0, "rate": None, "closed": 0},
    }


def figures(**parts: Any) -> dict[str, Any]:
    return {"complete": True, **empty(), **parts}


# 东山, November. Received: Q1-Q18 and R1 (19 questions), H1-H3, Z1-Z2 = 24.
# First reply judged: Q1-Q10, Q11, R1, H1, H3, Z1 and the 31 October item on time (16);
# Q12-Q14, Q15-Q16, H2, Z2 late (7): 16 / 23.
# Hours (21 first answers in November): 0.67, 1 (R1), 1 (H3), 2 x10, 3, 5, 24, 25, 30 x4:
# median the 11th = 2; 90th percentile the 19th (ceil 18.9) = 30.
# Closure judged: Q1-Q10, Q11-Q16, R1, H1, H2, Z1, Z2, the 31 October item = 22; closed: all but Q15, Q16 = 20;
# on time: Q1-Q10 but Q3 (9), Q11, R1, H1, Z1, the 31 October item = 14.
# Satisfaction: 12 ratings (Q1-Q10, H1, Z1), 9 of them 4-5 stars, 47 stars in all: mean 3.9167.
A_NOVEMBER = figures(
    received=24,
    received_by_kind={"hazard": 2, "help": 3, "question": 19},
    received_by_channel={"hotline_12345": 1, "phone": 1, "web": 22},
    first_reply={"due": 23, "on_time": 16, "rate": 0.6957},
    first_reply_hours={"count": 21, "median": 2.0, "p90": 30.0},
    closure={"due": 22, "closed": 20, "rate": 0.9091, "closed_on_time": 14},
    satisfaction={"count": 12, "satisfied": 9, "rate": 0.75, "mean": 3.9167},
    callbacks={"due": 2, "on_time": 1, "rate": 0.5, "corrected": 1},
    escalations={"opened": 3, "met": 1, "overdue": 1},
    hazards={"due": 2, "acknowledged_on_time": 1, "rate": 0.5, "closed": 2},
)
# 东山, October: only the item received at 23:50 on the 31st; it was answered (and judged) in November.
A_OCTOBER = figures(received=1, received_by_kind={"question": 1}, received_by_channel={"web": 1})
# 湖滨, October: B1-B8, G1, G2, X1 = 11 received. First reply on time: B1-B6, G1, X1 (8) of 11.
# Hours: 1 x6, 10, 48, 168 (G2), 264 (G1): median (1 + 1) / 2 = 1; 90th percentile the 9th = 168.
# Closure: 11 judged, 10 closed (not B8), 8 on time. Ratings: B1-B6, G1, X1: 6 of 8 satisfied, 32 stars.
B_OCTOBER = figures(
    received=11,
    received_by_kind={"question": 9, "suggestion": 2},
    received_by_channel={"letter": 1, "web": 10},
    first_reply={"due": 11, "on_time": 8, "rate": 0.7273},
    first_reply_hours={"count": 10, "median": 1.0, "p90": 168.0},
    closure={"due": 11, "closed": 10, "rate": 0.9091, "closed_on_time": 8},
    satisfaction={"count": 8, "satisfied": 6, "rate": 0.75, "mean": 4.0},
    callbacks={"due": 1, "on_time": 1, "rate": 1.0, "corrected": 0},
)
# 湖滨, November: B9-B13. Hours 2 x4, 26: median 2, 90th percentile the 5th = 26. Ratings 5, 5, 4, 1.
B_NOVEMBER = figures(
    received=5,
    received_by_kind={"question": 5},
    received_by_channel={"web": 5},
    first_reply={"due": 5, "on_time": 4, "rate": 0.8},
    first_reply_hours={"count": 5, "median": 2.0, "p90": 26.0},
    closure={"due": 5, "closed": 5, "rate": 1.0, "closed_on_time": 4},
    satisfaction={"count": 4, "satisfied": 3, "rate": 0.75, "mean": 3.75},
    callbacks={"due": 1, "on_time": 1, "rate": 1.0, "corrected": 0},
)
# 湖滨, the quarter (and the year): October and November. Hours: 1 x6, 2 x4, 10, 26, 48, 168, 264:
# median the 8th = 2; 90th percentile the 14th (ceil 13.5) = 168. Ratings: 12, 9 satisfied, 47 stars.
B_QUARTER = figures(
    received=16,
    received_by_kind={"question": 14, "suggestion": 2},
    received_by_channel={"letter": 1, "web": 15},
    first_reply={"due": 16, "on_time": 12, "rate": 0.75},
    first_reply_hours={"count": 15, "median": 2.0, "p90": 168.0},
    closure={"due": 16, "closed": 15, "rate": 0.9375, "closed_on_time": 12},
    satisfaction={"count": 12, "satisfied": 9, "rate": 0.75, "mean": 3.9167},
    callbacks={"due": 2, "on_time": 2, "rate": 1.0, "corrected": 0},
)
# 桃源, November (and the quarter and year): 15 answered in 3 hours, 5 in 25.
# Hours: median (3 + 3) / 2 = 3; 90th percentile the 18th = 25. Ten 5-star ratings.
C_NOVEMBER = figures(
    received=20,
    received_by_kind={"question": 20},
    received_by_channel={"referral_110": 1, "web": 19},
    first_reply={"due": 20, "on_time": 15, "rate": 0.75},
    first_reply_hours={"count": 20, "median": 3.0, "p90": 25.0},
    closure={"due": 20, "closed": 20, "rate": 1.0, "closed_on_time": 15},
    satisfaction={"count": 10, "satisfied": 10, "rate": 1.0, "mean": 5.0},
)
# The city, November: 东山 + 湖滨 + 桃源. Hours (46): 0.67, 1 x2, 2 x14, 3 x16, 5, 24, 25 x6, 26, 30 x4:
# median (23rd + 24th) / 2 = 3; 90th percentile the 42nd (ceil 41.4) = 26.
# Ratings: 26, 22 satisfied, 47 + 15 + 50 = 112 stars: 4.3077.
CITY_NOVEMBER = figures(
    received=49,
    received_by_kind={"hazard": 2, "help": 3, "question": 44},
    received_by_channel={"hotline_12345": 1, "phone": 1, "referral_110": 1, "web": 46},
    first_reply={"due": 48, "on_time": 35, "rate": 0.7292},
    first_reply_hours={"count": 46, "median": 3.0, "p90": 26.0},
    closure={"due": 47, "closed": 45, "rate": 0.9574, "closed_on_time": 33},
    satisfaction={"count": 26, "satisfied": 22, "rate": 0.8462, "mean": 4.3077},
    callbacks={"due": 3, "on_time": 2, "rate": 0.6667, "corrected": 1},
    escalations={"opened": 3, "met": 1, "overdue": 1},
    hazards={"due": 2, "acknowledged_on_time": 1, "rate": 0.5, "closed": 2},
)
# The city, October: 东山's one receipt and 湖滨's October.
CITY_OCTOBER = figures(
    received=12,
    received_by_kind={"question": 10, "suggestion": 2},
    received_by_channel={"letter": 1, "web": 11},
    first_reply={"due": 11, "on_time": 8, "rate": 0.7273},
    first_reply_hours={"count": 10, "median": 1.0, "p90": 168.0},
    closure={"due": 11, "closed": 10, "rate": 0.9091, "closed_on_time": 8},
    satisfaction={"count": 8, "satisfied": 6, "rate": 0.75, "mean": 4.0},
    callbacks={"due": 1, "on_time": 1, "rate": 1.0, "corrected": 0},
)
# The city, the quarter (and the year): 56 first answers: 0.67, 1 x8, 2 x14, 3 x16, 5, 10, 24, 25 x6, 26,
# 30 x4, 48, 168, 264: median (28th + 29th) / 2 = 3; 90th percentile the 51st (ceil 50.4) = 30.
# Ratings: 34, 28 satisfied, 32 + 112 = 144 stars: 4.2353.
CITY_QUARTER = figures(
    received=61,
    received_by_kind={"hazard": 2, "help": 3, "question": 54, "suggestion": 2},
    received_by_channel={"hotline_12345": 1, "letter": 1, "phone": 1, "referral_110": 1, "web": 57},
    first_reply={"due": 59, "on_time": 43, "rate": 0.7288},
    first_reply_hours={"count": 56, "median": 3.0, "p90": 30.0},
    closure={"due": 58, "closed": 55, "rate": 0.9483, "closed_on_time": 41},
    satisfaction={"count": 34, "satisfied": 28, "rate": 0.8235, "mean": 4.2353},
    callbacks={"due": 4, "on_time": 3, "rate": 0.75, "corrected": 1},
    escalations={"opened": 3, "met": 1, "overdue": 1},
    hazards={"due": 2, "acknowledged_on_time": 1, "rate": 0.5, "closed": 2},
)


def test_the_data_set_is_big_enough() -> None:
    assert len(RECORDS) == 63 and sum(1 for r in RECORDS if r.rating is not None) == 34


def test_every_station_and_month_quarter_and_year() -> None:
    result = period_figures(RECORDS, NOW.astimezone(dt.UTC))
    a_quarter = {
        **A_NOVEMBER,
        "received": 25,
        "received_by_kind": {"hazard": 2, "help": 3, "question": 20},
        "received_by_channel": {"hotline_12345": 1, "phone": 1, "web": 23},
    }
    expected = {
        "a": {"2026-10": A_OCTOBER, "2026-11": A_NOVEMBER, "2026-Q4": a_quarter, "2026": a_quarter},
        "b": {"2026-10": B_OCTOBER, "2026-11": B_NOVEMBER, "2026-Q4": B_QUARTER, "2026": B_QUARTER},
        "c": {"2026-11": C_NOVEMBER, "2026-Q4": C_NOVEMBER, "2026": C_NOVEMBER},
        CITY: {"2026-10": CITY_OCTOBER, "2026-11": CITY_NOVEMBER, "2026-Q4": CITY_QUARTER, "2026": CITY_QUARTER},
    }
    for owner, periods in expected.items():
        found = {**result[owner]["month"], **result[owner]["quarter"], **result[owner]["year"]}
        for key, figures_expected in periods.items():
            quarter_or_year = "Q" in key or len(key) == 4
            want = {**figures_expected, "complete": not quarter_or_year}  # Q4 and 2026 are still running
            assert found[key] == want, (owner, key)
        assert set(found) == set(periods), owner  # no other month, quarter or year


def test_weeks_around_midnight_and_the_holiday() -> None:
    weeks = period_figures(RECORDS, NOW.astimezone(dt.UTC))
    # 东山, W44 (26 Oct - 1 Nov): the 31 October item was received and answered (00:30 on Sunday 1 November).
    assert weeks["a"]["week"]["2026-W44"] == figures(
        received=1,
        received_by_kind={"question": 1},
        received_by_channel={"web": 1},
        first_reply={"due": 1, "on_time": 1, "rate": 1.0},
        first_reply_hours={"count": 1, "median": 0.6667, "p90": 0.6667},
        closure={"due": 1, "closed": 1, "rate": 1.0, "closed_on_time": 1},
    )
    # 湖滨, W41 (5-11 Oct, after the holiday): G2 (7 Oct) and B1-B4 received; B1-B4 answered on time;
    # the suggestions are judged only at the end of 13 October (W42).
    week41 = weeks["b"]["week"]["2026-W41"]
    assert week41["received"] == 5 and week41["first_reply"] == {"due": 4, "on_time": 4, "rate": 1.0}
    # W42 (12-18 Oct): B5, B6 and G1 answered on time; G2 late at the end of the 13th, B7 at its deadline
    # on the 15th, B8 on the 16th: 3 of 6.
    assert weeks["b"]["week"]["2026-W42"]["first_reply"] == {"due": 6, "on_time": 3, "rate": 0.5}
    # 东山, W49 (30 Nov - 6 Dec) holds Q17 and Q18, received on 30 November: still running.
    running = weeks["a"]["week"]["2026-W49"]
    assert running["complete"] is False and running["received"] == 2 and running["first_reply"]["due"] == 0


def test_period_keys_and_ends_use_beijing_time() -> None:
    utc_evening = dt.datetime(2026, 10, 31, 16, 30, tzinfo=dt.UTC)  # 00:30 on 1 November in Beijing
    assert period_keys(utc_evening) == {"week": "2026-W44", "month": "2026-11", "quarter": "2026-Q4", "year": "2026"}
    assert period_keys(bj(12, 31, 23, 59))["week"] == "2026-W53"
    assert period_end("month", "2026-11") == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)  # midnight in Beijing
    assert period_end("week", "2026-W53") == dt.datetime(2027, 1, 3, 16, 0, tzinfo=dt.UTC)
    assert (
        period_end("quarter", "2026-Q4")
        == period_end("year", "2026")
        == dt.datetime(2026, 12, 31, 16, 0, tzinfo=dt.UTC)
    )


def test_an_item_inside_its_deadline_is_never_a_failure() -> None:
    """A station with one item, 23 hours old and unanswered, shows nothing judged (not 0%)."""
    pending = item("d", "question", bj(11, 30, 9))
    month = period_figures([pending], bj(12, 1, 8).astimezone(dt.UTC))["d"]["month"]["2026-11"]
    assert month["received"] == 1 and month["first_reply"] == {"due": 0, "on_time": 0, "rate": None}


def test_a_change_of_chief_in_the_middle_of_the_month_splits_the_figures() -> None:
    """东山's chief changes on 16 November: each event counts for the chief in office on its day (Beijing)."""
    from relay.figures import chief_figures

    def chief_on(station: str, day: dt.date) -> str | None:
        return ("old" if day <= dt.date(2026, 11, 15) else "new") if station == "a" else None

    split = chief_figures(RECORDS, NOW.astimezone(dt.UTC), chief_on)
    assert set(split) == {"a"}
    old, new = split["a"]["old"]["month"]["2026-11"], split["a"]["new"]["month"]["2026-11"]
    # received by 15 November: Q1-Q14, R1, H1, H2, Z1, Z2 (19); after: Q15-Q18, H3 (5)
    assert (old["received"], new["received"]) == (19, 5)
    # first reply judged by the 15th: Q1-Q11, R1, H1, Z1 and the 31 October item on time (15), Q12, Q13, H2, Z2 late;
    # after: Q14 (due 16 Nov), Q15, Q16 late, H3 on time
    assert old["first_reply"] == {"due": 19, "on_time": 15, "rate": 0.7895}
    assert new["first_reply"] == {"due": 4, "on_time": 1, "rate": 0.25}
    assert split["a"]["old"]["month"]["2026-10"]["received"] == 1  # the 31 October item, under the old chief
    whole = period_figures(RECORDS, NOW.astimezone(dt.UTC))["a"]["month"]["2026-11"]
    assert old["first_reply"]["due"] + new["first_reply"]["due"] == whole["first_reply"]["due"]
