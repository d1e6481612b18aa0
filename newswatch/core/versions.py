"""Pages that change under one URL, within a run: what to read again, and new versions.

A stored page is read again when its source shows it with a newer date than our last read
(a bulletin or live page that reuses its URL), or when its re-check is due (conditional
GET on a back-off schedule, `extractors.versions.next_check`). A page read again whose main
text changed becomes a new version of the same article: the article row reads as the
newest text, `article_versions` keeps each version's hash, fetch time and changed parts,
and its events are derived again, so only what the new text adds or moves alerts. A
version is never a near-copy of its own article, nor a second source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import duckdb

from newswatch.config import Watch
from newswatch.core.types import ReadArticle
from newswatch.domain import CandidateLink, FetchedPage
from newswatch.extractors.copies import fingerprint_article
from newswatch.extractors.versions import (
    ChangedParts,
    RecheckPolicy,
    RecheckState,
    changed_parts,
    next_check,
)
from newswatch.storage import copies as copy_store
from newswatch.storage import pages as page_store


def policy_for(watch: Watch) -> RecheckPolicy:
    v = watch.versions
    return RecheckPolicy(
        first_interval=timedelta(minutes=v.first_interval_minutes),
        max_interval=timedelta(hours=v.max_interval_hours),
        max_age=timedelta(days=v.max_age_days),
    )


def links_to_read_again(
    con: duckdb.DuckDBPyConnection,
    watch: Watch,
    known: Mapping[str, CandidateLink],
    now: datetime,
) -> list[CandidateLink]:
    """Stored pages to fetch again: dated newer in their source than our read, or due."""
    if not watch.versions.recheck:
        return []
    # The source's own date for the link, against the one it had when we last read it:
    # clock-free, so a backtest (`--as-of`) re-reads exactly what a live run would.
    schedule = page_store.load_rechecks(con, watch.name, list(known))
    again: dict[str, CandidateLink] = {}
    for url, link in known.items():
        seen = schedule.get(url)
        if seen is None or link.published_at is None or seen.state.published_at is None:
            continue
        if link.published_at > seen.state.published_at:
            again[url] = link
    for due in page_store.due_rechecks(con, watch.name, now, watch.versions.max_rechecks_per_run):
        again.setdefault(
            due.url,
            CandidateLink(
                url=due.url,
                canonical_url=due.url,
                source="recheck",
                etag=due.etag,
                last_modified=due.last_modified,
            ),
        )
    return list(again.values())


def _header(page: FetchedPage, name: str) -> str | None:
    return next((v for k, v in page.headers if k.lower() == name), None)


def note_fetches(
    con: duckdb.DuckDBPyConnection, watch: Watch, pages: Sequence[FetchedPage], now: datetime
) -> None:
    """Schedule the next look at each fetched page.

    A first read starts the schedule; a 304 or a read again backs it off (`mark_changed`
    resets it when the store finds the text changed).
    """
    if not watch.versions.recheck:
        return
    policy = policy_for(watch)
    readable = [p for p in pages if p.status in ("ok", "not_modified")]
    known = page_store.load_rechecks(con, watch.name, [p.link.canonical_url for p in readable])
    rows = []
    for page in readable:
        url = page.link.canonical_url
        old = known.get(url)
        if old is None:
            if page.status != "ok":
                continue
            state = RecheckState(now, page.link.published_at, policy.first_interval)
            when, interval = next_check(state, changed=True, now=now, policy=policy)
        else:
            # Re-dated by its source (a bulletin's new edition): its age counts from then.
            dates = [d for d in (old.state.published_at, page.link.published_at) if d]
            state = RecheckState(
                old.state.first_seen_at, max(dates) if dates else None, old.state.interval
            )
            when, interval = next_check(state, changed=False, now=now, policy=policy)
        rows.append(
            page_store.RecheckRow(
                url=url,
                etag=_header(page, "etag"),
                last_modified=_header(page, "last-modified"),
                state=RecheckState(state.first_seen_at, state.published_at, interval),
                next_check_at=when,
            )
        )
    page_store.save_rechecks(con, watch.name, rows)


def store_versions(
    con: duckdb.DuckDBPyConnection,
    reads: Sequence[ReadArticle],
    watch: Watch,
    now: datetime,
) -> list[ReadArticle]:
    """New versions of stored articles whose text changed; returns the changed ones."""
    current = page_store.current_texts(con, [r.article.article_id for r in reads])
    changed: list[ReadArticle] = []
    # The changed articles' fingerprints follow their current text, so a later copy of
    # the new text is matched to them (the old text's signature would miss it).
    refingerprinted: list[copy_store.CopyProbe] = []
    for read in reads:
        article = read.article
        old = current.get(article.article_id)
        fingerprint = read.fingerprint or fingerprint_article(article)
        if old is None or old.content_hash == fingerprint.content_hash:
            continue
        parts = changed_parts(old.text, article.text)
        if parts.is_empty:
            continue
        if page_store.latest_version(con, article.article_id) is None:
            page_store.record_version(
                con,
                article.article_id,
                text_hash=old.content_hash or "",
                fetched_at=old.fetched_at or now,
                changes=ChangedParts((), ()),
                page_id=None,
            )
        page_store.record_version(
            con,
            article.article_id,
            text_hash=fingerprint.content_hash,
            fetched_at=article.fetched_at or now,
            changes=parts,
            page_id=None,
        )
        page_store.save_new_text(
            con,
            article.article_id,
            text=article.text,
            title=article.title,
            content_hash=fingerprint.content_hash,
            fetched_at=article.fetched_at or now,
            published_at=article.published_at,
        )
        changed.append(read)
        refingerprinted.append(
            copy_store.CopyProbe(
                article.article_id,
                article.canonical_url,
                article.declared_canonical_url,
                fingerprint,
            )
        )
    copy_store.replace_fingerprints(con, refingerprinted)
    if changed and watch.versions.recheck:
        _mark_changed(con, watch, changed, now)
    return changed


def _mark_changed(
    con: duckdb.DuckDBPyConnection, watch: Watch, changed: Sequence[ReadArticle], now: datetime
) -> None:
    """A page that changed is looked at again soon."""
    policy = policy_for(watch)
    urls = [r.link_url or r.article.canonical_url for r in changed]
    known = page_store.load_rechecks(con, watch.name, urls)
    rows = []
    for url in urls:
        old = known.get(url)
        if old is None:
            continue
        when, interval = next_check(old.state, changed=True, now=now, policy=policy)
        state = RecheckState(old.state.first_seen_at, old.state.published_at, interval)
        rows.append(page_store.RecheckRow(url, None, None, state, when))
    page_store.save_rechecks(con, watch.name, rows)
