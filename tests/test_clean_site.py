"""Boilerplate learned per site: paragraphs a host repeats on many pages leave its next pages.

The learning is pure (extractors.clean_site); the counts live in a real DuckDB file
(storage.boilerplate); clean_page applies what the host has taught.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from newswatch.extractors.clean import clean_page
from newswatch.extractors.clean_site import (
    MAX_SITE_BOILERPLATE_CHARS,
    MIN_PAGES_FOR_BOILERPLATE,
    fingerprint,
    host_of,
    observe,
    page_observation,
    remove_site_boilerplate,
)
from newswatch.storage import boilerplate as store
from newswatch.storage.db import ensure_schema, read_session, write_session

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
PROMO = "Get the Morning Digest from the Harbour Gazette, every weekday at seven."
STORIES = [
    [
        "Talks between the two delegations resumed in Geneva on Monday after a pause of a week.",
        "Officials said the first session lasted four hours and ended without a statement.",
    ],
    [
        "The port authority approved the new ferry timetable after a long public consultation.",
        "Crossings to the island will run every forty minutes from the first of April.",
    ],
    [
        "A storm closed the coastal road overnight and crews were clearing fallen trees by dawn.",
        "The road reopened at noon, the regional transport office said in a short notice.",
    ],
    [
        "The city council voted to extend the harbour walkway by another two kilometres.",
        "Construction is expected to start in the summer and take about eighteen months.",
    ],
]


def page_html(story: list[str], extra: str = PROMO) -> str:
    paragraphs = "".join(f"<p>{p}</p>" for p in [*story, extra])
    return (
        '<html lang="en"><head><title>Harbour Gazette</title>'
        '<meta property="og:type" content="article"></head>'
        f"<body><article><h1>Story</h1>{paragraphs}</article></body></html>"
    )


def test_fingerprint_ignores_case_spacing_punctuation_and_numbers() -> None:
    assert fingerprint("12 Comments") == fingerprint("3  comments!")
    assert fingerprint("Share this story") != fingerprint("Share this page")
    assert 0 <= fingerprint("anything") < 2**63


def test_host_drops_www_and_case() -> None:
    assert host_of("https://WWW.Gazette.example/a/b") == "gazette.example"
    assert host_of("not a url") == ""


def test_known_paragraphs_are_dropped() -> None:
    result = remove_site_boilerplate([*STORIES[0], PROMO], {fingerprint(PROMO)})
    assert result.paragraphs == tuple(STORIES[0])
    assert result.removed == (PROMO,)


def test_a_page_is_observed_by_every_paragraph_and_keyed_by_its_longest() -> None:
    paragraphs = [*STORIES[0], PROMO]
    observation = observe("gazette.example", paragraphs)
    assert observation is not None
    assert observation.fingerprints == frozenset(fingerprint(p) for p in paragraphs)
    assert observation.page_key == fingerprint(STORIES[0][0])  # the longest paragraph


def test_a_long_paragraph_is_never_site_boilerplate() -> None:
    long = "A quoted statement repeated in full on several pages. " * 20
    assert len(long) > MAX_SITE_BOILERPLATE_CHARS
    result = remove_site_boilerplate([STORIES[0][0], long], {fingerprint(long)})
    assert result.paragraphs == (STORIES[0][0], long)


def test_a_page_made_only_of_known_paragraphs_stays_whole() -> None:
    known = {fingerprint(p) for p in STORIES[0]}
    result = remove_site_boilerplate(STORIES[0], known)
    assert (result.paragraphs, result.removed) == (tuple(STORIES[0]), ())


def test_nothing_known_changes_nothing() -> None:
    result = remove_site_boilerplate(STORIES[1])
    assert result.paragraphs == tuple(STORIES[1])


def test_no_host_or_no_words_makes_no_observation() -> None:
    assert observe("", STORIES[0]) is None
    assert observe("gazette.example", ["***", ""]) is None


def test_clean_page_drops_the_hosts_known_paragraphs() -> None:
    html = page_html(STORIES[0])
    url = "https://gazette.example/news/talks-resume-in-geneva"
    assert PROMO in clean_page(html, url).text
    cleaned = clean_page(html, url, site_boilerplate={fingerprint(PROMO)})
    assert cleaned.text == "\n".join(STORIES[0])


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "news.duckdb")
    ensure_schema(path)
    return path


def test_a_paragraph_becomes_boilerplate_on_the_hosts_third_page(db: str) -> None:
    url = "https://www.gazette.example/news/{}-story-here"
    learned: list[dict[str, frozenset[int]]] = []
    for number, story in enumerate(STORIES):
        with read_session(db) as con:
            known = store.load_repeated_paragraphs(con, ["gazette.example"])
        learned.append(known)
        article = clean_page(
            page_html(story),
            url.format(number),
            site_boilerplate=known.get("gazette.example", ()),
        )
        with write_session(db) as con:
            store.save_observations(con, [page_observation(article.url, article.text)], NOW)
    assert MIN_PAGES_FOR_BOILERPLATE == 3
    assert [fingerprint(PROMO) in k.get("gazette.example", ()) for k in learned] == [
        False,
        False,
        False,
        True,
    ]
    with read_session(db) as con:
        assert store.load_repeated_paragraphs(con, ["other.example"]) == {}


def test_a_copy_of_a_page_on_the_same_host_counts_once(db: str) -> None:
    page = observe("gazette.example", [*STORIES[0], PROMO])
    other = observe("gazette.example", [*STORIES[1], PROMO])
    with write_session(db) as con:
        assert store.save_observations(con, [page, page], NOW) == 1
        assert store.save_observations(con, [page], NOW) == 0
        assert store.save_observations(con, [other, None], NOW) == 1
    with read_session(db) as con:
        assert store.load_repeated_paragraphs(con, ["gazette.example"], min_pages=2) == {
            "gazette.example": frozenset({fingerprint(PROMO)})
        }
        assert store.load_repeated_paragraphs(con, ["gazette.example"], min_pages=3) == {}


def test_hosts_learn_apart(db: str) -> None:
    with write_session(db) as con:
        for story in STORIES[:3]:
            store.save_observations(con, [observe("gazette.example", [*story, PROMO])], NOW)
        store.save_observations(con, [observe("courier.example", [*STORIES[3], PROMO])], NOW)
    with read_session(db) as con:
        found = store.load_repeated_paragraphs(con, ["gazette.example", "courier.example", ""])
    assert found == {"gazette.example": frozenset({fingerprint(PROMO)})}


def test_a_database_from_before_site_learning_gets_its_tables(db: str) -> None:
    with write_session(db) as con:  # make it look like a version-1 database
        con.execute("DROP TABLE site_boilerplate")
        con.execute("DROP TABLE site_boilerplate_pages")
        con.execute("DELETE FROM schema_migrations WHERE version > 1")
    assert ensure_schema(db) >= 2
    with write_session(db) as con:
        assert store.save_observations(con, [observe("gazette.example", STORIES[0])], NOW) == 1


def test_pages_of_one_batch_count_once_each(db: str) -> None:
    pages = [observe("gazette.example", [*story, PROMO]) for story in STORIES[:3]]
    with write_session(db) as con:
        assert store.save_observations(con, [*pages, pages[0]], NOW) == 3
    with read_session(db) as con:
        assert store.load_repeated_paragraphs(con, ["gazette.example"]) == {
            "gazette.example": frozenset({fingerprint(PROMO)})
        }
        assert store.load_repeated_paragraphs(con, ["gazette.example"], min_pages=4) == {}
