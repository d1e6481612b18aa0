"""`newswatch reprocess --stage clean|all` decides copies again from the re-cleaned texts.

A run decides whether an article is a copy once, from the text it read. When a better
cleaner reads the kept page differently (reader comments, a fact box shared by two
outlets), reprocessing fingerprints the new text and re-decides the article's copy link
with the run's own rules, and the events it reports are recounted: a copy adds a mention,
never an independent source.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.cli import main
from newswatch.core.store import store_with_copy_detection
from newswatch.core.types import ReadArticle
from newswatch.domain import Article, stable_id
from newswatch.extractors.clean_site import page_observation
from newswatch.extractors.fingerprint import fingerprint
from newswatch.extractors.keyword_watch import story_id
from newswatch.reprocess_copies import CopiesRederived, fingerprints_of, rederive_copies
from newswatch.storage.boilerplate import save_observations
from newswatch.storage.db import ensure_schema, read_session, write_session
from tests.support.kept_pages import (
    FACT_BOX,
    OWN_STORY,
    READER_COMMENTS,
    WIRE_STORY,
    KeptPage,
    all_rows,
    cleaned_text,
    copy_links,
    seed_kept_pages,
    story_page,
    utc,
)
from tests.test_copies_batch import one_at_a_time, population
from tests.test_copies_batch import state as copy_state
from tests.test_copies_batch import text as batch_text

REPO = Path(__file__).resolve().parents[1]
WATCH = REPO / "deployments" / "watches" / "trump-putin.toml"
WIRE = "https://wire.example/world/call"
DAILY = "https://daily.example/news/call"


def _reprocess(db: Path, stage: str, *extra: str) -> int:
    return main(["reprocess", "--db", str(db), "--watch", str(WATCH), "--stage", stage, *extra])


def _page(
    url: str, html: str, older_text: str | None, published_hour: int, day: int = 19
) -> KeptPage:
    """A kept page whose stored text is `older_text`, or today's cleaning when None."""
    text = older_text if older_text is not None else cleaned_text(html, url)
    return KeptPage(url, html, text, utc(day, published_hour), utc(day, published_hour + 1))


def _with(text: str, extra: tuple[str, ...]) -> str:
    return text + "\n" + "\n".join(extra)


def _wire_and_commented_copy() -> list[KeptPage]:
    """The wire story, and a paper's copy of it stored with its reader comments."""
    wire = story_page("Trump and Putin speak by phone", WIRE_STORY)
    daily = story_page("Trump and Putin hold a call", WIRE_STORY, comments=READER_COMMENTS)
    return [
        _page(WIRE, wire, None, 10),
        _page(DAILY, daily, _with(cleaned_text(daily, DAILY), READER_COMMENTS), 12),
    ]


def _two_stories_with_one_fact_box() -> list[KeptPage]:
    """Two outlets' own stories, both stored with the agency fact box printed beside them."""
    wire = story_page("Trump and Putin speak by phone", WIRE_STORY, fact_box=FACT_BOX)
    daily = story_page("Putin and Trump talk", OWN_STORY, fact_box=FACT_BOX)
    return [
        _page(WIRE, wire, _with(cleaned_text(wire, WIRE), FACT_BOX), 10),
        _page(DAILY, daily, _with(cleaned_text(daily, DAILY), FACT_BOX), 12),
    ]


def _event_counts(db: Path) -> list[tuple[object, ...]]:
    with read_session(db) as con:
        return con.execute(
            "SELECT event_type, independent_sources, copies FROM events ORDER BY ALL"
        ).fetchall()


def _copy_flags(db: Path) -> dict[str, bool]:
    with read_session(db) as con:
        rows = con.execute(
            "SELECT a.canonical_url, m.is_copy FROM event_mentions m "
            "JOIN articles a USING (article_id)"
        ).fetchall()
    return {r[0]: r[1] for r in rows}


def test_a_page_whose_re_cleaned_text_equals_the_wire_story_becomes_its_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    seed_kept_pages(db, _wire_and_commented_copy())
    assert _reprocess(db, "events") == 0
    # The comments kept the stored texts apart: two outlets, two independent sources.
    assert copy_links(db) == {WIRE: (None, None, None), DAILY: (None, None, None)}
    assert _event_counts(db) == [("call", 2, 0)]
    capsys.readouterr()

    assert _reprocess(db, "clean") == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "reprocessed 2 article(s): 1 text(s) changed, 0 event(s) added, 0 retracted, "
        "0 re-dated, 0 re-statused",
        "copies: 1 new, 0 no longer a copy, 0 re-pointed",
        f"  {DAILY}: original -> copy of {WIRE}",
    ]
    assert copy_links(db) == {WIRE: (None, None, None), DAILY: (WIRE, "exact", 1.0)}
    # The copy still reports the call, but no longer as a second source.
    assert _event_counts(db) == [("call", 1, 1)]
    assert _copy_flags(db) == {WIRE: False, DAILY: True}
    with read_session(db) as con:
        assert con.execute("SELECT count(*) FROM alerts").fetchone() == (0,)


