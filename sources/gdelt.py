"""GDELT DOC 2.0 API (article list, JSON): bytes in → candidate links out.

GDELT answers faults with a 200 and a line of plain text ("Please limit requests to one
every 5 seconds", "The specified phrase is too short") or an empty body; those become a
`SourceFormatError` carrying GDELT's own words. `{}` means no articles matched.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import urlencode

from newswatch.config import Source
from newswatch.domain import CandidateLink
from newswatch.sources.links import SourceFormatError, dedupe_links, make_link

GDELT_DOC_API = "https://api.gdeltproject.org/api/v2/doc/doc"
GDELT_HOST = "api.gdeltproject.org"
# GDELT asks for at most one request every 5 seconds; two GDELT sources in one watch are
# spaced this far apart by the per-host gate.
GDELT_MIN_INTERVAL_SECONDS = 5.0

# GDELT names languages in English; the pipeline uses ISO 639-1 codes. The common ones:
_LANGUAGE_CODES = {
    "arabic": "ar", "chinese": "zh", "czech": "cs", "danish": "da", "dutch": "nl",
    "english": "en", "finnish": "fi", "french": "fr", "german": "de", "greek": "el",
    "hebrew": "he", "hindi": "hi", "hungarian": "hu", "italian": "it", "japanese": "ja",
    "korean": "ko", "norwegian": "no", "persian": "fa", "polish": "pl", "portuguese": "pt",
    "romanian": "ro", "russian": "ru", "serbian": "sr", "spanish": "es", "swedish": "sv",
    "turkish": "tr", "ukrainian": "uk", "vietnamese": "vi",
}  # fmt: skip


def gdelt_url(source: Source) -> str:
    """The DOC API URL for a source: its `url` if given, else an artlist query."""
    if source.url:
        return source.url
    params = {
        "query": source.query or "",
        "mode": "artlist",
        "format": "json",
        "timespan": source.timespan,
        "maxrecords": str(source.max_records),
        "sort": "datedesc",
    }
    return f"{GDELT_DOC_API}?{urlencode(params)}"


def parse_seendate(value: object) -> datetime | None:
    """GDELT's `seendate` ("20250212T183000Z") as UTC; None when absent or malformed."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.strptime(value.strip(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def _language(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    name = value.strip().lower()
    if len(name) == 2:
        return name
    return _LANGUAGE_CODES.get(name)


def parse_gdelt(data: bytes, source: str) -> tuple[CandidateLink, ...]:
    """Links of a DOC 2.0 artlist response, in response order, one per canonical URL."""
    text = data.decode("utf-8", errors="replace").strip().lstrip("\ufeff")
    if not text:
        raise SourceFormatError("GDELT returned an empty response")
    if not text.startswith(("{", "[")):
        raise SourceFormatError(f"GDELT error: {' '.join(text.split())[:200]}")
    try:
        # GDELT titles sometimes carry raw control characters: strict=False accepts them.
        payload = json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise SourceFormatError(f"GDELT returned invalid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise SourceFormatError("GDELT returned JSON that is not an object")
    articles = payload.get("articles", [])
    if not isinstance(articles, list):
        raise SourceFormatError("GDELT JSON has no article list")
    return dedupe_links(
        make_link(
            article.get("url"),
            source,
            title=article.get("title") if isinstance(article.get("title"), str) else None,
            published_at=parse_seendate(article.get("seendate")),
            language=_language(article.get("language")),
        )
        for article in articles
        if isinstance(article, dict) and isinstance(article.get("url"), str)
    )
