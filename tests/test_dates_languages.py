"""Dates in every shipped language, read with the packs' [dating] words.

dateparser (a well-kept library with its own, independently written tables of month,
weekday and relative-day words) is the oracle: what a pack's words resolve to must be what
dateparser reads from the same words. Hypothesis draws the publication day.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dateparser
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.extractors.dates import DateRange, find_date_mentions, resolve_event_date
from newswatch.extractors.events.languages import load_pack
from newswatch.extractors.events.vocabulary import vocabulary_for

# Pack code -> dateparser's code for the same language.
LANGUAGES = {"fr": "fr", "es": "es", "ru": "ru", "uk": "uk", "fi": "fi"}
# One written form per weekday (Monday first), as a sentence gives it.
WEEKDAY_WORDS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
    "ru": ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"],
    "uk": ["понеділок", "вівторок", "середу", "четвер", "п'ятницю", "суботу", "неділю"],
    "fi": ["maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina", "sunnuntaina"],
}  # fmt: skip
# "12 <month> 2025" as each language writes it (month in the genitive where it has one).
DAY_MONTH = {
    "fr": "12 février 2025",
    "es": "12 de febrero de 2025",
    "ru": "12 февраля 2025",
    "uk": "12 лютого 2025",
    "fi": "12. helmikuuta 2025",
}
YESTERDAY = {"fr": "hier", "es": "ayer", "ru": "вчера", "uk": "вчора", "fi": "eilen"}
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def resolve(text: str, language: str, reference: date, tense: str = "past") -> DateRange | None:
    grammar = vocabulary_for(("en", language)).calendar
    return resolve_event_date(text, reference, tense, grammar)  # type: ignore[arg-type]


def oracle(text: str, language: str, reference: date) -> date | None:
    base = datetime(reference.year, reference.month, reference.day, 12)
    parsed = dateparser.parse(
        text,
        languages=[language],
        settings={"RELATIVE_BASE": base, "PREFER_DATES_FROM": "past"},
    )
    return parsed.date() if parsed else None


@settings(max_examples=40, deadline=None)
@given(reference=days, weekday=st.integers(0, 6), language=st.sampled_from(sorted(LANGUAGES)))
def test_a_weekday_in_a_past_clause_is_the_one_dateparser_reads_back(
    reference: date, weekday: int, language: str
) -> None:
    word = WEEKDAY_WORDS[language][weekday]
    resolved = resolve(word, language, reference, "past")
    assert resolved is not None and resolved.day is not None
    assert resolved.day.weekday() == weekday
    if reference.weekday() == weekday:
        assert resolved.day == reference  # "spoke on Tuesday" in Tuesday's paper: that day
    else:
        assert resolved.day == oracle(word, LANGUAGES[language], reference)


@settings(max_examples=40, deadline=None)
@given(reference=days, weekday=st.integers(0, 6), language=st.sampled_from(sorted(LANGUAGES)))
def test_a_weekday_in_a_future_clause_lies_within_the_coming_week(
    reference: date, weekday: int, language: str
) -> None:
    resolved = resolve(WEEKDAY_WORDS[language][weekday], language, reference, "future")
    assert resolved is not None and resolved.day is not None
    assert resolved.day.weekday() == weekday
    assert timedelta(0) <= resolved.day - reference < timedelta(days=7)


@settings(max_examples=30, deadline=None)
@given(reference=days, language=st.sampled_from(sorted(LANGUAGES)))
def test_yesterday_and_a_full_date_agree_with_dateparser(reference: date, language: str) -> None:
    yesterday = resolve(YESTERDAY[language], language, reference)
    assert yesterday == DateRange(reference - timedelta(days=1), reference - timedelta(days=1))
    assert yesterday.day == oracle(YESTERDAY[language], LANGUAGES[language], reference)
    full = resolve(DAY_MONTH[language], language, reference)
    assert full == DateRange(date(2025, 2, 12), date(2025, 2, 12))
    assert oracle(DAY_MONTH[language], LANGUAGES[language], reference) == date(2025, 2, 12)


def test_every_pack_month_and_weekday_word_is_the_one_dateparser_knows() -> None:
    for language, code in LANGUAGES.items():
        dating = load_pack(language).dating
        assert len(dating.weekdays) == 7 and len(dating.months) == 12, language
        for index, word in enumerate(WEEKDAY_WORDS[language]):
            parsed = dateparser.parse(word, languages=[code])
            assert parsed is not None and parsed.weekday() == index, (language, word)


def test_modifiers_put_a_weekday_before_or_after_whichever_side_they_stand() -> None:
    tuesday = date(2025, 3, 18)
    assert resolve("в минулий четвер", "uk", tuesday, "future") == DateRange(
        date(2025, 3, 13), date(2025, 3, 13)
    )
    assert resolve("mardi prochain", "fr", tuesday, "past") == DateRange(
        date(2025, 3, 25), date(2025, 3, 25)
    )
    assert resolve("el martes pasado", "es", tuesday, "future") == DateRange(
        date(2025, 3, 11), date(2025, 3, 11)
    )
    assert resolve("viime viikolla", "fi", tuesday) == DateRange(
        date(2025, 3, 10), date(2025, 3, 16)
    )


def test_spanish_morning_is_not_tomorrow() -> None:
    grammar = vocabulary_for(("en", "es")).calendar
    assert find_date_mentions("Putin habló esta mañana con Trump.", grammar) == []


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=200), language=st.sampled_from(sorted(LANGUAGES)))
def test_any_text_is_read_without_an_exception(text: str, language: str) -> None:
    grammar = vocabulary_for(("en", language)).calendar
    for mention in find_date_mentions(text, grammar):
        assert 0 <= mention.start < mention.end <= len(text)