def test_stories_that_shared_only_a_fact_box_are_no_longer_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    pages = _two_stories_with_one_fact_box()
    seed_kept_pages(db, pages)
    assert _reprocess(db, "events") == 0
    # The fact box is most of both stored texts: a near-copy (estimated Jaccard 73/128).
    assert copy_links(db) == {WIRE: (None, None, None), DAILY: (WIRE, "near", 0.5703125)}
    assert _event_counts(db) == [("call", 1, 1)]
    capsys.readouterr()

    assert _reprocess(db, "all") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("reprocessed 2 article(s): 2 text(s) changed, 0 event(s) added")
    assert out[1:] == [
        "copies: 0 new, 1 no longer a copy, 0 re-pointed",
        f"  {DAILY}: copy of {WIRE} -> original",
    ]
    assert copy_links(db) == {WIRE: (None, None, None), DAILY: (None, None, None)}
    assert _event_counts(db) == [("call", 2, 0)]
    assert _copy_flags(db) == {WIRE: False, DAILY: False}
    # The stored fingerprints are those of the re-cleaned texts, as a run would store them.
    for page in pages:
        new = fingerprint(cleaned_text(page.html, page.url))
        with read_session(db) as con:
            stored = con.execute(
                "SELECT a.content_hash, s.signature, "
                "(SELECT count(*) FROM article_bands b WHERE b.article_id = a.article_id) "
                "FROM articles a JOIN article_signatures s USING (article_id) "
                "WHERE a.canonical_url = ?",
                [page.url],
            ).fetchone()
        assert new.signature is not None
        assert stored == (new.content_hash, list(new.signature), 20)


def test_reprocessing_twice_leaves_every_table_row_for_row_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    seed_kept_pages(db, [*_wire_and_commented_copy()])
    assert _reprocess(db, "all") == 0
    first = all_rows(db)
    capsys.readouterr()
    assert _reprocess(db, "all") == 0
    assert capsys.readouterr().out.splitlines() == [
        "reprocessed 2 article(s): 0 text(s) changed, 0 event(s) added, 0 retracted, "
        "0 re-dated, 0 re-statused",
        "copies: 0 new, 0 no longer a copy, 0 re-pointed",
    ]
    assert all_rows(db) == first


def test_an_article_outside_since_is_a_candidate_as_stored_and_stays_the_original(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "news.duckdb"
    wire, daily = _wire_and_commented_copy()
    later = KeptPage(daily.url, daily.html, daily.stored_text, utc(21, 9), utc(21, 10))
    seed_kept_pages(db, [wire, later])
    capsys.readouterr()
    assert _reprocess(db, "clean", "--since", "2025-03-20") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("reprocessed 1 article(s): 1 text(s) changed")
    assert out[-2:] == [
        "copies: 1 new, 0 no longer a copy, 0 re-pointed",
        f"  {DAILY}: original -> copy of {WIRE}",
    ]
    assert copy_links(db) == {WIRE: (None, None, None), DAILY: (WIRE, "exact", 1.0)}


def test_an_earlier_copy_found_by_reprocess_becomes_the_original_of_a_stored_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The run's rule: the earliest published member of a group is its original."""
    db = tmp_path / "news.duckdb"
    wire = story_page("Trump and Putin speak by phone", WIRE_STORY)
    commented = story_page("Trump and Putin hold a call", WIRE_STORY, comments=READER_COMMENTS)
    early = "https://early.example/call"
    pages = [
        _page(WIRE, wire, None, 10),
        _page(DAILY, wire, None, 12, day=20),
        # Published first, but stored with its comments: not found as a copy by the run.
        _page(early, commented, _with(cleaned_text(commented, early), READER_COMMENTS), 8),
    ]
    seed_kept_pages(db, pages)
    assert copy_links(db)[DAILY] == (WIRE, "exact", 1.0)
    assert _reprocess(db, "events") == 0
    assert _event_counts(db) == [("call", 2, 1)]
    capsys.readouterr()
    assert _reprocess(db, "clean") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1:] == [
        "copies: 1 new, 0 no longer a copy, 1 re-pointed",
        f"  {DAILY}: copy of {WIRE} -> copy of {early}",
        f"  {WIRE}: original -> copy of {early}",
    ]
    assert copy_links(db) == {
        early: (None, None, None),
        WIRE: (early, "exact", 1.0),
        DAILY: (early, "exact", 1.0),
    }
    # Two copies of one story that a third outlet published first: one source, two copies.
    assert _event_counts(db) == [("call", 1, 2)]
    assert _copy_flags(db) == {early: False, WIRE: True, DAILY: True}


