"""The outbox table: idempotent queuing, due rows, state changes, and message loading."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from newswatch.alerts.policy import AlertIntent
from newswatch.storage.db import read_session, write_session
from newswatch.storage.outbox import (
    due_alerts,
    list_alerts,
    load_alert_message,
    mark_failed,
    mark_retry,
    mark_sent,
    queue_alerts,
    reset_failed,
)
from tests.support.alerts import (
    T0,
    add_event,
    add_reported_call,
    make_db,
    make_watch,
)

WATCH = make_watch()
NEW = AlertIntent("ev-call", "new", "confirmed")


def queue(db: Path, intents, channels=("console", "slack"), now=T0) -> int:
    with write_session(db) as con:
        return queue_alerts(con, intents, list(channels), "run-1", now)


def rows(db: Path, status: str | None = None):
    with read_session(db) as con:
        return list_alerts(con, status)


def due(db: Path, now=T0, channels=("console", "slack")):
    with read_session(db) as con:
        return due_alerts(con, now, list(channels))


def test_queuing_makes_one_pending_row_per_channel(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    assert queue(db, [NEW]) == 2
    assert sorted((r.channel, r.status, r.kind) for r in rows(db)) == [
        ("console", "pending", "new"),
        ("slack", "pending", "new"),
    ]


def test_queuing_the_same_alert_again_is_a_no_op(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    queue(db, [NEW])
    assert queue(db, [NEW], now=T0 + timedelta(hours=1)) == 0
    assert len(rows(db)) == 2


def test_channels_share_one_message_id_but_not_the_alert_id(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    queue(db, [NEW, AlertIntent("ev-call", "update", "denied", "confirmed")])
    new_rows = [r for r in rows(db) if r.kind == "new"]
    assert len({r.message_id for r in new_rows}) == 1
    assert len({r.alert_id for r in new_rows}) == 2
    assert {r.message_id for r in rows(db) if r.kind == "update"} != {new_rows[0].message_id}


def test_a_rolled_back_event_change_leaves_no_alert_behind(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    with pytest.raises(RuntimeError), write_session(db) as con:
        queue_alerts(con, [NEW], ["console"], "run-1", T0)
        raise RuntimeError("the event write failed")
    assert rows(db) == []


def test_a_summary_queues_every_covered_event_under_one_message_id(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    summary = AlertIntent("digest-1", "summary", None, None, ("ev-a", "ev-b"))
    assert queue(db, [summary]) == 4
    queued = rows(db)
    assert {r.event_id for r in queued} == {"ev-a", "ev-b"}
    assert {r.message_id for r in queued} == {"digest-1"}


def test_due_alerts_skip_sent_failed_later_and_other_channels(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    intents = [AlertIntent(f"ev-{n}", "new", "confirmed") for n in range(4)]
    queue(db, intents, channels=("slack", "email"))
    by_event = {r.event_id: r for r in rows(db) if r.channel == "slack"}
    with write_session(db) as con:
        mark_sent(con, by_event["ev-0"].alert_id, T0)
        mark_failed(con, by_event["ev-1"].alert_id, "nope", T0)
        mark_retry(con, by_event["ev-2"].alert_id, "later", T0, T0 + timedelta(minutes=5))
    assert [r.event_id for r in due(db, channels=("slack",))] == ["ev-3"]
    later = due(db, now=T0 + timedelta(minutes=5), channels=("slack",))
    assert [r.event_id for r in later] == ["ev-2", "ev-3"]


def test_a_new_alert_is_due_before_the_update_queued_with_it(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    queue(
        db,
        [AlertIntent("ev", "update", "confirmed", "planned"), AlertIntent("ev", "new", "planned")],
    )
    assert [r.kind for r in due(db, channels=("slack",))] == ["new", "update"]


def test_marks_count_attempts_and_keep_the_last_error(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    queue(db, [NEW], channels=("slack",))
    (row,) = rows(db)
    with write_session(db) as con:
        mark_retry(con, row.alert_id, "slack: server error (HTTP 500)", T0, None)
        mark_retry(con, row.alert_id, "slack: timed out", T0, None)
        mark_failed(con, row.alert_id, "slack: HTTP 404: no such webhook", T0)
    (after,) = rows(db)
    assert (after.status, after.attempts, after.error) == (
        "failed",
        3,
        "slack: HTTP 404: no such webhook",
    )


def test_reset_failed_makes_failed_alerts_due_again(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    queue(db, [NEW])
    with write_session(db) as con:
        for row in list_alerts(con):
            mark_failed(con, row.alert_id, "broken", T0)
    with write_session(db) as con:
        assert reset_failed(con) == 2
    assert len(due(db)) == 2
    assert {r.attempts for r in rows(db)} == {0}


def test_a_message_names_the_pair_and_quotes_the_original_not_the_copy(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    add_reported_call(db, title="Leaders talk")
    queue(db, [NEW], channels=("email",))
    (row,) = rows(db)
    with read_session(db) as con:
        message = load_alert_message(con, row.alert_id, WATCH)
    assert message.participant_names == ("Anna Alpha", "Boris Beta")
    assert message.evidence.startswith("The Alpha office said")
    assert message.asserted_by == "the Alpha office"
    assert (message.independent_sources, message.copies) == (1, 1)
    assert [(s[0], s[2]) for s in message.sources] == [
        ("Wire: Leaders talk", False),
        ("copycat.example: Leaders talk", True),
    ]
    assert message.alert_id == row.message_id
    assert message.watch == "pair-watch"


def test_an_update_message_threads_under_the_first_new_alert(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    add_reported_call(db)
    queue(db, [NEW], channels=("email",))
    queue(
        db,
        [AlertIntent("ev-call", "update", "denied", "confirmed")],
        channels=("email",),
        now=T0 + timedelta(hours=2),
    )
    new_row, update_row = sorted(rows(db), key=lambda r: r.created_at)
    with read_session(db) as con:
        message = load_alert_message(con, update_row, WATCH)
    assert (message.kind, message.status, message.previous_status) == (
        "update",
        "denied",
        "confirmed",
    )
    assert message.thread_id == new_row.message_id


def test_loading_an_alert_whose_event_is_missing_says_so(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    add_event(db, "other")
    queue(db, [AlertIntent("gone", "new", "confirmed")], channels=("slack",))
    (row,) = rows(db)
    with read_session(db) as con, pytest.raises(LookupError, match="gone"):
        load_alert_message(con, row, WATCH)


def test_due_alerts_of_a_watch_are_only_those_its_own_runs_queued(tmp_path: Path) -> None:
    db = make_db(tmp_path)
    add_reported_call(db, "ev-call")
    with write_session(db) as con:
        con.execute(
            "INSERT INTO runs (run_id, watch, started_at, status) VALUES "
            "('run-1', ?, ?, 'completed'), ('run-other', 'other-watch', ?, 'completed')",
            [WATCH.name, T0, T0],
        )
        queue_alerts(con, [NEW], ["console"], "run-other", T0)
    with read_session(db) as con:
        assert due_alerts(con, T0, ["console"], watch=WATCH.name) == []
        assert len(due_alerts(con, T0, ["console"], watch="other-watch")) == 1
