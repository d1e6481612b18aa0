"""Contact extraction, one phenomenon per test, on sentences written for these tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.config import load_watch, parse_watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.actors import ActorLexicon
from newswatch.extractors.events import EventExtractor, RuleBasedExtractor
from newswatch.extractors.selection import extractor_for
from newswatch.extractors.sentences import split_sentences

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
# Tuesday 18 March 2025, mid-afternoon UTC.
TUESDAY = datetime(2025, 3, 18, 15, 0, tzinfo=UTC)


def make_article(text: str, published: datetime | None = TUESDAY, **fields: object) -> Article:
    base: dict[str, object] = {
        "url": "https://news.example/a",
        "canonical_url": "https://news.example/a",
        "source": "test",
        "title": None,
        "text": text,
        "published_at": published,
    }
    base.update(fields)
    return Article(**base)  # type: ignore[arg-type]


def extract(
    text: str, published: datetime | None = TUESDAY, **fields: object
) -> list[CandidateEvent]:
    return RuleBasedExtractor().extract(make_article(text, published, **fields), WATCH)


def contacts(found: list[CandidateEvent]) -> list[CandidateEvent]:
    return [c for c in found if c.event_type != "statement"]


def only_contact(found: list[CandidateEvent]) -> CandidateEvent:
    current = [c for c in contacts(found) if not c.historical]
    assert len(current) == 1, found
    return current[0]


# -- kinds -------------------------------------------------------------------------------


def test_a_phone_call_told_plainly_is_a_confirmed_call_on_its_day() -> None:
    found = extract("Donald Trump and Vladimir Putin spoke by phone on Monday about energy prices.")
    call = only_contact(found)
    assert (call.event_type, call.status, call.event_date) == (
        "call",
        "confirmed",
        date(2025, 3, 17),
    )


def test_a_video_call_is_a_call() -> None:
    call = only_contact(
        extract("Vladimir Putin held a video call with Donald Trump on Monday evening.")
    )
    assert call.event_type == "call"


def test_meeting_in_a_city_is_a_meeting_with_its_place() -> None:
    found = extract("Donald Trump met Vladimir Putin in Geneva on Saturday for two hours.")
    meeting = only_contact(found)
    assert (meeting.event_type, meeting.location, meeting.event_date) == (
        "meeting",
        "Geneva",
        date(2025, 3, 15),
    )


def test_a_letter_passed_through_an_envoy_is_a_message() -> None:
    text = (
        "Vladimir Putin sent a letter to Donald Trump through an envoy on Sunday, the Kremlin said."
    )
    message = only_contact(extract(text))
    assert (message.event_type, message.status, message.asserted_by) == (
        "message",
        "confirmed",
        "the Kremlin",
    )


def test_participants_are_the_watch_pair_sorted() -> None:
    call = only_contact(extract("Putin and Trump talked by phone on Monday."))
    assert call.participants == tuple(sorted(WATCH.events.pair))


# -- statements are not contacts -------------------------------------------------------------


def test_willingness_to_meet_is_a_statement_not_a_contact() -> None:
    found = extract(
        "Vladimir Putin said he was willing to meet Donald Trump to discuss arms control."
    )
    assert not contacts(found)
    assert [c.event_type for c in found] == ["statement"]


def test_any_time_they_want_is_a_statement() -> None:
    found = extract("Asked about Putin, Donald Trump said he would talk to him any time he wants.")
    assert not contacts(found)
    assert any(c.event_type == "statement" for c in found)


def test_an_invitation_is_a_statement_but_the_call_it_came_in_is_a_call() -> None:
    found = extract(
        "Putin invited Trump to visit Moscow during a phone call on Monday, the Kremlin said."
    )
    assert only_contact(found).event_type == "call"
    invitation = extract("Putin invited Trump to visit Moscow, the Kremlin said.")
    assert not contacts(invitation)


def test_a_future_contact_without_day_place_or_schedule_is_a_statement() -> None:
    assert not contacts(extract("Donald Trump said he will speak with Putin in the future."))


# -- status ----------------------------------------------------------------------------------


def test_a_call_announced_for_a_weekday_is_planned_for_the_next_one() -> None:
    call = only_contact(
        extract("The Kremlin said Vladimir Putin will speak with Donald Trump on Thursday.")
    )
    assert (call.status, call.event_date, call.asserted_by) == (
        "planned",
        date(2025, 3, 20),
        "the Kremlin",
    )


def test_will_talk_today_at_a_clock_time_is_planned_today() -> None:
    call = only_contact(
        extract("Donald Trump will talk to Vladimir Putin today at 17:00, the White House said.")
    )
    assert (call.status, call.event_date) == ("planned", date(2025, 3, 18))


def test_a_call_being_arranged_without_a_day_is_planned_within_the_horizon() -> None:
    call = only_contact(
        extract(
            "Aides to Donald Trump are arranging a phone call with Vladimir Putin, officials said."
        )
    )
    assert call.status == "planned"
    assert call.date_earliest == date(2025, 3, 18) and call.date_latest is not None
    assert call.date_latest > call.date_earliest


def test_a_contact_known_only_from_sources_is_reported() -> None:
    text = "Donald Trump spoke with Vladimir Putin by phone last week, according to people familiar with the matter."
    call = only_contact(extract(text))
    assert (call.status, call.date_earliest, call.date_latest) == (
        "reported",
        date(2025, 3, 10),
        date(2025, 3, 16),
    )


def test_a_reported_call_without_a_day_ranges_up_to_the_report() -> None:
    text = "A newspaper reported on Sunday, citing unnamed sources, that Donald Trump had called Vladimir Putin."
    call = only_contact(extract(text))
    assert call.status == "reported"
    assert call.date_latest == date(2025, 3, 16) and call.date_earliest is not None
    assert call.date_earliest < call.date_latest


def test_a_participant_saying_so_confirms_and_is_who_asserts_it() -> None:
    text = "Donald Trump said on Monday he had held a long call with Vladimir Putin. The Kremlin confirmed the call."
    call = only_contact(extract(text))
    assert (call.status, call.event_date, call.asserted_by) == (
        "confirmed",
        date(2025, 3, 17),
        "the Kremlin",
    )


def test_a_spokesman_denying_the_call_makes_it_denied() -> None:
    text = (
        "Kremlin spokesman Dmitry Peskov denied that Vladimir Putin had spoken with Donald Trump, "
        "calling the reports untrue."
    )
    call = only_contact(extract(text))
    assert (call.status, call.asserted_by) == ("denied", "Dmitry Peskov")


def test_no_such_call_took_place_is_a_denial() -> None:
    text = "Reports said Donald Trump phoned Vladimir Putin. No such call took place, the Kremlin said on Tuesday."
    assert only_contact(extract(text)).status == "denied"


def test_a_called_off_meeting_is_cancelled() -> None:
    text = "Donald Trump said he had called off his planned meeting with Vladimir Putin in Vienna."
    meeting = only_contact(extract(text))
    assert (meeting.event_type, meeting.status, meeting.location) == (
        "meeting",
        "cancelled",
        "Vienna",
    )


# -- what is not an event ------------------------------------------------------------------


def test_a_negated_intention_is_nothing() -> None:
    assert (
        extract(
            "Vladimir Putin has no plans to call Donald Trump, his spokesman Dmitry Peskov said."
        )
        == []
    )


def test_a_question_is_nothing() -> None:
    assert not contacts(extract("Will Donald Trump meet Vladimir Putin in Vienna next week?"))


def test_a_hypothetical_meeting_is_not_a_contact() -> None:
    assert not contacts(
        extract("Any meeting between Donald Trump and Vladimir Putin would be watched closely.")
    )


def test_a_call_with_someone_else_is_not_the_pairs_contact() -> None:
    text = "Donald Trump spoke by phone with Ukrainian President Volodymyr Zelensky on Monday and criticised Putin."
    assert not contacts(extract(text))


def test_a_meeting_between_ministers_is_not_the_pairs_contact() -> None:
    text = (
        "Donald Trump and Vladimir Putin disagree. A meeting between Secretary of State Marco Rubio and "
        "Foreign Minister Sergei Lavrov was held on Monday, and the two spoke again by phone."
    )
    assert not contacts(extract(text))


def test_a_public_post_naming_the_other_leader_is_not_a_message() -> None:
    assert not contacts(
        extract("Donald Trump wrote on social media that Vladimir Putin must stop the strikes.")
    )


def test_filler_text_is_never_read() -> None:
    filler = "Donald Trump and Vladimir Putin met in Vienna on Monday, the expert said."
    assert extract("Markets were calm on Tuesday.", filler_text=filler) == []


def test_a_listing_page_yields_nothing() -> None:
    assert (
        extract("Donald Trump and Vladimir Putin met in Vienna on Monday.", page_kind="listing")
        == []
    )


# -- who is who ------------------------------------------------------------------------------


def test_a_role_title_names_the_actor_only_while_he_holds_it() -> None:
    text = (
        "U.S. President Joe Biden held a phone call with Vladimir Putin on Tuesday. "
        "The U.S. president told Putin that the two leaders should meet in the coming months."
    )
    assert not contacts(extract(text, published=datetime(2022, 1, 5, 12, tzinfo=UTC)))
    held = "The U.S. president spoke with Vladimir Putin by phone on Monday."
    assert only_contact(extract(held)).event_type == "call"


def test_his_american_counterpart_names_the_actor_with_that_demonym() -> None:
    call = only_contact(
        extract("Vladimir Putin spoke by phone with his American counterpart on Monday.")
    )
    assert call.event_type == "call"


def test_the_two_leaders_names_the_pair_after_both_were_named() -> None:
    text = "Donald Trump praised Vladimir Putin on Friday. The two leaders met in Rome on Saturday."
    assert only_contact(extract(text)).location == "Rome"


def test_the_two_leaders_after_someone_else_is_not_the_pair() -> None:
    text = "Vladimir Putin welcomed Chinese President Xi Jinping on Friday. The two leaders met for talks on Saturday."
    assert not contacts(extract(text))


def test_a_possessive_names_the_caller() -> None:
    call = only_contact(extract("Trump's call with Putin on Monday lasted an hour."))
    assert call.event_date == date(2025, 3, 17)


def test_german_text_with_am_dienstag_resolves_to_the_tuesday_before() -> None:
    wednesday = datetime(2025, 3, 19, 6, 30, tzinfo=UTC)
    call = only_contact(
        extract("Am Dienstag telefonierte Wladimir Putin mit Donald Trump.", published=wednesday)
    )
    assert (call.event_type, call.event_date) == ("call", date(2025, 3, 18))


# -- dates and time zones ------------------------------------------------------------------


def test_today_is_the_local_day_of_the_dateline_not_the_utc_day() -> None:
    text = "ANCHORAGE, Alaska, Aug 15 (Wire Service) - Donald Trump and Vladimir Putin met today for three hours."
    saturday_utc = datetime(2025, 8, 16, 1, 25, tzinfo=UTC)
    assert only_contact(extract(text, published=saturday_utc)).event_date == date(2025, 8, 15)


def test_today_is_the_local_day_of_a_published_time_with_its_own_zone() -> None:
    evening_in_alaska = datetime(2025, 8, 15, 17, 25, tzinfo=ZoneInfo("America/Anchorage"))
    found = extract(
        "Donald Trump and Vladimir Putin met today in Anchorage.", published=evening_in_alaska
    )
    assert only_contact(found).event_date == date(2025, 8, 15)


def test_the_day_of_speaking_is_not_the_day_of_a_planned_call() -> None:
    text = "Donald Trump told reporters late on Sunday that he would speak to Vladimir Putin on Tuesday."
    call = only_contact(extract(text, published=datetime(2025, 3, 17, 9, tzinfo=UTC)))
    assert (call.status, call.event_date) == ("planned", date(2025, 3, 18))


# -- history ---------------------------------------------------------------------------------


def test_first_contact_since_a_date_names_an_older_contact_as_history() -> None:
    text = "Donald Trump and Vladimir Putin met in Rome on Monday, their first meeting since Helsinki in July 2018."
    found = contacts(extract(text))
    old = [c for c in found if c.historical]
    assert [(c.date_earliest, c.date_latest, c.location) for c in old] == [
        (date(2018, 7, 1), date(2018, 7, 31), "Helsinki")
    ]
    assert only_contact(found).event_date == date(2025, 3, 17)


def test_last_spoke_on_an_old_date_is_history() -> None:
    found = extract(
        "Donald Trump praised Vladimir Putin. The two leaders last spoke on May 3, 2019."
    )
    (old,) = contacts(found)
    assert (old.historical, old.event_date) == (True, date(2019, 5, 3))


def test_a_contact_mentioned_after_the_lead_is_background() -> None:
    text = (
        "Donald Trump and Vladimir Putin spoke by phone on Monday. They had also spoken on March 3."
    )
    found = contacts(extract(text))
    assert {(c.event_date, c.historical) for c in found} == {
        (date(2025, 3, 17), False),
        (date(2025, 3, 3), True),
    }


def test_a_month_only_date_is_that_months_range() -> None:
    found = extract("Donald Trump and Vladimir Putin last met in person in January.")
    (old,) = contacts(found)
    assert (old.date_earliest, old.date_latest, old.historical) == (
        date(2025, 1, 1),
        date(2025, 1, 31),
        True,
    )


# -- evidence, vocabulary, cost ----------------------------------------------------------------


def test_evidence_is_made_of_sentences_quoted_verbatim() -> None:
    text = (
        "Donald Trump said on Monday he had held a call with Vladimir Putin.\n"
        "Markets rose.\nThe Kremlin confirmed the call and said it lasted an hour."
    )
    article = make_article(text)
    (call,) = contacts(RuleBasedExtractor().extract(article, WATCH))
    for sentence in split_sentences(call.evidence):
        assert sentence.text in article.text


def test_the_extractor_is_driven_by_the_watch_file() -> None:
    other = parse_watch(
        """
