"""Outbox delivery: send what is due, mark what happened, never hold the database while
talking to the network.

One run: a short write session claims the due rows (a lease, so a second process skips
them) and loads their messages; then each message is sent with no connection open; then
a short write session marks its rows sent, to retry (exponential backoff with jitter) or
failed. If the process dies between a send and its mark, the rows stay pending and go
out again after the lease: at worst one message is repeated, with the same visible id;
none is lost.

It lives in `flows/` because it wires two stages: `alerts/` renders and sends,
`storage.outbox` claims and marks.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from newswatch.alerts.channels import Channel
from newswatch.alerts.errors import PermanentDeliveryError, RetryableDeliveryError
from newswatch.alerts.messages import Deliverable, Digest
from newswatch.config import Watch
from newswatch.domain import AlertMessage, OpsNotice, stable_id
from newswatch.faults import fault_point
from newswatch.storage.db import write_session
from newswatch.storage.health import load_notice
from newswatch.storage.outbox import (
    OutboxAlert,
    due_alerts,
    hold_alerts,
    load_alert_message,
    mark_failed,
    mark_retry,
    mark_sent,
)

log = logging.getLogger(__name__)

# How long claimed rows are hidden from another delivering process. Far longer than one
# delivery pass (seconds), short enough that a crashed pass's rows go out in the next run.
DELIVERY_LEASE = timedelta(minutes=10)
# Total time one pass may sleep for rate limits (Slack asks for about a second per
# message); a longer Retry-After leaves the row pending for a later run instead.
MAX_WAIT_SECONDS = 30.0
# Tries of one message within a pass while the receiver keeps rate-limiting.
MAX_TRIES_IN_RUN = 3


@dataclass(frozen=True)
class Backoff:
    """When a failed alert is due again: base · factor^(attempt-1), capped, ± jitter.

    Defaults: 5 min, 10, 20, 40 … capped at 6 h, so a receiver down for an afternoon is
    retried a handful of times, and a 30-minute schedule retries at most once per run.
    """

    base_seconds: float = 300.0
    factor: float = 2.0
    max_seconds: float = 6 * 3600.0
    # ± this fraction, so alerts that failed together do not all return together.
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `attempt`-th failed attempt (1-based)."""
        raw = min(self.max_seconds, self.base_seconds * self.factor ** max(0, attempt - 1))
        spread = (rng or random).uniform(1.0 - self.jitter, 1.0 + self.jitter)
        return raw * spread


DEFAULT_BACKOFF = Backoff()


