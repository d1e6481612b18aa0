"""Helpers of the alert and outbox tests.

A small watch, real DuckDB files with event / article / mention rows, and a channel that
records what it was asked to send.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from newswatch.alerts.messages import Deliverable
from newswatch.config import Watch, parse_watch
from newswatch.domain import (
    AlertMessage,
    EventChange,
    EventStatus,
    EventType,
    StoredEvent,
    stable_id,
)
from newswatch.storage.db import ensure_schema, write_session

WATCH_TOML = """
name = "pair-watch"
[[sources]]
kind = "rss"
url = "https://example.org/feed.xml"
[actors.alpha]
names = ["Anna Alpha", "Alpha"]
voices = ["the Alpha office"]
[actors.beta]
names = ["Boris Beta", "Beta"]
[events]
pair = ["alpha", "beta"]
"""

T0 = datetime(2025, 3, 18, 9, 0, tzinfo=UTC)


def make_watch(alerts_toml: str = "") -> Watch:
    """The test watch, with an optional `[alerts]` table body."""
    text = WATCH_TOML + (f"\n[alerts]\n{alerts_toml}\n" if alerts_toml else "")
    return parse_watch(text, "test-watch")


_TEMPLATE: list[Path] = []


def make_db(tmp_path: Path) -> Path:
    """A fresh newswatch database file (a copy of one schema-only file made per session:
    creating the schema costs a third of a second, copying a millisecond)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="newswatch-alerts-"))
        atexit.register(shutil.rmtree, folder, True)
        ensure_schema(folder / "template.duckdb")
        _TEMPLATE.append(folder / "template.duckdb")
    path = tmp_path / "alerts.duckdb"
    shutil.copyfile(_TEMPLATE[0], path)
    return path


def add_event(
    db: Path,
    event_id: str,
    *,
    event_type: EventType = "call",
    status: EventStatus = "confirmed",
    event_date: date | None = date(2025, 3, 18),
    summary: str = "Alpha and Beta spoke by phone.",
    asserted_by: str | None = "the Alpha office",
    location: str | None = None,
    independent_sources: int = 1,
    copies: int = 0,
) -> None:
    """Insert or replace one events row."""
    with _session(db) as con:
        con.execute("DELETE FROM events WHERE event_id = ?", [event_id])
        con.execute(
            "INSERT INTO events (event_id, event_type, participants, event_date, date_earliest, "
            "date_latest, status, location, summary, first_seen_at, updated_at, watch, "
            "asserted_by, independent_sources, copies) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pair-watch', ?, ?, ?)",
            [
                event_id,
                event_type,
                ["alpha", "beta"],
                event_date,
                event_date,
                event_date,
                status,
                location,
                summary,
                T0,
                T0,
                asserted_by,
                independent_sources,
                copies,
            ],
        )


def set_status(db: Path, event_id: str, status: EventStatus, asserted_by: str | None) -> None:
    """Move a stored event's status (what the lead's event storage does on a change)."""
    with write_session(db) as con:
        con.execute(
            "UPDATE events SET status = ?, asserted_by = ? WHERE event_id = ?",
            [status, asserted_by, event_id],
        )


def add_article(
    db: Path,
    url: str,
    title: str,
    *,
    site_name: str | None = None,
    published_at: datetime = T0,
    duplicate_of: str | None = None,
) -> str:
    """Insert one articles row; returns its id."""
    article_id = stable_id(url)
    with _session(db) as con:
        con.execute(
            "INSERT INTO articles (article_id, url, canonical_url, title, published_at, "
            "site_name, text, relevant, duplicate_of) VALUES (?, ?, ?, ?, ?, ?, '', TRUE, ?)",
            [article_id, url, url, title, published_at, site_name, duplicate_of],
        )
    return article_id


def add_mention(
    db: Path,
    event_id: str,
    article_id: str,
    evidence: str,
    *,
    status: EventStatus = "confirmed",
    asserted_by: str | None = None,
    is_copy: bool = False,
) -> None:
    """Insert one event_mentions row."""
    with _session(db) as con:
        con.execute(
            "INSERT INTO event_mentions (event_id, article_id, evidence, status, asserted_by, "
            "is_copy, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [event_id, article_id, evidence, status, asserted_by, is_copy, T0],
        )


