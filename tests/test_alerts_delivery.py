"""Outbox delivery end to end: real DuckDB files, a Slack webhook and an SMTP server on
loopback. Every alert arrives once; a crash can repeat one, never lose one."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from newswatch.alerts.email import EmailChannel
from newswatch.alerts.errors import PermanentDeliveryError, RetryableDeliveryError
from newswatch.alerts.messages import Digest
from newswatch.alerts.policy import AlertIntent
from newswatch.alerts.slack import SlackChannel
from newswatch.core.delivery import Backoff, deliver_due_alerts
from newswatch.storage.db import read_session, write_session
from newswatch.storage.outbox import list_alerts, queue_alerts, reset_failed
from tests.support.alerts import (
    T0,
    RecordingChannel,
    add_reported_call,
    make_db,
    make_watch,
    set_status,
)
from tests.support.loopback import LoopbackServer, Reply, Request
from tests.support.mail import RecordingHandler, run_server

WATCH = make_watch()
HOOK = "/services/T1/B1/delivery-secret"
# Tiny, jitter-free backoff so the tests can step the clock exactly.
BACKOFF = Backoff(base_seconds=60, factor=2, max_seconds=3600, jitter=0.0)


@pytest.fixture(scope="module")
def webhook_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def slack(webhook_server: LoopbackServer) -> Iterator[SlackHook]:
    webhook_server.routes.clear()
    webhook_server.requests.clear()
    yield SlackHook(webhook_server)


class SlackHook:
    """A webhook whose answers the test scripts: a queue of statuses, then `default`."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.answers: list[Reply] = []
        self.default = Reply(200, b"ok")
        self.delivered: list[dict] = []
        server.routes[HOOK] = self._answer

    def _answer(self, request: Request) -> Reply:
        reply = self.answers.pop(0) if self.answers else self.default
        if reply.status == 200:
            self.delivered.append(json.loads(request.body))
        return reply

    @property
    def channel(self) -> SlackChannel:
        return SlackChannel(self.server.url(HOOK))

    @property
    def requests(self) -> int:
        return len(self.server.requests)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = make_db(tmp_path)
    add_reported_call(path, "ev-call")
    return path


def queue(db: Path, intents: list[AlertIntent], channels: list[str], now=T0) -> int:
    with write_session(db) as con:
        # Delivery sends only what the watch's own runs queued: record the run.
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES ('run-1', ?, ?, 'completed') "
            "ON CONFLICT DO NOTHING",
            [WATCH.name, now],
        )
        return queue_alerts(con, intents, channels, "run-1", now)


def outbox(db: Path) -> list:
    with read_session(db) as con:
        return list_alerts(con)


def deliver(db: Path, channels, now=T0, **kw):
    kw.setdefault("backoff", BACKOFF)
    kw.setdefault("sleep", lambda seconds: None)
    return deliver_due_alerts(db, channels, kw.pop("watch", WATCH), now, **kw)


NEW = AlertIntent("ev-call", "new", "confirmed")


def test_slack_down_for_one_run_and_up_for_the_next_delivers_once(
    db: Path, slack: SlackHook
) -> None:
    queue(db, [NEW], ["slack"])
    slack.answers = [Reply(500, b"down")]
    first = deliver(db, [slack.channel])
    assert (first.sent, first.retried, first.failed) == (0, 1, 0)
    (row,) = outbox(db)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == T0 + timedelta(seconds=60)
    assert "HTTP 500" in row.error
    # Not due yet: the next run leaves it alone.
    assert deliver(db, [slack.channel], now=T0 + timedelta(seconds=30)).sent == 0
    second = deliver(db, [slack.channel], now=T0 + timedelta(minutes=30))
    assert second.sent == 1
    assert deliver(db, [slack.channel], now=T0 + timedelta(hours=2)).sent == 0
    assert len(slack.delivered) == 1
    assert slack.requests == 2
    assert outbox(db)[0].status == "sent"


def test_a_wrong_webhook_fails_with_a_clear_reason_and_is_not_retried(
    db: Path, slack: SlackHook
) -> None:
    queue(db, [NEW, AlertIntent("ev-call", "update", "denied", "confirmed")], ["slack"])
    slack.default = Reply(404, b"no_service")
    report = deliver(db, [slack.channel])
    assert (report.sent, report.retried, report.failed) == (0, 0, 2)
    assert slack.requests == 1  # the second alert was not sent to a known-bad webhook
    assert {r.status for r in outbox(db)} == {"failed"}
    assert all("404" in r.error and "SLACK_WEBHOOK_URL" in r.error for r in outbox(db))
    assert "delivery-secret" not in " ".join(report.errors)
    assert deliver(db, [slack.channel], now=T0 + timedelta(days=1)).failed == 0
    assert slack.requests == 1


