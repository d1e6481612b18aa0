"""Pages with several stories are cut into them, and each story is read on its own.

Fixture texts are written for these tests (digest and bulletin layouts, invented items)."""

from __future__ import annotations

import itertools
import time
from datetime import UTC, date, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.config import load_watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.events import RuleBasedExtractor
from newswatch.extractors.stories import Story, split_stories

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
# Wednesday 14 May 2025, evening UTC.
WEDNESDAY = datetime(2025, 5, 14, 19, 0, tzinfo=UTC)

DIGEST = (
    "1/ The Senate passed a farm bill after a long night of votes. Leaders of both parties "
    "praised the compromise.\n"
    "* Two senators said they would keep talking about the subsidies.\n"
    "2/ Trump and Putin spoke by phone on Tuesday about a prisoner exchange, the Kremlin said.\n"
    "3/ The governor of Ohio vetoed a budget bill. He called it reckless.\n"
)


def texts(stories: list[Story], text: str) -> list[str]:
    return [text[s.start : s.end] for s in stories]


def read(text: str, title: str | None = "Day 42") -> list[CandidateEvent]:
    article = Article(
        "https://digest.example/42", "https://digest.example/42", "t", title, text, WEDNESDAY
    )
    return RuleBasedExtractor().extract(article, WATCH)


# -- the splitter ---------------------------------------------------------------------------


def test_a_numbered_digest_is_cut_at_each_item_and_bullets_stay_with_their_item() -> None:
    parts = texts(split_stories(DIGEST), DIGEST)
    assert [p.split()[0] for p in parts] == ["1/", "2/", "3/"]
    assert "* Two senators" in parts[0]


def test_an_article_with_one_numbered_line_is_one_story() -> None:
    text = "Officials listed three demands.\n1. A ceasefire along the line.\nTalks continue."
    assert split_stories(text) == [Story(0, len(text))]


def test_a_bulletin_is_cut_at_headings_where_the_topic_changes() -> None:
    text = (
        "Storm\nA storm brought heavy rain to the Baltic coast on Friday, the Weather Office said.\n"
        "Election\nVoters in Tampere chose a new council, and turnout rose a little.\n"
        "Football\nThe national team beat Estonia in a friendly match in Helsinki.\n"
    )
    assert [p.split("\n")[0] for p in texts(split_stories(text), text)] == [
        "Storm",
        "Election",
        "Football",
    ]


def test_subheads_of_one_article_keep_it_one_story() -> None:
    text = (
        "Officials in Vienna prepared the venue for the talks between Trump and Putin.\n"
        "Security\nPolice in Vienna closed streets near the palace where Trump and Putin meet.\n"
        "Expectations\nDiplomats said Trump and Putin would discuss the ceasefire first.\n"
        "What comes next\nAides to Trump and Putin will brief reporters afterwards.\n"
    )
    assert split_stories(text) == [Story(0, len(text))]


def test_a_live_page_is_cut_at_its_time_stamps() -> None:
    text = (
        "09:15 The markets opened lower.\n10:40 Rain is expected in the north.\n"
        "11:05 The Kremlin said Putin would speak with Trump on Thursday.\n"
    )
    assert len(split_stories(text)) == 3


def test_an_empty_page_has_no_story() -> None:
    assert split_stories("") == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab1/.:) \n*-ÄЖ")), max_size=300))
def test_stories_cover_the_text_in_order_without_overlap(text: str) -> None:
    stories = split_stories(text)
    covered = "".join(text[s.start : s.end] for s in stories)
    assert covered.strip() == text.strip()
    assert all(a.end == b.start for a, b in itertools.pairwise(stories))


# -- reading story by story -----------------------------------------------------------------


def test_the_contact_in_a_digest_item_takes_its_evidence_and_speaker_from_that_item() -> None:
    (call,) = [c for c in read(DIGEST) if c.event_type != "statement"]
    assert call.evidence == (
        "2/ Trump and Putin spoke by phone on Tuesday about a prisoner exchange, the Kremlin said."
    )
    assert (call.event_date, call.asserted_by, call.status) == (
        date(2025, 5, 13),
        "the Kremlin",
        "confirmed",
    )


def test_they_in_the_next_item_are_not_the_pair_of_the_item_before() -> None:
    text = (
        "1/ Trump said he would call Putin about the exchange.\n"
        "2/ The mayors of two cities met on Monday. They talked for an hour.\n"
        "3/ A court in Texas ruled on the border wall.\n"
    )
    assert [c for c in read(text) if c.event_type in ("call", "meeting") and not c.historical] == []


def test_a_date_in_a_neighbouring_item_does_not_date_the_contact() -> None:
    text = (
        "1/ The Senate will vote on the budget on Friday.\n"
        "2/ Trump and Putin spoke by phone, the White House said.\n"
        "3/ The court adjourned until Monday.\n"
    )
    (call,) = [c for c in read(text) if c.event_type == "call"]
    assert call.event_date is None and call.date_latest == date(2025, 5, 14)


# -- bad input ------------------------------------------------------------------------------


def test_a_one_megabyte_single_paragraph_completes_quickly() -> None:
    sentence = "Trump spoke with Putin by phone on Tuesday, and the two leaders met in Vienna. "
    text = (sentence * (1_000_000 // len(sentence) + 1))[:1_000_000]
    start = time.perf_counter()
    found = read(text)
    assert time.perf_counter() - start < 60
    assert {c.event_type for c in found} >= {"call"}


def test_mixed_scripts_and_right_to_left_text_complete_without_events() -> None:
    text = (
        "ترامب وبوتين تحدثا عبر الهاتف يوم الثلاثاء.\n"
        "טראמפ ופוטין נפגשו בהלסינקי.\n"
        "Трамп и Путин провели телефонный разговор. 特朗普与普京通电话。\u202e reversed \u202c\n"
        "1/ \u200f\u200e\u0000 mixed ✓ 🙂 Zeichen\n2/ ---\n3/ ...\n"
    )
    assert read(text) == []


def test_a_page_of_only_markers_and_blank_lines_yields_nothing() -> None:
    assert read("1/\n2/\n3/\n\n\n4/ \n") == []
