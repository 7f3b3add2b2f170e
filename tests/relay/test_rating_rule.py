"""Free-standing ratings behind a shared address: one per browser, a cap per address and day, flagged for moderators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import httpx
from servers import posts_at_once, quiet_relay_env, relay_server
from starlette.testclient import TestClient

from relay.store import RatingOutcome, Store

RATING = {"station": "dongshan", "stars": "5", "comment": ""}


def test_people_behind_one_address_each_rate_up_to_the_cap(
    make_client: Callable[..., TestClient], console: Callable[..., TestClient], sqlite_store: Store
) -> None:
    browsers = [make_client(client_address="100.64.0.1", rating_per_address_day=3) for _ in range(4)]
    for number, browser in enumerate(browsers):  # four people, four phones
        browser.headers["user-agent"] = f"Mozilla/5.0 (Linux; Android 1{number}; Phone {number}) Mobile"
    assert [b.post("/rate", data=RATING).status_code for b in browsers] == [303, 303, 303, 409]
    assert browsers[0].post("/rate", data={**RATING, "stars": "1"}).status_code == 409  # the same browser again
    assert browsers[0].post("/rate", data=RATING).status_code == 303  # its form sent again: thanked, not counted
    assert browsers[0].post("/rate", data={**RATING, "station": "xihu"}).status_code == 303  # another station
    assert make_client(client_address="100.64.0.2").post("/rate", data=RATING).status_code == 303
    assert sqlite_store.count_ratings("dongshan") == 4
    page = console("moderator").get("/console/ratings").text
    assert page.count("同一网络当天 3 条") == 3  # the three from one address are marked, the fourth is not


def test_the_store_counts_the_day_in_beijing(store: Store) -> None:
    late = dt.datetime(2026, 11, 30, 15, 59, tzinfo=dt.UTC)  # 23:59 in Beijing
    accepted, refused = RatingOutcome.ACCEPTED, RatingOutcome.REFUSED
    assert store.add_rating("dongshan", 5, None, "addr", late, 30, "browser-a", 1) is accepted
    assert store.add_rating("dongshan", 4, None, "addr", late, 30, "browser-b", 1) is refused  # the cap for that day
    next_day = late + dt.timedelta(minutes=2)  # 00:01 in Beijing
    assert store.add_rating("dongshan", 4, None, "addr", next_day, 30, "browser-b", 1) is accepted
    assert store.add_rating("dongshan", 3, None, "addr2", next_day, 30, "browser-a", 5) is refused  # 30 days


def test_a_double_tap_on_a_rating_counts_once_over_real_http(store: Store, tmp_path: Path, stations_json: Path) -> None:
    """On SQLite and PostgreSQL, a real relay: identical ratings posted at the same moment count once.

    A first rating carries no ``relay_rater`` cookie yet, so each tap looks like a new browser; a later one
    carries the same cookie twice. Either way every tap is thanked, as for one rating.
    """
    env = quiet_relay_env(tmp_path, stations_json, store.url)
    with relay_server(env, tmp_path / "relay.log") as (url, _process), httpx.Client(base_url=url) as browser:

        def taps(count: int, data: dict[str, str], cookies: httpx.Cookies) -> list[httpx.Response]:
            return posts_at_once(url, "/rate", data, count, cookies)

        first = taps(3, {**RATING, "comment": "窗口民警很耐心"}, httpx.Cookies())
        assert [(r.status_code, r.headers.get("location")) for r in first] == [(303, "/rated/dongshan")] * 3
        assert store.count_ratings("dongshan") == 1
        browser.cookies.set("relay_rater", first[0].cookies["relay_rater"])
        again = taps(2, {**RATING, "station": "xihu", "stars": "4"}, browser.cookies)
        assert [(r.status_code, r.headers.get("location")) for r in again] == [(303, "/rated/xihu")] * 2
        assert store.count_ratings("xihu") == 1
        # each tapping browser is one rater: none of them can rate dongshan again
        for answer in first:
            repeat = httpx.post(f"{url}/rate", data={**RATING, "stars": "1"}, cookies=answer.cookies)
            assert repeat.status_code == 409
        assert store.count_ratings("dongshan") == 1


def test_only_identical_ratings_from_one_address_fold_and_only_for_a_short_while(store: Store) -> None:
    now = dt.datetime(2026, 11, 30, 2, 0, tzinfo=dt.UTC)
    fold = dt.timedelta(minutes=2)

    def rate(browser: str, stars: int, comment: str | None, seconds: int) -> RatingOutcome:
        at = now + dt.timedelta(seconds=seconds)
        return store.add_rating("dongshan", stars, comment, "addr", at, 30, browser, 5, fold_window=fold)

    assert rate("browser-a", 5, "很好", 0) is RatingOutcome.ACCEPTED
    assert rate("browser-b", 5, "很好", 5) is RatingOutcome.FOLDED  # the double tap from a browser without cookie
    assert rate("browser-a", 5, "很好", 6) is RatingOutcome.FOLDED  # the double tap with its cookie
    assert rate("browser-b", 1, None, 7) is RatingOutcome.REFUSED  # browser b did rate: the folded tap counts it
    assert rate("browser-c", 4, "很好", 8) is RatingOutcome.ACCEPTED  # another person behind the address
    assert rate("browser-d", 5, "很好", 200) is RatingOutcome.ACCEPTED  # the same words minutes later
    other_phone = store.add_rating("dongshan", 5, "很好", "addr", now, 30, "browser-e", 5, fold, device="phone-e")
    assert other_phone is RatingOutcome.ACCEPTED  # the same words at once from another phone behind the address
    assert store.count_ratings("dongshan") == 4
