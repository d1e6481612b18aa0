"""Phrasing rules that generalise beyond the labelled corpus, one per test, on sentences
written for these tests (wire-copy style, not taken from any corpus page)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from newswatch.config import load_watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.events import RuleBasedExtractor

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
# Tuesday 18 March 2025, mid-afternoon UTC.
TUESDAY = datetime(2025, 3, 18, 15, 0, tzinfo=UTC)


def extract(
    text: str, published: datetime = TUESDAY, title: str | None = None
) -> list[CandidateEvent]:
    article = Article(
        "https://news.example/a", "https://news.example/a", "test", title, text, published
    )
    return RuleBasedExtractor().extract(article, WATCH)


def current(found: list[CandidateEvent], kind: str | None = None) -> list[CandidateEvent]:
    """Contacts reported as news (not statements, not background), optionally of one kind."""
    return [
        c
        for c in found
        if c.event_type != "statement" and not c.historical and kind in (None, c.event_type)
    ]


def statements(found: list[CandidateEvent]) -> list[CandidateEvent]:
    return [c for c in found if c.event_type == "statement"]


# -- tense: planned or held ----------------------------------------------------------------


def test_a_headline_infinitive_announces_a_planned_contact() -> None:
    (meeting,) = current(
        extract(
            "Officials said the meeting would focus on trade.",
            title="Trump and Putin to meet in Vienna on April 2, Kremlin says",
        )
    )
    assert (meeting.status, meeting.event_date, meeting.location) == (
        "planned",
        date(2025, 4, 2),
        "Vienna",
    )


def test_a_present_tense_verb_with_a_weekday_takes_the_nearest_one() -> None:
    (call,) = current(extract("Trump und Putin telefonieren am Donnerstag miteinander."))
    assert (call.status, call.event_date) == ("planned", date(2025, 3, 20))


def test_agreeing_on_a_day_to_meet_is_a_plan_not_a_meeting() -> None:
    (meeting,) = current(extract("Trump said he and Putin agreed on Monday to meet in Vienna."))
    assert meeting.status == "planned"
    assert meeting.event_date is None and meeting.date_earliest >= date(2025, 3, 18)


def test_a_call_framing_an_agreement_to_meet_is_the_past_call_on_its_own_day() -> None:
    found = extract(
        "Trump and Putin agreed to meet in Vienna during a phone call last Thursday, officials said."
    )
    (call,) = current(found, "call")
    (meeting,) = current(found, "meeting")
    assert (call.status, call.event_date) == ("confirmed", date(2025, 3, 13))
    assert meeting.status == "planned" and meeting.event_date != date(2025, 3, 13)


def test_a_headline_participle_agreed_for_a_time_ahead_is_planned() -> None:
    (meeting,) = current(
        extract("The summit is still being prepared.", title="Trump-Putin summit agreed for May")
    )
    assert meeting.status == "planned"


def test_a_postponed_meeting_is_still_planned() -> None:
    (meeting,) = current(extract("The summit between Trump and Putin has been postponed."))
    assert meeting.status == "planned"


def test_expected_to_hold_talks_on_a_date_is_a_schedule_not_a_wish() -> None:
    (meeting,) = current(extract("Trump and Putin are expected to hold talks in Oslo on June 3."))
    assert (meeting.status, meeting.event_date) == ("planned", date(2025, 6, 3))


def test_a_future_in_a_that_clause_after_the_call_does_not_make_the_call_planned() -> None:
    (call,) = current(
        extract("Putin told Trump in a phone call on Monday that Russia would pause its strikes.")
    )
    assert (call.status, call.event_date) == ("confirmed", date(2025, 3, 17))


def test_a_yearless_date_just_ahead_is_this_year_even_after_a_past_tense_verb() -> None:
    saturday = datetime(2025, 8, 9, 10, tzinfo=UTC)
    (meeting,) = current(
        extract("The Kremlin confirmed the Trump-Putin summit on Aug. 15 in Alaska.", saturday)
    )
    assert meeting.event_date == date(2025, 8, 15) and meeting.status == "planned"


# -- statements and non-contacts -----------------------------------------------------------


def test_a_probable_meeting_is_a_statement_not_a_plan() -> None:
    found = extract("Trump said a first meeting with Putin would probably take place in Riyadh.")
    assert not current(found) and statements(found)


def test_agreeing_to_stay_in_contact_is_a_statement_not_a_plan() -> None:
    found = extract(
        "Peskov said Putin and Trump had agreed to stay in contact, including through a personal "
        "meeting."
    )
    assert not current(found) and statements(found)


def test_speaking_to_an_audience_by_video_link_is_not_a_call() -> None:
    found = extract(
        "Trump told a business forum, speaking by video link, that he would like to meet Putin."
    )
    assert not current(found)


def test_talking_of_progress_is_speech_not_a_call() -> None:
    assert not current(extract("Trump and Putin spoke of progress on Tuesday."))


def test_beginning_talks_on_a_subject_is_negotiation_not_a_meeting() -> None:
    found = extract("Trump and Putin agreed to begin talks on a settlement.")
    assert not current(found, "meeting")


def test_calls_off_is_a_cancellation_not_a_call() -> None:
    # Read as a call, "calls off" in the headline would make the call named later the lead.
    found = extract(
        "Trump said on Tuesday he had scrapped the planned summit with Putin. Trump and Putin "
        "had agreed to meet during a phone call last Thursday.",
        title="Trump calls off summit with Putin",
    )
    assert not current(found, "call")
    (meeting,) = current(found, "meeting")
    assert meeting.status == "cancelled"


def test_a_cancellation_in_german_cancels_the_planned_meeting() -> None:
    (meeting,) = current(extract("Trump hat das geplante Treffen mit Putin abgesagt."))
    assert meeting.status == "cancelled"


def test_a_plan_said_to_be_off_the_agenda_is_nothing() -> None:
    assert not extract("The Kremlin said a call between Putin and Trump was not on the agenda.")


def test_not_having_spoken_for_a_while_is_no_contact_to_deny() -> None:
    assert not current(extract("Trump said he had not spoken to Putin since the summit."))


def test_a_negated_call_with_names_in_between_is_a_denial() -> None:
    (call,) = current(extract("Peskov said there had been no Trump-Putin phone call on Monday."))
    assert call.status == "denied"


def test_a_meeting_said_to_be_possible_is_not_a_contact() -> None:
    assert not current(
        extract("A Trump-Putin meeting is possible in the coming weeks, Peskov said.")
    )


# -- who: the pair, not other people ---------------------------------------------------------


def test_an_indefinite_role_title_names_nobody_in_particular() -> None:
    found = extract(
        "The last summit between a U.S. president and Putin was held in Geneva in 2021."
    )
    assert not [c for c in found if c.event_type == "meeting"]


def test_an_envoy_holding_talks_is_not_the_leaders_meeting() -> None:
    found = extract(
        "The visit followed a trip by Trump's special envoy Steve Witkoff, who held talks with "
        "Putin on Monday."
    )
    assert not current(found)


def test_an_unknown_name_as_subject_is_someone_else_speaking() -> None:
    found = extract("Rubio and Lavrov spoke by phone on Monday about a summit of Trump and Putin.")
    assert not current(found, "call")


def test_officials_talks_do_not_give_the_leaders_meeting_their_day_or_place() -> None:
    found = extract(
        "U.S. and Russian officials held talks in Riyadh on Tuesday to prepare a meeting between "
        "Trump and Putin."
    )
    (meeting,) = current(found)
    assert meeting.location is None and meeting.event_date != date(2025, 3, 18)


def test_the_two_men_in_a_sentence_naming_only_the_pair_are_the_pair() -> None:
    found = extract(
        "Zelensky spoke to reporters in Kyiv. The two men met in Oslo in May 2019, when Trump "
        "praised Putin's manners."
    )
    (meeting,) = [c for c in found if c.event_type == "meeting"]
    assert meeting.historical and meeting.date_earliest == date(2019, 5, 1)


def test_someone_named_with_a_group_is_not_one_of_the_two_leaders() -> None:
    found = extract(
        "Putin greeted Trump in Oslo on Monday. Trump said he would brief Zelensky and European "
        "leaders later. It was the first time the two leaders had met since 2019."
    )
    assert [c.date_earliest for c in found if c.historical] == [date(2019, 1, 1)]


def test_the_headline_pair_is_the_two_presidents_of_the_first_sentence() -> None:
    (call,) = current(
        extract(
            "The two presidents held their long-promised conversation on Monday.",
            title="What Putin told Trump",
        )
    )
    assert call.event_date == date(2025, 3, 17)


def test_hosting_the_other_leader_is_a_meeting() -> None:
    (meeting,) = current(extract("Trump will host Putin at his Florida resort next week."))
    assert (meeting.status, meeting.date_earliest) == ("planned", date(2025, 3, 24))


# -- details: day, place, who says so ---------------------------------------------------------


def test_one_of_the_pair_telling_the_other_dates_the_articles_undated_call() -> None:
    (call,) = current(
        extract(
            "Putin told Trump on Monday that Moscow would free two prisoners. Both sides called "
            "the call constructive.",
            title="Prisoner release agreed in Trump-Putin call",
        )
    )
    assert (call.status, call.event_date) == ("confirmed", date(2025, 3, 17))


def test_a_date_before_a_closing_attribution_is_the_contacts_day() -> None:
    (meeting,) = current(
        extract("Trump and Putin will meet in Vienna within two weeks, Trump said on Monday.")
    )
    assert (meeting.date_earliest, meeting.date_latest) == (date(2025, 3, 18), date(2025, 4, 1))


def test_a_name_compound_before_summit_is_not_its_place() -> None:
    (meeting,) = current(extract("The planned Trump-Putin summit has been shelved."))
    assert meeting.status == "cancelled" and meeting.location is None


def test_the_speaker_of_saying_is_the_subject_of_the_main_clause() -> None:
    (meeting,) = current(
        extract(
            "The White House said the summit would not take place.",
            title="Trump calls off summit with Putin, saying the timing was wrong",
        )
    )
    assert meeting.asserted_by == "Donald Trump"


def test_an_attribution_after_a_comma_is_the_phrase_before_the_verb() -> None:
    (meeting,) = current(
        extract("The planned Trump-Putin summit has been shelved, a senior diplomat said.")
    )
    assert meeting.asserted_by == "a senior diplomat"


def test_a_call_named_again_after_a_cancellation_lead_is_background() -> None:
    found = extract(
        "Trump said on Wednesday that he had cancelled his planned meeting with Putin in Vienna. "
        "Peskov said no dates had been set. Trump and Putin agreed to meet during a phone call "
        "last Thursday.",
        published=datetime(2025, 3, 19, 20, tzinfo=UTC),
    )
    (call,) = [c for c in found if c.event_type == "call"]
    assert call.historical and call.event_date == date(2025, 3, 13)
    assert [m.status for m in current(found)] == ["cancelled"]
