"""Scoring predicted events against labels: what counts as a match, a miss, an extra row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from newswatch.domain import EventStatus, EventType, Mention, StoredEvent
from newswatch.evaluation import evaluate, parse_labels

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def labels() -> dict[str, Any]:
    return {
        "events": [
            {"id": "call-a", "type": "call", "date": "2025-02-02", "date_earliest": "2025-02-02",
             "date_latest": "2025-02-02", "status": "confirmed", "participants": ["b", "a"], "notes": ""},
            {"id": "meet-old", "type": "meeting", "date": None, "date_earliest": "2019-06-01",
             "date_latest": "2019-06-30", "status": "confirmed", "participants": ["a", "b"], "notes": ""},
            {"id": "soft", "type": "call", "date": None, "date_earliest": "2021-01-20", "date_latest": "2024-11-07",
             "status": "reported", "participants": ["a", "b"], "notes": "Soft label: may be left out."},
        ],
        "articles": [
            {"file": "p1.html", "events": ["call-a"], "historical_mentions": ["meet-old"], "statements": []},
            {"file": "p2.html", "events": ["call-a"], "historical_mentions": [], "statements": ["willing"]},
        ],
    }  # fmt: skip


def event(
    event_id: str,
    kind: EventType,
    earliest: date,
    latest: date,
    status: EventStatus = "confirmed",
    historical: bool = False,
) -> StoredEvent:
    day = earliest if earliest == latest else None
    return StoredEvent(
        event_id,
        kind,
        ("a", "b"),
        status,
        day,
        earliest,
        latest,
        None,
        event_id,
        historical,
        NOW,
        NOW,
    )


FILES = {"x1": "p1.html", "x2": "p2.html"}


def mention(event_id: str, article_id: str) -> Mention:
    return Mention(event_id, article_id, f"evidence of {event_id}", "confirmed")


def perfect() -> tuple[list[StoredEvent], list[Mention]]:
    events = [
        event("e1", "call", date(2025, 2, 2), date(2025, 2, 2)),
        event("e2", "meeting", date(2019, 6, 1), date(2019, 6, 30), historical=True),
    ]
    return events, [mention("e1", "x1"), mention("e1", "x2"), mention("e2", "x1")]


def test_a_perfect_prediction_scores_one_everywhere() -> None:
    events, mentions = perfect()
    report = evaluate(labels(), events, mentions, FILES)
    assert (report.precision, report.recall, report.status_accuracy, report.extra_rows) == (
        1.0,
        1.0,
        1.0,
        0,
    )
    assert report.historical_all_recognised


def test_a_second_row_for_one_contact_is_an_extra_row_and_costs_precision() -> None:
    events, mentions = perfect()
    events.append(event("e3", "call", date(2025, 1, 30), date(2025, 2, 5)))
    report = evaluate(labels(), events, [*mentions, mention("e3", "x2")], FILES)
    assert report.extra_rows == 1 and report.precision == 2 / 3 and report.recall == 1.0


def test_the_row_with_the_labelled_articles_wins_the_match() -> None:
    events, mentions = perfect()
    decoy = event("e0", "call", date(2025, 2, 2), date(2025, 2, 2))
    report = evaluate(labels(), [decoy, *events], mentions, FILES)
    assert [f.event_id for f in report.findings if f.kind == "extra_row"] == ["e0"]


def test_a_contact_matching_no_label_is_a_false_positive_with_its_evidence() -> None:
    events, mentions = perfect()
    events.append(event("e9", "message", date(2025, 2, 2), date(2025, 2, 2)))
    report = evaluate(labels(), events, [*mentions, mention("e9", "x1")], FILES)
    (finding,) = [f for f in report.findings if f.kind == "false_positive"]
    assert finding.event_id == "e9" and "evidence of e9" in finding.evidence
    assert report.precision == 2 / 3


def test_a_missing_contact_lowers_recall() -> None:
    events, mentions = perfect()
    report = evaluate(labels(), events[1:], mentions[2:], FILES)
    assert report.recall == 0.5 and any(
        f.kind == "miss" and f.label_id == "call-a" for f in report.findings
    )


def test_a_soft_label_is_optional() -> None:
    events, mentions = perfect()
    assert evaluate(labels(), events, mentions, FILES).labelled_contacts == 2
    soft = event(
        "e5", "call", date(2022, 1, 1), date(2022, 1, 1), status="reported", historical=True
    )
    assert evaluate(labels(), [*events, soft], mentions, FILES).labelled_contacts == 3


def test_a_wrong_final_status_is_counted() -> None:
    events, mentions = perfect()
    events[0] = event("e1", "call", date(2025, 2, 2), date(2025, 2, 2), status="reported")
    report = evaluate(labels(), events, mentions, FILES)
    assert report.status_accuracy == 0.5


def test_a_history_only_contact_stored_as_current_is_flagged() -> None:
    events, mentions = perfect()
    events[1] = event("e2", "meeting", date(2019, 6, 1), date(2019, 6, 30), historical=False)
    report = evaluate(labels(), events, mentions, FILES)
    assert report.history_only_alertable == 1 and not report.historical_all_recognised


def test_mention_level_history_flags_are_used_when_given() -> None:
    events, mentions = perfect()
    assert (
        evaluate(
            labels(), events, mentions, FILES, historical_mentions={("e2", "x1")}
        ).historical_recognised
        == 1
    )
    assert (
        evaluate(labels(), events, mentions, FILES, historical_mentions=set()).historical_recognised
        == 0
    )


def test_statements_are_never_counted_as_contacts() -> None:
    events, mentions = perfect()
    statement = event("s1", "statement", date(2025, 2, 2), date(2025, 2, 2))
    report = evaluate(labels(), [*events, statement], [*mentions, mention("s1", "x2")], FILES)
    assert report.predicted_contacts == 2 and report.statements_predicted == 1
    assert report.statement_articles_found == 1


def test_to_text_prints_the_figures() -> None:
    events, mentions = perfect()
    text = evaluate(parse_labels(labels()), events, mentions, FILES).to_text()
    assert "contact precision 1.000  recall 1.000" in text and "extra rows 0" in text
