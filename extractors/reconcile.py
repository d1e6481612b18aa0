"""Reprocessing: line re-derived events up with the stored ones, and say what changed.

`newswatch reprocess` re-reads stored articles with today's extractor and resolves their
candidates from scratch. The result must keep the stored events' ids (alerts, feedback
and merges hang on them) wherever the same contact is found again, so each re-derived
event is matched to the stored event of the same kind whose articles it shares most.
What is left over is new (added) or no longer supported by any article (retracted).
Pure: stored rows and re-derived rows in, the reconciled rows and a diff out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from newswatch.domain import Mention, StoredEvent

# A re-derived event is the same contact as a stored one when they share at least this
# share of their articles (Jaccard); one shared article is enough for single-article
# events. Chosen on tests/test_reprocess.py's cases, not tuned on a corpus.
MIN_SHARED_ARTICLES = 0.2


@dataclass(frozen=True)
class EventDiff:
    """What a reprocess changed, event by event."""

    added: tuple[StoredEvent, ...] = ()
    retracted: tuple[StoredEvent, ...] = ()
    redated: tuple[tuple[StoredEvent, StoredEvent], ...] = ()  # (before, after)
    restatused: tuple[tuple[StoredEvent, StoredEvent], ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.retracted or self.redated or self.restatused)


@dataclass(frozen=True)
class Reconciled:
    """Events and mentions to store for the reprocessed articles, and the diff."""

    events: tuple[StoredEvent, ...]
    mentions: tuple[Mention, ...]
    retracted_ids: tuple[str, ...]
    diff: EventDiff = field(default_factory=EventDiff)


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _dates(e: StoredEvent) -> tuple[object, object, object]:
    return (e.event_date, e.date_earliest, e.date_latest)


def reconcile(
    stored: Sequence[StoredEvent],
    stored_mentions: Sequence[Mention],
    derived: Sequence[StoredEvent],
    derived_mentions: Sequence[Mention],
    reprocessed_articles: set[str],
) -> Reconciled:
    """Match re-derived events to stored ones; keep mentions from articles not reprocessed."""
    kept_by_event: dict[str, list[Mention]] = {}
    stored_articles: dict[str, set[str]] = {}
    for m in stored_mentions:
        if m.article_id in reprocessed_articles:
            stored_articles.setdefault(m.event_id, set()).add(m.article_id)
        else:
            kept_by_event.setdefault(m.event_id, []).append(m)
    derived_articles: dict[str, set[str]] = {}
    for m in derived_mentions:
        derived_articles.setdefault(m.event_id, set()).add(m.article_id)

    touched = [e for e in stored if e.event_id in stored_articles]
    unmatched = {e.event_id: e for e in touched}
    id_for: dict[str, str] = {}
    for event in derived:
        if event.event_id in unmatched:
            # Derived under the stored event's own id (a keyword watch's story is keyed by
            # its copy group's original): the same event, whatever else it shares.
            id_for[event.event_id] = event.event_id
            del unmatched[event.event_id]
    for event in derived:
        if event.event_id in id_for:
            continue
        mine = derived_articles.get(event.event_id, set())
        best: tuple[float, str] | None = None
        for candidate in unmatched.values():
            if candidate.event_type != event.event_type:
                continue
            if tuple(sorted(candidate.participants)) != tuple(sorted(event.participants)):
                continue
            score = _jaccard(mine, stored_articles[candidate.event_id])
            if score >= MIN_SHARED_ARTICLES and (best is None or score > best[0]):
                best = (score, candidate.event_id)
        if best is not None:
            id_for[event.event_id] = best[1]
            del unmatched[best[1]]

    by_id = {e.event_id: e for e in stored}
    events: list[StoredEvent] = []
    added: list[StoredEvent] = []
    redated: list[tuple[StoredEvent, StoredEvent]] = []
    restatused: list[tuple[StoredEvent, StoredEvent]] = []
    for event in derived:
        target = id_for.get(event.event_id)
        if target is None:
            events.append(event)
            added.append(event)
            continue
        before = by_id[target]
        after = replace(
            event,
            event_id=target,
            first_seen_at=before.first_seen_at,
            updated_at=before.updated_at if _same(before, event) else event.updated_at,
        )
        events.append(after)
        if _dates(before) != _dates(after):
            redated.append((before, after))
        if before.status != after.status:
            restatused.append((before, after))

    mentions = [replace(m, event_id=id_for.get(m.event_id, m.event_id)) for m in derived_mentions]
    retracted: list[StoredEvent] = []
    for event_id, event in unmatched.items():
        if kept_by_event.get(event_id):
            events.append(event)  # other articles still report it: it stays as it was
        else:
            retracted.append(event)
    return Reconciled(
        events=tuple(events),
        mentions=tuple(mentions),
        retracted_ids=tuple(e.event_id for e in retracted),
        diff=EventDiff(tuple(added), tuple(retracted), tuple(redated), tuple(restatused)),
    )


def _same(a: StoredEvent, b: StoredEvent) -> bool:
    return (
        a.status == b.status
        and _dates(a) == _dates(b)
        and a.location == b.location
        and a.historical == b.historical
        and a.summary == b.summary
    )
