"""Fuzzing the source parsers: whatever bytes a feed, Google News, GDELT or a sitemap
sends, the parser returns well-formed links or raises its documented `SourceFormatError`.

Inputs are near-valid documents built from templates whose every field is hostile
(entities, stray markup, broken dates and URLs, odd encodings), then optionally cut
short or sprinkled with random bytes, plus plain random bytes.
"""

from __future__ import annotations

import base64
import gzip
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newswatch.domain import CandidateLink
from newswatch.sources.feeds import parse_feed
from newswatch.sources.gdelt import parse_gdelt
from newswatch.sources.google_news import parse_google_news
from newswatch.sources.links import SourceFormatError
from newswatch.sources.sitemap import SitemapDocument, parse_sitemap

# Per target; the whole fuzz set stays under a minute on two cores. A longer campaign:
# NEWSWATCH_FUZZ_EXAMPLES=5000 .venv/bin/python -m pytest tests/test_fuzz_*.py
EXAMPLES = int(os.environ.get("NEWSWATCH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = (
    "&",
    "&amp;",
    "&lt;b&gt;",
    "&#0;",
    "&#xD800;",
    "&#1114112;",
    "&nbsp;",
    "&undefined;",
    "<![CDATA[x]]>",
    "]]>",
    "<b>",
    "</item>",
    "</entry>",
    "<item>",
    "<!--",
    "<?xml?>",
    '<!DOCTYPE x [<!ENTITY e "ee">]>&e;',
    "\x00",
    "\x1b",
    "\ufeff",
    "\u202e",
    "'",
    '"',
)
field = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=16), max_size=5).map("".join)
dates = st.sampled_from(
    [
        "Tue, 18 Mar 2025 10:00:00 GMT",
        "2025-03-18T10:00:00Z",
        "2025-03-18T10:00:00+14:00",
        "Mon, 99 Foo 99999 99:99:99 +9999",
        "0000-00-00T00:00:00Z",
        "9999-12-31T23:59:59-23:59",
        "1969-12-31",
        "",
        "20250318T100000Z",
    ]
) | st.text(max_size=30)
urls = st.sampled_from(
    [
        "http://a.example/news/1",
        "https://b.example/y?utm_source=z&id=1#top",
        "/relative/path",
        "javascript:alert(1)",
        "http://[::1]:99999/",
        "http://[::1/",
        "http://a..b/",
        "http://%zz/",
        "http://user:pass@c.example/",
        "ftp://x.example/",
        "https://xn--/",
        "http://" + "a" * 300 + ".example/",
        "HTTP://UPPER.EXAMPLE/Path",
    ]
) | st.text(max_size=40)
encodings = st.sampled_from(["utf-8", "UTF-16", "iso-8859-1", "windows-1252", "koi8-r", "bogus"])
content_types = st.sampled_from(
    [None, "application/rss+xml", "text/xml; charset=latin-1", "text/html", "garbage", ""]
)
base_urls = st.sampled_from([None, "http://feed.example/rss.xml", "not a url", "http://[::1/"])


@st.composite
def damaged(draw: st.DrawFn, document: bytes) -> bytes:
    """The document as it is, cut short, or with random bytes spliced in."""
    how = draw(st.sampled_from(["as is", "cut", "splice"]))
    if how == "cut" and document:
        return document[: draw(st.integers(0, len(document)))]
    if how == "splice":
        at = draw(st.integers(0, len(document)))
        return document[:at] + draw(st.binary(max_size=24)) + document[at:]
    return document


def encode(text: str, encoding: str) -> bytes:
    try:
        return text.encode(encoding, errors="replace")
    except LookupError:
        return text.encode("utf-8", errors="replace")


@st.composite
def rss_documents(draw: st.DrawFn) -> bytes:
    items = "".join(
        f"<item><title>{draw(field)}</title><link>{draw(urls)}</link>"
        f"<pubDate>{draw(dates)}</pubDate><description>{draw(field)}</description>"
        f'<source url="{draw(urls)}">{draw(field)}</source><guid>{draw(field)}</guid></item>'
        for _ in range(draw(st.integers(0, 4)))
    )
    encoding = draw(encodings)
    text = (
        f'<?xml version="1.0" encoding="{encoding}"?><rss version="{draw(st.sampled_from(["2.0", "0.91", "x"]))}">'
        f"<channel><title>{draw(field)}</title><language>{draw(field)}</language>{items}</channel></rss>"
    )
    return draw(damaged(encode(text, encoding)))


@st.composite
def atom_documents(draw: st.DrawFn) -> bytes:
    entries = "".join(
        f'<entry xml:lang="{draw(field)}"><title type="{draw(st.sampled_from(["text", "html", "xhtml"]))}">'
        f'{draw(field)}</title><link rel="alternate" href="{draw(urls)}"/>'
        f"<published>{draw(dates)}</published><updated>{draw(dates)}</updated>"
        f"<summary>{draw(field)}</summary></entry>"
        for _ in range(draw(st.integers(0, 4)))
    )
    text = (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{draw(field)}</title>{entries}</feed>"
    )
    return draw(damaged(text.encode("utf-8", errors="replace")))


