"""Domain types that cross stage boundaries (sources → extractors → storage → alerts).

Small frozen dataclasses, no behaviour beyond derived properties: each stage takes and
returns these, never raw dicts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Literal

# "story" is the one kind a keyword watch (no actors, a query) stores: one per new story.
EventType = Literal["call", "meeting", "message", "statement", "story"]
EventStatus = Literal["planned", "reported", "confirmed", "denied", "cancelled"]
# "unresolved": an aggregator link (Google News) whose publisher URL could not be found;
# it is recorded in `fetches` and never fetched.
FetchStatus = Literal["ok", "not_modified", "skipped", "failed", "unresolved"]
PageKind = Literal["article", "listing", "stub"]
AlertKind = Literal["new", "update", "retraction"]

EVENT_TYPES: tuple[EventType, ...] = ("call", "meeting", "message", "statement")
EVENT_STATUSES: tuple[EventStatus, ...] = (
    "planned",
    "reported",
    "confirmed",
    "denied",
    "cancelled",
)
CONTACT_TYPES: tuple[EventType, ...] = ("call", "meeting", "message")
STORY: EventType = "story"


def stable_id(*parts: str, length: int = 16) -> str:
    """A short, stable hex id derived from its parts (same parts → same id, in any process)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class CandidateLink:
    """A link found in a source: where to fetch it and what the source said about it."""

    url: str
    canonical_url: str
    source: str
    title: str | None = None
    published_at: datetime | None = None
    language: str | None = None
    # The URL to report to users when `url` is an aggregator redirect (Google News).
    redirect_url: str | None = None
    # A re-check of a stored article: the validators of its last fetch (conditional GET).
    etag: str | None = None
    last_modified: str | None = None

    @property
    def is_recheck(self) -> bool:
        return self.etag is not None or self.last_modified is not None


@dataclass(frozen=True)
class SourceState:
    """What we remember about a source between runs: conditional-GET validators."""

    source: str
    url: str
    etag: str | None = None
    last_modified: str | None = None
    # SHA-256 of the body last read in full: an unchanged body is not parsed again.
    body_sha256: str | None = None


@dataclass(frozen=True)
class SourceResult:
    """The outcome of polling one source: its links, or why there are none."""

    source: str
    url: str
    links: tuple[CandidateLink, ...] = ()
    status: FetchStatus = "ok"
    error: str | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None


@dataclass(frozen=True)
class FetchedPage:
    """One page fetch: the decoded HTML when it succeeded, the reason when it did not."""

    link: CandidateLink
    status: FetchStatus
    final_url: str | None = None
    http_status: int | None = None
    content_type: str | None = None
    html: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    error: str | None = None
    fetched_at: datetime | None = None
    bytes_read: int = 0
    elapsed_ms: int = 0


@dataclass(frozen=True)
class Article:
    """A cleaned page: the text downstream stages read, and the metadata around it."""

    url: str
    canonical_url: str
    source: str
    title: str | None
    text: str
    published_at: datetime | None
    fetched_at: datetime | None = None
    author: str | None = None
    site_name: str | None = None
    language: str | None = None
    page_kind: PageKind = "article"
    # Appended commentary cut from `text` (e.g. AI "interview" sections), kept for users.
    filler_text: str | None = None
    filler_reason: str | None = None
    # How the publication time was found ("json-ld", "meta", "htmldate", "url", "feed", ...).
    published_source: str | None = None
    # The page's own <link rel=canonical> when it names another URL than `canonical_url`
    # (a syndicated copy pointing at the wire original): a first-layer copy signal.
    declared_canonical_url: str | None = None

    @cached_property  # asked ~17 times per article by the store stage; frozen: never stale
    def article_id(self) -> str:
        """Stable id keyed by canonical URL: re-fetching a page never makes a second row."""
        return stable_id(self.canonical_url)


@dataclass(frozen=True)
class CopyMatch:
    """The verdict of near-copy detection for one article."""

    article_id: str
    duplicate_of: str | None
    method: Literal["url", "exact", "near"] | None = None
    similarity: float | None = None


@dataclass(frozen=True)
class CopyCandidate:
    """An article as copy detection sees it: stored (storage.copies reads it) or decided
    earlier in the same batch (extractors.copy_batch)."""

    article_id: str
    canonical_url: str
    published_at: datetime | None
    duplicate_of: str | None
    content_hash: str | None
    signature: tuple[int, ...] | None
    declared_canonical_url: str | None
    copy_method: str | None
    copy_similarity: float | None


