"""Publication time: where it is read from, in which order, and its conversion to UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from trafilatura.utils import load_html

from newswatch.extractors.clean_meta import read_page_meta
from newswatch.extractors.published import (
    PublishedTime,
    date_from_url,
    find_published,
    parse_dateline,
    parse_iso,
)

# The crawl day a news theme prints in its top bar; never the publication time.
TOP_BAR = '<div class="top-bar"><span class="header-date">Friday, October 24, 2025</span></div>'


def page(head: str = "", body: str = "") -> str:
    """A small article page written for these tests."""
    return (
        f"<html><head><title>Leaders talk</title>{head}</head><body>{TOP_BAR}"
        f"<article><h1>Leaders talk</h1>{body}"
        "<p>The two presidents spoke by telephone for more than an hour on Tuesday.</p></article>"
        "</body></html>"
    )


def published(
    html: str,
    urls: tuple[str, ...] = ("https://news.example/world/leaders-talk/",),
    feed: datetime | None = None,
) -> PublishedTime | None:
    tree = load_html(html)
    return find_published(tree, read_page_meta(tree), urls, feed)


JSON_LD = '<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"NewsArticle","datePublished":"2025-03-18T19:35:00+01:00"}]}</script>'
META = '<meta property="article:published_time" content="2025-03-17T08:00:00Z">'
DATELINE = '<div class="entry-meta"><span class="posted-on">Posted on February 12, 2025 at 6:30 pm ET</span></div>'


def test_json_ld_date_published_wins_and_is_converted_to_utc() -> None:
    found = published(page(head=JSON_LD + META, body=DATELINE))
    assert found == PublishedTime(datetime(2025, 3, 18, 18, 35, tzinfo=UTC), "json-ld")


def test_meta_published_time_comes_next() -> None:
    found = published(page(head=META, body=DATELINE))
    assert found == PublishedTime(datetime(2025, 3, 17, 8, 0, tzinfo=UTC), "meta")


def test_visible_dateline_in_eastern_winter_time_is_five_hours_behind_utc() -> None:
    found = published(page(body=DATELINE))
    assert found == PublishedTime(datetime(2025, 2, 12, 23, 30, tzinfo=UTC), "dateline")


def test_eastern_time_in_summer_follows_daylight_saving() -> None:
    dateline = '<p class="byline-date">July 14, 2025 2:05 PM ET</p>'
    assert published(page(body=dateline)) == PublishedTime(
        datetime(2025, 7, 14, 18, 5, tzinfo=UTC), "dateline"
    )


def test_time_element_after_the_headline_is_read_from_its_datetime() -> None:
    time_element = '<time datetime="2025-05-20T07:10:00+00:00">May 20, 2025</time>'
    assert published(page(body=time_element)) == PublishedTime(
        datetime(2025, 5, 20, 7, 10, tzinfo=UTC), "time-element"
    )


def test_top_bar_date_is_never_taken_and_the_url_day_is_used() -> None:
    found = published(page(), urls=("https://news.example/2025/05/17/leaders-talk/",))
    assert found == PublishedTime(datetime(2025, 5, 17, tzinfo=UTC), "url")


def test_top_bar_date_is_not_taken_by_htmldate_either() -> None:
    assert published(page()) is None


def test_feed_time_refines_a_url_day_it_agrees_with() -> None:
    feed = datetime(2025, 5, 17, 14, 3, tzinfo=UTC)
    found = published(page(), urls=("https://news.example/2025/05/17/leaders-talk/",), feed=feed)
    assert found == PublishedTime(feed, "feed")


def test_feed_time_is_the_last_resort() -> None:
    feed = datetime(2025, 5, 17, 14, 3, tzinfo=UTC)
    assert published(page(), feed=feed) == PublishedTime(feed, "feed")


def test_canonical_url_date_is_read_when_the_fetched_url_has_none() -> None:
    urls = ("https://news.example/2025/02/13/leaders-talk/", "http://127.0.0.1:8765/pages/013.html")
    found = published(page(), urls=urls)
    assert found is not None and found.when.date() == date(2025, 2, 13)


def test_dateline_in_a_related_list_after_the_article_is_not_taken() -> None:
    related = '<aside class="related"><div class="post-date">March 1, 2024</div></aside>'
    assert published(page(body=related)) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-11-07T20:45:00+00:00", datetime(2024, 11, 7, 20, 45, tzinfo=UTC)),
        ("2025-08-16T01:25:00Z", datetime(2025, 8, 16, 1, 25, tzinfo=UTC)),
        ("2025-03-19T07:30:00+0100", datetime(2025, 3, 19, 6, 30, tzinfo=UTC)),
        ("2025-02-12 18:40", datetime(2025, 2, 12, 18, 40, tzinfo=UTC)),
        ("2025-02-12", datetime(2025, 2, 12, tzinfo=UTC)),
        ("not a date", None),
        ("2025-13-45T10:00:00Z", None),
    ],
)
def test_parse_iso(value: str, expected: datetime | None) -> None:
    assert parse_iso(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Feb. 12, 2025 6:30 PM ET", datetime(2025, 2, 12, 23, 30, tzinfo=UTC)),
        ("Posted on January 22, 2025 at 9:14 am ET", datetime(2025, 1, 22, 14, 14, tzinfo=UTC)),
        ("12 March 2025, 18:05 GMT", datetime(2025, 3, 12, 18, 5, tzinfo=UTC)),
        ("Aug. 15, 2025, 9:00 p.m. AKDT", datetime(2025, 8, 16, 5, 0, tzinfo=UTC)),
        ("September 2, 2025", datetime(2025, 9, 2, tzinfo=UTC)),
        ("no date here", None),
    ],
)
def test_parse_dateline(text: str, expected: datetime | None) -> None:
    assert parse_dateline(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example/world/2025/02/12/leaders-talk/", date(2025, 2, 12)),
        ("https://news.example/world/leaders-talk-2025-02-12/", date(2025, 2, 12)),
        ("https://news.example/20250212/leaders-talk/", date(2025, 2, 12)),
        ("https://news.example/politics/leaders-talk/", None),
        ("https://news.example/2025/13/40/bad/", None),
    ],
)
def test_date_from_url(url: str, expected: date | None) -> None:
    assert date_from_url(url) == expected
