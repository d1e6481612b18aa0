"""Copy detection state in a real DuckDB file: lookup, persistence, re-pointing, order."""

from __future__ import annotations

import multiprocessing
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.domain import Article
from newswatch.extractors.copies import fingerprint_article
from newswatch.extractors.fingerprint import BANDS, Fingerprint
from newswatch.storage import copies
from newswatch.storage.copies import find_copy_candidates, save_fingerprint
from newswatch.storage.db import ensure_schema, write_session
from newswatch.testing.copies import ingest, make_article, sentence, stored_groups, story

T0 = datetime(2025, 8, 16, 1, 25, tzinfo=UTC)


def database(folder: Path) -> Path:
    path = folder / "newswatch.duckdb"
    ensure_schema(path)
    return path


def text(seed: int) -> str:
    return "\n\n".join(story(random.Random(seed), 6))


def edited(original: str, seed: int) -> str:
    """New intro line, last paragraph cut: what mirrors do to a wire story."""
    paragraphs = original.split("\n\n")
    return "\n\n".join([sentence(random.Random(seed)), *paragraphs[:-1]])


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_a_near_copy_is_found_in_a_later_session(tmp_path: Path) -> None:
    db = database(tmp_path)
    wire = make_article("wire", text(1), published_at=at(0))
    mirror = make_article("mirror", edited(text(1), 2), published_at=at(8))
    with write_session(db) as con:
        ingest(con, wire)
    with write_session(db) as con:
        match = ingest(con, mirror).match
    assert (match.duplicate_of, match.method) == (wire.article_id, "near")


def _store_wire_story(db: str, seed: int) -> None:
    """Run in a child process: store one wire story."""
    with write_session(db) as con:
        ingest(con, make_article("wire", text(seed), published_at=at(0)))


