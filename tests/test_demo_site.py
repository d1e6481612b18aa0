"""The bundled demo site: a feed and pages that agree with each other, and text of its own."""

from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
import trafilatura

from newswatch.config import parse_watch

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "newswatch" / "demo"
SITE = DEMO / "site"
FEED = SITE / "feed.xml"
PAGES = sorted((SITE / "pages").glob("*.html"))
HOST = "127.0.0.1:8765"

# Share of the shorter text's word 5-grams found in the other text, above which two
# article texts count as near-copies. Containment, not Jaccard, because the syndicator
# appends an "interview" as long as the story: the copy scores 0.71 against its original
# (Jaccard 0.42), independent reports on the same contact stay below 0.07.
NEAR_COPY_CONTAINMENT = 0.5
SHINGLE_WORDS = 5


def _feed() -> feedparser.FeedParserDict:
    return feedparser.parse(FEED.read_bytes())


def _page_file(link: str) -> Path:
    return SITE / urlsplit(link).path.lstrip("/")


def _tree(page: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(page.read_bytes())


def _meta(tree: lxml.html.HtmlElement, prop: str) -> str | None:
    values = tree.xpath(f'//meta[@property="{prop}" or @name="{prop}"]/@content')
    return str(values[0]) if values else None


def _json_ld_date(tree: lxml.html.HtmlElement) -> str | None:
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        data = json.loads(script)
        for node in data.get("@graph", [data]):
            if "datePublished" in node:
                return str(node["datePublished"])
    return None


def _published(page: Path) -> datetime:
    tree = _tree(page)
    stamp = _json_ld_date(tree) or _meta(tree, "article:published_time")
    assert stamp, f"{page.name}: no datePublished and no article:published_time"
    return datetime.fromisoformat(stamp)


@cache
def _article_text(page: Path) -> str:
    text = trafilatura.extract(page.read_text(encoding="utf-8"), include_comments=False)
    assert text, f"{page.name}: trafilatura found no article text"
    return text


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def _containment(a: set[tuple[str, ...]], b: set[tuple[str, ...]]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def test_feed_parses_as_rss_2_without_errors() -> None:
    feed = _feed()
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"


def test_every_feed_link_points_to_a_bundled_page() -> None:
    links = [entry.link for entry in _feed().entries]
    assert all(link.startswith("http://HOST/pages/") for link in links)
    missing = [link for link in links if not _page_file(link).is_file()]
    assert missing == []


def test_every_bundled_page_is_in_the_feed_once() -> None:
    linked = [_page_file(entry.link).name for entry in _feed().entries]
    assert sorted(linked) == [page.name for page in PAGES]


def test_feed_items_are_newest_first() -> None:
    stamps = [parsedate_to_datetime(entry.published) for entry in _feed().entries]
    assert stamps == sorted(stamps, reverse=True)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name[:2])
def test_page_declares_title_language_and_its_own_url(page: Path) -> None:
    tree = _tree(page)
    assert tree.findtext(".//title", "").strip()
    assert tree.get("lang")
    assert _meta(tree, "og:site_name")
    og_url = urlsplit(_meta(tree, "og:url") or "")
    assert og_url.scheme == "https"
    assert og_url.hostname and og_url.hostname.endswith(".example")
    assert len(og_url.path) > 1


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name[:2])
def test_page_publication_time_is_zoned_and_matches_the_feed(page: Path) -> None:
    published = _published(page)
    assert published.tzinfo is not None
    entry = next(e for e in _feed().entries if _page_file(e.link) == page)
    assert parsedate_to_datetime(entry.published) == published


def test_pages_have_distinct_og_urls() -> None:
    urls = [_meta(_tree(page), "og:url") for page in PAGES]
    assert len(set(urls)) == len(urls)


def test_site_holds_exactly_one_near_copy_pair() -> None:
    shingles = {page: _shingles(_article_text(page)) for page in PAGES}
    pairs = [
        (a, b)
        for a, b in itertools.combinations(PAGES, 2)
        if _containment(shingles[a], shingles[b]) >= NEAR_COPY_CONTAINMENT
    ]
    assert len(pairs) == 1, [(a.name, b.name) for a, b in pairs]
    hosts = {urlsplit(_meta(_tree(page), "og:url")).hostname for page in pairs[0]}
    assert len(hosts) == 2, "the near-copy must come from another outlet"


def test_watch_file_loads_once_host_is_replaced() -> None:
    text = (DEMO / "watch.toml").read_text(encoding="utf-8").replace("HOST", HOST)
    watch = parse_watch(text, origin="demo/watch.toml")
    assert [source.url for source in watch.sources] == [f"http://{HOST}/feed.xml"]
    assert watch.events.pair == ("trump", "putin")
    assert watch.fetch.allow_private_hosts
    assert watch.alerts.first_run == "silent"
