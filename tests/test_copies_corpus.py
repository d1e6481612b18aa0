"""Copy detection on the test corpus: the labelled near-copies found, nothing else grouped.

Texts come from the clean stage; publication times from the labels, so these tests judge
grouping, not date extraction. The shared corpus is measured by bench/bench_copies_corpus.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.storage.db import ensure_schema, write_session
from newswatch.testing.copies import (
    CorpusPage,
    found_pairs,
    ingest,
    load_corpus,
    stored_groups,
    true_pairs,
)
from tests.support.corpus import CORPUS

FAR = datetime.max.replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def pages() -> list[CorpusPage]:
    return load_corpus(CORPUS)


def flow_order(pages: list[CorpusPage]) -> list[CorpusPage]:
    """As the flow stores a batch: by publication time, then canonical URL."""
    return sorted(
        pages,
        key=lambda p: (
            p.article.published_at is None,
            p.article.published_at or FAR,
            p.article.canonical_url,
        ),
    )


def groups_after(order: list[CorpusPage], folder: Path) -> dict[str, str | None]:
    db = folder / "corpus.duckdb"
    ensure_schema(db)
    with write_session(db) as con:
        for page in order:
            ingest(con, page.article)
        return stored_groups(con)


def test_every_labelled_copy_pair_is_found_and_nothing_else(
    pages: list[CorpusPage], tmp_path: Path
) -> None:
    found = found_pairs(groups_after(flow_order(pages), tmp_path), pages)
    # The syndicator's copies: 002 of 001 and 009 of 008 (new headline, an intro line, the
    # last paragraph cut, an interview appended).
    assert true_pairs(pages) == {frozenset(("001", "002")), frozenset(("008", "009"))}
    assert found == true_pairs(pages)


def test_independent_articles_on_one_event_are_never_copies(
    pages: list[CorpusPage], tmp_path: Path
) -> None:
    groups = groups_after(flow_order(pages), tmp_path)
    by_name = {p.name: p for p in pages}
    # Independent reports of one contact: the announcement and the report that it happened.
    for copy_group_member, independent in (("008", "007"), ("009", "007"), ("005", "004")):
        a, b = by_name[copy_group_member].article, by_name[independent].article
        root_a = groups[a.canonical_url] or a.canonical_url
        root_b = groups[b.canonical_url] or b.canonical_url
        assert root_a != root_b, (copy_group_member, independent)


def test_the_earliest_published_copy_is_the_original(
    pages: list[CorpusPage], tmp_path: Path
) -> None:
    groups = groups_after(flow_order(pages), tmp_path)
    labelled: dict[str, list[CorpusPage]] = {}
    for page in pages:
        if page.dup_group:
            labelled.setdefault(page.dup_group, []).append(page)
    for members in labelled.values():
        earliest = min(
            members, key=lambda p: (p.article.published_at or FAR, p.article.canonical_url)
        )
        assert groups[earliest.article.canonical_url] is None
        for page in members:
            if page is not earliest:
                assert groups[page.article.canonical_url] == earliest.article.canonical_url


def test_shuffled_arrival_gives_the_same_groups_and_originals(
    pages: list[CorpusPage], tmp_path: Path
) -> None:
    expected = groups_after(flow_order(pages), tmp_path / "ordered")
    shuffled = list(pages)
    random.Random(5).shuffle(shuffled)
    assert groups_after(shuffled, tmp_path / "shuffled") == expected
    assert groups_after(flow_order(pages)[::-1], tmp_path / "reversed") == expected
