"""The gate before reading: a text that cannot name both actors of the pair is not read.

Most pages of a broad feed name neither actor; the reader skips them after one substring
test per name pattern. The gate must never turn away a text the reader would find an
actor in, in any shipped language, inflected or transliterated.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.config import load_watch
from newswatch.domain import Article
from newswatch.extractors.actors import ActorLexicon
from newswatch.extractors.events import RuleBasedExtractor
from newswatch.extractors.events.languages import available_languages, name_inflections

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
EVERY_LANGUAGE = ActorLexicon.for_watch(WATCH, name_inflections(available_languages()))
DAY = date(2025, 3, 18)

# Words from which texts are drawn: the actors' names in several languages and cases,
# their voices and titles, other people, and filler.
WORDS = [
    "Trump",
    "Trumpin",
    "Trumps",
    "Трамп",
    "Трампом",
    "Трампу",
    "Putin",
    "Putinille",
    "Putins",
    "Путин",
    "Путиным",
    "Путіном",
    "Kremlin",
    "the Kremlin",
    "Kreml",
    "Кремль",
    "Peskov",
    "Песков",
    "White House",
    "Russian president",
    "US President",
    "President",
    "Zelensky",
    "Macron",
    "the two leaders",
    "spoke",
    "met",
    "by phone",
    "on Monday",
    "council",
    "budget",
    "river",
    "the",
    "and",
    "with",
    ",",
    ".",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=14))
def test_the_gate_never_turns_away_a_text_that_names_an_actor(words: list[str]) -> None:
    text = " ".join(words)
    named = {ref.actor for ref in EVERY_LANGUAGE.mentions(text, DAY) if ref.actor}
    for actor in ("trump", "putin"):
        if actor in named:
            assert EVERY_LANGUAGE.may_mention(text, actor), (text, actor)


def test_texts_that_name_nobody_of_the_pair_are_turned_away() -> None:
    text = "The council approved the river budget on Monday after a long debate."
    assert not EVERY_LANGUAGE.may_mention(text, "trump")
    assert not EVERY_LANGUAGE.may_mention(text, "putin")


def _article(text: str) -> Article:
    return Article(
        url="https://example.test/a1",
        canonical_url="https://example.test/a1",
        source="test",
        title=None,
        text=text,
        published_at=datetime(2025, 3, 18, 9, 0, tzinfo=UTC),
        fetched_at=datetime(2025, 3, 18, 10, 0, tzinfo=UTC),
        language="en",
    )


@pytest.mark.parametrize(
    "text",
    [
        "Donald Trump spoke with his Russian counterpart by phone on Monday, officials said.",
        "Donald Trump spoke with the Russian president by phone on Monday, officials said.",
        "Trump ja Putin keskustelivat puhelimessa maanantaina.",
        "Трамп и Путин провели телефонный разговор в понедельник.",
    ],
    ids=["counterpart", "title", "finnish", "russian-transliterated"],
)
def test_contacts_named_by_title_inflection_or_another_script_pass_the_gate(text: str) -> None:
    found = RuleBasedExtractor().extract(_article(text), WATCH)
    assert [(e.event_type, sorted(e.participants)) for e in found] == [("call", ["putin", "trump"])]


def test_a_contact_with_the_other_side_unnamed_is_not_read() -> None:
    text = "Donald Trump spoke with the prime minister by phone on Monday, officials said."
    assert not EVERY_LANGUAGE.may_mention(text, "putin")
    assert RuleBasedExtractor().extract(_article(text), WATCH) == []
