"""The test corpus itself: feeds, pages and labels that agree with each other."""

from __future__ import annotations

from urllib.parse import urlsplit

import feedparser
import lxml.html

from tests.support.corpus import CORPUS, labels


def _feed_files(name: str) -> list[str]:
    feed = feedparser.parse((CORPUS / name).read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    return sorted(urlsplit(entry.link).path.lstrip("/") for entry in feed.entries)


def test_feed_1_is_batch_1_and_feed_2_is_both_batches() -> None:
    articles = labels()["articles"]
    batch_1 = sorted(a["file"] for a in articles if a["batch"] == 1)
    assert _feed_files("feed-1.xml") == batch_1 and len(batch_1) == 5
    assert _feed_files("feed-2.xml") == sorted(a["file"] for a in articles) and len(articles) == 9


def test_every_page_is_labelled_and_its_canonical_url_is_the_labelled_one() -> None:
    articles = labels()["articles"]
    assert sorted(a["file"] for a in articles) == sorted(
        f"pages/{p.name}" for p in (CORPUS / "pages").glob("*.html")
    )
    for article in articles:
        tree = lxml.html.fromstring((CORPUS / article["file"]).read_bytes())
        (canonical,) = tree.xpath("//link[@rel='canonical']/@href")
        assert canonical == f"https://{article['outlet']}{article['url_path']}"


def test_every_labelled_event_id_is_defined_and_every_defined_one_is_used() -> None:
    raw = labels()
    defined = {e["id"] for e in raw["events"]}
    used = {
        event_id for a in raw["articles"] for event_id in (*a["events"], *a["historical_mentions"])
    }
    assert used == defined
