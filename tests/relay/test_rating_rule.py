"""Free-standing ratings behind a shared address: one per browser, a cap per address and day, flagged for moderators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from starlette.testclient import TestClient

from relay.store import Store

RATING = {"station": "dongshan", "stars": "5", "comment": ""}


def test_people_behind_one_address_each_rate_up_to_the_cap(
    make_client: Callable[..., TestClient], console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    browsers = [make_client(client_address="100.64.0.1", rating_per_address_day=3) for _ in range(4)]
    assert [b.post("/rate", data=RATING).status_code for b in browsers] == [303, 303, 303, 409]
    assert browsers[0].post("/rate", data=RATING).status_code == 409  # the same browser again
    assert browsers[0].post("/rate", data={**RATING, "station": "xihu"}).status_code == 303  # another station
    assert make_client(client_address="100.64.0.2").post("/rate", data=RATING).status_code == 303
    assert sqlite_store.count_ratings("dongshan") == 4
    page = console("moderator").get("/console/ratings").text
    assert page.count("同一网络当天 3 条") == 3  # the three from one address are marked, the fourth is not


def test_the_store_counts_the_day_in_beijing(store: Store) -> None:
    late = dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC)  # 23:59 in Beijing
    assert store.add_rating("dongshan", 5, None, "addr", late, 30, "browser-a", 1)
    assert not store.add_rating("dongshan", 4, None, "addr", late, 30, "browser-b", 1)  # the cap for that day
    next_day = late + dt.timedelta(minutes=2)  # 00:01 in Beijing
    assert store.add_rating("dongshan", 4, None, "addr", next_day, 30, "browser-b", 1)
    assert not store.add_rating("dongshan", 3, None, "addr2", next_day, 30, "browser-a", 5)  # browser a: 30 days
