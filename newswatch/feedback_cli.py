"""`newswatch feedback` and `newswatch quality`: what users say of alerts, and live precision.

`feedback` stores a verdict on an event and makes the events tables agree with it: `wrong`
retracts the event (and queues a retraction on the channels that announced it when the
watch sets `alerts.retractions = true`), `duplicate-of` merges it into another event,
`date` and `kind` correct it, `ok` confirms it. Bad input is one line, exit 2, and
changes nothing. `quality` prints the precision of alerted events that users judged, per
week and per extractor, and can write the judged events as a corpus `newswatch eval` reads.
"""

from __future__ import annotations

import argparse
import getpass
import html
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from newswatch.config import WatchError, load_watch
from newswatch.feedback import (
    USAGE,
    Feedback,
    FeedbackError,
    QualityRow,
    check_against,
    parse_feedback,
)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BAD_INPUT = 2
EXIT_BUSY = 3


def _fail(message: str, code: int) -> int:
    print(f"newswatch: error: {message}", file=sys.stderr)
    return code


def who_gives_feedback(explicit: str | None) -> str:
    """`--by`, else $NEWSWATCH_USER, else the login name."""
    if explicit and explicit.strip():
        return explicit.strip()
    try:
        return os.environ.get("NEWSWATCH_USER") or getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


def _retractions_wanted(watch_file: str | None, event_watch: str) -> bool:
    if not watch_file:
        return False
    try:
        watch = load_watch(watch_file)
    except WatchError:
        return False
    return watch.name == event_watch and watch.alerts.retractions


def cmd_feedback(args: argparse.Namespace) -> int:
    from newswatch.storage.db import DatabaseBusyError, DatabaseError, ensure_schema, write_session
    from newswatch.storage.events import refresh_source_counts
    from newswatch.storage.feedback import (
        announcing_channels,
        event_state,
        reapply_feedback,
        save_feedback,
    )
    from newswatch.storage.outbox import queue_retractions

    now = datetime.now(UTC)
    try:
        feedback = parse_feedback(
            args.event_id,
            list(args.verdict),
            note=args.note,
            given_by=who_gives_feedback(args.by),
            now=now,
        )
    except FeedbackError as err:
        return _fail(str(err), EXIT_BAD_INPUT)
    if not Path(args.db).is_file():
        return _fail(f"{args.db}: no such database", EXIT_BAD_INPUT)
    try:
        ensure_schema(args.db)
        with write_session(args.db) as con:
            subject = event_state(con, feedback.event_id)
            target = event_state(con, feedback.value) if feedback.verdict == "duplicate" else None
            try:
                applied = check_against(feedback, subject, target)
            except FeedbackError as err:
                return _fail(str(err), EXIT_BAD_INPUT)
            save_feedback(con, applied)
            reapply_feedback(con, now)
            queued: list[str] = []
            if applied.verdict == "duplicate" and applied.value:
                refresh_source_counts(con, [applied.value])
            if applied.verdict == "wrong":
                row = con.execute(
                    "SELECT watch FROM events WHERE event_id = ?", [applied.event_id]
                ).fetchone()
                if row and _retractions_wanted(args.watch, row[0]):
                    queued = announcing_channels(con, applied.event_id)
                    queue_retractions(con, applied.event_id, queued, now)
    except DatabaseBusyError as err:
        return _fail(str(err), EXIT_BUSY)
    except DatabaseError as err:
        return _fail(str(err), EXIT_ERROR)
    print(_said(applied, queued))
    return EXIT_OK


def _said(feedback: Feedback, retraction_channels: Sequence[str]) -> str:
    event = feedback.event_id
    if feedback.verdict == "wrong":
        text = f"event {event} marked wrong: retracted"
        if retraction_channels:
            text += f"; a retraction goes to {', '.join(retraction_channels)} on the next run"
        return text
    if feedback.verdict == "duplicate":
        return f"event {event} merged into {feedback.value}; its mentions moved there, its alert history stays"
    if feedback.verdict == "date":
        return f"event {event} re-dated to {feedback.value}"
    if feedback.verdict == "kind":
        return f"event {event} is now a {feedback.value}"
    return f"event {event} marked ok"


