"""SQL behind `newswatch reprocess`: the articles to re-read, checkpoints, and applying.

Re-deriving is the slow part and is checkpointed per article, so a killed job resumes;
applying the reconciled events is one transaction, so a kill there changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any

import duckdb

from newswatch.domain import Article, CandidateEvent, EventChange, ResolutionResult
from newswatch.extractors.reconcile import Reconciled
from newswatch.storage.db import in_list
from newswatch.storage.events import refresh_source_counts, save_resolution

_ARTICLE_COLUMNS = (
    "url, canonical_url, source, title, text, published_at, fetched_at, author, site_name, "
    "language, page_kind, filler_text, filler_reason, published_source, duplicate_of"
)


def _article(r: tuple[Any, ...]) -> Article:
    return Article(
        url=r[0],
        canonical_url=r[1],
        source=r[2] or "",
        title=r[3],
        text=r[4] or "",
        published_at=r[5],
        fetched_at=r[6],
        author=r[7],
        site_name=r[8],
        language=r[9],
        page_kind=r[10] or "article",
        filler_text=r[11],
        filler_reason=r[12],
        published_source=r[13],
    )


def articles_for_reprocess(
    con: duckdb.DuckDBPyConnection, watch: str, since: datetime | None
) -> list[tuple[Article, str | None]]:
    """(article, duplicate_of) of the watch's stored articles, in publication order."""
    params: list[object] = [watch]
    since_sql = ""
    if since is not None:
        since_sql = "AND coalesce(published_at, fetched_at) >= ? "
        params.append(since)
    rows = con.execute(
        f"SELECT {_ARTICLE_COLUMNS} FROM articles "
        "WHERE run_id IN (SELECT run_id FROM runs WHERE watch = ?) "
        + since_sql
        + "ORDER BY published_at NULLS LAST, canonical_url",
        params,
    ).fetchall()
    return [(_article(r), r[14]) for r in rows]


def articles_by_id(con: duckdb.DuckDBPyConnection, article_ids: Sequence[str]) -> list[Article]:
    """Stored articles by id (those of the copy groups a reprocess re-decides)."""
    if not article_ids:
        return []
    rows = con.execute(
        f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE article_id IN ({in_list(article_ids)}) "
        "ORDER BY article_id"
    ).fetchall()
    return [_article(r) for r in rows]


def _encode(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _candidate(raw: dict[str, Any]) -> CandidateEvent:
    for key in ("date_earliest", "date_latest"):
        if raw.get(key):
            raw[key] = date.fromisoformat(raw[key])
    raw["participants"] = tuple(raw.get("participants") or ())
    return CandidateEvent(**raw)


def load_checkpoints(
    con: duckdb.DuckDBPyConnection, job_id: str
) -> dict[str, tuple[tuple[CandidateEvent, ...], str | None]]:
    rows = con.execute(
        "SELECT article_id, candidates, text FROM reprocess_checkpoints WHERE job_id = ?", [job_id]
    ).fetchall()
    return {r[0]: (tuple(_candidate(c) for c in json.loads(r[1])), r[2]) for r in rows}


def save_checkpoints(
    con: duckdb.DuckDBPyConnection,
    job_id: str,
    done: Sequence[tuple[str, Sequence[CandidateEvent], str | None]],
) -> None:
    for article_id, candidates, text in done:
        payload = json.dumps([{k: _encode(v) for k, v in asdict(c).items()} for c in candidates])
        con.execute(
            "INSERT INTO reprocess_checkpoints (job_id, article_id, candidates, text) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            [job_id, article_id, payload, text],
        )


def clear_checkpoints(con: duckdb.DuckDBPyConnection, job_id: str) -> None:
    con.execute("DELETE FROM reprocess_checkpoints WHERE job_id = ?", [job_id])


def update_article_texts(con: duckdb.DuckDBPyConnection, texts: Sequence[tuple[str, str]]) -> None:
    """Replace stored main texts with re-cleaned ones, (article_id, text), one statement."""
    if not texts:
        return
    con.execute(
        "UPDATE articles SET text = q.text FROM (SELECT unnest(?::VARCHAR[]) AS article_id, "
        "unnest(?::VARCHAR[]) AS text) AS q WHERE articles.article_id = q.article_id",
        [[article_id for article_id, _ in texts], [text for _, text in texts]],
    )


def apply_reconciled(
    con: duckdb.DuckDBPyConnection,
    watch: str,
    reconciled: Reconciled,
    reprocessed_articles: Sequence[str],
    *,
    run_id: str,
    now: datetime,
) -> None:
    """Replace the reprocessed articles' mentions and events with the reconciled ones.

    Mentions that stay keep their rows (and `created_at`), so a reprocess that finds
    nothing new leaves the tables exactly as they were.
    """
    keep = [[m.event_id, m.article_id] for m in reconciled.mentions]
    con.execute(
        "DELETE FROM event_mentions WHERE article_id IN (SELECT unnest(?)) "
        "AND event_id IN (SELECT event_id FROM events WHERE watch = ?) "
        "AND [event_id, article_id] NOT IN (SELECT unnest(?))",
        [list(reprocessed_articles), watch, keep],
    )
    for m in reconciled.mentions:
        con.execute(
            "UPDATE event_mentions SET evidence = ?, status = ?, asserted_by = ?, is_copy = ? "
            "WHERE event_id = ? AND article_id = ? AND (evidence, status, asserted_by, is_copy) "
            "IS DISTINCT FROM (?, ?, ?, ?)",
            [
                m.evidence,
                m.status,
                m.asserted_by,
                m.is_copy,
                m.event_id,
                m.article_id,
                m.evidence,
                m.status,
                m.asserted_by,
                m.is_copy,
            ],
        )
    known = {
        r[0] for r in con.execute("SELECT event_id FROM events WHERE watch = ?", [watch]).fetchall()
    }
    result = ResolutionResult(
        changes=tuple(EventChange(e, is_new=e.event_id not in known) for e in reconciled.events),
        mentions=reconciled.mentions,
    )
    save_resolution(con, watch, result, run_id=run_id, now=now, extractor="rules")
    # Found again: no longer retracted by an earlier reprocess (a user's `wrong` is
    # re-applied from `feedback` afterwards).
    con.execute(
        "UPDATE events SET retracted_at = NULL WHERE event_id IN (SELECT unnest(?))",
        [[e.event_id for e in reconciled.events]],
    )
    if reconciled.retracted_ids:
        con.execute(
            "UPDATE events SET retracted_at = coalesce(retracted_at, ?) "
            "WHERE event_id IN (SELECT unnest(?))",
            [now, list(reconciled.retracted_ids)],
        )
    refresh_source_counts(con, [e.event_id for e in reconciled.events])