def test_failed_alerts_go_out_after_alerts_retry(db: Path, slack: SlackHook) -> None:
    queue(db, [NEW], ["slack"])
    slack.answers = [Reply(404, b"no_service")]
    deliver(db, [slack.channel])
    with write_session(db) as con:
        assert reset_failed(con) == 1
    assert deliver(db, [slack.channel], now=T0 + timedelta(minutes=1)).sent == 1
    assert len(slack.delivered) == 1


def test_a_crash_between_send_and_mark_repeats_the_message_once_with_the_same_id(
    db: Path, slack: SlackHook
) -> None:
    queue(db, [NEW], ["slack"])

    def crash(parcel) -> None:
        raise KeyboardInterrupt("killed after sending")

    with pytest.raises(KeyboardInterrupt):
        deliver(db, [slack.channel], after_send=crash)
    assert outbox(db)[0].status == "pending"
    # Leased rows wait out the lease, then go out again.
    assert deliver(db, [slack.channel], now=T0 + timedelta(minutes=1)).sent == 0
    assert deliver(db, [slack.channel], now=T0 + timedelta(minutes=11)).sent == 1
    assert deliver(db, [slack.channel], now=T0 + timedelta(minutes=30)).sent == 0
    first, repeat = slack.delivered
    message_id = outbox(db)[0].message_id
    assert first == repeat
    assert message_id in first["text"]


def test_a_rate_limit_within_the_wait_budget_is_waited_out_in_the_same_run(
    db: Path, slack: SlackHook
) -> None:
    queue(db, [NEW], ["slack"])
    slack.answers = [Reply(429, b"rate_limited", {"Retry-After": "2"})]
    waits: list[float] = []
    report = deliver(db, [slack.channel], sleep=waits.append)
    assert report.sent == 1 and waits == [2.0]
    assert len(slack.delivered) == 1


def test_a_long_rate_limit_leaves_the_alert_pending_until_retry_after(
    db: Path, slack: SlackHook
) -> None:
    queue(db, [NEW], ["slack"])
    slack.answers = [Reply(429, b"rate_limited", {"Retry-After": "600"})]
    waits: list[float] = []
    report = deliver(db, [slack.channel], sleep=waits.append, max_wait_seconds=5)
    assert (report.sent, report.retried, waits) == (0, 1, [])
    assert outbox(db)[0].next_attempt_at == T0 + timedelta(seconds=600)


def test_an_alert_that_keeps_failing_is_marked_failed_after_max_attempts(db: Path) -> None:
    queue(db, [NEW], ["console"])
    flaky = RecordingChannel(fail=lambda n: RetryableDeliveryError("console: still broken"))
    now = T0
    for _ in range(3):
        deliver(db, [flaky], now=now, max_attempts=3)
        now += timedelta(days=1)
    (row,) = outbox(db)
    assert (row.status, row.attempts) == ("failed", 3)
    assert "gave up after 3 attempts" in row.error
    assert flaky.calls == 3


def test_backoff_grows_per_attempt_with_bounded_jitter() -> None:
    backoff = Backoff(base_seconds=10, factor=2, max_seconds=50, jitter=0.2)
    rng = random.Random(7)
    delays = [backoff.delay(n, rng) for n in (1, 2, 3, 4)]
    for delay, raw in zip(delays, (10, 20, 40, 50), strict=True):
        assert raw * 0.8 <= delay <= raw * 1.2
    assert delays[0] < delays[1] < delays[2]


def test_one_channel_failing_does_not_hold_back_another(db: Path, slack: SlackHook) -> None:
    add_reported_call(db, "ev-two")
    queue(db, [NEW, AlertIntent("ev-two", "new", "confirmed")], ["slack", "console"])
    slack.default = Reply(503, b"busy")
    console = RecordingChannel()
    report = deliver(db, [slack.channel, console])
    assert len(console.sent) == 2
    # After the first 503 the second Slack alert waits for the next run, attempt uncounted.
    assert (report.sent, report.retried, report.deferred) == (2, 1, 1)
    assert slack.requests == 1
    slack_rows = sorted(r.attempts for r in outbox(db) if r.channel == "slack")
    assert slack_rows == [0, 1]


