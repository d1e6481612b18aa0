"""Source parsers are pure: payload bytes in (the real formats), candidate links out."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import feedparser
import pytest

from newswatch.config import Source
from newswatch.sources.feeds import parse_feed
from newswatch.sources.gdelt import gdelt_url, parse_gdelt
from newswatch.sources.google_news import (
    google_news_url,
    google_when,
    parse_google_news,
    url_from_article_id,
)
from newswatch.sources.links import SourceFormatError, make_link
from newswatch.sources.sitemap import MAX_SITEMAP_LINKS, parse_sitemap

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- RSS / Atom ---------------------------------------------------------------------


def test_rss_items_become_links_with_utc_dates_and_feed_language() -> None:
    links = parse_feed(fixture("rss.xml"), "harbour", "https://harbourtimes.example/feed")
    first = links[0]
    assert first.source == "harbour"
    assert first.title == "Leaders speak by phone for “over an hour”"
    assert first.published_at == datetime(2025, 2, 12, 18, 30, tzinfo=UTC)
    assert first.language == "en"
    assert (
        first.canonical_url
        == "https://harbourtimes.example/world/2025/02/12/leaders-speak-by-phone"
    )


def test_rss_duplicates_by_canonical_url_and_linkless_items_are_dropped() -> None:
    links = parse_feed(fixture("rss.xml"), "harbour")
    canonical = [link.canonical_url for link in links]
    assert len(canonical) == len(set(canonical)) == 3
    assert all(link.url.startswith("https://") for link in links)


def test_rss_title_whitespace_is_collapsed_and_missing_dates_stay_none() -> None:
    links = parse_feed(fixture("rss.xml"), "harbour")
    assert links[1].title == "Markets steady ahead of talks"
    assert links[1].published_at == datetime(2025, 2, 12, 13, 0, tzinfo=UTC)  # dc:date -05:00
    assert links[2].published_at is None


def test_atom_relative_links_resolve_and_entry_language_wins() -> None:
    links = parse_feed(fixture("atom.xml"), "north", "https://northwire.example/feeds/all.atom")
    assert [link.url for link in links] == [
        "https://northwire.example/2025/03/18/call-ends-with-partial-pause",
        "https://northwire.example/de/2025/03/18/telefonat-beendet",
    ]  # the mailto: entry is not a web page
    assert [link.language for link in links] == ["en", "de"]


def test_atom_prefers_published_then_updated_and_strips_html_titles() -> None:
    links = parse_feed(fixture("atom.xml"), "north")
    assert links[0].published_at == datetime(2025, 3, 18, 18, 5, tzinfo=UTC)
    assert links[1].published_at == datetime(2025, 3, 18, 19, 10, tzinfo=UTC)  # updated only
    assert links[0].title == "Call ends with partial pause"


def test_malformed_feed_is_a_format_error_naming_the_fault() -> None:
    with pytest.raises(SourceFormatError, match=r"malformed feed: .*line 2"):
        parse_feed(fixture("malformed_feed.xml"), "broken")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"<!DOCTYPE html><html><body><p>Consent required</p></body></html>", "not an RSS or Atom"),
        (b"", "not an RSS or Atom"),
        (b"upstream timeout", "not an RSS or Atom"),
    ],
)
def test_pages_that_are_not_feeds_are_format_errors(payload: bytes, reason: str) -> None:
    with pytest.raises(SourceFormatError, match=reason):
        parse_feed(payload, "x")


def test_a_valid_empty_feed_has_no_links() -> None:
    payload = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>'
    assert parse_feed(payload, "x") == ()


def test_feed_bytes_are_never_read_as_a_file_name(tmp_path: Path) -> None:
    secret = tmp_path / "feed.xml"
    secret.write_bytes(fixture("rss.xml"))
    with pytest.raises(SourceFormatError):
        parse_feed(str(secret).encode(), "x")


# --- Google News --------------------------------------------------------------------


def test_google_news_url_is_built_from_query_language_and_country() -> None:
    url = google_news_url(
        Source(kind="google_news", query="Trump Putin", language="de", country="de")
    )
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "news.google.com", "/rss/search")
    assert query == {"q": ["Trump Putin when:1d"], "hl": ["de"], "gl": ["DE"], "ceid": ["DE:de"]}


def test_google_news_english_uses_a_regional_hl_and_keeps_an_explicit_when() -> None:
    url = google_news_url(Source(kind="google_news", query="summit when:7d"))
    query = parse_qs(urlsplit(url).query)
    assert query["hl"] == ["en-US"] and query["ceid"] == ["US:en"]
    assert query["q"] == ["summit when:7d"]


@pytest.mark.parametrize(
    ("span", "when"), [("1d", "1d"), ("3h", "3h"), ("1w", "7d"), ("15min", "1h"), ("x", None)]
)
def test_timespans_translate_to_google_when(span: str, when: str | None) -> None:
    assert google_when(span) == when


def test_google_news_publisher_url_from_description_link() -> None:
    links = parse_google_news(fixture("google_news.xml"), "gn")
    coastal = links[1]
    assert (
        coastal.url
        == "https://www.coastalpost.example/politics/call-lasted-ninety-minutes?utm_source=gn&id=77"
    )
    assert (
        coastal.canonical_url
        == "https://www.coastalpost.example/politics/call-lasted-ninety-minutes?id=77"
    )
    assert coastal.redirect_url is not None and coastal.redirect_url.startswith(
        "https://news.google.com/"
    )


def test_google_news_publisher_url_from_an_old_style_article_id() -> None:
    first = parse_google_news(fixture("google_news.xml"), "gn")[0]
    assert first.url == "https://www.dailyledger.example/world/2025/02/12/leaders-hold-call.html"
    assert first.title == "Leaders hold first call of the term"  # " - The Daily Ledger" cut
    assert first.published_at == datetime(2025, 2, 12, 18, 40, tzinfo=UTC)


def test_google_news_keeps_the_redirect_when_the_feed_does_not_name_the_publisher() -> None:
    third = parse_google_news(fixture("google_news.xml"), "gn")[2]
    assert third.url == third.redirect_url
    assert third.url.startswith("https://news.google.com/rss/articles/")


def test_opaque_article_ids_hold_no_url() -> None:
    assert (
        url_from_article_id(
            "https://news.google.com/rss/articles/CBMiHkFVX3lxTG9wYXF1ZXRva2VueHl6MDEyMzQ1Njc4OQ"
        )
        is None
    )
    assert url_from_article_id("https://news.google.com/rss/articles/%%%") is None


# --- GDELT --------------------------------------------------------------------------


def test_gdelt_url_asks_for_a_json_article_list() -> None:
    url = gdelt_url(Source(kind="gdelt", query='"Trump" Putin', timespan="3h", max_records=50))
    query = parse_qs(urlsplit(url).query)
    assert urlsplit(url).netloc == "api.gdeltproject.org"
    assert query["query"] == ['"Trump" Putin']
    assert (query["mode"], query["format"]) == (["artlist"], ["json"])
    assert (query["timespan"], query["maxrecords"]) == (["3h"], ["50"])


def test_gdelt_articles_become_links_with_seendate_and_iso_language() -> None:
    links = parse_gdelt(fixture("gdelt.json"), "gdelt")
    assert [link.language for link in links] == ["en", "de", None]
    assert links[0].published_at == datetime(2025, 2, 12, 18, 30, tzinfo=UTC)
    assert links[1].title == "Telefonat der Präsidenten"
    assert links[2].published_at is None  # a malformed seendate is not a crash


def test_gdelt_duplicates_by_canonical_url_are_dropped() -> None:
    links = parse_gdelt(fixture("gdelt.json"), "gdelt")
    assert len(links) == 3
    assert (
        links[0].url == "https://www.rivergazette.example/news/2025/02/12/presidents-talk-by-phone"
    )


def test_gdelt_text_answer_is_an_error_with_gdelts_words() -> None:
    with pytest.raises(SourceFormatError, match="GDELT error: Please limit requests"):
        parse_gdelt(fixture("gdelt_rate_limit.txt"), "gdelt")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty response"),
        (b"  \n", "empty response"),
        (b'{"articles": [', "invalid JSON"),
        (b"[1]", "not an object"),
    ],
)
def test_gdelt_broken_answers_are_clear_errors(payload: bytes, reason: str) -> None:
    with pytest.raises(SourceFormatError, match=reason):
        parse_gdelt(payload, "gdelt")


def test_gdelt_empty_object_means_no_articles() -> None:
    assert parse_gdelt(b"{}", "gdelt") == ()


def test_gdelt_titles_with_raw_control_characters_are_accepted() -> None:
    payload = b'{"articles":[{"url":"https://a.example/x","title":"tab\there","seendate":"20250101T000000Z"}]}'
    assert parse_gdelt(payload, "gdelt")[0].title == "tab here"


# --- sitemaps -----------------------------------------------------------------------


def test_news_sitemap_gives_titles_dates_and_languages() -> None:
    document = parse_sitemap(fixture("sitemap_news.xml"), "herald")
    first, second, third = document.links
    assert first.title == "Summit in Alaska ends without a deal"
    assert first.published_at == datetime(2025, 8, 16, 6, 10, tzinfo=UTC)  # -08:00 → UTC
    assert second.published_at == datetime(2025, 8, 14, tzinfo=UTC)  # date only
    assert second.title == "What to expect & what not to"
    assert (first.language, third.language, third.title) == ("en", None, None)
    assert document.sitemaps == ()


def test_sitemap_index_lists_child_sitemaps_with_lastmod() -> None:
    document = parse_sitemap(fixture("sitemap_index.xml"), "herald")
    assert document.links == ()
    assert [c.url for c in document.sitemaps] == [
        "http://HOST/sitemaps/older.xml",
        "http://HOST/sitemaps/news.xml",
    ]
    assert document.sitemaps[1].lastmod == datetime(2025, 8, 15, 22, 15, tzinfo=UTC)


def test_gzipped_sitemap_is_read() -> None:
    document = parse_sitemap(gzip.compress(fixture("sitemap_news.xml")), "herald")
    assert len(document.links) == 3


def test_plain_text_sitemap_is_read() -> None:
    document = parse_sitemap(b"https://a.example/1\nhttps://a.example/2\n\n", "txt")
    assert [link.url for link in document.links] == ["https://a.example/1", "https://a.example/2"]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"<html><body>Not found</body></html>", "root element <html>"),
        (b"", "empty sitemap"),
        (b"oops, we are down", "neither XML nor a list"),
        (b"\x1f\x8b\x08\x00broken", "corrupt gzip"),
    ],
)
def test_things_that_are_not_sitemaps_are_format_errors(payload: bytes, reason: str) -> None:
    with pytest.raises(SourceFormatError, match=reason):
        parse_sitemap(payload, "x")


def test_entities_are_not_expanded() -> None:
    payload = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>https://a.example/&x;</loc></url></urlset>"
    )
    links = parse_sitemap(payload, "x").links
    assert all("etc" not in link.url and "\n" not in link.url for link in links)


def test_huge_plain_sitemap_keeps_the_newest_links() -> None:
    entries = "".join(
        f"<url><loc>https://a.example/p{i}</loc><lastmod>2025-01-01T00:00:{i % 60:02d}Z</lastmod></url>"
        if i < MAX_SITEMAP_LINKS
        else f"<url><loc>https://a.example/p{i}</loc><lastmod>2025-06-01</lastmod></url>"
        for i in range(MAX_SITEMAP_LINKS + 50)
    )
    payload = (
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'.encode()
    )
    links = parse_sitemap(payload, "x").links
    assert len(links) == MAX_SITEMAP_LINKS
    assert {
        f"https://a.example/p{i}" for i in range(MAX_SITEMAP_LINKS, MAX_SITEMAP_LINKS + 50)
    } <= {link.url for link in links}


RELATIVE_LINKS = [
    "/2025/03/18/call",
    "2025/03/18/sibling",
    "../up/one",
    "//cdn.northwire.example/elsewhere",
    "?p=42",
    "  /spaced/link  ",
    "https://other.example/absolute",
    "javascript:alert(1)",
    "mailto:desk@northwire.example",
    "http://northwire.example/empty-query?",
    "HTTP:///northwire.example/extra-slash",
    "http://[broken",
    "https://northwire.example/a/./b/../c",
]


def test_rss_links_without_xml_base_resolve_against_the_feed_as_feedparser_would() -> None:
    # parse_feed resolves these itself (feedparser, given the feed's URL, resolves every URI
    # of every entry): feedparser's own resolution is the oracle.
    items = "".join(
        f"<item><title>t{i}</title><link>{link}</link></item>"
        for i, link in enumerate(RELATIVE_LINKS)
    )
    feed = f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()
    feed_url = "https://northwire.example/feeds/news/all.rss"
    expected = [
        make_link(entry.get("link"), "north")
        for entry in feedparser.parse(
            io.BytesIO(feed), response_headers={"content-location": feed_url}
        ).entries
    ]
    got = parse_feed(feed, "north", feed_url)
    assert [link.url for link in got] == [link.url for link in expected if link is not None]
    assert got[0].url == "https://northwire.example/2025/03/18/call"


def test_a_utf16_feed_with_a_relative_xml_base_resolves_as_feedparser_does() -> None:
    # xml:base chains onto the feed's URL: such a feed is resolved by feedparser itself.
    feed = (
        '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel xml:base="../up/">'
        "<item><title>t</title><link>item/1</link></item></channel></rss>"
    ).encode("utf-16")
    feed_url = "https://northwire.example/feeds/x/all.rss"
    expected = feedparser.parse(
        io.BytesIO(feed), response_headers={"content-location": feed_url}
    ).entries[0]["link"]
    (link,) = parse_feed(feed, "north", feed_url)
    assert link.url == expected == "https://northwire.example/feeds/up/item/1"