# --- against the run: re-deciding gives what a run storing the new texts would store ---


def _store_then_rederive(
    stored: list[Article], reread: list[Article], cuts: list[int]
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], CopiesRederived]:
    """Store `stored` in batches as runs do, then re-decide copies for `reread` (new texts).

    Returns the copy state before and after, and what re-deciding found.
    """
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "copies.duckdb"
        ensure_schema(db)
        bounds = [0, *sorted(set(cuts)), len(stored)]
        for start, end in itertools.pairwise(bounds):
            with write_session(db) as con:
                batch = [ReadArticle(a, None, ()) for a in stored[start:end]]
                store_with_copy_detection(con, batch, run_id="run")
        before = copy_state(db)
        with write_session(db) as con:
            found = rederive_copies(con, reread, fingerprints_of(reread))
        return before, copy_state(db), found


# What an older cleaner read on three pages: another story for two copies, and the wire
# story for an independent article (stored as its copy).
_OLDER_TEXTS = {
    "https://a-mirror.example/story": batch_text(90),
    "https://c-copy-of-copy.example/story": batch_text(91),
    "https://independent.example/story": batch_text(40),
}


@settings(max_examples=8, deadline=None)
@given(
    st.permutations(range(len(population()))),
    st.lists(st.integers(min_value=1, max_value=len(population()) - 1), max_size=3),
)
def test_re_deciding_unchanged_texts_changes_nothing_whatever_the_run_order(
    order: list[int], cuts: list[int]
) -> None:
    articles = [population()[i] for i in order]
    before, after, found = _store_then_rederive(articles, articles, cuts)
    assert found.changes == () and found.changed_ids == ()
    assert after == before


@settings(max_examples=6, deadline=None)
@given(
    st.permutations(range(len(population()))),
    st.lists(st.integers(min_value=1, max_value=len(population()) - 1), max_size=3),
    st.booleans(),
)
def test_re_deciding_new_texts_stores_what_a_run_on_the_new_texts_stores(
    order: list[int], cuts: list[int], only_the_changed: bool
) -> None:
    now = [population()[i] for i in order]
    older = [replace(a, text=_OLDER_TEXTS.get(a.canonical_url, a.text)) for a in now]
    reread = [a for a in now if a.canonical_url in _OLDER_TEXTS] if only_the_changed else now
    _before, after, found = _store_then_rederive(older, reread, cuts)
    assert after == one_at_a_time(now)
    assert {(c.article_url, c.was_copy_of, c.now_copy_of) for c in found.changes} == {
        ("https://a-mirror.example/story", None, "https://a-wire.example/story"),
        ("https://c-copy-of-copy.example/story", None, "https://c-early.example/story"),
        ("https://independent.example/story", "https://a-wire.example/story", None),
    }