def cmd_reprocess(args: argparse.Namespace) -> int:
    from newswatch.alerts.channels import ChannelConfigError, channels_from_env
    from newswatch.reprocess import describe, reprocess
    from newswatch.storage.db import DatabaseBusyError, DatabaseError, ensure_schema
    from newswatch.storage.locks import RunInProgressError, watch_run_lock

    try:
        watch = load_watch(args.watch)
    except WatchError as err:
        return _fail(str(err), EXIT_BAD_INPUT)
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            return _fail(f"--since: not a date: {args.since!r} (use YYYY-MM-DD)", EXIT_BAD_INPUT)
        since = since if since.tzinfo else since.replace(tzinfo=UTC)
    if not Path(args.db).is_file():
        return _fail(f"{args.db}: no such database", EXIT_BAD_INPUT)
    try:
        names = tuple(c.name for c in channels_from_env(os.environ)) if args.alert_updates else ()
    except ChannelConfigError as err:
        return _fail(str(err), EXIT_BAD_INPUT)
    try:
        ensure_schema(args.db)
        with watch_run_lock(args.db, watch.name):
            report = reprocess(
                str(args.db),
                watch,
                since=since,
                stage=args.stage,
                alert_updates=args.alert_updates,
                now=datetime.now(UTC),
                channel_names=names,
            )
    except (RunInProgressError, DatabaseBusyError) as err:
        return _fail(str(err), EXIT_BUSY)
    except DatabaseError as err:
        return _fail(str(err), EXIT_ERROR)
    print("\n".join(describe(report)))
    return EXIT_OK


def cmd_quality(args: argparse.Namespace, format_rows: Callable[..., str]) -> int:
    from newswatch.storage.db import DatabaseError, read_session
    from newswatch.storage.feedback import judged_events, labelled_mentions, quality_rows

    try:
        with read_session(args.db) as con:
            by_week = quality_rows(con, "week")
            by_extractor = quality_rows(con, "extractor")
            mentions = labelled_mentions(con) if args.export else []
            events = judged_events(con, [m.event_id for m in mentions]) if args.export else []
    except DatabaseError as err:
        return _fail(str(err), EXIT_ERROR)
    columns = [
        "group",
        "alerted",
        "judged",
        "ok",
        "wrong",
        "duplicate",
        "redated",
        "rekinded",
        "precision",
    ]
    for title, rows in (("per week", by_week), ("per extractor", by_extractor)):
        if args.format == "table":
            print(f"Live precision of alerted events, {title}:")
        print(format_rows(columns, [_quality_cells(r) for r in rows], args.format))
    if args.export:
        written = export_corpus(Path(args.export), mentions, events)
        print(
            f"wrote {written} page(s) and labels.json to {args.export} (newswatch eval {args.export})"
        )
    return EXIT_OK


def _quality_cells(row: QualityRow) -> list[object]:
    precision = None if row.precision is None else round(row.precision, 3)
    judged = row.ok + row.wrong + row.duplicate
    return [
        row.group,
        row.alerted,
        judged,
        row.ok,
        row.wrong,
        row.duplicate,
        row.redated,
        row.rekinded,
        precision,
    ]


def export_corpus(folder: Path, mentions: Sequence[object], events: Sequence[object]) -> int:
    """Judged events as a labelled corpus (pages/, feed-1.xml, labels.json) for `newswatch eval`."""
    from newswatch.domain import StoredEvent
    from newswatch.storage.feedback import LabelledMention

    pages = folder / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    by_article: dict[str, list[LabelledMention]] = {}
    for m in mentions:
        assert isinstance(m, LabelledMention)
        by_article.setdefault(m.article_id, []).append(m)
    good = {m.event_id for m in mentions if isinstance(m, LabelledMention) and m.label == "ok"}
    articles, items = [], []
    for number, (article_id, said) in enumerate(by_article.items(), start=1):
        first = said[0]
        name = f"pages/{number:03d}-{article_id}.html"
        (folder / name).write_text(_page_html(first), encoding="utf-8")
        news = sorted({m.event_id for m in said if m.event_id in good and not m.historical})
        history = sorted({m.event_id for m in said if m.event_id in good and m.historical})
        published = (
            first.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            if first.published_at
            else None
        )
        articles.append(
            {
                "file": name,
                "url_path": "/" + name,
                "published": published,
                "language": first.language,
                "relevant": bool(news or history),
                "events": news,
                "historical_mentions": history,
                "statements": [],
                "notes": "exported from user feedback",
            }
        )
        items.append((name, first))
    labelled = []
    for event in events:
        assert isinstance(event, StoredEvent)
        if event.event_id not in good:
            continue
        labelled.append(
            {
                "id": event.event_id,
                "type": event.event_type,
                "date": event.event_date.isoformat() if event.event_date else None,
                "date_earliest": event.date_earliest.isoformat() if event.date_earliest else None,
                "date_latest": event.date_latest.isoformat() if event.date_latest else None,
                "status": event.status,
                "participants": list(event.participants),
                "location": event.location,
                "notes": "judged by users (newswatch feedback)",
            }
        )
    (folder / "labels.json").write_text(
        json.dumps({"events": labelled, "articles": articles}, indent=1), encoding="utf-8"
    )
    (folder / "feed-1.xml").write_text(_feed(items), encoding="utf-8")
    return len(articles)