name = "paris-berlin"
[[sources]]
kind = "rss"
url = "https://example.org/feed.xml"
[actors.macron]
names = ["Emmanuel Macron", "Macron"]
voices = ["the Elysee"]
demonyms = ["French"]
[actors.merz]
names = ["Friedrich Merz", "Merz"]
demonyms = ["German"]
[events]
pair = ["macron", "merz"]
"""
    )
    article = make_article(
        "Emmanuel Macron spoke by phone with his German counterpart on Monday, the Elysee said."
    )
    (call,) = RuleBasedExtractor().extract(article, other)
    assert (call.event_type, call.participants, call.status) == (
        "call",
        ("macron", "merz"),
        "confirmed",
    )
    assert RuleBasedExtractor().extract(article, WATCH) == []


def test_the_vocabulary_is_compiled_once_per_watch() -> None:
    assert ActorLexicon.for_watch(WATCH) is ActorLexicon.for_watch(WATCH)


def test_extractor_for_gives_the_rule_based_extractor_by_default() -> None:
    extractor: EventExtractor = extractor_for(WATCH)
    assert isinstance(extractor, RuleBasedExtractor)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Trump",
                "Putin",
                "met",
                "called",
                "the two leaders",
                "on Tuesday",
                "denied",
                "will",
                "call",
                ",",
                ".",
                "the Kremlin said",
                "his Russian counterpart",
                "in July 2020",
                "since",
                "no",
                "Zelensky",
                "talks",
                "\n",
            ]
        )
        | st.text(max_size=12),
        max_size=40,
    ),
    st.datetimes(
        min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
    )
    | st.none(),
)
def test_extraction_never_raises_and_keeps_its_promises(
    words: list[str], published: datetime | None
) -> None:
    text = " ".join(words)
    article = make_article(text, published)
    for candidate in RuleBasedExtractor().extract(article, WATCH):
        assert candidate.participants == tuple(sorted(WATCH.events.pair))
        if candidate.date_earliest and candidate.date_latest:
            assert candidate.date_earliest <= candidate.date_latest
        # Evidence is whole sentences of the text, joined by spaces (re-splitting the joined
        # string may not find the same boundaries when a sentence has no closing stop).
        rest = candidate.evidence
        for sentence in sorted(split_sentences(text), key=lambda s: -len(s.text)):
            rest = rest.replace(sentence.text, " ")
        assert not rest.strip(), candidate.evidence


@pytest.mark.parametrize("kind", ["listing", "stub"])
def test_pages_that_are_not_articles_yield_nothing(kind: str) -> None:
    assert extract("Donald Trump met Vladimir Putin in Vienna on Monday.", page_kind=kind) == []