@dataclass
class DeliveryReport:
    """What one delivery pass did, counted in outbox rows (alerts)."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    # Due rows left for the next pass because their channel failed earlier in this one.
    deferred: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Parcel:
    """One message for one channel and the outbox rows it settles."""

    channel: str
    rows: tuple[OutboxAlert, ...]
    message: Deliverable


class _WaitBudget:
    def __init__(self, seconds: float) -> None:
        self.left = seconds

    def take(self, seconds: float) -> bool:
        if seconds > self.left:
            return False
        self.left -= seconds
        return True


def deliver_due_alerts(
    db_path: str | Path,
    channels: Sequence[Channel],
    watch: Watch,
    now: datetime | None = None,
    *,
    max_attempts: int | None = None,
    backoff: Backoff = DEFAULT_BACKOFF,
    max_wait_seconds: float = MAX_WAIT_SECONDS,
    lease: timedelta = DELIVERY_LEASE,
    limit: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
    rng: random.Random | None = None,
    after_send: Callable[[Parcel], None] | None = None,
) -> DeliveryReport:
    """Send every due outbox row of these channels once; return what happened.

    `max_attempts` defaults to the watch's `alerts.max_attempts`; `after_send` runs
    between a send and its mark (a test hook for crashes).
    """
    now = now or datetime.now(UTC)
    attempts_allowed = max_attempts or watch.alerts.max_attempts
    by_name = {c.name: c for c in channels}
    report = DeliveryReport()
    with write_session(db_path) as con:
        rows = due_alerts(con, now, list(by_name), limit=limit, watch=watch.name)
        # A zero lease (runs serialised by the run lock) holds nothing: the rows stay due,
        # so a rerun after a crash sends them even on a replayed (`--as-of`) clock that
        # starts again at the same time.
        hold_alerts(con, [r.alert_id for r in rows], now + lease if lease else None)
        parcels, unreadable = _parcels(
            con, rows, watch, digest=watch.alerts.mode == "digest", now=now
        )
    fault_point("after-claim")
    report.failed += len(unreadable)
    report.errors.extend(unreadable)
    budget = _WaitBudget(max_wait_seconds)
    paused: set[str] = set()  # channels that failed in a passing way this run
    broken: dict[str, str] = {}  # channels whose configuration is wrong: the reason
    deferred: list[str] = []
    for parcel in parcels:
        ids = [r.alert_id for r in parcel.rows]
        if parcel.channel in paused:
            deferred.extend(ids)
            continue
        if parcel.channel in broken:
            _settle_failed(db_path, parcel, broken[parcel.channel], now, report)
            continue
        try:
            _send_with_waits(by_name[parcel.channel], parcel.message, budget, sleep)
        except RetryableDeliveryError as exc:
            paused.add(parcel.channel)
            _settle_retry(db_path, parcel, exc, now, attempts_allowed, backoff, rng, report)
            continue
        except PermanentDeliveryError as exc:
            if exc.channel_wide:
                broken[parcel.channel] = exc.reason
            _settle_failed(db_path, parcel, exc.reason, now, report)
            continue
        except Exception as exc:  # a channel bug: keep the alert, count it as an attempt
            paused.add(parcel.channel)
            error = RetryableDeliveryError(f"{parcel.channel}: {type(exc).__name__} in send")
            _settle_retry(db_path, parcel, error, now, attempts_allowed, backoff, rng, report)
            continue
        if after_send is not None:
            after_send(parcel)
        fault_point("after-send")
        with write_session(db_path) as con:
            for alert_id in ids:
                mark_sent(con, alert_id, now)
        fault_point("after-mark")
        report.sent += len(ids)
        log.info("alert %s sent on %s", _shown_id(parcel.message), parcel.channel)
    if deferred:
        with write_session(db_path) as con:
            hold_alerts(con, deferred, None)
        report.deferred = len(deferred)
    return report


def _send_with_waits(
    channel: Channel, message: Deliverable, budget: _WaitBudget, sleep: Callable[[float], None]
) -> None:
    """Send; when rate-limited with a Retry-After that fits the budget, wait and resend."""
    tries = 0
    while True:
        try:
            channel.send(message)
            return
        except RetryableDeliveryError as exc:
            tries += 1
            wait = exc.retry_after
            if wait is None or tries >= MAX_TRIES_IN_RUN or not budget.take(wait):
                raise
            log.info("%s: rate limited, waiting %.1fs", channel.name, wait)
            sleep(wait)


def _settle_retry(
    db_path: str | Path,
    parcel: Parcel,
    exc: RetryableDeliveryError,
    now: datetime,
    attempts_allowed: int,
    backoff: Backoff,
    rng: random.Random | None,
    report: DeliveryReport,
) -> None:
    attempt = max(r.attempts for r in parcel.rows) + 1
    if attempt >= attempts_allowed:
        reason = f"{exc.reason} (gave up after {attempt} attempts)"
        _settle_failed(db_path, parcel, reason, now, report)
        return
    wait = max(backoff.delay(attempt, rng), exc.retry_after or 0.0)
    due = now + timedelta(seconds=wait)
    with write_session(db_path) as con:
        for row in parcel.rows:
            mark_retry(con, row.alert_id, exc.reason, now, due)
    report.retried += len(parcel.rows)
    report.errors.append(exc.reason)
    log.warning(
        "alert %s on %s not delivered (%s); next try after %s",
        _shown_id(parcel.message),
        parcel.channel,
        exc.reason,
        due.isoformat(timespec="seconds"),
    )


def _settle_failed(
    db_path: str | Path, parcel: Parcel, reason: str, now: datetime, report: DeliveryReport
) -> None:
    with write_session(db_path) as con:
        for row in parcel.rows:
            mark_failed(con, row.alert_id, reason, now)
    report.failed += len(parcel.rows)
    report.errors.append(reason)
    log.error("alert %s on %s failed: %s", _shown_id(parcel.message), parcel.channel, reason)


def _parcels(
    con: duckdb.DuckDBPyConnection,
    rows: Sequence[OutboxAlert],
    watch: Watch,
    *,
    digest: bool,
    now: datetime,
) -> tuple[list[Parcel], list[str]]:
    """Group due rows into messages: one per row, one per first-run summary and channel,
    or (digest mode) one per channel. Rows whose event cannot be read are marked failed
    (their reasons are returned)."""
    loaded: list[tuple[OutboxAlert, AlertMessage]] = []
    unreadable: list[str] = []
    parcels: list[Parcel] = []
    for row in rows:
        if row.kind == "ops":  # an operator notice: one message of its own, never digested
            try:
                parcels.append(Parcel(row.channel, (row,), load_notice(con, row.event_id)))
            except LookupError as exc:
                reason = f"{row.channel}: cannot build the message: {exc}"
                mark_failed(con, row.alert_id, reason, now)
                unreadable.append(reason)
            continue
        try:
            loaded.append((row, load_alert_message(con, row, watch)))
        except (LookupError, ValueError) as exc:
            reason = f"{row.channel}: cannot build the message: {exc}"
            mark_failed(con, row.alert_id, reason, now)
            unreadable.append(reason)
    groups: dict[tuple[str, str], list[tuple[OutboxAlert, AlertMessage]]] = {}
    for row, message in loaded:
        if digest:
            group = (row.channel, "digest")
        elif row.kind == "summary":
            group = (row.channel, "summary:" + row.message_id)
        else:
            group = (row.channel, "alert:" + row.alert_id)
        groups.setdefault(group, []).append((row, message))
    for (channel, key), members in groups.items():
        group_rows = tuple(r for r, _ in members)
        messages = tuple(m for _, m in members)
        item: Deliverable
        if key.startswith("alert:"):
            item = messages[0]
        elif key.startswith("summary:"):
            item = Digest(group_rows[0].message_id, watch.name, messages, "first_run")
        else:
            parts = sorted(f"{r.message_id}:{r.event_id}" for r in group_rows)
            item = Digest(stable_id("digest", *parts), watch.name, messages, "digest")
        parcels.append(Parcel(channel, group_rows, item))
    return parcels, unreadable


def _shown_id(message: Deliverable) -> str:
    if isinstance(message, OpsNotice):
        return message.notice_id
    return message.digest_id if isinstance(message, Digest) else message.alert_id
