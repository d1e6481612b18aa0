"""`newswatch reprocess`: stored articles read again offline, with what changed printed.

The database holds articles stored by an older extractor that found no contacts in them
(as when a language pack is added later); reprocessing finds the contacts, keeps ids on
a second pass, keeps users' corrections, resumes after a kill and never re-sends alerts.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from newswatch.cli import main
from newswatch.domain import Article, CopyMatch
from newswatch.storage.articles import NewArticleRow, insert_articles
from newswatch.storage.db import ensure_schema, read_session, write_session
from newswatch.testing import copies as copies_text
from tests.support.kept_pages import (
    FACT_BOX,
    READER_COMMENTS,
    WIRE_STORY,
    KeptPage,
    cleaned_text,
    copy_links,
    reprocessed_tables,
    seed_kept_pages,
    story_page,
)

REPO = Path(__file__).resolve().parents[1]
WATCH = REPO / "deployments" / "watches" / "trump-putin.toml"
PUBLISHED = datetime(2025, 3, 20, 15, 0, tzinfo=UTC)  # a Thursday


def _article(n: int, text: str, published: datetime = PUBLISHED) -> Article:
    return Article(
        url=f"https://wire.example/world/{n}",
        canonical_url=f"https://wire.example/world/{n}",
        source="rss:wire",
        title=f"Report {n}",
        text=text,
        published_at=published,
        language="en",
    )


CALL = (
    "Donald Trump and Vladimir Putin spoke by phone on Tuesday, the Kremlin said. "
    "The two leaders discussed a ceasefire."
)
FILLER = "Markets closed higher on Thursday as investors weighed new data on factory orders."


def _seed(db: Path, articles: list[Article]) -> None:
    ensure_schema(db)
    with write_session(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('run-1', 'trump-putin', ?, 'completed')",
            [PUBLISHED],
        )
        for article in articles:
            insert_articles(
                con,
                [
                    NewArticleRow(
                        article, CopyMatch(article.article_id, None), None, False, None, "run-1"
                    )
                ],
            )


def _reprocess(db: Path, *extra: str) -> int:
    return main(["reprocess", "--db", str(db), "--watch", str(WATCH), "--stage", "events", *extra])


def _events(db: Path) -> list[tuple[object, ...]]:
    with read_session(db) as con:
        return con.execute(
            "SELECT event_id, event_type, event_date, status, retracted_at IS NOT NULL "
            "FROM events ORDER BY event_id"
        ).fetchall()


def test_reprocess_finds_contacts_the_stored_run_missed_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    _seed(db, [_article(1, CALL), _article(2, FILLER)])
    assert _reprocess(db) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "reprocessed 2 article(s): 0 text(s) changed, 1 event(s) added, 0 retracted, "
        "0 re-dated, 0 re-statused"
    )
    [(event_id, kind, day, status, retracted)] = _events(db)
    assert (kind, day, status, retracted) == ("call", date(2025, 3, 18), "confirmed", False)
    assert out[1] == f"  + {event_id} call 2025-03-18 confirmed"
    with read_session(db) as con:
        assert con.execute("SELECT count(*) FROM alerts").fetchone() == (0,)


def test_a_second_reprocess_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    _seed(db, [_article(1, CALL), _article(2, CALL.replace("Tuesday", "Wednesday"))])
    assert _reprocess(db) == 0
    first = _events(db)
    with read_session(db) as con:
        mentions = con.execute("SELECT * FROM event_mentions ORDER BY ALL").fetchall()
    capsys.readouterr()
    assert _reprocess(db) == 0
    assert (
        capsys.readouterr()
        .out.splitlines()[0]
        .endswith("0 event(s) added, 0 retracted, 0 re-dated, 0 re-statused")
    )
    assert _events(db) == first
    with read_session(db) as con:
        assert con.execute("SELECT * FROM event_mentions ORDER BY ALL").fetchall() == mentions


def test_a_users_date_correction_holds_through_reprocess(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    _seed(db, [_article(1, CALL)])
    assert _reprocess(db) == 0
    [(event_id, *_rest)] = _events(db)
    assert main(["feedback", event_id, "date", "2025-03-17", "--db", str(db), "--by", "t"]) == 0
    assert _reprocess(db) == 0
    assert _events(db) == [(event_id, "call", date(2025, 3, 17), "confirmed", False)]


def test_an_article_that_no_longer_supports_an_event_retracts_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    _seed(db, [_article(1, CALL)])
    assert _reprocess(db) == 0
    [(event_id, *_rest)] = _events(db)
    with write_session(db) as con:  # the text was corrected: no call after all
        con.execute("UPDATE articles SET text = ?", [FILLER])
    capsys.readouterr()
    assert _reprocess(db) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("0 event(s) added, 1 retracted, 0 re-dated, 0 re-statused")
    assert out[1] == f"  - {event_id} call 2025-03-18 confirmed"
    assert _events(db) == [(event_id, "call", date(2025, 3, 18), "confirmed", True)]


@pytest.mark.slow  # a killed `newswatch reprocess` subprocess
def test_a_killed_reprocess_resumes_and_ends_with_the_same_tables(tmp_path: Path) -> None:
    articles = [
        _article(n, CALL if n % 50 == 0 else FILLER, PUBLISHED + timedelta(minutes=n))
        for n in range(150)
    ]
    reference, killed = tmp_path / "ref.duckdb", tmp_path / "killed.duckdb"
    _seed(reference, articles)
    _seed(killed, articles)
    assert _reprocess(reference) == 0
    command = [
        sys.executable, "-m", "newswatch", "reprocess", "--db", str(killed),
        "--watch", str(WATCH), "--stage", "events",
    ]  # fmt: skip
    env = {**os.environ, "NEWSWATCH_KILL_AT": "reprocess-checkpoint"}
    died = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert died.returncode == -9
    with read_session(killed) as con:
        assert con.execute("SELECT count(*) FROM reprocess_checkpoints").fetchone() == (100,)
        assert con.execute("SELECT count(*) FROM events").fetchone() == (0,)
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "(100 from an interrupted run)" in resumed.stdout
    assert _events(killed) == _events(reference)
    assert reprocessed_tables(killed) == reprocessed_tables(reference)
    with read_session(killed) as con:
        assert con.execute("SELECT count(*) FROM reprocess_checkpoints").fetchone() == (0,)


def _kept_pages(count: int) -> list[KeptPage]:
    """Pages as an older cleaner stored them, with today's cleaner reading them otherwise.

    Every tenth story has a syndicated copy that the comments kept below it made a copy
    of the other commented pages instead; two short stories in ten print one fact box, so
    all of them were stored as one group. Today's cleaner drops comments and fact box.
    """
    rng = random.Random(14)
    pages: list[KeptPage] = []
    story: list[str] = []
    for n in range(count):
        url = f"https://site{n}.example/news/{n}"
        when = PUBLISHED + timedelta(minutes=n)
        # Eighty words: long enough for near-copy matching, short beside the comments.
        own = [" ".join(copies_text.sentence(rng, 20) for _ in range(4))]
        if n % 10 == 1:  # the copy of the story before it
            html = story_page(f"Copy {n}", story, comments=READER_COMMENTS)
            stored = cleaned_text(html, url) + "\n" + "\n".join(READER_COMMENTS)
        elif n % 10 in (5, 6):
            html = story_page(f"Short {n}", own, fact_box=FACT_BOX)
            stored = cleaned_text(html, url) + "\n" + "\n".join(FACT_BOX)
        else:
            story = own + (list(WIRE_STORY) if n % 50 == 2 else [])
            html = story_page(f"Story {n}", story)
            stored = cleaned_text(html, url)
        pages.append(KeptPage(url, html, stored, when, when + timedelta(hours=1)))
    return pages


@pytest.mark.slow  # a killed `newswatch reprocess` subprocess
def test_a_killed_reprocess_of_kept_pages_ends_with_the_same_texts_copies_and_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pages = _kept_pages(150)
    reference, killed = tmp_path / "ref.duckdb", tmp_path / "killed.duckdb"
    seed_kept_pages(reference, pages)
    seed_kept_pages(killed, pages)
    seeded = reprocessed_tables(killed)
    # One group of the 15 commented pages, one of the 30 pages with the fact box.
    assert sum(1 for original, *_ in copy_links(killed).values() if original) == 14 + 29
    assert main(["reprocess", "--db", str(reference), "--watch", str(WATCH), "--stage", "all"]) == 0
    # Each commented page is now a copy of its own story (the first was an original, the
    # others copies of it); the fact box group falls apart.
    assert "copies: 1 new, 29 no longer a copy, 14 re-pointed" in capsys.readouterr().out
    command = [
        sys.executable, "-m", "newswatch", "reprocess", "--db", str(killed),
        "--watch", str(WATCH), "--stage", "all",
    ]  # fmt: skip
    env = {**os.environ, "NEWSWATCH_KILL_AT": "reprocess-checkpoint"}
    died = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert died.returncode == -9
    interrupted = reprocessed_tables(killed)
    assert len(interrupted.pop("reprocess_checkpoints")) == 100
    assert interrupted == {k: v for k, v in seeded.items() if k != "reprocess_checkpoints"}
    resumed = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "(100 from an interrupted run)" in resumed.stdout
    assert "copies: 1 new, 29 no longer a copy, 14 re-pointed" in resumed.stdout
    assert reprocessed_tables(killed) == reprocessed_tables(reference)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last tuesday"], "--since: not a date: 'last tuesday' (use YYYY-MM-DD)"),
        (["--watch", "/no/such/watch.toml"], "/no/such/watch.toml: watch file not found"),
    ],
)
def test_bad_reprocess_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    db = tmp_path / "news.duckdb"
    _seed(db, [_article(1, CALL)])
    assert main(["reprocess", "--db", str(db), "--watch", str(WATCH), *args]) == 2
    assert capsys.readouterr().err.strip() == f"newswatch: error: {message}"
    assert _events(db) == []


PLANNED = (
    "Donald Trump and Vladimir Putin will speak by phone on Friday, the Kremlin said. "
    "The two leaders are expected to discuss a ceasefire."
)


def _alerts(db: Path) -> list[tuple[object, ...]]:
    with read_session(db) as con:
        return con.execute(
            "SELECT channel, kind, status, event_status, previous_status FROM alerts ORDER BY ALL"
        ).fetchall()


def test_a_status_moved_by_reprocess_queues_an_update_only_with_alert_updates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    _seed(db, [_article(1, PLANNED)])
    assert _reprocess(db) == 0
    [(event_id, _kind, _day, status, _retracted)] = _events(db)
    assert status == "planned"
    with write_session(db) as con:  # the run announced the planned call
        con.execute(
            "INSERT INTO alerts (alert_id, event_id, channel, kind, status, created_at, "
            "sent_at, event_status) VALUES ('sent-1', ?, 'console', 'new', 'sent', ?, ?, "
            "'planned')",
            [event_id, PUBLISHED, PUBLISHED],
        )
    sent = [("console", "new", "sent", "planned", None)]
    for text, extra, alerts in (
        (CALL, (), sent),
        (PLANNED, (), sent),
        (CALL, ("--alert-updates",), [*sent, ("console", "update", "pending", "confirmed", "planned")]),
    ):  # fmt: skip
        with write_session(db) as con:  # a better reading of the article
            con.execute("UPDATE articles SET text = ?", [text])
        capsys.readouterr()
        assert _reprocess(db, *extra) == 0
        assert ", 1 re-statused" in capsys.readouterr().out.splitlines()[0]
        assert _alerts(db) == alerts
    assert [e[0] for e in _events(db)] == [event_id]
