"""Keyword watches: a watch file with a query and no actors; one story per copy group."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from newswatch.config import WatchError, parse_watch
from newswatch.domain import Article
from newswatch.extractors.keyword_query import parse_query
from newswatch.extractors.keyword_watch import (
    KeywordExtractor,
    StoryItem,
    resolve_stories,
    story_id,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

KEYWORD_WATCH = """
name = "grain-corridor"
[[sources]]
kind = "rss"
url = "https://example.org/feed.xml"
[match]
query = '"Black Sea" AND (grain OR wheat*) NOT "food prices"'
"""


def _article(article_id: str, title: str, text: str) -> Article:
    return Article(
        url=f"https://example.org/{article_id}",
        canonical_url=f"https://example.org/{article_id}",
        source="rss:example",
        title=title,
        text=text,
        published_at=datetime(2026, 3, 1, 18, 30, tzinfo=UTC),
    )


def test_a_watch_with_a_query_and_no_actors_is_a_keyword_watch() -> None:
    watch = parse_watch(KEYWORD_WATCH, "grain.toml")
    assert watch.is_keyword_watch
    assert watch.actors == {}
    assert watch.alert_kinds == ["story"]
    assert watch.match is not None
    assert watch.match.parsed.matches("Black Sea wheat shipments resume")


def test_a_broken_query_names_the_field_and_the_fault() -> None:
    broken = KEYWORD_WATCH.replace('NOT "food prices"\'', 'NOT ("food prices"\'')
    with pytest.raises(WatchError) as err:
        parse_watch(broken, "grain.toml")
    assert str(err.value) == "grain.toml: match.query: '(' at 39 is never closed"


def test_a_watch_needs_a_pair_or_a_query() -> None:
    bare = KEYWORD_WATCH.split("[match]")[0]
    with pytest.raises(WatchError) as err:
        parse_watch(bare, "w.toml")
    assert str(err.value) == (
        "w.toml: (top level): a watch needs [events] (a pair of actors) or [match] (a keyword query)"
    )


def test_an_article_that_matches_is_one_story_quoting_the_sentence_that_matched() -> None:
    extractor = KeywordExtractor(parse_query('"Black Sea" AND grain'))
    article = _article(
        "a1",
        "Ships wait off Odesa",
        "Dozens of ships waited on Sunday. Grain exports across the Black Sea resumed at dawn.",
    )
    [story] = extractor.extract(article)
    assert story.event_type == "story"
    assert story.participants == ()
    assert story.date_earliest == story.date_latest == date(2026, 3, 1)
    assert story.evidence == "Grain exports across the Black Sea resumed at dawn."
    assert story.summary == "Ships wait off Odesa"


def test_an_article_that_does_not_match_is_no_story() -> None:
    extractor = KeywordExtractor(parse_query('"Black Sea" AND grain NOT "food prices"'))
    article = _article("a2", "Food prices", "Black Sea grain lifts food prices in Cairo.")
    assert extractor.extract(article) == []


def test_copies_of_a_story_are_mentions_of_it_not_new_stories() -> None:
    extractor = KeywordExtractor(parse_query("grain"))
    original = _article("orig", "Grain deal", "The grain deal was renewed.")
    copy = _article("copy", "Grain deal (syndicated)", "The grain deal was renewed. More below.")
    other = _article("other", "Grain silo fire", "A grain silo burned in Mykolaiv.")
    batch = [
        StoryItem(original, "orig", None, tuple(extractor.extract(original))),
        StoryItem(copy, "copy", "orig", tuple(extractor.extract(copy))),
        StoryItem(other, "other", None, tuple(extractor.extract(other))),
    ]
    result = resolve_stories(batch, known_story_ids=[], watch_name="grain", now=NOW)
    assert [c.event.event_id for c in result.changes] == [
        story_id("grain", "orig"),
        story_id("grain", "other"),
    ]
    assert all(c.is_new for c in result.changes)
    assert [(m.event_id, m.article_id, m.is_copy) for m in result.mentions] == [
        (story_id("grain", "orig"), "orig", False),
        (story_id("grain", "orig"), "copy", True),
        (story_id("grain", "other"), "other", False),
    ]


def test_a_copy_of_a_story_stored_in_an_earlier_run_makes_no_new_story() -> None:
    extractor = KeywordExtractor(parse_query("grain"))
    copy = _article("copy", "Grain deal", "The grain deal was renewed.")
    result = resolve_stories(
        [StoryItem(copy, "copy", "orig", tuple(extractor.extract(copy)))],
        known_story_ids=[story_id("grain", "orig")],
        watch_name="grain",
        now=NOW,
    )
    assert result.changes == ()
    assert [(m.event_id, m.is_copy) for m in result.mentions] == [(story_id("grain", "orig"), True)]


def test_story_ids_differ_between_watches_for_the_same_article() -> None:
    assert story_id("grain", "a1") != story_id("wheat", "a1")