def _page_html(m: object) -> str:
    from newswatch.storage.feedback import LabelledMention

    assert isinstance(m, LabelledMention)
    x = html.escape
    published = m.published_at.isoformat() if m.published_at else ""
    paragraphs = "\n".join(f"<p>{x(p)}</p>" for p in m.text.split("\n") if p.strip())
    return (
        f'<!DOCTYPE html>\n<html lang="{x(m.language or "en")}"><head><meta charset="utf-8">'
        f"<title>{x(m.title or '')}</title>"
        f'<meta property="article:published_time" content="{x(published)}">'
        f'<link rel="canonical" href="{x(m.url)}"></head>\n'
        f"<body><article><h1>{x(m.title or '')}</h1>\n{paragraphs}\n</article></body></html>\n"
    )


def _feed(items: Sequence[tuple[str, object]]) -> str:
    from email.utils import format_datetime

    from newswatch.storage.feedback import LabelledMention

    entries = []
    for name, m in items:
        assert isinstance(m, LabelledMention)
        date = f"<pubDate>{format_datetime(m.published_at)}</pubDate>" if m.published_at else ""
        entries.append(
            f"<item><title>{xml_escape(m.title or '')}</title>"
            f"<link>http://HOST/{name}</link><guid>{xml_escape(m.article_id)}</guid>{date}</item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        "<title>newswatch feedback corpus</title><link>http://HOST/</link>"
        "<description>Events judged by users</description>\n"
        + "\n".join(entries)
        + "\n</channel></rss>\n"
    )


def add_commands(
    sub: argparse._SubParsersAction,
    db_option: Callable[[argparse.ArgumentParser], None],
    default_watch: str | None,
    format_rows: Callable[..., str],
) -> None:
    """Register `feedback` and `quality` on the main parser."""
    p = sub.add_parser(
        "feedback",
        help="say an alerted event was wrong, a duplicate, misdated, of another kind, or ok",
        description=f"newswatch feedback {USAGE}. Stored with who and when; bad input changes nothing (exit 2).",
    )
    p.add_argument("event_id", metavar="EVENT_ID")
    p.add_argument(
        "verdict",
        nargs="+",
        metavar="VERDICT",
        help="wrong | duplicate-of ID | date YYYY-MM-DD | kind KIND | ok",
    )
    p.add_argument("--note", help="why (stored with the verdict)")
    p.add_argument("--by", help="who says so (default: $NEWSWATCH_USER or the login name)")
    p.add_argument(
        "--watch",
        default=default_watch,
        help="the watch file whose [alerts] retractions setting applies (default: $NEWSWATCH_WATCH)",
    )
    db_option(p)
    p.set_defaults(func=cmd_feedback)

    p = sub.add_parser(
        "reprocess",
        help="re-derive clean text, copies and events from stored pages, offline",
        description=(
            "Re-read stored articles (and, for --stage clean/all, the kept raw HTML) with "
            "today's extractor, line the events up with the stored ones and print what "
            "changed. Never re-sends an alert; --alert-updates queues update alerts for "
            "status moves. Idempotent, and resumable after a kill."
        ),
    )
    p.add_argument("--watch", default=default_watch, help="watch file (default: $NEWSWATCH_WATCH)")
    p.add_argument("--since", help="only articles published on or after this day (YYYY-MM-DD)")
    p.add_argument("--stage", choices=["clean", "events", "all"], default="all")
    p.add_argument(
        "--alert-updates", action="store_true", help="queue update alerts for status moves"
    )
    db_option(p)
    p.set_defaults(func=cmd_reprocess)

    p = sub.add_parser(
        "quality",
        help="live precision of alerts from user feedback; export judged events as a corpus",
        description="Precision of alerted events that users judged (ok vs wrong/duplicate), per week and per extractor.",
    )
    db_option(p)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument(
        "--export", metavar="DIR", help="write the judged events as a corpus for newswatch eval"
    )
    p.set_defaults(func=lambda args: cmd_quality(args, format_rows))
