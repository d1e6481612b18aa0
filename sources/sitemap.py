"""Sitemaps (sitemaps.org, with Google News extensions): bytes in → links and child sitemaps.

A `urlset` gives page links (title and publication date from `news:news` when present);
a `sitemapindex` gives child sitemaps for the poller to fetch. Gzipped sitemaps
(`.xml.gz` served as a file) are inflated here, bounded. Plain-text sitemaps (one URL a
line) are read too. Element names are matched without their namespace, since real
sitemaps get namespaces subtly wrong.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lxml import etree

from newswatch.domain import CandidateLink
from newswatch.sources.links import (
    SourceFormatError,
    dedupe_links,
    is_http_url,
    make_link,
    neutralise_char_refs,
)

# The sitemaps.org limit for one sitemap, uncompressed (50 MB): inflate no further.
MAX_SITEMAP_BYTES = 50_000_000
# A general (non-news) sitemap can list 50,000 pages; a run keeps the newest this many.
# News sitemaps hold two days of articles, typically a few hundred, so they fit whole.
MAX_SITEMAP_LINKS = 1000

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, recover=True, remove_comments=True
)


@dataclass(frozen=True)
class ChildSitemap:
    """A sitemap listed by a sitemap index."""

    url: str
    lastmod: datetime | None = None


@dataclass(frozen=True)
class SitemapDocument:
    """One parsed sitemap: page links (urlset) or child sitemaps (sitemapindex)."""

    links: tuple[CandidateLink, ...] = ()
    sitemaps: tuple[ChildSitemap, ...] = ()


def parse_w3c_datetime(value: str | None) -> datetime | None:
    """A W3C datetime ("2025-02-12", "2025-02-12T18:30:00+01:00", "…Z") as UTC; None if bad."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=UTC)
        return parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 9999 with a negative offset
        return None


def _inflate(data: bytes) -> bytes:
    """Gunzip a gzipped sitemap, refusing to grow past MAX_SITEMAP_BYTES."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, MAX_SITEMAP_BYTES)
    except zlib.error as exc:
        raise SourceFormatError(f"corrupt gzip sitemap: {exc}") from None
    if inflater.unconsumed_tail:
        raise SourceFormatError(f"gzip sitemap larger than {MAX_SITEMAP_BYTES} bytes")
    if not inflater.eof:
        raise SourceFormatError("corrupt gzip sitemap: the data ends early")
    return out


def _local(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(element: etree._Element, *path: str) -> str | None:
    """Text of the first descendant reached by local names, e.g. ("news", "title")."""
    current: etree._Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((c for c in current if _local(c) == name), None)
    if current is None or current.text is None:
        return None
    return current.text.strip() or None


def _newest(links: list[CandidateLink], lastmods: dict[str, datetime]) -> list[CandidateLink]:
    """The newest MAX_SITEMAP_LINKS links (by publication date, else lastmod), in order."""
    if len(links) <= MAX_SITEMAP_LINKS:
        return links
    floor = datetime.min.replace(tzinfo=UTC)

    def when(link: CandidateLink) -> datetime:
        return link.published_at or lastmods.get(link.canonical_url) or floor

    keep = {id(link) for link in sorted(links, key=when, reverse=True)[:MAX_SITEMAP_LINKS]}
    return [link for link in links if id(link) in keep]


def _parse_text_sitemap(text: str, source: str) -> SitemapDocument:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(is_http_url(line) for line in lines):
        raise SourceFormatError("not a sitemap: neither XML nor a list of URLs")
    return SitemapDocument(links=dedupe_links(make_link(u, source) for u in lines))


def parse_sitemap(data: bytes, source: str) -> SitemapDocument:
    """Parse a sitemap or sitemap index (XML, gzipped XML or plain text)."""
    if data[:2] == b"\x1f\x8b":
        data = _inflate(data)
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not stripped:
        raise SourceFormatError("empty sitemap")
    if not stripped.startswith(b"<"):
        return _parse_text_sitemap(stripped.decode("utf-8", errors="replace"), source)
    try:
        root = etree.fromstring(neutralise_char_refs(stripped), _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SourceFormatError(f"not valid XML: {exc}") from None
    if root is None:
        raise SourceFormatError("not valid XML: no root element")
    kind = _local(root)
    if kind == "sitemapindex":
        children = []
        for entry in root:
            if _local(entry) != "sitemap":
                continue
            loc = _child_text(entry, "loc")
            if is_http_url(loc):
                assert loc is not None
                children.append(
                    ChildSitemap(loc, parse_w3c_datetime(_child_text(entry, "lastmod")))
                )
        return SitemapDocument(sitemaps=tuple(children))
    if kind != "urlset":
        raise SourceFormatError(f"not a sitemap: root element <{kind or '?'}>")
    links: list[CandidateLink] = []
    lastmods: dict[str, datetime] = {}
    for entry in root:
        if _local(entry) != "url":
            continue
        link = make_link(
            _child_text(entry, "loc"),
            source,
            title=_child_text(entry, "news", "title"),
            published_at=parse_w3c_datetime(_child_text(entry, "news", "publication_date")),
            language=_child_text(entry, "news", "publication", "language"),
        )
        if link is None:
            continue
        lastmod = parse_w3c_datetime(_child_text(entry, "lastmod"))
        if lastmod is not None:
            lastmods[link.canonical_url] = lastmod
        links.append(link)
    return SitemapDocument(links=dedupe_links(_newest(links, lastmods)))
