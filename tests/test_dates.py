"""Date expressions resolved against an article's own day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.extractors import dates as dates_module
from newswatch.extractors.dates import (
    DateRange,
    Tense,
    dateline_end,
    find_date_mentions,
    reference_day,
    resolve_event_date,
)

MONDAY = date(2025, 3, 17)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
            "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]  # fmt: skip
TENSES: list[Tense] = ["past", "future", "unknown"]


def day(expression: str, reference: date = MONDAY, tense: Tense = "unknown") -> date | None:
    resolved = resolve_event_date(expression, reference, tense)
    assert resolved is not None, expression
    return resolved.day


@pytest.mark.parametrize(
    ("expression", "tense", "expected"),
    [
        ("on Tuesday", "future", date(2025, 3, 18)),
        ("on Tuesday", "past", date(2025, 3, 11)),
        ("late on Sunday", "past", date(2025, 3, 16)),
        ("on Monday", "past", date(2025, 3, 17)),
        ("last Thursday", "unknown", date(2025, 3, 13)),
        ("next Friday", "unknown", date(2025, 3, 21)),
        ("am Dienstag", "past", date(2025, 3, 11)),
        ("today", "unknown", date(2025, 3, 17)),
        ("yesterday", "unknown", date(2025, 3, 16)),
        ("tomorrow", "unknown", date(2025, 3, 18)),
        ("on Feb. 12", "past", date(2025, 2, 12)),
        ("am 12. Februar", "past", date(2025, 2, 12)),
        ("on 15 August", "future", date(2025, 8, 15)),
        ("July 23, 2020", "unknown", date(2020, 7, 23)),
        ("2025-03-18", "past", date(2025, 3, 18)),
    ],
)
def test_day_expressions_resolve_to_their_day(
    expression: str, tense: Tense, expected: date
) -> None:
    assert day(expression, tense=tense) == expected


def test_a_month_with_its_year_is_the_whole_month() -> None:
    assert resolve_event_date("since July 2020", MONDAY) == DateRange(
        date(2020, 7, 1), date(2020, 7, 31)
    )


def test_a_month_without_year_is_the_last_one_in_the_past_and_the_next_one_ahead() -> None:
    assert resolve_event_date("in August", MONDAY, "past") == DateRange(
        date(2024, 8, 1), date(2024, 8, 31)
    )
    assert resolve_event_date("in August", MONDAY, "future") == DateRange(
        date(2025, 8, 1), date(2025, 8, 31)
    )


def test_a_year_alone_is_the_whole_year() -> None:
    assert resolve_event_date("the leaders' 2018 summit", MONDAY) == DateRange(
        date(2018, 1, 1), date(2018, 12, 31)
    )


def test_last_week_is_the_previous_calendar_week() -> None:
    assert resolve_event_date("last week", MONDAY) == DateRange(
        date(2025, 3, 10), date(2025, 3, 16)
    )


def test_within_two_weeks_runs_from_the_day_to_two_weeks_on() -> None:
    assert resolve_event_date("within two weeks or so", MONDAY) == DateRange(
        MONDAY, MONDAY + timedelta(days=14)
    )


def test_numbers_that_are_not_years_are_not_dates() -> None:
    assert find_date_mentions("5,000 soldiers crossed pre-2014 borders at 2,000 points") == []


def test_a_lower_case_month_word_is_not_a_date() -> None:
    assert find_date_mentions("they may march on") == []


def test_the_dateline_day_is_the_reference_day() -> None:
    published = datetime(2025, 8, 16, 1, 25, tzinfo=UTC)
    assert reference_day(published, "ANCHORAGE, Alaska, Aug 15 (Agency) - Leaders met.") == date(
        2025, 8, 15
    )


def test_a_dateline_far_from_publication_is_ignored() -> None:
    published = datetime(2025, 8, 30, 12, tzinfo=UTC)
    assert reference_day(published, "ANCHORAGE, Alaska, Aug 15 (Agency) - Leaders met.") == date(
        2025, 8, 30
    )


def test_without_dateline_the_reference_is_the_local_day_of_publication() -> None:
    published = datetime(2025, 8, 16, 1, 25, tzinfo=timezone(timedelta(hours=-8)))
    assert reference_day(published, "Leaders met.") == date(2025, 8, 16)
    assert reference_day(published.astimezone(UTC), "Leaders met.") == date(2025, 8, 16)
    assert reference_day(None, "Leaders met.") is None


def test_dateline_end_points_past_the_agency() -> None:
    text = "MOSCOW, March 17 (Wire Report) - Putin will speak."
    assert text[dateline_end(text) :].strip().startswith("Putin")
    assert dateline_end("Putin will speak on Tuesday.") == 0


references = st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))


@given(
    references,
    st.sampled_from(WEEKDAYS),
    st.sampled_from(["", "on ", "late on ", "last ", "next ", "am "]),
    st.sampled_from(TENSES),
)
def test_a_weekday_resolves_within_the_week_around_the_reference(
    reference: date, weekday: str, prefix: str, tense: Tense
) -> None:
    resolved = resolve_event_date(prefix + weekday, reference, tense)
    assert resolved is not None and resolved.day is not None
    assert abs((resolved.day - reference).days) <= 7


@given(st.text(max_size=200), references, st.sampled_from(TENSES))
def test_resolution_never_raises_and_ranges_are_ordered(
    text: str, reference: date, tense: Tense
) -> None:
    resolved = resolve_event_date(text, reference, tense)
    if resolved is not None:
        assert resolved.earliest <= resolved.latest


@given(
    st.lists(
        st.sampled_from(
            [
                "on",
                "in",
                "since",
                "last",
                "next",
                "July",
                "Feb.",
                "12",
                "2020",
                "week",
                "Tuesday",
                "within",
                "two",
                "weeks",
                "ago",
                "yesterday",
                "März",
                "15.",
                ",",
                "August 15, 2025",
            ]
        ),
        max_size=12,
    ),
    references,
    st.sampled_from(TENSES),
)
def test_every_found_expression_resolves_to_an_ordered_range(
    words: list[str], reference: date, tense: Tense
) -> None:
    text = " ".join(words)
    for mention in find_date_mentions(text):
        assert text[mention.start : mention.end] == mention.text
        resolved = resolve_event_date(mention.text, reference, tense)
        if resolved is not None:
            assert resolved.earliest <= resolved.latest


def test_a_yearless_day_a_week_ahead_is_this_year_even_in_a_past_tense_clause() -> None:
    # "The Kremlin confirmed the summit on Aug. 15", read on Aug. 9: last year's Aug. 15 is
    # almost a year back, this year's six days ahead.
    saturday = date(2025, 8, 9)
    assert day("on Aug. 15", saturday, "past") == date(2025, 8, 15)
    assert day("on 15 August", saturday, "past") == date(2025, 8, 15)


def test_a_yearless_day_months_back_stays_in_the_past_for_a_past_clause() -> None:
    # "They met on 15 August", read in March: seven months back, the next one five months ahead.
    assert day("on 15 August", MONDAY, "past") == date(2024, 8, 15)


def test_a_yearless_day_just_past_is_not_pushed_a_year_ahead_by_a_future_clause() -> None:
    # "The call on March 12 will be followed by ...": five days back beats a year ahead.
    assert day("on March 12", MONDAY, "future") == date(2025, 3, 12)


def test_a_yearless_day_with_no_tense_is_the_nearest_occurrence() -> None:
    assert day("Aug. 15", date(2025, 10, 16)) == date(2025, 8, 15)
    assert day("Jan. 5", date(2025, 12, 20)) == date(2026, 1, 5)


@pytest.mark.parametrize("kind", [kind for kind, _ in dates_module._COMPILED])
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_date_pattern_match_has_a_needle_of_each_group(
    kind: str, data: st.DataObject
) -> None:
    # The needles let a sentence skip a pattern: they must never skip one it would match.
    pattern = dict(dates_module._COMPILED)[kind]
    text = data.draw(st.from_regex(pattern))
    if pattern.search(text):
        assert dates_module._may_match(kind, text.lower()), text
