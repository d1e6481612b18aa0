"""`newswatch reprocess`: re-derive clean text, copies and events from what is stored, offline.

When the extractor improves (a language pack, a cleaning rule), stored articles are read
again without the network: `--stage events` re-extracts from the stored main text,
`--stage clean` and `all` first re-clean the kept raw HTML (with the site boilerplate
learned so far), then fingerprint the texts again and re-decide which articles are copies
of which (`newswatch.reprocess_copies`). Re-derived events are lined up with the stored
ones (`extractors.reconcile`), so ids, alert history and user feedback stay attached, and
the command prints what changed, copies included. It never re-sends an alert; with
`--alert-updates` it queues `update` alerts for contacts whose status moved.

Idempotent (a second run finds nothing to change) and resumable: re-derivation is
checkpointed per article, and the apply step is one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from newswatch.config import Watch
from newswatch.domain import Article, CandidateEvent, ResolutionResult, stable_id
from newswatch.extractors.events import EventExtractor
from newswatch.extractors.keyword_watch import StoryItem, resolve_stories
from newswatch.extractors.reconcile import EventDiff, reconcile
from newswatch.extractors.resolution import resolve_events
from newswatch.progress import stage_progress
from newswatch.reprocess_copies import CopiesRederived, fingerprints_of, rederive_copies

Stage = Literal["clean", "events", "all"]
# Articles re-derived between two checkpoint commits.
CHECKPOINT_EVERY = 100


@dataclass(frozen=True)
class ReprocessReport:
    articles: int
    resumed: int
    texts_changed: int
    diff: EventDiff
    updates_queued: int
    # Copy links decided again (stages clean and all); None when not re-decided.
    copies: CopiesRederived | None = None


def job_id_for(watch: Watch, since: datetime | None, stage: Stage) -> str:
    return stable_id("reprocess", watch.name, since.isoformat() if since else "", stage)


def reprocess(
    db_path: str,
    watch: Watch,
    *,
    since: datetime | None,
    stage: Stage,
    alert_updates: bool,
    now: datetime,
    channel_names: tuple[str, ...],
) -> ReprocessReport:
    """Re-derive and reconcile; see the module docstring."""
    from newswatch.extractors.events import extractor_for
    from newswatch.storage import events as event_store
    from newswatch.storage import outbox
    from newswatch.storage import reprocess as store
    from newswatch.storage.db import read_session, write_session
    from newswatch.storage.feedback import reapply_feedback
    from newswatch.storage.reprocess_copies import sync_copy_flags

    job = job_id_for(watch, since, stage)
    reclean = stage in ("clean", "all")
    with read_session(db_path) as con:
        selected = store.articles_for_reprocess(con, watch.name, since)
        done = store.load_checkpoints(con, job)
    with stage_progress("reprocess", len(selected)) as advance:
        results = _rederive(
            db_path,
            job,
            selected,
            done,
            reclean,
            watch,
            extractor_for(watch),
            advance,
        )

    readings = [_reading(article, results[article.article_id][1]) for article, _ in selected]
    # Fingerprints from the new texts, outside the write transaction (CPU only).
    fingerprints = fingerprints_of(readings) if reclean else {}
    texts = [(a.article_id, text) for a in readings if (text := results[a.article_id][1])]
    article_ids = [a.article_id for a, _ in selected]
    with write_session(db_path) as con:
        store.update_article_texts(con, texts)
        copies = rederive_copies(con, readings, fingerprints) if reclean else None
        copy_of = copies.duplicate_of if copies else {a.article_id: d for a, d in selected}
        derived = _resolve_from_scratch(watch, readings, results, copy_of, now)
        reconciled = reconcile(
            event_store.load_events(con, watch.name),
            event_store.load_mentions(con, watch.name),
            [c.event for c in derived.changes],
            derived.mentions,
            set(article_ids),
        )
        store.apply_reconciled(
            con, watch.name, reconciled, article_ids, run_id=f"reprocess-{job}", now=now
        )
        if copies and copies.changed_ids:
            # Mentions of articles not re-read follow their article's new copy link, and
            # every event they report is recounted (copies are no independent source).
            mine = set(article_ids)
            sync_copy_flags(con, [i for i in copies.changed_ids if i not in mine])
            event_store.refresh_source_counts(
                con, sorted(event_store.events_mentioning(con, copies.changed_ids))
            )
        reapply_feedback(con, now)
        queued = 0
        if alert_updates and channel_names:
            from newswatch.alerts.policy import AlertIntent

            intents = [
                AlertIntent(after.event_id, "update", after.status, before.status)
                for before, after in reconciled.diff.restatused
                if not after.historical
            ]
            queued = outbox.queue_alerts(con, intents, channel_names, None, now)
        store.clear_checkpoints(con, job)
    return ReprocessReport(
        articles=len(selected),
        resumed=len(done),
        texts_changed=len(texts),
        diff=reconciled.diff,
        updates_queued=queued,
        copies=copies,
    )


def _resolve_from_scratch(
    watch: Watch,
    readings: Sequence[Article],
    results: Mapping[str, tuple[tuple[CandidateEvent, ...], str | None]],
    copy_of: Mapping[str, str | None],
    now: datetime,
) -> ResolutionResult:
    """Events from the re-derived candidates alone, resolved as the store stage does: a
    keyword watch's story is its copy group, a contact's copies are mentions."""
    found = [(r, results[r.article_id][0]) for r in readings if results[r.article_id][0]]
    if watch.is_keyword_watch:
        stories = [StoryItem(r, r.article_id, copy_of.get(r.article_id), c) for r, c in found]
        return resolve_stories(stories, (), watch.name, now)
    batch = [(r, r.article_id, copy_of.get(r.article_id) is not None, c) for r, c in found]
    return resolve_events(batch, [], watch, now)


def _rederive(
    db_path: str,
    job: str,
    selected: list[tuple[Article, str | None]],
    done: dict[str, tuple[tuple[CandidateEvent, ...], str | None]],
    reclean: bool,
    watch: Watch,
    extractor: EventExtractor,
    advance: Callable[[], None],
) -> dict[str, tuple[tuple[CandidateEvent, ...], str | None]]:
    """Candidates (and re-cleaned text) per article, checkpointed every CHECKPOINT_EVERY.

    Kept pages are read a checkpoint's worth at a time, so memory does not grow with the
    archive.
    """
    from newswatch.extractors.clean import clean_page
    from newswatch.extractors.clean_site import host_of
    from newswatch.faults import fault_point
    from newswatch.storage import reprocess as store
    from newswatch.storage.boilerplate import load_repeated_paragraphs
    from newswatch.storage.db import read_session, write_session
    from newswatch.storage.pages import latest_raw_html

    results = dict(done)
    todo = [article for article, _copy_of in selected if article.article_id not in results]
    for _ in range(len(selected) - len(todo)):
        advance()
    raw_html: dict[str, str] = {}
    # What each host repeats on its pages, as learned so far, is cut as a run cuts it.
    site_boilerplate: dict[str, frozenset[int]] = {}
    if reclean and todo:
        with read_session(db_path) as con:
            site_boilerplate = load_repeated_paragraphs(con, [host_of(a.url) for a in todo])
    pending: list[tuple[str, tuple[CandidateEvent, ...], str | None]] = []
    for n, article in enumerate(todo):
        if reclean and n % CHECKPOINT_EVERY == 0:
            with read_session(db_path) as con:
                raw_html = latest_raw_html(
                    con, [a.article_id for a in todo[n : n + CHECKPOINT_EVERY]]
                )
        text: str | None = None
        reading = article
        html = raw_html.get(article.article_id)
        if html is not None:
            cleaned = clean_page(
                html,
                article.url,
                source=article.source,
                fetched_at=article.fetched_at,
                site_boilerplate=site_boilerplate.get(host_of(article.url), ()),
            )
            if cleaned.text and cleaned.text != article.text:
                text = cleaned.text
                reading = _with_text(article, cleaned.text)
        found = tuple(extractor.extract(reading, watch)) if reading.page_kind == "article" else ()
        results[article.article_id] = (found, text)
        pending.append((article.article_id, found, text))
        if len(pending) >= CHECKPOINT_EVERY:
            with write_session(db_path) as con:
                store.save_checkpoints(con, job, pending)
            pending = []
            fault_point("reprocess-checkpoint")
        advance()
    if pending:
        with write_session(db_path) as con:
            store.save_checkpoints(con, job, pending)
    return results


def _with_text(article: Article, text: str) -> Article:
    from dataclasses import replace

    return replace(article, text=text)


def _reading(article: Article, text: str | None) -> Article:
    """The article as re-derived: with its re-cleaned text when that changed."""
    return _with_text(article, text) if text else article


def describe(report: ReprocessReport) -> list[str]:
    """What changed, one line per event, for the terminal."""
    d = report.diff
    lines = [
        f"reprocessed {report.articles} article(s)"
        + (f" ({report.resumed} from an interrupted run)" if report.resumed else "")
        + f": {report.texts_changed} text(s) changed, {len(d.added)} event(s) added, "
        f"{len(d.retracted)} retracted, {len(d.redated)} re-dated, {len(d.restatused)} re-statused"
        + (f"; {report.updates_queued} update alert(s) queued" if report.updates_queued else "")
    ]
    for e in d.added:
        lines.append(f"  + {e.event_id} {e.event_type} {_day(e)} {e.status}")
    for e in d.retracted:
        lines.append(f"  - {e.event_id} {e.event_type} {_day(e)} {e.status}")
    for before, after in d.redated:
        lines.append(f"  ~ {after.event_id} {after.event_type} {_day(before)} -> {_day(after)}")
    for before, after in d.restatused:
        lines.append(f"  ~ {after.event_id} {after.event_type} {before.status} -> {after.status}")
    copies = report.copies
    if copies is not None:
        lines.append(
            f"copies: {copies.new_copies} new, {copies.no_longer_copies} no longer a copy, "
            f"{copies.repointed} re-pointed"
        )
        for c in copies.changes:
            was = f"copy of {c.was_copy_of}" if c.was_copy_of else "original"
            now = f"copy of {c.now_copy_of}" if c.now_copy_of else "original"
            lines.append(f"  {c.article_url}: {was} -> {now}")
    return lines


def _day(e: object) -> str:
    from newswatch.domain import StoredEvent

    assert isinstance(e, StoredEvent)
    if e.event_date:
        return e.event_date.isoformat()
    start = e.date_earliest.isoformat() if e.date_earliest else "?"
    end = e.date_latest.isoformat() if e.date_latest else "?"
    return f"{start}..{end}"