_OPEN: list[duckdb.DuckDBPyConnection] = []


@contextmanager
def _session(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The batch's open session when inside `batch`, else a write session of its own."""
    if _OPEN:
        yield _OPEN[-1]
        return
    with write_session(db) as con:
        yield con


@contextmanager
def batch(db: Path) -> Iterator[None]:
    """Run several add_* helpers in one write session (each session costs ~0.1 s)."""
    with write_session(db) as con:
        _OPEN.append(con)
        try:
            yield
        finally:
            _OPEN.pop()


def add_reported_call(db: Path, event_id: str = "ev-call", title: str = "Leaders talk") -> None:
    """A confirmed call with one original article and one copy of it."""
    with batch(db):
        _add_reported_call(db, event_id, title)


def _add_reported_call(db: Path, event_id: str, title: str) -> None:
    add_event(db, event_id, independent_sources=1, copies=1)
    original = add_article(db, f"https://wire.example/{event_id}", title, site_name="Wire")
    copy = add_article(
        db,
        f"https://copycat.example/{event_id}",
        title,
        published_at=datetime(2025, 3, 18, 11, 0, tzinfo=UTC),
        duplicate_of=original,
    )
    add_mention(
        db,
        event_id,
        copy,
        "Copied: the two leaders held a phone call on Tuesday.",
        asserted_by="the Alpha office",
        is_copy=True,
    )
    add_mention(
        db,
        event_id,
        original,
        "The Alpha office said the two leaders held a phone call on Tuesday.",
        asserted_by="the Alpha office",
    )


def stored_event(
    event_id: str = "ev-1",
    *,
    event_type: EventType = "call",
    status: EventStatus = "confirmed",
    historical: bool = False,
    independent_sources: int = 1,
    day: date | None = date(2025, 3, 18),
) -> StoredEvent:
    """A StoredEvent as the event resolver would hand it over."""
    return StoredEvent(
        event_id=event_id,
        event_type=event_type,
        participants=("alpha", "beta"),
        status=status,
        event_date=day,
        date_earliest=day,
        date_latest=day,
        location=None,
        summary=None,
        historical=historical,
        first_seen_at=T0,
        updated_at=T0,
        independent_sources=independent_sources,
    )


def change(
    event: StoredEvent, *, is_new: bool = True, previous: EventStatus | None = None
) -> EventChange:
    """An EventChange for `event`."""
    return EventChange(event=event, is_new=is_new, previous_status=previous)


@dataclass
class RecordingChannel:
    """A channel that records messages; `fail` decides, per call, what to raise."""

    name: str = "console"
    sent: list[Deliverable] = field(default_factory=list)
    fail: Callable[[int], Exception | None] | None = None
    calls: int = 0

    def send(self, message: Deliverable) -> None:
        self.calls += 1
        if self.fail is not None:
            error = self.fail(self.calls)
            if error is not None:
                raise error
        self.sent.append(message)


# One alert message with every field set, for the renderings and channels.
MESSAGE = AlertMessage(
    alert_id="a1b2c3d4e5f60718",
    event_id="ev-call",
    kind="new",
    event_type="call",
    participants=("alpha", "beta"),
    participant_names=("Anna Alpha", "Boris Beta"),
    status="confirmed",
    previous_status=None,
    event_date=date(2025, 3, 18),
    date_earliest=date(2025, 3, 18),
    date_latest=date(2025, 3, 18),
    location="Geneva",
    summary="Alpha and Beta spoke by phone about trade.",
    evidence="The Alpha office said the two leaders held a phone call on Tuesday.",
    asserted_by="the Alpha office",
    independent_sources=2,
    copies=1,
    sources=(
        ("Wire: Leaders talk", "https://wire.example/a", False),
        ("Daily: Phone call", "https://daily.example/b?x=1&y=2", False),
        ("copycat.example: Leaders talk", "https://copycat.example/a", True),
    ),
    watch="pair-watch",
)