def test_a_channel_bug_keeps_the_alert_for_later(db: Path) -> None:
    queue(db, [NEW], ["console"])
    buggy = RecordingChannel(fail=lambda n: ZeroDivisionError("oops") if n == 1 else None)
    assert deliver(db, [buggy]).retried == 1
    assert "ZeroDivisionError" in outbox(db)[0].error
    assert deliver(db, [buggy], now=T0 + timedelta(hours=1)).sent == 1


def test_rows_for_an_unconfigured_channel_stay_pending(db: Path) -> None:
    queue(db, [NEW], ["email"])
    assert deliver(db, [RecordingChannel()]).sent == 0
    assert outbox(db)[0].status == "pending"


def test_no_database_connection_is_open_while_sending(db: Path) -> None:
    queue(db, [NEW], ["console"])
    opened: list[bool] = []

    class Probe(RecordingChannel):
        def send(self, message) -> None:
            # DuckDB refuses a read-only connection while this process holds a writer.
            with read_session(db, wait_seconds=0) as con:
                opened.append(con.execute("SELECT count(*) FROM alerts").fetchone() == (1,))
            super().send(message)

    assert deliver(db, [Probe()]).sent == 1
    assert opened == [True]


def test_a_status_change_sends_an_update_email_threaded_under_the_first(db: Path) -> None:
    handler = RecordingHandler()
    server = run_server(handler)
    try:
        channel = EmailChannel.from_url(f"smtp://127.0.0.1:{server.port}", ["desk@example.org"])
        queue(db, [NEW], ["email"])
        deliver(db, [channel])
        set_status(db, "ev-call", "denied", "the Beta office")
        later = T0 + timedelta(hours=3)
        queue(db, [AlertIntent("ev-call", "update", "denied", "confirmed")], ["email"], now=later)
        report = deliver(db, [channel], now=later)
    finally:
        server.stop()
    assert report.sent == 1
    first, update = (r.message for r in handler.received)
    assert update["In-Reply-To"] == first["Message-ID"]
    assert update["References"] == first["Message-ID"]
    assert "Status update" in update["Subject"]
    text = update.get_body(("plain",))
    assert text is not None and "denied (was confirmed), according to the Beta office" in (
        text.get_content()
    )


def test_digest_mode_sends_one_message_per_channel_for_all_due_alerts(db: Path) -> None:
    add_reported_call(db, "ev-two")
    add_reported_call(db, "ev-three")
    intents = [AlertIntent(e, "new", "confirmed") for e in ("ev-call", "ev-two", "ev-three")]
    queue(db, intents, ["console", "apprise"])
    console, apprise = RecordingChannel("console"), RecordingChannel("apprise")
    report = deliver(db, [console, apprise], watch=make_watch('mode = "digest"'))
    assert report.sent == 6
    for channel in (console, apprise):
        (digest,) = channel.sent
        assert isinstance(digest, Digest)
        assert sorted(m.event_id for m in digest.items) == ["ev-call", "ev-three", "ev-two"]
    assert console.sent[0].digest_id == apprise.sent[0].digest_id
    assert {r.status for r in outbox(db)} == {"sent"}


def test_a_first_run_summary_goes_out_as_one_message(db: Path) -> None:
    add_reported_call(db, "ev-two")
    summary = AlertIntent("summary-id", "summary", None, None, ("ev-call", "ev-two"))
    queue(db, [summary], ["console"])
    console = RecordingChannel()
    assert deliver(db, [console]).sent == 2
    (digest,) = console.sent
    assert isinstance(digest, Digest) and digest.reason == "first_run"
    assert digest.digest_id == "summary-id"
    assert [m.event_id for m in digest.items] == ["ev-call", "ev-two"]


def test_a_permanent_refusal_of_one_message_fails_only_that_one(db: Path) -> None:
    add_reported_call(db, "ev-two")
    queue(db, [NEW, AlertIntent("ev-two", "new", "confirmed")], ["console"])
    picky = RecordingChannel(
        fail=lambda n: PermanentDeliveryError("bad payload") if n == 1 else None
    )
    report = deliver(db, [picky])
    assert (report.sent, report.failed) == (1, 1)