@dataclass(frozen=True)
class CandidateEvent:
    """A contact (or statement) an extractor found in one article, with its evidence."""

    event_type: EventType
    participants: tuple[str, ...]
    status: EventStatus
    date_earliest: date | None
    date_latest: date | None
    evidence: str
    asserted_by: str | None = None
    location: str | None = None
    summary: str | None = None
    # A contact named as background ("they last spoke in July 2020"): stored, never alerted.
    historical: bool = False

    @property
    def event_date(self) -> date | None:
        """The day of the contact when it is known to the day, else None."""
        if self.date_earliest is not None and self.date_earliest == self.date_latest:
            return self.date_earliest
        return None


@dataclass(frozen=True)
class StoredEvent:
    """An event row as stored: one real-world contact, however many articles report it."""

    event_id: str
    event_type: EventType
    participants: tuple[str, ...]
    status: EventStatus
    event_date: date | None
    date_earliest: date | None
    date_latest: date | None
    location: str | None
    summary: str | None
    historical: bool
    first_seen_at: datetime
    updated_at: datetime
    asserted_by: str | None = None
    independent_sources: int = 0
    copies: int = 0


@dataclass(frozen=True)
class Mention:
    """One article reporting one event, with the sentence(s) that say so."""

    event_id: str
    article_id: str
    evidence: str
    status: EventStatus
    asserted_by: str | None = None
    # A mention from a near-copy counts as a copy, not as an independent source.
    is_copy: bool = False
    # The article names the contact as background, not as news: no independent source.
    historical: bool = False


@dataclass(frozen=True)
class EventChange:
    """An event created or changed by one batch of articles, as it should now be stored."""

    event: StoredEvent
    is_new: bool
    previous_status: EventStatus | None = None


@dataclass(frozen=True)
class ResolutionResult:
    """What a batch of candidate events does to the stored events."""

    changes: tuple[EventChange, ...] = ()
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class AlertMessage:
    """Everything a channel needs to render one alert; built from stored rows after commit."""

    alert_id: str
    event_id: str
    kind: AlertKind
    event_type: EventType
    participants: tuple[str, ...]
    participant_names: tuple[str, ...]
    status: EventStatus
    previous_status: EventStatus | None
    event_date: date | None
    date_earliest: date | None
    date_latest: date | None
    location: str | None
    summary: str
    evidence: str
    asserted_by: str | None
    independent_sources: int
    copies: int
    sources: tuple[tuple[str, str, bool], ...] = ()  # (outlet/title, url, is_copy)
    watch: str = ""
    # Message id of the first alert of the event, for email threading.
    thread_id: str | None = None

    @property
    def day_text(self) -> str:
        """The contact's day, or its range when the day is unknown."""
        if self.event_date:
            return self.event_date.isoformat()
        if self.date_earliest and self.date_latest:
            return f"between {self.date_earliest.isoformat()} and {self.date_latest.isoformat()}"
        return "date unknown"


@dataclass(frozen=True)
class LinkResolution:
    """An aggregator's article id (Google News) and the publisher URL it stands for, or
    why it could not be found."""

    token: str
    url: str | None
    error: str | None = None


@dataclass(frozen=True)
class OpsNotice:
    """A message to the operator: a source broke, went stale, or recovered."""

    notice_id: str
    watch: str
    source: str
    state: Literal["broken", "stale", "recovered"]
    detail: str
    created_at: datetime


@dataclass
class RunCounts:
    """Counts for one run, stored in `runs` and shown in the run summary."""

    sources_ok: int = 0
    sources_failed: int = 0
    links_found: int = 0
    links_new: int = 0
    # Aggregator links whose publisher URL could not be found (recorded in `fetches`).
    links_unresolved: int = 0
    pages_fetched: int = 0
    pages_failed: int = 0
    pages_skipped: int = 0
    articles_stored: int = 0
    articles_relevant: int = 0
    copies_found: int = 0
    events_new: int = 0
    events_updated: int = 0
    mentions_added: int = 0
    alerts_queued: int = 0
    alerts_sent: int = 0
    alerts_failed: int = 0
    failing_sources: list[str] = field(default_factory=list)
