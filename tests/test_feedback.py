"""`newswatch feedback` and `newswatch quality` on a real DuckDB file.

The database is seeded through the storage layer as a run would leave it: two articles,
three events (two of them one contact reported twice), alerts sent on Slack and email.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from newswatch.cli import main
from newswatch.domain import Article, CopyMatch, EventChange, Mention, ResolutionResult, StoredEvent
from newswatch.storage.articles import NewArticleRow, insert_articles
from newswatch.storage.db import ensure_schema, read_session, write_session
from newswatch.storage.events import save_resolution

SENT = datetime(2026, 2, 3, 10, 0, tzinfo=UTC)  # a Tuesday of ISO week 2026-W06

WATCH = """
name = "pair"
[[sources]]
kind = "rss"
url = "https://example.org/feed.xml"
[actors.a]
names = ["Anna Aalto"]
[actors.b]
names = ["Boris Berg"]
[events]
pair = ["a", "b"]
[alerts]
retractions = true
"""


def _event(event_id: str, kind: str, day: date) -> StoredEvent:
    return StoredEvent(
        event_id=event_id,
        event_type=kind,  # type: ignore[arg-type]
        participants=("a", "b"),
        status="confirmed",
        event_date=day,
        date_earliest=day,
        date_latest=day,
        location=None,
        summary=f"{kind} between Anna Aalto and Boris Berg",
        historical=False,
        first_seen_at=SENT,
        updated_at=SENT,
    )


def _article(article_id: str, title: str, text: str) -> Article:
    return Article(
        url=f"https://news.example/{article_id}",
        canonical_url=f"https://news.example/{article_id}",
        source="rss:example",
        title=title,
        text=text,
        published_at=datetime(2026, 2, 3, 8, 0, tzinfo=UTC),
        language="en",
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "news.duckdb"
    ensure_schema(path)
    first = _article("art-1", "Aalto and Berg spoke", "Anna Aalto called Boris Berg on Monday.")
    second = _article("art-2", "A call, again", "Aalto and Berg held a phone call on Monday.")
    events = [
        _event("ev-call", "call", date(2026, 2, 2)),
        _event("ev-call-twice", "call", date(2026, 2, 2)),
        _event("ev-meeting", "meeting", date(2026, 2, 1)),
    ]
    with write_session(path) as con:
        for article in (first, second):
            insert_articles(
                con,
                [
                    NewArticleRow(
                        article, CopyMatch(article.article_id, None), None, True, None, "run-1"
                    )
                ],
            )
        save_resolution(
            con,
            "pair",
            ResolutionResult(
                changes=tuple(EventChange(e, is_new=True) for e in events),
                mentions=(
                    Mention(
                        "ev-call", first.article_id, "Anna Aalto called Boris Berg.", "confirmed"
                    ),
                    Mention(
                        "ev-call-twice",
                        second.article_id,
                        "Aalto and Berg held a call.",
                        "confirmed",
                    ),
                    Mention(
                        "ev-meeting", first.article_id, "Anna Aalto called Boris Berg.", "confirmed"
                    ),
                ),
            ),
            run_id="run-1",
            now=SENT,
            extractor="rules",
        )
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('run-1', 'pair', ?, 'completed')",
            [SENT],
        )
        for event_id in ("ev-call", "ev-call-twice", "ev-meeting"):
            for channel in ("slack", "email"):
                con.execute(
                    "INSERT INTO alerts (alert_id, event_id, channel, kind, status, attempts, "
                    "created_at, sent_at, message_id, run_id) "
                    "VALUES (?, ?, ?, 'new', 'sent', 1, ?, ?, ?, 'run-1')",
                    [f"{event_id}-{channel}", event_id, channel, SENT, SENT, f"m-{event_id}"],
                )
    return path


@pytest.fixture
def watch_file(tmp_path: Path) -> Path:
    path = tmp_path / "pair.toml"
    path.write_text(WATCH, encoding="utf-8")
    return path


def _feedback(db: Path, watch_file: Path, *words: str) -> int:
    return main(["feedback", *words, "--db", str(db), "--watch", str(watch_file), "--by", "desk"])


def _rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with read_session(db) as con:
        return con.execute(sql).fetchall()


def test_wrong_retracts_the_event_and_queues_a_retraction_where_it_was_announced(
    db: Path, watch_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _feedback(db, watch_file, "ev-meeting", "wrong", "--note", "a call, not a meeting") == 0
    assert capsys.readouterr().out.strip() == (
        "event ev-meeting marked wrong: retracted; a retraction goes to email, slack on the next run"
    )
    assert _rows(
        db, "SELECT retracted_at IS NOT NULL FROM events WHERE event_id = 'ev-meeting'"
    ) == [(True,)]
    assert _rows(
        db, "SELECT channel, status FROM alerts WHERE kind = 'retraction' ORDER BY channel"
    ) == [("email", "pending"), ("slack", "pending")]
    assert _rows(db, "SELECT event_id, verdict, note, given_by FROM feedback") == [
        ("ev-meeting", "wrong", "a call, not a meeting", "desk")
    ]
    assert _rows(db, "SELECT count(*) FROM contacts WHERE event_id = 'ev-meeting'") == [(0,)]


def test_without_retractions_in_the_watch_nothing_is_queued(db: Path, watch_file: Path) -> None:
    watch_file.write_text(WATCH.replace("retractions = true", "retractions = false"))
    assert _feedback(db, watch_file, "ev-meeting", "wrong") == 0
    assert _rows(db, "SELECT count(*) FROM alerts WHERE kind = 'retraction'") == [(0,)]


def test_duplicate_of_moves_mentions_and_the_old_id_resolves_to_the_survivor(
    db: Path, watch_file: Path
) -> None:
    assert _feedback(db, watch_file, "ev-call-twice", "duplicate-of", "ev-call") == 0
    assert _rows(
        db,
        "SELECT m.event_id, a.title FROM event_mentions m JOIN articles a USING (article_id) "
        "WHERE m.event_id LIKE 'ev-call%' ORDER BY a.title",
    ) == [("ev-call", "A call, again"), ("ev-call", "Aalto and Berg spoke")]
    assert _rows(db, "SELECT merged_into FROM events WHERE event_id = 'ev-call-twice'") == [
        ("ev-call",)
    ]
    # Alert history is kept under the merged id.
    assert _rows(db, "SELECT count(*) FROM alerts WHERE event_id = 'ev-call-twice'") == [(2,)]
    # Feedback on the merged id applies to the survivor.
    assert _feedback(db, watch_file, "ev-call-twice", "date", "2026-02-01") == 0
    assert _rows(db, "SELECT event_date FROM events WHERE event_id = 'ev-call'") == [
        (date(2026, 2, 1),)
    ]


def test_a_correction_holds_when_a_later_run_rewrites_the_event(db: Path, watch_file: Path) -> None:
    from newswatch.storage.feedback import reapply_feedback

    assert _feedback(db, watch_file, "ev-meeting", "kind", "call") == 0
    assert _feedback(db, watch_file, "ev-meeting", "date", "2026-01-30") == 0
    with write_session(db) as con:  # a later run re-derives the event as it first did
        save_resolution(
            con,
            "pair",
            ResolutionResult(
                changes=(
                    EventChange(_event("ev-meeting", "meeting", date(2026, 2, 1)), is_new=False),
                )
            ),
            run_id="run-2",
            now=SENT,
        )
        reapply_feedback(con, SENT)
    assert _rows(db, "SELECT event_type, event_date FROM events WHERE event_id = 'ev-meeting'") == [
        ("call", date(2026, 1, 30))
    ]


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (["no-such-event", "wrong"], "no event with id no-such-event"),
        (["ev-call", "duplicate-of", "ev-call"], "event ev-call cannot be a duplicate of itself"),
        (["ev-call", "duplicate-of", "no-such-event"], "no event with id no-such-event"),
        (
            ["ev-call", "date", "2999-01-01"],
            "2999-01-01 is in the future; a contact's day cannot be",
        ),
        (["ev-call", "date", "yesterday"], "not a date: 'yesterday' (use YYYY-MM-DD)"),
        (
            ["ev-call", "kind", "statement"],
            "kind must be one of call, meeting, message (got 'statement')",
        ),
        (["ev-call", "maybe"], "unknown verdict 'maybe'"),
        (["ev-call", "wrong", "very"], "'wrong' takes no value (got 'very')"),
    ],
)
def test_bad_feedback_is_one_line_exit_2_and_changes_nothing(
    db: Path, watch_file: Path, capsys: pytest.CaptureFixture[str], words: list[str], message: str
) -> None:
    before = db.read_bytes()
    assert _feedback(db, watch_file, *words) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(f"newswatch: error: {message}")
    assert _rows(db, "SELECT count(*) FROM feedback") == [(0,)]
    assert _rows(
        db, "SELECT count(*) FROM events WHERE retracted_at IS NOT NULL OR merged_into IS NOT NULL"
    ) == [(0,)]
    assert len(db.read_bytes()) == len(before)


def test_a_merge_back_into_its_own_duplicate_is_refused(
    db: Path, watch_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _feedback(db, watch_file, "ev-call-twice", "duplicate-of", "ev-call") == 0
    assert _feedback(db, watch_file, "ev-call", "duplicate-of", "ev-call-twice") == 2
    assert "events ev-call and ev-call-twice are already one event" in capsys.readouterr().err


def test_quality_prints_live_precision_per_week_and_extractor(
    db: Path, watch_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _feedback(db, watch_file, "ev-call", "ok") == 0
    assert _feedback(db, watch_file, "ev-meeting", "wrong") == 0
    assert _feedback(db, watch_file, "ev-call-twice", "duplicate-of", "ev-call") == 0
    capsys.readouterr()
    assert main(["quality", "--db", str(db), "--format", "json"]) == 0
    week, extractor = (json.loads(line) for line in capsys.readouterr().out.strip().splitlines())
    expected = {
        "alerted": 3,
        "judged": 3,
        "ok": 1,
        "wrong": 1,
        "duplicate": 1,
        "redated": 0,
        "rekinded": 0,
        "precision": 0.333,
    }
    assert week == [{"group": "2026-W06", **expected}]
    assert extractor == [{"group": "rules", **expected}]


def test_quality_exports_judged_events_as_a_corpus_eval_reads(
    db: Path, watch_file: Path, tmp_path: Path
) -> None:
    from newswatch.evaluation import parse_labels

    assert _feedback(db, watch_file, "ev-call", "ok") == 0
    assert _feedback(db, watch_file, "ev-meeting", "wrong") == 0
    out = tmp_path / "judged"
    assert main(["quality", "--db", str(db), "--export", str(out)]) == 0
    labels = parse_labels(json.loads((out / "labels.json").read_text()))
    assert [e.id for e in labels.events] == ["ev-call"]
    first = _article("art-1", "", "").article_id
    assert {a.file: a.events for a in labels.articles} == {f"pages/001-{first}.html": ("ev-call",)}
    page = (out / f"pages/001-{first}.html").read_text()
    assert "Anna Aalto called Boris Berg on Monday." in page
    assert f"http://HOST/pages/001-{first}.html" in (out / "feed-1.xml").read_text()
