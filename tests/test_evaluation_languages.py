"""Per-language figures: each language's pages scored on their own labels and predictions."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from newswatch.domain import Mention, StoredEvent
from newswatch.evaluation import evaluate_by_language

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def labels() -> dict[str, Any]:
    return {
        "events": [
            {"id": "call-a", "type": "call", "date": "2025-02-02", "date_earliest": "2025-02-02",
             "date_latest": "2025-02-02", "status": "confirmed", "participants": ["a", "b"], "notes": ""},
        ],
        "articles": [
            {"file": "en1.html", "language": "en", "events": ["call-a"], "historical_mentions": [], "statements": []},
            {"file": "fi1.html", "language": "fi", "events": [], "historical_mentions": [], "statements": []},
            {"file": "de1.html", "language": "de", "events": ["call-a"], "historical_mentions": [], "statements": []},
        ],
    }  # fmt: skip


def call(event_id: str, day: date) -> StoredEvent:
    return StoredEvent(
        event_id, "call", ("a", "b"), "confirmed", day, day, day, None, event_id, False, NOW, NOW
    )


FILES = {"x-en": "en1.html", "x-fi": "fi1.html", "x-de": "de1.html"}


def test_each_language_is_scored_on_its_own_pages() -> None:
    events = [call("e1", date(2025, 2, 2)), call("e2", date(2025, 3, 9))]
    mentions = [
        Mention("e1", "x-en", "evidence", "confirmed"),
        Mention("e2", "x-fi", "evidence", "confirmed"),  # a decoy page yields a false row
    ]
    reports = evaluate_by_language(labels(), events, mentions, FILES)
    assert sorted(reports) == ["de", "en", "fi"]
    en, fi, de = reports["en"], reports["fi"], reports["de"]
    assert (en.labelled_contacts, en.predicted_contacts, en.matched) == (1, 1, 1)
    assert (en.precision, en.recall) == (1.0, 1.0)
    # Finnish pages label nothing and predicted one contact: precision 0, nothing to recall.
    assert (fi.labelled_contacts, fi.predicted_contacts, fi.precision, fi.recall) == (
        0,
        1,
        0.0,
        1.0,
    )
    # The German page names the call, but no German page gave a row for it: a miss.
    assert (de.labelled_contacts, de.predicted_contacts, de.recall) == (1, 0, 0.0)


def test_the_headline_line_names_the_contact_figures() -> None:
    reports = evaluate_by_language(labels(), [], [], FILES)
    assert reports["fi"].headline() == (
        "labelled 0, predicted 0, matched 0; precision 1.000  recall 1.000  status 1.000 (0/0)"
    )
