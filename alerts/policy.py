"""Which event changes deserve an alert: pure decisions, no I/O.

An event alerts once when it first becomes *alert-worthy* (`new`), and once more each
time its status moves while it is alert-worthy (`update`). Alert-worthy means: a kind the
watch alerts on, a status the policy lists, not history, dated to the day (unless the
watch sets `[alerts] undated = true`), and reported by at least `min_independent_sources`
independent sources.

The age guard: a backlog is not news. A `new` alert needs the contact's first report to
be at most `max_age_hours` old by the run's clock, an `update` needs the newest report of
the batch to be; older ones are stored (and shown in reports), never alerted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from newswatch.config import AlertPolicy
from newswatch.domain import EventChange, EventStatus, StoredEvent, stable_id

IntentKind = Literal["new", "update", "summary"]


@dataclass(frozen=True)
class AlertIntent:
    """One alert to queue: `new` or `update` for one event, or one `summary` of several.

    A `summary` (first run with `first_run = "summary"`) has a digest id as `event_id`,
    no status, and lists the events it covers in `covered_event_ids`.
    """

    event_id: str
    kind: IntentKind
    event_status: EventStatus | None
    previous_status: EventStatus | None = None
    covered_event_ids: tuple[str, ...] = ()


def alerts_for_changes(
    changes: Sequence[EventChange],
    policy: AlertPolicy,
    kinds: Sequence[str],
    *,
    alerts_enabled: bool,
    first_run: bool,
    published_by_event: Mapping[str, datetime | None] | None = None,
    previous_sources_by_event: Mapping[str, int] | None = None,
    now: datetime | None = None,
    first_reported_by_event: Mapping[str, datetime | None] | None = None,
    latest_report_by_event: Mapping[str, datetime | None] | None = None,
) -> list[AlertIntent]:
    """The alerts a batch of event changes calls for, in the order of `changes`.

    `published_by_event` (event_id → publication time of the earliest article in the batch)
    lets a contact dated more than `policy.history_days` before it count as history even
    when the extractor did not flag it. `previous_sources_by_event` (event_id → independent
    sources before the batch) lets an event that reaches `min_independent_sources` now
    alert as `new`; without it, only new events and status moves alert.

    With `now` (the run's clock), the age guard applies: `first_reported_by_event` (event_id
    → earliest publication of any article reporting it, stored ones included) gates `new`,
    `latest_report_by_event` (→ newest publication in the batch) gates `update`. An
    unknown time counts as recent: an undated report is usually today's.
    """
    if not alerts_enabled:
        return []
    published = published_by_event or {}
    previous_sources = previous_sources_by_event or {}
    first_reported = first_reported_by_event or {}
    latest_report = latest_report_by_event or {}
    max_age = timedelta(hours=policy.max_age_hours)
    intents: list[AlertIntent] = []
    for change in changes:
        event = change.event
        if not _is_news(event, policy, kinds, published.get(event.event_id)):
            continue
        if not _is_worthy(event.status, event.independent_sources, policy):
            continue
        was_worthy = not change.is_new and _was_worthy(change, policy, previous_sources)
        if not was_worthy:
            if _recent(first_reported.get(event.event_id), now, max_age):
                intents.append(AlertIntent(event.event_id, "new", event.status))
        elif change.previous_status is not None and change.previous_status != event.status:
            if not _recent(latest_report.get(event.event_id), now, max_age):
                continue
            intents.append(
                AlertIntent(event.event_id, "update", event.status, change.previous_status)
            )
    if not first_run:
        return intents
    # A first run reads the backlog of a whole news cycle: one message at most, if asked.
    if policy.first_run == "silent" or not intents:
        return []
    covered = tuple(intent.event_id for intent in intents)
    digest_id = stable_id("first-run-summary", *sorted(covered))
    return [AlertIntent(digest_id, "summary", None, None, covered)]


def _recent(reported: datetime | None, now: datetime | None, max_age: timedelta) -> bool:
    """Reported within `max_age` of the run's `now` (unknown times count as recent)."""
    if now is None or reported is None:
        return True
    return now - reported <= max_age


def _is_news(
    event: StoredEvent, policy: AlertPolicy, kinds: Sequence[str], published: datetime | None
) -> bool:
    """An event of an alerted kind that is not background history."""
    if event.event_type not in kinds or event.historical:
        return False
    if event.event_date is None and not policy.undated:
        return False  # no day known: alerted only when the watch asks ([alerts] undated)
    if published is None:
        return True
    latest = event.date_latest or event.event_date
    if latest is None:
        return True
    return (published.date() - latest).days <= policy.history_days


def _is_worthy(status: EventStatus, independent_sources: int, policy: AlertPolicy) -> bool:
    """A listed status, enough independent sources (any stored event has one)."""
    if status not in policy.statuses:
        return False
    return policy.min_independent_sources <= 1 or independent_sources >= (
        policy.min_independent_sources
    )


def _was_worthy(
    change: EventChange, policy: AlertPolicy, previous_sources: Mapping[str, int]
) -> bool:
    """Whether the stored event already deserved an alert before this batch.

    When the earlier source count is unknown we assume it did: a missed threshold
    crossing costs one alert, a wrong guess the other way repeats one.
    """
    status = change.previous_status or change.event.status
    before = previous_sources.get(change.event.event_id)
    if before is None:
        before = max(change.event.independent_sources, policy.min_independent_sources)
    return _is_worthy(status, before, policy)
