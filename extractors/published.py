"""When a page was published: JSON-LD, meta tags, a dateline near the headline, the URL, htmldate, the feed.

Every result is a timezone-aware UTC datetime with the name of the place it came from.
Relative dates in the text ("on Tuesday") resolve against this time downstream, so a
wrong day here moves events: the finder never reads dates from navigation bars (some
themes print the crawl day there) and prefers a machine-readable date to a visible one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from copy import deepcopy
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lxml.html import HtmlElement

from newswatch.extractors.clean_meta import PageMeta, squash

# Meta tags that carry the first-publication time, most specific first.
PUBLISHED_META = (
    "article:published_time",
    "og:article:published_time",
    "article.published",
    "datepublished",
    "date_published",
    "publish-date",
    "publishdate",
    "pubdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.issued",
    "dc.date",
    "citation_publication_date",
    "date",
)

# Ancestors whose class or id says "site furniture": a date inside them is about the
# site (today's date in a top bar, a ticker), not about the article.
_FURNITURE = re.compile(
    r"top-?bar|topbar|ticker|masthead|navbar|header|menu|footer|sidebar|widget|related|comment",
    re.I,
)
# Classes/ids of elements that hold a byline or dateline.
_DATELINE_HINT = re.compile(r"date|time|posted|publish|byline|meta|dateline|stamp", re.I)
# A dateline further than this many candidate elements past the headline is body text or
# a teaser list; article templates put the date within the first two or three.
MAX_DATELINE_CANDIDATES = 4
# Visible text longer than this is a paragraph, not a dateline ("Posted on ... by ...").
MAX_DATELINE_CHARS = 160

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11,
    "dec": 12, "december": 12,
}  # fmt: skip
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_TIME = (
    r"(?:[,\s]+(?:at|@|-|–|—|\|)?\s*(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*"
    r"(?P<ampm>[ap]\.?\s?m\.?)?(?:\s*(?P<tz>[A-Z]{1,5}\b))?)?"
)
_DATELINE = re.compile(
    r"\b(?:" + _MONTH + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d{2})"
    r"|(?P<day2>\d{1,2})(?:st|nd|rd|th)?\.?\s+(?P<month2>"
    + "|".join(sorted(_MONTHS, key=len, reverse=True))
    + r")\.?,?\s+(?P<year2>(?:19|20)\d{2}))"
    + _TIME,
    re.I,
)

# Zone abbreviations seen in datelines. Generic ones (ET) follow daylight saving through
# zoneinfo; explicit standard/daylight ones (EST, EDT) are fixed offsets.
_ZONES: dict[str, tzinfo] = {
    "ET": ZoneInfo("America/New_York"),
    "CT": ZoneInfo("America/Chicago"),
    "MT": ZoneInfo("America/Denver"),
    "PT": ZoneInfo("America/Los_Angeles"),
    "AKT": ZoneInfo("America/Anchorage"),
    "EST": timezone(timedelta(hours=-5)),
    "EDT": timezone(timedelta(hours=-4)),
    "CST": timezone(timedelta(hours=-6)),
    "CDT": timezone(timedelta(hours=-5)),
    "MST": timezone(timedelta(hours=-7)),
    "MDT": timezone(timedelta(hours=-6)),
    "PST": timezone(timedelta(hours=-8)),
    "PDT": timezone(timedelta(hours=-7)),
    "AKST": timezone(timedelta(hours=-9)),
    "AKDT": timezone(timedelta(hours=-8)),
    "GMT": UTC,
    "UTC": UTC,
    "Z": UTC,
    "BST": timezone(timedelta(hours=1)),
    "CET": timezone(timedelta(hours=1)),
    "CEST": timezone(timedelta(hours=2)),
    "EET": timezone(timedelta(hours=2)),
    "EEST": timezone(timedelta(hours=3)),
    "MSK": timezone(timedelta(hours=3)),
}

_URL_DATES = (
    re.compile(r"/(?P<y>(?:19|20)\d{2})/(?P<m>0?[1-9]|1[0-2])/(?P<d>0?[1-9]|[12]\d|3[01])(?:/|$)"),
    re.compile(
        r"(?:^|[/_-])(?P<y>(?:19|20)\d{2})-(?P<m>0[1-9]|1[0-2])-(?P<d>0[1-9]|[12]\d|3[01])(?=$|[/._-])"
    ),
    re.compile(r"/(?P<y>(?:19|20)\d{2})(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?:/|$)"),
)
_ISO_LIKE = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})(?:[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|[+-]\d{2})?)?"
)


@dataclass(frozen=True)
class PublishedTime:
    """A publication time (aware, UTC) and where it was found."""

    when: datetime
    source: str


def to_utc(value: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_iso(value: str | None) -> datetime | None:
    """A machine-readable timestamp ("2024-11-07T20:45:00+00:00", "2025-02-12") as UTC."""
    if not value:
        return None
    match = _ISO_LIKE.search(value.strip())
    if not match:
        return None
    try:
        day = date.fromisoformat(match["date"])
        clock = time.fromisoformat(match["time"]) if match["time"] else time(0, 0)
    except ValueError:
        return None
    zone: tzinfo = UTC
    raw_zone = match["tz"]
    if raw_zone and raw_zone != "Z":
        digits = raw_zone.replace(":", "")
        hours, minutes = int(digits[1:3]), int(digits[3:5] or 0)
        if hours > 14 or minutes > 59:
            return None
        sign = -1 if digits[0] == "-" else 1
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def parse_dateline(text: str) -> datetime | None:
    """The first visible date in `text` ("Feb. 12, 2025 6:30 PM ET", "12 March 2025, 18:05 GMT") as UTC.

    A named zone is honoured (ET through zoneinfo, so daylight saving applies); a time without
    a zone, or a date without a time, is taken as UTC.
    """
    for match in _DATELINE.finditer(text):
        month_name = (match["month"] or match["month2"]).lower().rstrip(".")
        try:
            day = date(
                int(match["year"] or match["year2"]),
                _MONTHS[month_name],
                int(match["day"] or match["day2"]),
            )
        except (ValueError, KeyError):
            continue
        clock = time(0, 0)
        zone: tzinfo = UTC
        if match["hour"] is not None and (match["minute"] is not None or match["ampm"]):
            hour, minute = int(match["hour"]), int(match["minute"] or 0)
            ampm = (match["ampm"] or "").replace(".", "").replace(" ", "").lower()
            if ampm == "pm" and hour < 12:
                hour += 12
            elif ampm == "am" and hour == 12:
                hour = 0
            if hour > 23 or minute > 59:
                return datetime.combine(day, clock, tzinfo=UTC)
            clock = time(hour, minute)
            if match["tz"]:
                zone = _ZONES.get(match["tz"].upper(), UTC)
        return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)
    return None


def date_from_url(url: str) -> date | None:
    """A publication day written in the URL path (/2025/02/12/, -2025-02-12, /20250212/)."""
    try:
        path = urlsplit(url).path
    except ValueError:
        return None
    for pattern in _URL_DATES:
        match = pattern.search(path)
        if match:
            try:
                return date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                continue
    return None


def _json_ld_published(meta: PageMeta) -> datetime | None:
    nodes = meta.article_nodes() or [n for n in meta.json_ld if "datePublished" in n]
    for node in nodes:
        value = node.get("datePublished") or node.get("dateCreated")
        found = parse_iso(value) if isinstance(value, str) else None
        if found:
            return found
    return None


def _meta_published(meta: PageMeta) -> datetime | None:
    for name in PUBLISHED_META:
        found = parse_iso(meta.meta.get(name))
        if found:
            return found
    return None


def _is_furniture(element: HtmlElement, headline_box: set[HtmlElement]) -> bool:
    """True inside nav/footer/aside, or inside a header/top bar that does not hold the headline."""
    for ancestor in element.iterancestors():
        if ancestor in headline_box:
            continue
        if ancestor.tag in ("nav", "footer", "aside", "header"):
            return True
        marks = f"{ancestor.get('class', '')} {ancestor.get('id', '')}"
        if _FURNITURE.search(marks):
            return True
    return False


def _dateline_candidates(tree: HtmlElement) -> Iterable[HtmlElement]:
    """Elements after the headline that look like a dateline (<time>, class 'posted-on', ...)."""
    headline = tree.find(".//h1")
    headline_box = set(headline.iterancestors()) if headline is not None else set()
    seen_headline = headline is None
    count = 0
    for element in tree.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if element is headline:
            seen_headline = True
            continue
        if not seen_headline or tag in ("script", "style", "a"):
            continue
        marks = f"{element.get('class', '')} {element.get('id', '')} {element.get('itemprop', '')}"
        if tag == "time" or _DATELINE_HINT.search(marks):
            if _is_furniture(element, headline_box):
                continue
            yield element
            count += 1
            if count >= MAX_DATELINE_CANDIDATES:
                return


def _dateline_published(tree: HtmlElement) -> tuple[datetime, str] | None:
    for element in _dateline_candidates(tree):
        if element.tag == "time" and element.get("datetime"):
            found = parse_iso(element.get("datetime"))
            if found:
                return found, "time-element"
        text = squash(element.text_content())
        if (
            not text
            or len(text) > MAX_DATELINE_CHARS
            or text.lower().startswith(("updated", "modified"))
        ):
            continue
        found = parse_dateline(text)
        if found:
            return found, "dateline"
    return None


def _without_furniture(tree: HtmlElement) -> HtmlElement:
    """A copy of `tree` without nav bars, headers, footers, sidebars and top bars (except
    the header holding the headline), so that no site-wide date remains to be found."""
    pruned = deepcopy(tree)
    headline = pruned.find(".//h1")
    keep = set(headline.iterancestors()) if headline is not None else set()
    doomed = [
        element
        for element in pruned.iter()
        if isinstance(element.tag, str)
        and element not in keep
        and (
            element.tag in ("nav", "header", "footer", "aside")
            or _FURNITURE.search(f"{element.get('class', '')} {element.get('id', '')}")
        )
    ]
    for element in doomed:
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)
    return pruned


def _htmldate_published(tree: HtmlElement) -> datetime | None:
    from htmldate import find_date  # imported late: only pages without any other date need it

    try:
        # extensive_search=False: markup only, never free text. Site furniture is pruned
        # first: htmldate reads class="...date..." elements, and a top bar's "today" is one.
        found = find_date(_without_furniture(tree), extensive_search=False, original_date=True)
    except Exception:  # htmldate raises assorted errors on odd trees; a missing date is fine
        return None
    return parse_iso(found) if found else None


def find_published(
    tree: HtmlElement | None,
    meta: PageMeta | None,
    urls: Sequence[str],
    feed_published: datetime | None = None,
    *,
    use_htmldate: bool = True,
) -> PublishedTime | None:
    """The page's publication time, trying JSON-LD, meta, dateline, URLs, htmldate, then the feed.

    `urls` are the page's own addresses, best first (canonical, then the fetched one).
    """
    if meta is not None:
        found = _json_ld_published(meta)
        if found:
            return PublishedTime(found, "json-ld")
        found = _meta_published(meta)
        if found:
            return PublishedTime(found, "meta")
    if tree is not None:
        dated = _dateline_published(tree)
        if dated:
            return PublishedTime(*dated)
    feed = to_utc(feed_published) if feed_published is not None else None
    url_day = next((day for day in map(date_from_url, urls) if day is not None), None)
    if url_day is not None:
        # The feed knows the time of day when it agrees with the URL's day.
        if feed is not None and feed.date() == url_day:
            return PublishedTime(feed, "feed")
        return PublishedTime(datetime.combine(url_day, time(0, 0), tzinfo=UTC), "url")
    if tree is not None and use_htmldate:
        found = _htmldate_published(tree)
        if found:
            return PublishedTime(found, "htmldate")
    if feed is not None:
        return PublishedTime(feed, "feed")
    return None