def test_state_written_by_another_process_finds_copies(tmp_path: Path) -> None:
    db = database(tmp_path)
    child = multiprocessing.get_context("spawn").Process(
        target=_store_wire_story, args=(str(db), 3)
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
    mirror = make_article("mirror", edited(text(3), 4), published_at=at(8))
    with write_session(db) as con:
        match = ingest(con, mirror).match
    assert match.duplicate_of == make_article("wire", "").article_id


def test_an_independent_story_is_stored_as_an_original(tmp_path: Path) -> None:
    db = database(tmp_path)
    with write_session(db) as con:
        ingest(con, make_article("wire", text(5), published_at=at(0)))
        match = ingest(con, make_article("other", text(6), published_at=at(1))).match
    assert match.duplicate_of is None


def test_an_earlier_original_arriving_later_repoints_the_stored_group(tmp_path: Path) -> None:
    db = database(tmp_path)
    wire = make_article("wire", text(7), published_at=at(0))
    mirror = make_article("mirror", edited(text(7), 8), published_at=at(8))
    reprint = make_article("reprint", edited(text(7), 9), published_at=at(9))
    with write_session(db) as con:
        ingest(con, mirror)
        ingest(con, reprint)
    with write_session(db) as con:
        ingest(con, wire)
        groups = stored_groups(con)
    assert groups == {
        wire.canonical_url: None,
        mirror.canonical_url: wire.canonical_url,
        reprint.canonical_url: wire.canonical_url,
    }


def test_a_copy_found_by_url_before_its_original_is_linked_when_the_original_arrives(
    tmp_path: Path,
) -> None:
    db = database(tmp_path)
    wire = make_article("wire", text(10), published_at=at(0))
    mirror = make_article(
        "mirror",
        sentence(random.Random(11), 60),
        published_at=at(2),
        declared_canonical_url=wire.canonical_url,
    )
    with write_session(db) as con:
        assert ingest(con, mirror).match.duplicate_of is None
        ingest(con, wire)
        assert stored_groups(con)[mirror.canonical_url] == wire.canonical_url


def test_short_texts_are_stored_without_signature_or_bands(tmp_path: Path) -> None:
    db = database(tmp_path)
    stub = make_article("stub", "Subscribe to continue reading this article.", published_at=at(0))
    with write_session(db) as con:
        ingest(con, stub)
        signature = con.execute("SELECT signature FROM article_signatures").fetchall()
        bands = con.execute("SELECT count(*) FROM article_bands").fetchone()
    assert signature == [(None,)] and bands == (0,)


def test_saving_a_fingerprint_again_keeps_one_set_of_buckets(tmp_path: Path) -> None:
    db = database(tmp_path)
    article = make_article("wire", text(12), published_at=at(0))
    with write_session(db) as con:
        ingest(con, article)
        save_fingerprint(con, article.article_id, fingerprint_article(article))
        assert con.execute("SELECT count(*) FROM article_bands").fetchone() == (BANDS,)


def test_a_changed_text_replaces_the_stored_buckets(tmp_path: Path) -> None:
    db = database(tmp_path)
    article = make_article("wire", text(13), published_at=at(0))
    changed = fingerprint_article(make_article("wire", text(14)))
    with write_session(db) as con:
        ingest(con, article)
        save_fingerprint(con, article.article_id, changed)
        buckets = {r[0] for r in con.execute("SELECT bucket FROM article_bands").fetchall()}
        found = find_copy_candidates(con, changed, None)
    assert buckets == {bucket for _, bucket in changed.bands}
    assert [c.article_id for c in found] == [article.article_id]


def test_band_lookup_runs_as_an_index_scan_on_a_large_table(tmp_path: Path) -> None:
    db = database(tmp_path)
    with write_session(db) as con:
        con.execute(
            "INSERT INTO article_bands SELECT (i % 20)::SMALLINT, (hash(i) >> 32)::UINTEGER, "
            "printf('%016x', i // 20) FROM range(500000) t(i)"
        )
    probe = [random.Random(1).randrange(2**32) for _ in range(BANDS)]
    with write_session(db) as con:
        plan = con.execute(f"EXPLAIN ANALYZE {copies._BY_BANDS}", [probe]).fetchall()[0][1]
    assert "Index Scan" in plan


# --- the same articles in any order give the same groups and originals --------------


def _population() -> list[Article]:
    """Two wire stories with two copies each (one by URL), an independent story, a stub."""
    a, b = text(20), text(21)
    return [
        make_article("a-wire", a, published_at=at(0)),
        make_article("a-mirror", edited(a, 22), published_at=at(3)),
        make_article("a-reprint", edited(a, 23), published_at=at(3)),
        make_article("b-wire", b, published_at=at(1)),
        make_article("b-mirror", edited(b, 24), published_at=None),
        make_article(
            "b-link",
            "Short teaser for the story.",
            published_at=at(2),
            declared_canonical_url="https://b-wire.example/story",
        ),
        make_article("independent", text(25), published_at=at(0)),
    ]


def _groups_after(order: list[Article]) -> dict[str, str | None]:
    with tempfile.TemporaryDirectory() as tmp:
        db = database(Path(tmp))
        with write_session(db) as con:
            for article in order:
                ingest(con, article)
            return stored_groups(con)


EXPECTED = {
    "https://a-wire.example/story": None,
    "https://a-mirror.example/story": "https://a-wire.example/story",
    "https://a-reprint.example/story": "https://a-wire.example/story",
    "https://b-wire.example/story": None,
    "https://b-mirror.example/story": "https://b-wire.example/story",
    "https://b-link.example/story": "https://b-wire.example/story",
    "https://independent.example/story": None,
}


@settings(max_examples=12, deadline=None)
@given(st.permutations(range(len(_population()))))
def test_any_arrival_order_gives_the_same_groups_and_originals(order: list[int]) -> None:
    population = _population()
    assert _groups_after([population[i] for i in order]) == EXPECTED


def test_open_connections_see_uncommitted_rows_of_their_own_batch(tmp_path: Path) -> None:
    db = database(tmp_path)
    con = duckdb.connect(str(db))
    try:
        con.execute("BEGIN")
        ingest(con, make_article("wire", text(30), published_at=at(0)))
        match = ingest(con, make_article("mirror", edited(text(30), 31), published_at=at(1))).match
        con.execute("ROLLBACK")
    finally:
        con.close()
    assert match.duplicate_of is not None


@settings(max_examples=25, deadline=None)
@given(
    signatures=st.lists(
        st.lists(st.integers(0, 2**32 - 1), min_size=128, max_size=128), min_size=1, max_size=4
    )
)
def test_a_batch_of_fingerprints_is_stored_value_for_value(signatures: list[list[int]]) -> None:
    """Signatures and buckets go in as text (storage.copies.insert_fingerprints) and come
    back as the same unsigned 32-bit numbers, the extremes included."""
    probes = [
        copies.CopyProbe(
            f"a{i}",
            f"https://example.org/{i}",
            None,
            Fingerprint(f"h{i}", tuple(sig), tuple((b, sig[b]) for b in range(BANDS)), 200),
        )
        for i, sig in enumerate(signatures)
    ]
    with tempfile.TemporaryDirectory() as folder:
        db = database(Path(folder))
        with write_session(db) as con:
            copies.insert_fingerprints(con, probes)
            stored = dict(
                con.execute("SELECT article_id, signature FROM article_signatures").fetchall()
            )
            bands = sorted(
                con.execute("SELECT article_id, band, bucket FROM article_bands").fetchall()
            )
    assert {k: list(v) for k, v in stored.items()} == {f"a{i}": s for i, s in enumerate(signatures)}
    assert bands == sorted(
        (f"a{i}", b, s[b]) for i, s in enumerate(signatures) for b in range(BANDS)
    )
