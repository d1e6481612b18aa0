"""RSS and Atom feeds (feedparser): bytes in → candidate links out.

feedparser recovers what it can from broken XML. A feed it recovered links from is
accepted (a stray `&` should not cost a source its run); one it could not read at all,
or a "feed" that is HTML or plain text, is a `SourceFormatError`.
"""

from __future__ import annotations

import html
import io
import re
import xml.sax
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import feedparser

from newswatch.domain import CandidateLink
from newswatch.sources.links import (
    SourceFormatError,
    dedupe_links,
    make_link,
    neutralise_char_refs,
    struct_time_to_utc,
)

_TAG = re.compile(r"<[^>]*>")
# feedparser "bozo" reasons that say nothing about the feed's structure.
_HARMLESS_BOZO = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)


def read_feed(data: bytes, base_url: str | None = None, content_type: str | None = None) -> Any:
    """Parse feed bytes with feedparser (never from the network or disk); raise on non-feeds."""
    headers = {"content-type": content_type or "application/xml"}
    if base_url:
        headers["content-location"] = base_url  # relative links resolve against the feed
    # A stream, not bytes: feedparser treats a bytes argument as a possible file name.
    try:
        parsed = feedparser.parse(io.BytesIO(neutralise_char_refs(data)), response_headers=headers)
    except Exception as exc:
        # feedparser recovers from most damage, but some (a bad character reference in a
        # UTF-16 feed, a <link> cut by </item> in its loose parser) escape as ValueError,
        # KeyError, ...: for us that is an unreadable feed, not a crash.
        raise SourceFormatError(f"unreadable feed ({type(exc).__name__} in feedparser)") from None
    problem = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version") and not parsed.entries:
        reason = _problem_text(problem) if problem else "no RSS or Atom elements found"
        raise SourceFormatError(f"not an RSS or Atom feed: {reason}")
    structural = problem is not None and not isinstance(problem, _HARMLESS_BOZO)
    if structural and not any(entry.get("link") for entry in parsed.entries):
        raise SourceFormatError(f"malformed feed: {_problem_text(problem)}")
    return parsed


def _problem_text(problem: object) -> str:
    if isinstance(problem, xml.sax.SAXParseException):
        return f"{problem.getMessage()} at line {problem.getLineNumber()}"
    return " ".join(str(problem).split()) or problem.__class__.__name__


def entry_title(entry: Any) -> str | None:
    """An entry's title as plain text (Atom titles may be HTML: `type="html"`)."""
    title = entry.get("title")
    if not title:
        return None
    detail = entry.get("title_detail") or {}
    if "html" in str(detail.get("type", "")):
        title = html.unescape(_TAG.sub("", title))
    return str(title)


def entry_language(entry: Any, feed_language: str | None) -> str | None:
    """An entry's xml:lang (Atom) if it has one, else the feed's language."""
    for key in ("title_detail", "summary_detail"):
        detail = entry.get(key) or {}
        if detail.get("language"):
            return str(detail["language"])
    return feed_language


def entry_published(entry: Any) -> datetime | None:
    """The entry's publication time, else its update time, as UTC."""
    # `in` first: reading a missing `updated_parsed` falls back to `published_parsed`
    # with a DeprecationWarning (feedparser issue 310) when the pubDate did not parse.
    updated = entry.get("updated_parsed") if "updated_parsed" in entry else None
    return struct_time_to_utc(entry.get("published_parsed") or updated)


def parse_feed(
    data: bytes,
    source: str,
    base_url: str | None = None,
    content_type: str | None = None,
) -> tuple[CandidateLink, ...]:
    """Links of an RSS 0.9x/1.0/2.0 or Atom feed, in feed order, one per canonical URL."""
    # Given a base URL, feedparser resolves every URI of every entry against it: a third of
    # the parse of a 5,000-item feed, for the one URI read here. Without xml:base in the
    # feed (whose relative forms chain onto the base), entry links are resolved below.
    if any(marker in data for marker in _XML_BASE_MARKERS):
        feedparser_base, links_base = base_url, None
    else:
        feedparser_base, links_base = None, base_url
    parsed = read_feed(data, feedparser_base, content_type)
    feed_language = parsed.feed.get("language")
    return dedupe_links(
        make_link(
            _absolute(entry.get("link"), links_base),
            source,
            title=entry_title(entry),
            published_at=entry_published(entry),
            language=entry_language(entry, feed_language),
        )
        for entry in parsed.entries
    )


# "xml:base" as a feed in any encoding feedparser reads would spell it.
_XML_BASE_MARKERS = tuple(
    "xml:base".encode(codec)
    for codec in ("ascii", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
)


def _absolute(link: str | None, base_url: str | None) -> str | None:
    """An entry link resolved against the feed's URL, as feedparser resolves it when given
    the URL (`feedparser.urls._urljoin`, whose clean-up it has applied to `link` already)."""
    if not link or not base_url:
        return link
    try:
        return urljoin(base_url, link)
    except ValueError:  # "http://[" and the like: no link, as in feedparser
        return None
