"""Contacts known only to a range of days alert only when the watch asks ([alerts] undated)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from newswatch.alerts.policy import AlertIntent, alerts_for_changes
from newswatch.config import Watch
from newswatch.domain import StoredEvent
from tests.support.alerts import change, make_watch, stored_event


def undated_call() -> StoredEvent:
    dated = stored_event("ev-range")
    return replace(
        dated, event_date=None, date_earliest=date(2025, 3, 4), date_latest=date(2025, 3, 18)
    )


def decide(watch: Watch, event: StoredEvent) -> list[AlertIntent]:
    return alerts_for_changes(
        [change(event)], watch.alerts, watch.alert_kinds, alerts_enabled=True, first_run=False
    )


def test_an_undated_contact_does_not_alert_by_default() -> None:
    watch = make_watch()
    assert watch.alerts.undated is False
    assert decide(watch, undated_call()) == []


def test_an_undated_contact_alerts_when_the_watch_asks() -> None:
    watch = make_watch("undated = true")
    assert decide(watch, undated_call()) == [AlertIntent("ev-range", "new", "confirmed")]


def test_a_contact_dated_to_the_day_alerts_either_way() -> None:
    for watch in (make_watch(), make_watch("undated = true")):
        assert decide(watch, stored_event("ev-day")) == [AlertIntent("ev-day", "new", "confirmed")]