def test_stories_that_shared_only_their_sites_learned_boilerplate_are_no_longer_copies(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The fact box printed inside the story on every page of one site: the run's cleaner
    kept it until the site's boilerplate was learned; re-cleaning now drops it."""
    db = tmp_path / "news.duckdb"
    first, second = "https://daily.example/news/1", "https://daily.example/news/2"
    pages = [
        _page(url, html, None, hour)
        for url, html, hour in (
            (first, story_page("Trump and Putin speak", [*WIRE_STORY, *FACT_BOX]), 10),
            (second, story_page("Putin and Trump talk", [*OWN_STORY, *FACT_BOX]), 12),
        )
    ]
    seed_kept_pages(db, pages)
    assert copy_links(db)[second] == (first, "near", 0.5703125)
    assert _reprocess(db, "events") == 0
    assert _event_counts(db) == [("call", 1, 1)]
    # Three other pages of the site, read later, showed the same fact box beside their
    # own (longer) stories.
    with write_session(db) as con:
        other_pages = [
            page_observation(
                f"https://daily.example/news/{n}", "\n".join([" ".join(story[:3]), *FACT_BOX])
            )
            for n, story in ((3, WIRE_STORY), (4, OWN_STORY), (5, READER_COMMENTS))
        ]
        save_observations(con, other_pages, utc(20, 9))
    capsys.readouterr()

    assert _reprocess(db, "clean") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("reprocessed 2 article(s): 2 text(s) changed, 0 event(s) added")
    assert out[1:] == [
        "copies: 0 new, 1 no longer a copy, 0 re-pointed",
        f"  {second}: copy of {first} -> original",
    ]
    assert copy_links(db) == {first: (None, None, None), second: (None, None, None)}
    # One outlet, so still one independent source; no longer a copy among its reports.
    assert _event_counts(db) == [("call", 1, 0)]
    assert _copy_flags(db) == {first: False, second: False}


# --- keyword watches: a story is a copy group, so copies decided again move stories ---

KEYWORD_WATCH = """
name = "kremlin-stories"
[[sources]]
kind = "rss"
url = "https://feeds.example/world.xml"
[match]
query = 'Kremlin'
"""


def _stories(db: Path) -> list[tuple[object, ...]]:
    """Each story: the page whose group it is keyed by (the run's `story_id`), whether it
    is retracted, and the URLs reporting it, copies marked."""
    keyed_by = {story_id("kremlin-stories", stable_id(url)): url for url in (WIRE, DAILY)}
    with read_session(db) as con:
        rows = con.execute(
            "SELECT e.event_id, e.retracted_at IS NOT NULL, "
            "list(a.canonical_url || CASE WHEN m.is_copy THEN ' (copy)' ELSE '' END "
            "ORDER BY a.canonical_url) FILTER (WHERE a.canonical_url IS NOT NULL) "
            "FROM events e LEFT JOIN event_mentions m USING (event_id) "
            "LEFT JOIN articles a USING (article_id) GROUP BY e.event_id, e.retracted_at"
        ).fetchall()
    return sorted((keyed_by[r[0]], r[1], r[2]) for r in rows)


@pytest.mark.parametrize(
    ("pages", "stories_before", "stories_after", "summary"),
    [
        (
            _wire_and_commented_copy,
            [(DAILY, False, [DAILY]), (WIRE, False, [WIRE])],
            # The copy joins the wire story's group: its own story is retracted.
            [(DAILY, True, None), (WIRE, False, [DAILY + " (copy)", WIRE])],
            "0 event(s) added, 1 retracted",
        ),
        (
            _two_stories_with_one_fact_box,
            [(WIRE, False, [DAILY + " (copy)", WIRE])],
            # The group falls apart: the second story is told on its own, as a new story.
            [(DAILY, False, [DAILY]), (WIRE, False, [WIRE])],
            "1 event(s) added, 0 retracted",
        ),
    ],
)
def test_a_keyword_watch_tells_one_story_per_copy_group_after_reprocess_too(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pages: Callable[[], list[KeptPage]],
    stories_before: list[tuple[object, ...]],
    stories_after: list[tuple[object, ...]],
    summary: str,
) -> None:
    watch = tmp_path / "kremlin.toml"
    watch.write_text(KEYWORD_WATCH)
    db = tmp_path / "news.duckdb"
    seed_kept_pages(db, pages(), watch="kremlin-stories")
    assert main(["reprocess", "--db", str(db), "--watch", str(watch), "--stage", "events"]) == 0
    assert _stories(db) == stories_before
    capsys.readouterr()
    assert main(["reprocess", "--db", str(db), "--watch", str(watch), "--stage", "clean"]) == 0
    assert summary in capsys.readouterr().out.splitlines()[0]
    assert _stories(db) == stories_after
    with read_session(db) as con:
        assert con.execute("SELECT count(*) FROM alerts").fetchone() == (0,)


def test_an_article_of_another_watch_stops_being_a_copy_and_its_story_is_recounted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Copy groups span watches: the other watch's article is re-decided with its stored
    fingerprint, and its mentions and counts follow, though it is not re-read."""
    watch = tmp_path / "kremlin.toml"
    watch.write_text(KEYWORD_WATCH)
    db = tmp_path / "news.duckdb"
    wire, daily = _two_stories_with_one_fact_box()
    seed_kept_pages(db, [wire])
    seed_kept_pages(db, [daily], watch="kremlin-stories", run_id="run-2")
    assert copy_links(db)[DAILY] == (WIRE, "near", 0.5703125)
    assert main(["reprocess", "--db", str(db), "--watch", str(watch), "--stage", "events"]) == 0
    assert _event_counts(db) == [("story", 0, 1)]
    capsys.readouterr()

    assert _reprocess(db, "clean") == 0  # the pair watch re-reads only the wire story
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("reprocessed 1 article(s): 1 text(s) changed")
    assert out[-2:] == [
        "copies: 0 new, 1 no longer a copy, 0 re-pointed",
        f"  {DAILY}: copy of {WIRE} -> original",
    ]
    assert copy_links(db) == {WIRE: (None, None, None), DAILY: (None, None, None)}
    assert _copy_flags(db)[DAILY] is False
    assert ("story", 1, 0) in _event_counts(db)
