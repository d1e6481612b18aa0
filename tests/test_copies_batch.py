"""Set-based copy detection gives exactly what one article at a time gives.

The store stage looks a whole batch up in one query and decides the batch against the
stored rows plus an in-memory index of its own earlier articles. Whatever the arrival
order and however the articles are cut into batches (and into runs, via earlier stored
batches), every row must end with the same copy link, method and similarity, and the
same fingerprint rows, as when each article is looked up and written alone.
"""

from __future__ import annotations

import functools
import itertools
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.core.store import store_with_copy_detection
from newswatch.core.types import ReadArticle
from newswatch.domain import Article
from newswatch.storage import copies as copy_store
from newswatch.storage.db import ensure_schema, write_session
from newswatch.testing.copies import ingest, make_article, sentence, story

T0 = datetime(2025, 8, 16, 1, 25, tzinfo=UTC)


def text(seed: int) -> str:
    return "\n\n".join(story(random.Random(seed), 6))


def edited(original: str, seed: int) -> str:
    """New intro line, last paragraph cut: what mirrors do to a wire story."""
    paragraphs = original.split("\n\n")
    return "\n\n".join([sentence(random.Random(seed)), *paragraphs[:-1]])


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def population() -> list[Article]:
    """Three wire stories with copies (near, exact, by URL, a copy of a copy), others, stubs."""
    a, b, c = text(40), text(41), text(42)
    return [
        make_article("a-wire", a, published_at=at(0)),
        make_article("a-mirror", edited(a, 43), published_at=at(3)),
        make_article("a-reprint", edited(a, 44), published_at=at(2)),
        make_article("a-exact", a, published_at=at(5)),
        make_article("b-wire", b, published_at=at(1)),
        make_article("b-mirror", edited(b, 45), published_at=None),
        make_article(
            "b-link",
            "Short teaser for the story.",
            published_at=at(2),
            declared_canonical_url="https://b-wire.example/story",
        ),
        make_article(
            "b-link2",
            "Another teaser.",
            published_at=at(0.5),
            declared_canonical_url="https://b-wire.example/story",
        ),
        make_article("c-wire", c, published_at=at(4)),
        make_article("c-early", edited(c, 46), published_at=at(-1)),
        make_article("c-copy-of-copy", edited(edited(c, 46), 47), published_at=at(6)),
        make_article("independent", text(48), published_at=at(0)),
        make_article("stub-1", "Subscribe to read more.", published_at=at(1)),
        make_article("stub-2", "Subscribe to read more.", published_at=at(2)),
        make_article("listing", a, published_at=at(1), page_kind="listing"),
    ]


STATE = (
    "SELECT a.canonical_url, o.canonical_url, a.copy_method, a.copy_similarity, "
    "a.content_hash, s.signature, s.declared_canonical_url, "
    "(SELECT count(*) FROM article_bands b WHERE b.article_id = a.article_id) "
    "FROM articles a LEFT JOIN articles o ON o.article_id = a.duplicate_of "
    "LEFT JOIN article_signatures s ON s.article_id = a.article_id ORDER BY 1"
)


@functools.cache
def _migrated_empty_database() -> bytes:
    """The file of a freshly migrated database: each hypothesis example needs two, and
    copying the bytes costs far less than migrating again."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "schema.duckdb"
        ensure_schema(db)
        assert not db.with_name(db.name + ".wal").exists()  # everything is in the one file
        return db.read_bytes()


def fresh_database(db: Path) -> Path:
    db.write_bytes(_migrated_empty_database())
    return db


def one_at_a_time(articles: list[Article]) -> list[tuple[object, ...]]:
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(Path(tmp) / "one.duckdb")
        with write_session(db) as con:
            for article in articles:
                ingest(con, article)
        return state(db)


def in_batches(articles: list[Article], cuts: list[int]) -> list[tuple[object, ...]]:
    """Store the articles cut into batches at `cuts`, one transaction per batch."""
    with tempfile.TemporaryDirectory() as tmp:
        db = fresh_database(Path(tmp) / "batch.duckdb")
        bounds = [0, *sorted(set(cuts)), len(articles)]
        for start, end in itertools.pairwise(bounds):
            batch = [ReadArticle(a, None, ()) for a in articles[start:end]]
            with write_session(db) as con:
                store_with_copy_detection(con, batch, run_id="test")
        return state(db)


def state(db: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(STATE).fetchall()
    finally:
        con.close()


def test_one_batch_in_the_given_order_matches_one_article_at_a_time() -> None:
    articles = population()
    expected = one_at_a_time(articles)
    assert in_batches(articles, []) == expected
    groups = {row[0]: row[1] for row in expected}
    assert groups["https://a-exact.example/story"] == "https://a-wire.example/story"
    # The earliest page of a group is its original, even a teaser that names the wire story.
    assert groups["https://b-wire.example/story"] == "https://b-link2.example/story"
    assert groups["https://b-mirror.example/story"] == "https://b-link2.example/story"
    assert groups["https://c-wire.example/story"] == "https://c-early.example/story"
    assert groups["https://stub-2.example/story"] is None


@settings(max_examples=25, deadline=None)
@given(
    st.permutations(range(len(population()))),
    st.lists(st.integers(min_value=1, max_value=len(population()) - 1), max_size=4),
)
def test_any_order_and_any_batching_matches_one_article_at_a_time(
    order: list[int], cuts: list[int]
) -> None:
    articles = population()
    arrived = [articles[i] for i in order]
    assert in_batches(arrived, cuts) == one_at_a_time(arrived)


def test_an_article_twice_in_one_batch_is_stored_once() -> None:
    article = make_article("twice", text(50), published_at=at(0))
    rows = in_batches([article, article], [])
    assert [row[0] for row in rows] == ["https://twice.example/story"]


def test_many_keys_looked_up_as_one_joined_parameter_find_the_same_copies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    articles = population()
    expected = in_batches(articles, [])
    # Every look-up of the batch above LITERAL_KEYS_MAX keys: the form a reprocess uses.
    monkeypatch.setattr(copy_store, "LITERAL_KEYS_MAX", 0)
    assert in_batches(articles, []) == expected