def google_article_url(draw: st.DrawFn) -> str:
    """A Google News article link whose id is a (possibly broken) protobuf holding a URL."""
    inner = draw(urls).encode("utf-8", errors="replace")
    varint = draw(st.sampled_from([bytes([len(inner) & 0x7F]), b"\xff\xff\xff\xff\xff", b""]))
    blob = draw(st.sampled_from([b"\x08\x13\x22", b"\x08", b"\x0b", b""])) + varint + inner
    blob = draw(
        st.sampled_from([blob, blob + draw(st.binary(max_size=8)), draw(st.binary(max_size=40))])
    )
    token = base64.urlsafe_b64encode(blob).decode().rstrip("=")
    token = draw(st.sampled_from([token, token[:-1], "AU_yqL" + token, draw(field)]))
    return f"https://news.google.com/rss/articles/{token}?oc=5"


@st.composite
def google_news_documents(draw: st.DrawFn) -> bytes:
    items = "".join(
        f"<item><title>{draw(field)} - {draw(field)}</title><link>{google_article_url(draw)}</link>"
        f"<pubDate>{draw(dates)}</pubDate>"
        f'<description>&lt;a href="{draw(urls)}"&gt;{draw(field)}&lt;/a&gt;</description>'
        f'<source url="{draw(urls)}">{draw(field)}</source></item>'
        for _ in range(draw(st.integers(0, 4)))
    )
    text = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'
    )
    return draw(damaged(text.encode("utf-8", errors="replace")))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def gdelt_documents(draw: st.DrawFn) -> bytes:
    article = st.fixed_dictionaries(
        {},
        optional={
            "url": urls | json_values,
            "title": field | json_values,
            "seendate": st.sampled_from(["20250318T100000Z", "20251399T999999Z", "x"])
            | json_values,
            "language": st.sampled_from(["English", "German", "en", ""]) | json_values,
            "domain": field,
        },
    )
    payload = draw(
        st.one_of(
            st.fixed_dictionaries({"articles": st.lists(article, max_size=5)}),
            st.fixed_dictionaries({"articles": json_values}),
            json_values,
        )
    )
    text = json.dumps(payload, allow_nan=True)
    text = draw(st.sampled_from([text, "\ufeff" + text, "Invalid query: " + text, ""]))
    return draw(damaged(text.encode("utf-8")))


@st.composite
def sitemap_documents(draw: st.DrawFn) -> bytes:
    def entry():
        return (
            f"<url><loc>{draw(urls)}</loc><lastmod>{draw(dates)}</lastmod>"
            f"<news:news><news:publication><news:language>{draw(field)}</news:language>"
            f"</news:publication><news:publication_date>{draw(dates)}</news:publication_date>"
            f"<news:title>{draw(field)}</news:title></news:news></url>"
        )

    kind = draw(st.sampled_from(["urlset", "index", "text", "other"]))
    ns = (
        'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
    )
    if kind == "urlset":
        body = "".join(entry() for _ in range(draw(st.integers(0, 4))))
        text = f'<?xml version="1.0"?><urlset {ns}>{body}</urlset>'
    elif kind == "index":
        body = "".join(
            f"<sitemap><loc>{draw(urls)}</loc><lastmod>{draw(dates)}</lastmod></sitemap>"
            for _ in range(draw(st.integers(0, 4)))
        )
        text = f'<?xml version="1.0"?><sitemapindex {ns}>{body}</sitemapindex>'
    elif kind == "text":
        text = "\n".join(draw(st.lists(urls, max_size=5)))
    else:
        text = f"<{draw(st.sampled_from(['html', 'rss', 'x:y']))}>{draw(field)}</x>"
    data = draw(damaged(text.encode("utf-8", errors="replace")))
    return gzip.compress(data) if draw(st.booleans()) else data


def assert_well_formed(links: tuple[CandidateLink, ...] | list[CandidateLink]) -> None:
    for link in links:
        assert link.url.lower().startswith(("http://", "https://")), link.url
        assert link.canonical_url
    assert len({link.canonical_url for link in links}) == len(links)


@FUZZ
@given(
    st.one_of(rss_documents(), atom_documents(), st.binary(max_size=300)), base_urls, content_types
)
def test_parse_feed_returns_links_or_a_source_format_error(
    data: bytes, base_url: str | None, content_type: str | None
) -> None:
    try:
        links = parse_feed(data, "fuzz", base_url, content_type)
    except SourceFormatError:
        return
    assert_well_formed(links)


@FUZZ
@given(st.one_of(google_news_documents(), st.binary(max_size=300)), content_types)
def test_parse_google_news_returns_links_or_a_source_format_error(
    data: bytes, content_type: str | None
) -> None:
    try:
        links = parse_google_news(data, "fuzz", None, content_type)
    except SourceFormatError:
        return
    assert_well_formed(links)


@FUZZ
@given(st.one_of(gdelt_documents(), st.binary(max_size=300)))
def test_parse_gdelt_returns_links_or_a_source_format_error(data: bytes) -> None:
    try:
        links = parse_gdelt(data, "fuzz")
    except SourceFormatError:
        return
    assert_well_formed(links)


@FUZZ
@given(st.one_of(sitemap_documents(), st.binary(max_size=300)))
def test_parse_sitemap_returns_a_document_or_a_source_format_error(data: bytes) -> None:
    try:
        document = parse_sitemap(data, "fuzz")
    except SourceFormatError:
        return
    assert isinstance(document, SitemapDocument)
    assert_well_formed(document.links)
    assert all(child.url.lower().startswith(("http://", "https://")) for child in document.sitemaps)
