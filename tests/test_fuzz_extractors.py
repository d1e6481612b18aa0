"""Fuzzing the pure extractors: page cleaning, date resolution and event extraction never
raise on hostile text, and what they return keeps its own promises.

`clean_page` promises never to raise; it keeps that promise by turning an internal error
into a stub page and a warning log, so the test also fails on that log: a swallowed crash
is still a crash (the page's article is lost).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch.config import load_watch
from newswatch.domain import CONTACT_TYPES, EVENT_STATUSES, Article, CandidateLink
from newswatch.extractors.clean import clean_page
from newswatch.extractors.dates import resolve_event_date
from newswatch.extractors.events import RuleBasedExtractor
from newswatch.sources.encoding import decode_html

EXAMPLES = int(os.environ.get("NEWSWATCH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
WATCH = load_watch(Path(__file__).resolve().parents[1] / "deployments/watches/trump-putin.toml")
EVENT_TYPES = {*CONTACT_TYPES, "statement"}

MARKUP = (
    "&amp;",
    "&nbsp;",
    "&#0;",
    "&#xD800;",
    "&#1114112;",
    "&bogus;",
    "<br>",
    "<p>",
    "</p>",
    "</div>",
    "<script>var x = '</p>';</script>",
    "<style>p{}</style>",
    "<!--",
    "-->",
    "<![CDATA[",
    "<table><tr><td>",
    "<svg><foreignObject>",
    "<math>",
    "<template>",
    "<noscript>",
    '<meta charset="koi8-r">',
    '<a href="javascript:x">',
    "\x00",
    "\x0c",
    "\ufeff",
    "\u2028",
    "\u202e",
    "🙂",
)
WORDS = (
    "Donald Trump",
    "Trump",
    "Vladimir Putin",
    "Putin",
    "the Kremlin",
    "Dmitry Peskov",
    "Steve Witkoff",
    "the White House",
    "spoke by phone",
    "held a call",
    "met",
    "will meet",
    "summit",
    "sent a letter",
    "denied",
    "called off",
    "confirmed",
    "said",
    "on Tuesday",
    "last week",
    "next month",
    "in March",
    "July 23, 2020",
    "am Dienstag",
    "two weeks ago",
    "2025-03-18",
    "in Anchorage",
    "Budapest",
    "“",
    "”",
    '"',
    ".",
    ",",
    ";",
    "(",
    ")",
    "Mr.",
    "U.S.",
    "\n",
)
text_parts = st.sampled_from(WORDS) | st.sampled_from(MARKUP) | st.text(max_size=12)
prose = st.lists(st.sampled_from(WORDS) | st.text(max_size=10), max_size=40).map(" ".join)
html_field = st.lists(text_parts, max_size=8).map("".join)
when_text = st.sampled_from(
    [
        "2025-03-18T10:00:00Z",
        "2025-13-45",
        "0001-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "",
    ]
) | st.text(max_size=20)
urls = st.sampled_from(
    [
        "https://news.example/2025/03/18/trump-putin-call",
        "http://[::1/",
        "http://a..b/%zz",
        "https://news.example/tag/putin/",
        "javascript:alert(1)",
        "",
    ]
) | st.text(max_size=30)
JSON_LD = ("{", "[]", '{"datePublished": 5}', '{"@graph": [{"headline": null}]}', "null")
extreme_datetimes = st.none() | st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    """A news-page-shaped document whose every part is drawn from hostile fragments."""
    paragraphs = "".join(
        f"<p>{draw(html_field)} {draw(prose)}</p>" for _ in range(draw(st.integers(0, 6)))
    )
    nesting = draw(st.integers(0, 60))
    page = (
        f'<!DOCTYPE html><html lang="{draw(html_field)}"><head><meta charset="{draw(st.sampled_from(["utf-8", "bogus", ""]))}">'
        f"<title>{draw(html_field)}</title>"
        f'<meta property="og:title" content="{draw(html_field)}">'
        f'<meta property="article:published_time" content="{draw(when_text)}">'
        f'<link rel="canonical" href="{draw(urls)}">'
        f'<script type="application/ld+json">{draw(st.sampled_from(JSON_LD))}</script>'
        f"</head><body><nav>{draw(html_field)}</nav>"
        + "<div>" * nesting
        + f"<article><h1>{draw(html_field)}</h1>{paragraphs}</article>"
        + "</div>" * draw(st.integers(0, nesting))
        + f"<footer>{draw(html_field)}</footer></body></html>"
    )
    cut = draw(st.integers(0, len(page)))
    return page if draw(st.booleans()) else page[:cut]


headers = st.dictionaries(
    st.sampled_from(["content-type", "last-modified", "content-language", "date"]),
    st.sampled_from(["text/html; charset=bogus", "Tue, 99 Mar 99999", "", "x" * 200])
    | st.text(max_size=20),
    max_size=3,
)
hints = st.none() | st.builds(
    CandidateLink,
    url=st.just("https://news.example/a"),
    canonical_url=st.just("https://news.example/a"),
    source=st.just("feed"),
    title=st.none() | html_field,
    published_at=extreme_datetimes,
    language=st.none() | st.text(max_size=8),
)


@contextmanager
def swallowed_errors() -> Iterator[list[logging.LogRecord]]:
    """Records of errors `clean_page` caught and turned into a stub."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.exc_info:
                records.append(record)

    handler = Keep(logging.WARNING)
    logger = logging.getLogger("newswatch.extractors.clean")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def _describe(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.getMessage()}: {r.exc_info[1]!r}" for r in records if r.exc_info]


