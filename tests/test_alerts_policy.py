"""Which event changes alert: new contacts once, status moves once more, nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from newswatch.alerts.policy import AlertIntent, alerts_for_changes
from newswatch.config import AlertPolicy
from newswatch.domain import CONTACT_TYPES, EVENT_STATUSES, EVENT_TYPES
from tests.support.alerts import change, make_watch, stored_event

WATCH = make_watch()
POLICY = WATCH.alerts
KINDS = WATCH.alert_kinds


def decide(changes, policy=POLICY, kinds=KINDS, **kw):
    kw.setdefault("alerts_enabled", True)
    kw.setdefault("first_run", False)
    return alerts_for_changes(changes, policy, kinds, **kw)


def test_a_new_contact_alerts_as_new() -> None:
    intents = decide([change(stored_event("ev-1", status="planned"))])
    assert intents == [AlertIntent("ev-1", "new", "planned")]


def test_statements_do_not_alert_by_default() -> None:
    assert "statement" not in KINDS
    assert decide([change(stored_event(event_type="statement"))]) == []


def test_statements_alert_when_the_watch_lists_them() -> None:
    watch = make_watch('kinds = ["call", "statement"]')
    intents = decide([change(stored_event(event_type="statement"))], kinds=watch.alert_kinds)
    assert [i.kind for i in intents] == ["new"]


def test_a_historical_contact_never_alerts() -> None:
    assert decide([change(stored_event(historical=True))]) == []
    assert decide([change(stored_event(historical=True), is_new=False, previous="planned")]) == []


def test_a_contact_dated_long_before_publication_counts_as_history() -> None:
    published = datetime(2025, 3, 18, 12, tzinfo=UTC)
    old = stored_event("old", day=date(2020, 7, 23))
    recent = stored_event("recent", day=date(2025, 3, 17))
    intents = decide(
        [change(old), change(recent)], published_by_event={"old": published, "recent": published}
    )
    assert [i.event_id for i in intents] == ["recent"]


def test_backfill_with_alerts_disabled_queues_nothing() -> None:
    assert decide([change(stored_event())], alerts_enabled=False) == []


def test_a_silent_first_run_queues_nothing() -> None:
    assert decide([change(stored_event("a")), change(stored_event("b"))], first_run=True) == []


def test_a_summary_first_run_queues_one_summary_of_the_alertable_events() -> None:
    policy = AlertPolicy(first_run="summary")
    changes = [
        change(stored_event("a")),
        change(stored_event("b", event_type="meeting")),
        change(stored_event("hist", historical=True)),
        change(stored_event("stmt", event_type="statement")),
    ]
    intents = decide(changes, policy=policy, first_run=True)
    assert len(intents) == 1
    assert intents[0].kind == "summary"
    assert intents[0].covered_event_ids == ("a", "b")
    # The same backlog gives the same summary id, so a retried first run queues nothing new.
    assert decide(changes, policy=policy, first_run=True)[0].event_id == intents[0].event_id


def test_a_summary_first_run_with_nothing_alertable_queues_nothing() -> None:
    policy = AlertPolicy(first_run="summary")
    assert decide([change(stored_event(historical=True))], policy=policy, first_run=True) == []


def test_an_update_alerts_only_when_the_status_moved() -> None:
    same = change(stored_event("ev", status="planned"), is_new=False, previous="planned")
    moved = change(stored_event("ev", status="confirmed"), is_new=False, previous="planned")
    assert decide([same]) == []
    assert decide([moved]) == [AlertIntent("ev", "update", "confirmed", "planned")]


def test_a_status_outside_the_policy_does_not_alert_until_it_moves_into_it() -> None:
    policy = AlertPolicy(statuses=["confirmed", "denied"])
    planned = change(stored_event("ev", status="planned"))
    confirmed = change(stored_event("ev", status="confirmed"), is_new=False, previous="planned")
    assert decide([planned], policy=policy) == []
    # Never announced before, so the first alert about it is a `new` one.
    assert decide([confirmed], policy=policy) == [AlertIntent("ev", "new", "confirmed")]


def test_an_event_below_the_source_minimum_waits_and_then_alerts_as_new() -> None:
    policy = AlertPolicy(min_independent_sources=2)
    first = change(stored_event("ev", independent_sources=1))
    second = change(stored_event("ev", independent_sources=2), is_new=False, previous="confirmed")
    third = change(stored_event("ev", independent_sources=3), is_new=False, previous="confirmed")
    assert decide([first], policy=policy) == []
    assert decide([second], policy=policy, previous_sources_by_event={"ev": 1}) == [
        AlertIntent("ev", "new", "confirmed")
    ]
    assert decide([third], policy=policy, previous_sources_by_event={"ev": 2}) == []


def test_without_earlier_source_counts_a_known_event_is_never_alerted_twice() -> None:
    policy = AlertPolicy(min_independent_sources=2)
    more = change(stored_event("ev", independent_sources=5), is_new=False, previous="confirmed")
    assert decide([more], policy=policy) == []


events = st.builds(
    stored_event,
    event_id=st.sampled_from(["e1", "e2", "e3"]),
    event_type=st.sampled_from(EVENT_TYPES),
    status=st.sampled_from(EVENT_STATUSES),
    historical=st.booleans(),
    independent_sources=st.integers(0, 4),
)
changes_strategy = st.lists(
    st.builds(
        change,
        events,
        is_new=st.booleans(),
        previous=st.one_of(st.none(), st.sampled_from(EVENT_STATUSES)),
    ),
    max_size=6,
)


@given(changes_strategy, st.integers(1, 3))
def test_property_alerts_never_announce_history_other_kinds_or_unmoved_updates(
    changes, minimum
) -> None:
    policy = AlertPolicy(min_independent_sources=minimum)
    for one in changes:
        for intent in decide([one], policy=policy, kinds=CONTACT_TYPES):
            assert intent.event_id == one.event.event_id
            assert not one.event.historical
            assert one.event.event_type in CONTACT_TYPES
            assert minimum == 1 or one.event.independent_sources >= minimum
            if intent.kind == "update":
                assert not one.is_new
                assert intent.previous_status not in (None, intent.event_status)
            else:
                assert intent.kind == "new"


@given(changes_strategy, st.booleans(), st.sampled_from(["silent", "summary"]))
def test_property_disabled_alerts_queue_nothing_and_first_runs_at_most_one(
    changes, first_run, mode
) -> None:
    policy = AlertPolicy(first_run=mode)
    assert decide(changes, policy=policy, alerts_enabled=False, first_run=first_run) == []
    if first_run:
        intents = decide(changes, policy=policy, first_run=True)
        assert len(intents) <= (1 if mode == "summary" else 0)


# -- the age guard: a backlog is not news ----------------------------------------------

NOW = datetime(2025, 10, 20, 12, tzinfo=UTC)


def test_a_contact_first_reported_within_max_age_alerts_as_new() -> None:
    fresh = datetime(2025, 10, 17, 12, 1, tzinfo=UTC)  # 71 h 59 min before the run's clock
    intents = decide([change(stored_event("ev"))], now=NOW, first_reported_by_event={"ev": fresh})
    assert intents == [AlertIntent("ev", "new", "confirmed")]


def test_a_contact_first_reported_before_max_age_is_never_alerted_as_new() -> None:
    old = datetime(2025, 10, 17, 11, 59, tzinfo=UTC)  # 72 h 1 min before
    assert decide([change(stored_event("ev"))], now=NOW, first_reported_by_event={"ev": old}) == []


def test_max_age_hours_is_the_watch_option() -> None:
    policy = AlertPolicy(max_age_hours=6)
    reported = datetime(2025, 10, 20, 5, tzinfo=UTC)  # 7 h before
    assert (
        decide(
            [change(stored_event("ev"))],
            policy=policy,
            now=NOW,
            first_reported_by_event={"ev": reported},
        )
        == []
    )


def test_an_undated_first_report_counts_as_recent() -> None:
    intents = decide([change(stored_event("ev"))], now=NOW, first_reported_by_event={"ev": None})
    assert [i.kind for i in intents] == ["new"]


def test_a_status_move_alerts_only_when_the_batch_reporting_it_is_recent() -> None:
    moved = change(stored_event("ev", status="confirmed"), is_new=False, previous="planned")
    recent = {"ev": datetime(2025, 10, 20, 9, tzinfo=UTC)}
    stale = {"ev": datetime(2025, 9, 1, tzinfo=UTC)}
    assert decide([moved], now=NOW, latest_report_by_event=recent) == [
        AlertIntent("ev", "update", "confirmed", "planned")
    ]
    assert decide([moved], now=NOW, latest_report_by_event=stale) == []


def test_without_the_runs_clock_no_age_guard_applies() -> None:
    old = datetime(2017, 7, 7, tzinfo=UTC)
    intents = decide([change(stored_event("ev"))], first_reported_by_event={"ev": old})
    assert [i.kind for i in intents] == ["new"]
