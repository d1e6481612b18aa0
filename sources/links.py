"""What every source parser shares: building candidate links and the format error."""

from __future__ import annotations

import calendar
import re
import time
from collections.abc import Iterable
from datetime import UTC, datetime

from newswatch.domain import CandidateLink
from newswatch.urls import canonicalize_url


class SourceFormatError(ValueError):
    """A payload that is not in the format its source kind promises; the message is one line."""


_CHAR_REF = re.compile(rb"&#([xX][0-9a-fA-F]{1,16}|[0-9]{1,16});")


def _valid_char_ref(match: re.Match[bytes]) -> bytes:
    ref = match.group(1)
    code = int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)
    return match.group(0) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else b"&#xFFFD;"


def neutralise_char_refs(data: bytes) -> bytes:
    """Character references to surrogates or past U+10FFFF become U+FFFD (`&#xD800;`).

    feedparser raises on them and lxml fails reading the text that holds one, instead of
    recovering as they do from other bad bytes. (ASCII-compatible encodings only; other
    payloads are left as they are.)
    """
    return _CHAR_REF.sub(_valid_char_ref, data) if b"&#" in data else data


def is_http_url(url: str | None) -> bool:
    """True for absolute http(s) URLs with a host."""
    if not url:
        return False
    low = url.strip().lower()
    return low.startswith(("http://", "https://")) and len(low.split("/", 3)[2]) > 0


def language_code(value: str | None) -> str | None:
    """The primary language subtag, lower-cased ("en-US" → "en"); None when blank."""
    if not value or not value.strip():
        return None
    return value.strip().replace("_", "-").split("-", 1)[0].lower() or None


def struct_time_to_utc(value: time.struct_time | None) -> datetime | None:
    """A feedparser date (a UTC struct_time) as an aware UTC datetime."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def make_link(
    url: str | None,
    source: str,
    *,
    title: str | None = None,
    published_at: datetime | None = None,
    language: str | None = None,
    redirect_url: str | None = None,
) -> CandidateLink | None:
    """A candidate link with its canonical URL, or None when `url` is not an http(s) URL."""
    if not is_http_url(url):
        return None
    assert url is not None
    url = url.strip()
    clean_title = " ".join(title.split()) if title else None
    return CandidateLink(
        url=url,
        canonical_url=canonicalize_url(url),
        source=source,
        title=clean_title or None,
        published_at=published_at,
        language=language_code(language),
        redirect_url=redirect_url,
    )


def dedupe_links(links: Iterable[CandidateLink | None]) -> tuple[CandidateLink, ...]:
    """Links in order, the first of each canonical URL kept, Nones dropped."""
    seen: set[str] = set()
    kept: list[CandidateLink] = []
    for link in links:
        if link is None or link.canonical_url in seen:
            continue
        seen.add(link.canonical_url)
        kept.append(link)
    return tuple(kept)