@FUZZ
@given(st.one_of(html_pages(), st.text(max_size=300)), urls, headers, hints)
def test_clean_page_returns_an_article_and_swallows_no_error(
    html: str, url: str, page_headers: dict[str, str], hint: CandidateLink | None
) -> None:
    with swallowed_errors() as swallowed:
        article = clean_page(html, url, page_headers, source="fuzz", hint=hint)
    assert _describe(swallowed) == []
    assert isinstance(article, Article) and isinstance(article.text, str)
    assert article.page_kind in ("article", "listing", "stub")


@FUZZ
@given(
    st.binary(max_size=400),
    st.none() | st.sampled_from(["text/html; charset=utf-16", "text/html; charset=nope"]),
)
def test_pages_decoded_from_any_bytes_clean_without_error(
    body: bytes, content_type: str | None
) -> None:
    html = decode_html(body, content_type)
    assert isinstance(html, str)
    with swallowed_errors() as swallowed:
        clean_page(html, "https://news.example/a", {"content-type": content_type or ""})
    assert _describe(swallowed) == []


date_words = st.lists(
    st.sampled_from(
        [
            "on",
            "last",
            "next",
            "this",
            "coming",
            "Tuesday",
            "Sonntag",
            "March",
            "März",
            "Feb.",
            "Sept",
            "31",
            "29",
            "0",
            "00",
            "99",
            "1st",
            "of",
            "1900",
            "2099",
            "9999",
            "ago",
            "two",
            "a couple of",
            "days",
            "weeks",
            "Monaten",
            "within",
            "in the next",
            "today",
            "gestern",
            "weekend",
            "earlier this month",
            "-",
            ",",
            "2025-02-30",
            "2025-13-01",
        ]
    )
    | st.text(max_size=6),
    max_size=10,
).map(" ".join)


@FUZZ
@given(
    date_words,
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.sampled_from(["past", "future", "unknown"]),
)
def test_date_resolution_never_raises_and_gives_ordered_ranges(
    expression: str, reference: date, tense: str
) -> None:
    found = resolve_event_date(expression, reference, tense)  # type: ignore[arg-type]
    if found is not None:
        assert found.earliest <= found.latest


@FUZZ
@given(
    st.lists(st.sampled_from(WORDS) | st.text(max_size=15), max_size=80).map(" ".join),
    st.none() | html_field,
    extreme_datetimes,
    st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]),
)
def test_event_extraction_never_raises_and_returns_well_formed_events(
    text: str, title: str | None, published: datetime | None, zone: timezone
) -> None:
    article = Article(
        url="https://news.example/a",
        canonical_url="https://news.example/a",
        source="fuzz",
        title=title,
        text=text,
        published_at=published.astimezone(zone)
        if published and published.year < 9999
        else published,
        language="en",
    )
    events = RuleBasedExtractor().extract(article, WATCH)
    for event in events:
        assert event.event_type in EVENT_TYPES and event.status in EVENT_STATUSES
        assert set(event.participants) <= set(WATCH.events.pair)
        if event.date_earliest and event.date_latest:
            assert event.date_earliest <= event.date_latest
        assert event.evidence.strip()
