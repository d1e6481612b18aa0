"""Google News search feeds: an RSS feed whose item links are news.google.com redirects.

Each item's publisher URL is recovered where the item itself carries it: an `<a href>`
in the description that is not on news.google.com, or the URL embedded in an
old-style article id (`CBMi…`, a base64 protobuf holding the URL). Otherwise the
Google link is kept, and the flow resolves it through Google before anything is fetched
(`sources.google_decode`). `CandidateLink.redirect_url` always holds the Google link.
The Google host is the source's `google_host` (tests point it at loopback).
"""

from __future__ import annotations

import base64
import html
import re
from urllib.parse import urlencode, urlsplit

from newswatch.config import Source
from newswatch.domain import CandidateLink
from newswatch.sources.feeds import entry_language, entry_published, entry_title, read_feed
from newswatch.sources.links import dedupe_links, is_http_url, make_link

GOOGLE_HOST = "https://news.google.com"
SEARCH_PATH = "/rss/search"
_HREF = re.compile(r"""href\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
# GDELT-style spans ("1d", "3h", "1w", "15min") → Google's `when:` operator (h or d only).
_SPAN = re.compile(r"^\s*(\d+)\s*(min|h|d|w|m)?\s*$", re.IGNORECASE)


def google_when(timespan: str) -> str | None:
    """Google News `when:` value for a timespan ("1w" → "7d", "15min" → "1h"); None if unknown."""
    match = _SPAN.match(timespan or "")
    if not match:
        return None
    number, unit = int(match.group(1)), (match.group(2) or "d").lower()
    if unit == "min":
        return f"{max(1, -(-number // 60))}h"
    if unit == "h":
        return f"{number}h"
    if unit == "w":
        return f"{number * 7}d"
    if unit == "m":  # months
        return f"{number * 30}d"
    return f"{number}d"


def google_news_url(source: Source) -> str:
    """The search feed URL for a source: its `url` if given, else built from its query.

    The source's timespan becomes a `when:` operator so a monitoring run sees recent news
    (Google otherwise ranks by relevance, old stories included), unless the query has one.
    """
    if source.url:
        return source.url
    search = source.google_host.rstrip("/") + SEARCH_PATH
    query = (source.query or "").strip()
    when = google_when(source.timespan)
    if when and "when:" not in query.lower():
        query = f"{query} when:{when}"
    language = source.language
    country = source.country.upper()
    # Google's own links use "en-US" for English and the bare code for other languages.
    hl = f"{language}-{country}" if language == "en" else language
    params = {"q": query, "hl": hl, "gl": country, "ceid": f"{country}:{language}"}
    return f"{search}?{urlencode(params)}"


def _is_google(url: str, google_host: str = GOOGLE_HOST) -> bool:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        configured = urlsplit(google_host).netloc.lower()
    except ValueError:  # "http://[::1/" and kin: not Google's, whatever else it is
        return False
    if configured and parts.netloc.lower() == configured:
        return True
    return host == "google.com" or host.endswith(".google.com")


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while pos < len(data):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
    raise ValueError("truncated varint")


def url_from_article_id(google_url: str) -> str | None:
    """The publisher URL inside an old-style Google News article id, if it holds one.

    Ids look like `https://news.google.com/rss/articles/CBMi…?oc=5`: URL-safe base64 of a
    small protobuf whose length-delimited fields include the URL. Newer ids (`AU_yqL…`)
    hold only an opaque token and give None.
    """
    try:
        path = urlsplit(google_url).path
    except ValueError:  # "https://[news.google.com/…": a broken link holds no id
        return None
    if "/articles/" not in path:
        return None
    token = path.rsplit("/", 1)[-1]
    try:
        data = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except ValueError:
        return None
    pos = 0
    try:
        while pos < len(data):
            key, pos = _read_varint(data, pos)
            wire = key & 7
            if wire == 0:
                _, pos = _read_varint(data, pos)
            elif wire == 2:
                length, pos = _read_varint(data, pos)
                value = data[pos : pos + length]
                pos += length
                text = value.decode("utf-8", "strict")
                if is_http_url(text) and not _is_google(text):
                    return text
            else:
                return None
    except (ValueError, UnicodeDecodeError):
        return None
    return None


def publisher_url(
    google_url: str, description: str | None, google_host: str = GOOGLE_HOST
) -> str | None:
    """The publisher URL an item gives, from its description links or its article id."""
    for href in _HREF.findall(description or ""):
        href = html.unescape(href).strip()
        if is_http_url(href) and not _is_google(href, google_host):
            return href
    return url_from_article_id(google_url)


def _strip_publisher(title: str | None, publisher: str | None) -> str | None:
    """Google appends " - Publisher" to headlines; the article's own title has no suffix."""
    if title and publisher and title.endswith(f" - {publisher}"):
        return title[: -len(publisher) - 3]
    return title


def parse_google_news(
    data: bytes,
    source: str,
    base_url: str | None = None,
    content_type: str | None = None,
    google_host: str = GOOGLE_HOST,
) -> tuple[CandidateLink, ...]:
    """Links of a Google News RSS feed, publisher URLs recovered where the feed gives them."""
    parsed = read_feed(data, base_url, content_type)
    feed_language = parsed.feed.get("language")
    links: list[CandidateLink | None] = []
    for entry in parsed.entries:
        google_link = entry.get("link")
        if not is_http_url(google_link):
            continue
        publisher = (entry.get("source") or {}).get("title")
        resolved = publisher_url(
            google_link, entry.get("summary") or entry.get("description"), google_host
        )
        links.append(
            make_link(
                resolved or google_link,
                source,
                title=_strip_publisher(entry_title(entry), publisher),
                published_at=entry_published(entry),
                language=entry_language(entry, feed_language),
                redirect_url=google_link,
            )
        )
    return dedupe_links(links)
