"""Phrasings of news digests and follow-up reports, one rule per test, on sentences written
for these tests: habits, background, naming, absence, talk at a meeting, one contact per
sentence, and the ranges an undated contact gets."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from newswatch.config import load_watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.events import RuleBasedExtractor

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
# Thursday 9 October 2025, evening UTC.
THURSDAY = datetime(2025, 10, 9, 20, 0, tzinfo=UTC)


def extract(text: str) -> list[CandidateEvent]:
    article = Article("https://news.example/b", "https://news.example/b", "t", None, text, THURSDAY)
    return RuleBasedExtractor().extract(article, WATCH)


def contacts(found: list[CandidateEvent]) -> list[CandidateEvent]:
    return [c for c in found if c.event_type != "statement"]


def test_counted_contacts_are_a_habit_not_an_event() -> None:
    assert contacts(extract("Trump and Putin have met four times since 2017.")) == []
    assert contacts(extract("Putin said he and Trump regularly talk on the phone.")) == []


def test_a_habit_with_one_dated_instance_names_that_instance_as_background() -> None:
    (meeting,) = contacts(
        extract("Trump and Putin met several times, notably in Osaka in June 2019.")
    )
    assert meeting.historical and (meeting.date_earliest, meeting.date_latest) == (
        date(2019, 6, 1),
        date(2019, 6, 30),
    )


def test_a_contact_named_as_earlier_is_background() -> None:
    (meeting,) = contacts(
        extract("Aides revised the transcript of Trump's recent summit with Putin in Geneva.")
    )
    assert meeting.historical and meeting.location == "Geneva"
    (call,) = contacts(extract("Days after Trump's call with Putin, the envoy flew to Riyadh."))
    assert call.historical


def test_calling_someone_names_is_not_a_phone_call() -> None:
    assert contacts(extract('Trump called Putin "a tough guy" at the rally.')) == []
    assert contacts(extract("Trump called Putin a strong leader on Monday.")) == []


def test_calling_to_thank_someone_is_a_call_with_that_person() -> None:
    (call,) = contacts(
        extract("Putin has called to thank Trump for the warning, the Kremlin said.")
    )
    assert (call.event_type, call.status, call.asserted_by) == ("call", "confirmed", "the Kremlin")


def test_an_absence_in_the_perfect_is_no_contact_and_no_denial() -> None:
    assert contacts(extract("There has not been a formal summit between Putin and Trump.")) == []


def test_a_contact_adjective_before_another_noun_is_no_contact() -> None:
    assert contacts(extract("No notes exist of Trump's face-to-face chats with Putin.")) == []


def test_talk_at_a_held_meeting_is_that_meeting_not_a_call() -> None:
    found = contacts(
        extract(
            "Trump met Putin at the Asean summit on Monday. "
            "The Kremlin said Trump and Putin spoke for twenty minutes about trade."
        )
    )
    assert [(c.event_type, c.event_date) for c in found] == [("meeting", date(2025, 10, 6))]


def test_one_sentence_reports_one_held_contact() -> None:
    found = contacts(
        extract(
            "Trump and Putin met in Vienna on Monday. An aide called the meeting short "
            "and said Trump spoke with Putin through an interpreter."
        )
    )
    assert [c.event_type for c in found] == ["meeting"]  # the talk is the meeting's
    found = contacts(
        extract("Trump and Putin met in Vienna on Monday, and Trump spoke with Putin there.")
    )
    assert [c.event_type for c in found] == ["meeting"]


def test_a_planned_and_a_held_contact_may_share_a_sentence() -> None:
    found = contacts(extract("Trump and Putin agreed to meet in Vienna during a call on Tuesday."))
    assert sorted((c.event_type, c.status) for c in found) == [
        ("call", "confirmed"),
        ("meeting", "planned"),
    ]


def test_a_tenseless_present_in_a_story_is_a_schedule() -> None:
    (meeting,) = contacts(extract("Markets rose the day before Trump meets with Putin in Vienna."))
    assert meeting.status == "planned" and meeting.date_earliest == date(2025, 10, 9)


def test_an_undated_held_contact_reported_as_news_lies_in_the_two_weeks_before() -> None:
    (call,) = contacts(
        extract("Trump and Putin spoke by phone about the exchange, officials said.")
    )
    assert (call.event_date, call.date_earliest, call.date_latest) == (
        None,
        date(2025, 9, 25),
        date(2025, 10, 9),
    )


def test_an_undated_background_contact_lies_within_the_history_window() -> None:
    (meeting,) = contacts(extract("Critics recalled Trump's previous meeting with Putin."))
    assert meeting.historical
    assert (meeting.date_earliest, meeting.date_latest) == (date(2025, 9, 9), date(2025, 10, 9))


def test_a_cancelled_contact_without_a_day_spans_both_sides_of_the_article() -> None:
    (meeting,) = contacts(extract("Trump cancelled his meeting with Putin, the White House said."))
    assert meeting.status == "cancelled"
    assert (meeting.date_earliest, meeting.date_latest) == (date(2025, 9, 25), date(2025, 11, 8))


def test_we_in_a_quote_is_not_the_pair_named_outside_it() -> None:
    found = extract('Asked about Putin, Trump replied: "We had a very long conversation."')
    assert contacts(found) == []


def test_the_pair_named_inside_a_quote_still_counts() -> None:
    (call,) = contacts(extract('The Kremlin said: "Putin and Trump spoke by phone on Tuesday."'))
    assert call.event_date == date(2025, 10, 7)


def test_talking_privately_with_someone_is_no_phone_call() -> None:
    assert (
        contacts(extract("The aides who were in the room when Trump spoke privately with Putin."))
        == []
    )


def test_a_threat_to_cancel_leaves_the_contact_planned() -> None:
    (meeting,) = contacts(extract("Trump threatened to cancel his upcoming summit with Putin."))
    assert meeting.status == "planned"


def test_asking_whether_to_cancel_the_meeting_cancels_nothing() -> None:
    (meeting,) = contacts(
        extract(
            "Trump and Putin will meet in Lima on October 20. Aides said Trump would decide "
            "by Friday whether he will cancel the meeting."
        )
    )
    assert (meeting.status, meeting.event_date) == ("planned", date(2025, 10, 20))


def test_waiting_for_a_call_is_no_call() -> None:
    # A call someone waits for, or still awaits, has not happened (yet).
    for text in (
        "Trump had to wait five days for a return congratulatory phone call from Putin.",
        "Donald Trump is still awaiting a phone call from Vladimir Putin, the White House said.",
    ):
        assert contacts(extract(text)) == [], text
