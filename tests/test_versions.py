"""Versions of pages that change under one URL, kept raw pages, and the re-check schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from newswatch.domain import CandidateLink, FetchedPage
from newswatch.extractors.versions import (
    RecheckPolicy,
    RecheckState,
    changed_parts,
    next_check,
    text_hash,
)
from newswatch.storage.db import ensure_schema, read_session, write_session
from newswatch.storage.pages import (
    iter_raw_pages,
    prune_raw_pages,
    raw_storage_bytes,
    record_version,
    save_raw_pages,
)

NOW = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)
POLICY = RecheckPolicy()


@given(st.text(), st.text(alphabet=" \t\n", min_size=1))
def test_white_space_does_not_make_a_new_version(text: str, space: str) -> None:
    assert text_hash(text) == text_hash(space + text.replace(" ", space) + space)


def test_a_changed_bulletin_names_what_it_adds_and_drops() -> None:
    monday = "Storm closes the port.\nTrains run late.\nMinisters meet on Friday."
    tuesday = (
        "Storm closes the port.\nThe two presidents spoke by phone.\nMinisters meet on Friday."
    )
    parts = changed_parts(monday, tuesday)
    assert parts.added == ("The two presidents spoke by phone.",)
    assert parts.removed == ("Trains run late.",)
    assert changed_parts(monday, monday).is_empty


def test_re_checks_back_off_while_a_page_is_unchanged_and_reset_when_it_changes() -> None:
    state = RecheckState(first_seen_at=NOW, published_at=NOW, interval=POLICY.first_interval)
    waits = []
    now = NOW
    for _ in range(4):
        when, interval = next_check(state, changed=False, now=now, policy=POLICY)
        assert when is not None
        waits.append(interval)
        state = RecheckState(state.first_seen_at, state.published_at, interval)
        now = when
    assert waits == [timedelta(hours=1), timedelta(hours=2), timedelta(hours=4), timedelta(hours=8)]
    when, interval = next_check(state, changed=True, now=now, policy=POLICY)
    assert interval == POLICY.first_interval and when == now + POLICY.first_interval


def test_old_pages_are_never_re_checked() -> None:
    state = RecheckState(
        first_seen_at=NOW, published_at=NOW - timedelta(days=8), interval=POLICY.first_interval
    )
    assert next_check(state, changed=True, now=NOW, policy=POLICY)[0] is None


@given(
    changes=st.lists(st.booleans(), min_size=1, max_size=30),
)
def test_the_wait_stays_within_the_policy(changes: list[bool]) -> None:
    state = RecheckState(first_seen_at=NOW, published_at=None, interval=POLICY.first_interval)
    now = NOW
    for changed in changes:
        when, interval = next_check(state, changed=changed, now=now, policy=POLICY)
        assert POLICY.first_interval <= interval <= POLICY.max_interval
        if when is None:
            assert when is None and now + interval - NOW > POLICY.max_age
            return
        assert when - NOW <= POLICY.max_age
        state, now = RecheckState(NOW, None, interval), when


def _page(url: str, html: str, fetched_at: datetime) -> FetchedPage:
    return FetchedPage(
        link=CandidateLink(url=url, canonical_url=url, source="rss:test", title="Bulletin"),
        status="ok",
        http_status=200,
        html=html,
        headers=(("content-type", "text/html"), ("etag", '"v1"')),
        fetched_at=fetched_at,
    )


def test_raw_pages_come_back_as_they_were_fetched_in_fetch_order(tmp_path: Path) -> None:
    db = tmp_path / "pages.duckdb"
    ensure_schema(db)
    pages = [
        _page(
            "https://yle.example/bulletin",
            f"<html><p>Day {day}</p></html>",
            NOW + timedelta(days=day),
        )
        for day in range(5)
    ]
    with write_session(db) as con:
        assert save_raw_pages(con, pages, {"https://yle.example/bulletin": "art-1"}, "w", NOW) == 5
        assert save_raw_pages(con, pages, {}, "w", NOW) == 0  # the same fetches again
    with read_session(db) as con:
        batches = list(iter_raw_pages(con, batch=2))
        assert [len(b) for b in batches] == [2, 2, 1]
        flat = [s for b in batches for s in b]
        assert [s.page.html for s in flat] == [p.html for p in pages]
        assert flat[0].page.headers == (("content-type", "text/html"), ("etag", '"v1"'))
        assert {s.article_id for s in flat} == {"art-1"}
        # Resumable: start after the second page.
        rest = [s for b in iter_raw_pages(con, after_page_id=flat[1].page_id) for s in b]
        assert [s.page.html for s in rest] == [p.html for p in pages[2:]]


def test_retention_keeps_the_newest_pages_within_days_and_size(tmp_path: Path) -> None:
    db = tmp_path / "pages.duckdb"
    ensure_schema(db)
    pages = [
        _page(f"https://a.example/{n}", "<p>" + "x" * (1000 + n) + "</p>", NOW - timedelta(days=n))
        for n in range(10)
    ]
    with write_session(db) as con:
        save_raw_pages(con, pages, {}, "w", NOW)
        assert prune_raw_pages(con, NOW, keep_days=6, keep_bytes=None) == 3  # days 7, 8, 9
        count, _html, _stored = raw_storage_bytes(con)
        assert count == 7
        sizes = [
            r[0]
            for r in con.execute(
                "SELECT stored_bytes FROM raw_pages ORDER BY fetched_at DESC"
            ).fetchall()
        ]
        assert prune_raw_pages(con, NOW, keep_days=None, keep_bytes=sum(sizes[:3])) == 4
        kept = con.execute("SELECT url FROM raw_pages ORDER BY fetched_at DESC").fetchall()
    assert [k[0] for k in kept] == [
        "https://a.example/0",
        "https://a.example/1",
        "https://a.example/2",
    ]


def test_versions_are_numbered_per_article(tmp_path: Path) -> None:
    db = tmp_path / "v.duckdb"
    ensure_schema(db)
    with write_session(db) as con:
        first = record_version(
            con,
            "art-1",
            text_hash="h1",
            fetched_at=NOW,
            changes=changed_parts("", "a"),
            page_id=None,
        )
        second = record_version(
            con,
            "art-1",
            text_hash="h2",
            fetched_at=NOW,
            changes=changed_parts("a", "a\nb"),
            page_id=None,
        )
        other = record_version(
            con,
            "art-2",
            text_hash="h1",
            fetched_at=NOW,
            changes=changed_parts("", "a"),
            page_id=None,
        )
        added = con.execute(
            "SELECT added_parts FROM article_versions WHERE article_id = 'art-1' AND version = 2"
        ).fetchone()
    assert (first, second, other) == (1, 2, 1)
    assert added == (["b"],)
