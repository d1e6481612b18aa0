"""Many articles about one contact become one event whose status moves by documented rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from newswatch.config import load_watch
from newswatch.domain import (
    Article,
    CandidateEvent,
    EventStatus,
    EventType,
    ResolutionResult,
    StoredEvent,
)
from newswatch.extractors.resolution import next_status, resolve_events

REPO = Path(__file__).resolve().parents[1]
WATCH = load_watch(REPO / "deployments" / "watches" / "trump-putin.toml")
PAIR = ("putin", "trump")
NOW = datetime(2025, 3, 20, 12, tzinfo=UTC)


def article(n: int) -> Article:
    url = f"https://news.example/{n}"
    return Article(url, url, "test", None, "text", datetime(2025, 3, 10 + n, tzinfo=UTC))


def candidate(
    status: EventStatus,
    earliest: date | None,
    latest: date | None = None,
    *,
    kind: EventType = "call",
    historical: bool = False,
    by: str | None = None,
    evidence: str = "They spoke.",
    participants: tuple[str, ...] = PAIR,
) -> CandidateEvent:
    return CandidateEvent(
        kind,
        participants,
        status,
        earliest,
        latest or earliest,
        evidence,
        by,
        None,
        None,
        historical,
    )


def run(
    items: Sequence[tuple[int, Sequence[CandidateEvent]]],
    existing: Sequence[StoredEvent] = (),
    copies: Sequence[int] = (),
) -> ResolutionResult:
    batch = [(article(n), f"a{n}", n in copies, list(cands)) for n, cands in items]
    return resolve_events(batch, list(existing), WATCH, NOW)


def stored(result: ResolutionResult) -> list[StoredEvent]:
    return [c.event for c in result.changes]


def test_articles_about_the_same_call_make_one_event_with_one_mention_each() -> None:
    day = date(2025, 3, 18)
    result = run(
        [(1, [candidate("confirmed", day)]), (2, [candidate("confirmed", day)])], copies=[2]
    )
    (event,) = stored(result)
    assert event.event_date == day and event.status == "confirmed"
    assert [(m.article_id, m.is_copy) for m in result.mentions] == [("a1", False), ("a2", True)]


def test_a_planned_call_that_happens_is_one_event_that_moves_to_confirmed() -> None:
    day = date(2025, 3, 18)
    first = run([(1, [candidate("planned", day, by="the Kremlin")])])
    (planned,) = stored(first)
    second = run([(2, [candidate("confirmed", day, by="Donald Trump")])], existing=[planned])
    (change,) = second.changes
    assert (change.is_new, change.previous_status, change.event.status) == (
        False,
        "planned",
        "confirmed",
    )
    assert change.event.event_id == planned.event_id


def test_a_report_then_a_denial_ends_denied_and_the_summary_names_both_sides() -> None:
    result = run(
        [
            (
                1,
                [
                    candidate(
                        "reported", date(2025, 3, 3), date(2025, 3, 10), by="The Daily Example"
                    )
                ],
            ),
            (2, [candidate("denied", date(2025, 3, 4), date(2025, 3, 11), by="the Kremlin")]),
        ]
    )
    (event,) = stored(result)
    assert event.status == "denied"
    assert (
        event.summary is not None
        and "The Daily Example" in event.summary
        and "the Kremlin" in event.summary
    )
    assert {m.status for m in result.mentions} == {"reported", "denied"}


def test_a_plan_that_is_called_off_ends_cancelled() -> None:
    result = run(
        [
            (1, [candidate("planned", date(2025, 3, 16), date(2025, 3, 30), kind="meeting")]),
            (2, [candidate("cancelled", date(2025, 3, 22), date(2025, 4, 21), kind="meeting")]),
        ]
    )
    (event,) = stored(result)
    assert (event.status, event.date_earliest, event.date_latest) == (
        "cancelled",
        date(2025, 3, 16),
        date(2025, 3, 30),
    )


def test_a_confirmation_is_not_undone_by_a_later_denial() -> None:
    day = date(2025, 3, 18)
    (event,) = stored(run([(1, [candidate("confirmed", day)]), (2, [candidate("denied", day)])]))
    assert event.status == "confirmed"


def test_a_historical_mention_never_moves_the_status() -> None:
    day = date(2025, 3, 25)
    result = run(
        [(1, [candidate("planned", day)]), (2, [candidate("confirmed", day, historical=True)])]
    )
    (event,) = stored(result)
    assert event.status == "planned" and not event.historical
    assert len(result.mentions) == 2


def test_an_event_known_only_as_background_is_historical() -> None:
    (event,) = stored(
        run([(1, [candidate("confirmed", date(2018, 7, 16), kind="meeting", historical=True)])])
    )
    assert event.historical


def test_a_range_narrows_when_a_later_article_gives_the_day() -> None:
    result = run(
        [
            (1, [candidate("planned", date(2025, 3, 18), date(2025, 4, 17))]),
            (2, [candidate("confirmed", date(2025, 3, 25))]),
        ]
    )
    (event,) = stored(result)
    assert (event.event_date, event.date_earliest, event.date_latest) == (date(2025, 3, 25),) * 3


def test_a_wider_range_does_not_widen_or_shift_the_day() -> None:
    day = date(2025, 3, 18)
    (event,) = stored(
        run(
            [
                (1, [candidate("confirmed", day)]),
                (2, [candidate("confirmed", date(2025, 3, 11), date(2025, 3, 19))]),
            ]
        )
    )
    assert event.event_date == day


def test_contacts_on_different_days_are_different_events() -> None:
    result = run(
        [
            (
                1,
                [
                    candidate("confirmed", date(2025, 2, 12)),
                    candidate("confirmed", date(2025, 3, 18)),
                ],
            )
        ]
    )
    assert len(stored(result)) == 2


def test_a_call_and_a_meeting_on_one_day_are_different_events() -> None:
    day = date(2025, 3, 18)
    result = run([(1, [candidate("confirmed", day), candidate("confirmed", day, kind="meeting")])])
    assert sorted(e.event_type for e in stored(result)) == ["call", "meeting"]


def test_a_candidate_for_another_pair_is_ignored() -> None:
    result = run(
        [(1, [candidate("confirmed", date(2025, 3, 18), participants=("trump", "zelensky"))])]
    )
    assert result.changes == () and result.mentions == ()


def test_event_ids_are_stable_across_runs() -> None:
    items = [(1, [candidate("confirmed", date(2025, 3, 18))])]
    assert stored(run(items))[0].event_id == stored(run(items))[0].event_id


def test_a_new_mention_alone_changes_no_row_but_is_returned() -> None:
    day = date(2025, 3, 18)
    (event,) = stored(run([(1, [candidate("confirmed", day)])]))
    again = run([(2, [candidate("confirmed", day)])], existing=[event])
    assert again.changes == ()
    assert [(m.event_id, m.article_id) for m in again.mentions] == [(event.event_id, "a2")]


def test_previous_status_is_the_status_stored_before_the_batch() -> None:
    day = date(2025, 3, 18)
    (planned,) = stored(run([(1, [candidate("planned", day)])]))
    batch = run(
        [(2, [candidate("reported", day)]), (3, [candidate("confirmed", day)])], existing=[planned]
    )
    (change,) = batch.changes
    assert (change.previous_status, change.event.status) == ("planned", "confirmed")


def test_new_events_have_no_previous_status_and_a_summary() -> None:
    (change,) = run([(1, [candidate("confirmed", date(2025, 3, 18), by="the Kremlin")])]).changes
    assert change.is_new and change.previous_status is None
    assert (
        change.event.summary
        == "Trump and Putin spoke by phone on 2025-03-18; confirmed by the Kremlin"
    )


def test_two_candidates_of_one_article_for_one_event_make_one_mention() -> None:
    day = date(2025, 3, 18)
    result = run(
        [
            (
                1,
                [
                    candidate("confirmed", day, evidence="A."),
                    replace(candidate("confirmed", day), evidence="B."),
                ],
            )
        ]
    )
    (mention,) = result.mentions
    assert mention.evidence == "A. B."


def test_status_precedence() -> None:
    assert next_status("planned", "confirmed") == "confirmed"
    assert next_status("reported", "denied") == "denied"
    assert next_status("denied", "reported") == "denied"
    assert next_status("planned", "cancelled") == "cancelled"
    assert next_status("cancelled", "denied") == "cancelled"
    assert next_status("confirmed", "planned") == "confirmed"
    assert next_status("denied", "confirmed") == "confirmed"


def test_a_report_without_its_day_joins_the_planned_event_whose_day_it_covers() -> None:
    # Two stored calls fit a report of "the call" that gives no day: an older confirmed one
    # and the one announced for Tuesday. The plan came true, so the report joins it.
    older = candidate("confirmed", date(2025, 3, 12))
    planned = candidate("planned", date(2025, 3, 18), by="the Kremlin")
    events = stored(run([(1, [older]), (2, [planned])]))
    report = candidate("confirmed", date(2025, 3, 12), date(2025, 3, 19), by="the Kremlin")
    (change,) = run([(3, [report])], existing=events).changes
    assert change.event.event_date == date(2025, 3, 18)
    assert (change.previous_status, change.event.status) == ("planned", "confirmed")


def test_a_contact_called_off_and_one_held_in_one_article_are_two_events() -> None:
    plan = candidate("planned", date(2025, 3, 14), date(2025, 3, 15), kind="meeting")
    held = candidate(
        "confirmed",
        date(2025, 3, 8),
        date(2025, 3, 16),
        kind="meeting",
        evidence="The two leaders chatted over coffee at the forum.",
    )
    called_off = candidate(
        "cancelled",
        date(2025, 3, 8),
        date(2025, 3, 30),
        kind="meeting",
        evidence="Trump had called off the formal summit with Putin.",
    )
    result = run([(1, [plan]), (2, [held, called_off])])
    events = stored(result)
    assert sorted(e.status for e in events) == ["cancelled", "confirmed"]
    (cancelled,) = [e for e in events if e.status == "cancelled"]
    assert (cancelled.date_earliest, cancelled.date_latest) == (
        date(2025, 3, 14),
        date(2025, 3, 15),
    )


def test_a_contact_told_as_an_additional_one_is_not_the_known_contact() -> None:
    known = candidate("confirmed", date(2025, 3, 7), kind="meeting")
    second = candidate(
        "confirmed",
        date(2025, 3, 5),
        date(2025, 3, 12),
        kind="meeting",
        evidence="Putin and Trump held a second, unannounced meeting at the banquet.",
    )
    events = stored(run([(1, [known]), (3, [second])]))
    assert sorted((e.date_earliest, e.date_latest) for e in events) == [
        (date(2025, 3, 5), date(2025, 3, 12)),
        (date(2025, 3, 7), date(2025, 3, 7)),
    ]


def test_an_additional_contact_named_again_joins_the_one_first_told_as_additional() -> None:
    known = candidate("confirmed", date(2025, 3, 6))
    first = candidate(
        "reported",
        date(2025, 3, 5),
        date(2025, 3, 12),
        evidence="Sources say the pair had another phone call last week.",
    )
    again = candidate(
        "confirmed",
        date(2025, 3, 6),
        date(2025, 3, 13),
        evidence="The Kremlin confirmed that another call took place.",
    )
    events = stored(run([(1, [known]), (2, [first]), (3, [again])]))
    assert sorted((e.status, e.date_earliest, e.date_latest) for e in events) == [
        ("confirmed", date(2025, 3, 5), date(2025, 3, 12)),
        ("confirmed", date(2025, 3, 6), date(2025, 3, 6)),
    ]


def test_an_additional_contact_on_the_known_day_is_that_contact() -> None:
    day = date(2025, 3, 6)
    again = candidate("confirmed", day, evidence="It was their second call this year.")
    (event,) = stored(run([(1, [candidate("confirmed", day)]), (2, [again])]))
    assert event.event_date == day


def test_a_second_day_of_a_summit_is_no_second_summit() -> None:
    known = candidate("confirmed", date(2025, 3, 6), kind="meeting")
    later = candidate(
        "confirmed",
        date(2025, 3, 1),
        date(2025, 3, 12),
        kind="meeting",
        evidence="On the second day of the summit the two presidents met again.",
    )
    assert len(stored(run([(1, [known]), (2, [later])]))) == 1


def test_background_after_a_planned_day_that_says_it_happened_confirms_the_plan() -> None:
    plan = replace(candidate("planned", date(2025, 3, 10), kind="meeting"), location="Geneva")
    since = replace(
        candidate(
            "confirmed",
            date(2025, 1, 1),
            date(2025, 12, 31),
            kind="meeting",
            historical=True,
            evidence="Since they met in Geneva, the talks have stalled.",
        ),
        location="Geneva",
    )
    (event,) = stored(run([(0, [plan]), (5, [since])]))
    assert (event.status, event.historical) == ("confirmed", False)


def test_background_at_another_place_leaves_the_plan_planned() -> None:
    plan = replace(candidate("planned", date(2025, 3, 10), kind="meeting"), location="Geneva")
    elsewhere = replace(
        candidate(
            "confirmed",
            date(2025, 3, 1),
            date(2025, 3, 31),
            kind="meeting",
            historical=True,
            evidence="They met at the Vienna conference in March.",
        ),
        location="Vienna conference",
    )
    (event,) = stored(run([(0, [plan]), (5, [elsewhere])]))
    assert event.status == "planned"


def test_a_fitting_event_at_the_candidate_place_is_preferred() -> None:
    geneva = replace(candidate("confirmed", date(2025, 3, 9), kind="meeting"), location="Geneva")
    vienna = replace(
        candidate("confirmed", date(2025, 3, 10), date(2025, 3, 11), kind="meeting"),
        location="Vienna",
    )
    mention = replace(
        candidate(
            "confirmed", date(2025, 3, 1), date(2025, 3, 31), kind="meeting", historical=True
        ),
        location="Vienna summit",
    )
    result = run([(1, [geneva, vienna]), (4, [mention])])
    (target,) = [m.event_id for m in result.mentions if m.article_id == "a4"]
    (vienna_event,) = [e for e in stored(result) if e.date_earliest == date(2025, 3, 10)]
    assert target == vienna_event.event_id


def test_another_contact_of_another_kind_leaves_the_candidate_with_the_known_one() -> None:
    known = candidate("planned", date(2025, 3, 15), kind="meeting")
    after_call = candidate(
        "planned",
        date(2025, 3, 12),
        date(2025, 4, 11),
        kind="meeting",
        evidence="After another phone call, the two sides said the summit would go ahead.",
    )
    assert len(stored(run([(1, [known]), (2, [after_call])]))) == 1


def test_background_after_a_planned_day_that_says_it_was_called_off_cancels_the_plan() -> None:
    plan = candidate("planned", date(2025, 3, 10), kind="meeting")
    called_off = candidate(
        "cancelled",
        date(2025, 2, 20),
        date(2025, 3, 31),
        kind="meeting",
        historical=True,
        evidence="Trump had earlier cancelled the summit with Putin.",
    )
    (event,) = stored(run([(0, [plan]), (5, [called_off])]))
    assert event.status == "cancelled"


def test_a_place_that_fits_no_event_leaves_the_tightest_fit() -> None:
    placed = replace(candidate("confirmed", date(2025, 3, 7), kind="meeting"), location="Lyon")
    unplaced = candidate(
        "reported",
        date(2025, 3, 1),
        date(2025, 3, 14),
        kind="meeting",
        evidence="They are said to have held another meeting.",
    )
    elsewhere = replace(
        candidate("confirmed", date(2025, 3, 5), date(2025, 3, 9), kind="meeting"),
        location="Marseille",
    )
    result = run([(1, [placed]), (2, [unplaced]), (3, [elsewhere])])
    (target,) = [m.event_id for m in result.mentions if m.article_id == "a3"]
    (lyon,) = [e for e in stored(result) if e.event_date == date(2025, 3, 7)]
    assert target == lyon.event_id
