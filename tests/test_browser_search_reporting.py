"""What a reader types after a theft or a robbery finds the guide that says how to report it, first.

A reader's search for 电动车被偷了 used to list expired warnings and work logs: no page said how to report a theft.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser_search import first_three

from browser import launched_browser, serve_folder

pytestmark = pytest.mark.browser

GUIDE = "/guides/theft-report/"


@pytest.fixture(scope="module")
def session(demo_output: Path) -> Iterator[tuple[Any, str]]:
    with serve_folder(demo_output) as url, launched_browser() as browser:
        yield browser, url


# (edition, what the reader types). The words of older readers, not the office's 盗窃 and 抢劫. Each is the guide
# first: no other guide is about theft, and search.js lists guides before posts.
QUESTIONS = [
    ("", "电动车被偷了"),
    ("", "东西被偷了怎么办"),
    ("", "手机被偷了"),
    ("", "钱包丢了还是被偷了"),
    ("", "家里被盗了"),
    ("", "被抢了怎么报警"),
    ("", "自行车丢了"),
    # The Traditional pages search the Simplified index, the question made Simplified.
    ("/zh-hant", "電動車被偷了"),
    ("/zh-hant", "手機被偷了"),
    ("/zh-hant", "家裡被盜了"),
]


@pytest.mark.parametrize(("edition", "question"), QUESTIONS)
def test_a_theft_or_robbery_finds_the_guide_to_report_it_first(
    session: tuple[Any, str], edition: str, question: str
) -> None:
    browser, url = session
    page = browser.new_page()
    links = first_three(page, url, edition, question)
    page.close()
    assert links[0] == edition + GUIDE, (question, links)


def test_a_fraud_question_is_not_answered_with_the_theft_guide(session: tuple[Any, str]) -> None:
    """被骗 is not 被偷: the fraud warnings answer it, the theft guide (which warns of a fraud) stays out of them."""
    browser, url = session
    page = browser.new_page()
    links = first_three(page, url, "", "被骗了怎么报警")
    page.close()
    assert GUIDE not in links and any("/warning/" in link for link in links), links
