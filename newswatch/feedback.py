"""Feedback on events from the people who get the alerts: typed verdicts and their checks.

`newswatch feedback EVENT_ID wrong | duplicate-of EVENT_ID | date YYYY-MM-DD |
kind call|meeting|message | ok [--note TEXT]` becomes one `Feedback`; `parse_feedback`
checks what can be checked without the database, `check_against` what needs it (the
event exists, a merge names two different live events). Both raise `FeedbackError`
with one line, so bad input changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal, get_args

from newswatch.domain import CONTACT_TYPES, stable_id

Verdict = Literal["ok", "wrong", "duplicate", "date", "kind"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
# What a user types → the stored verdict.
_WORDS: dict[str, Verdict] = {
    "ok": "ok",
    "wrong": "wrong",
    "duplicate-of": "duplicate",
    "date": "date",
    "kind": "kind",
}
USAGE = (
    "EVENT_ID wrong | duplicate-of EVENT_ID | date YYYY-MM-DD | "
    "kind call|meeting|message | ok [--note TEXT]"
)


class FeedbackError(ValueError):
    """Feedback that cannot be applied; one line, and nothing was changed."""


@dataclass(frozen=True)
class Feedback:
    """One user's verdict on one event."""

    event_id: str
    verdict: Verdict
    value: str | None
    note: str | None
    given_by: str
    given_at: datetime

    @property
    def feedback_id(self) -> str:
        return stable_id(
            self.event_id, self.verdict, self.value or "", self.given_by, self.given_at.isoformat()
        )

    @property
    def corrected_date(self) -> date | None:
        return date.fromisoformat(self.value) if self.verdict == "date" and self.value else None


def parse_feedback(
    event_id: str,
    words: list[str],
    *,
    note: str | None,
    given_by: str,
    now: datetime,
) -> Feedback:
    """The verdict the command-line words say, checked for form (not yet against the data)."""
    event_id = event_id.strip()
    if not event_id:
        raise FeedbackError("an event id is required")
    if not words:
        raise FeedbackError(f"say what is wrong or right: {USAGE}")
    word, rest = words[0], words[1:]
    verdict = _WORDS.get(word)
    if verdict is None:
        raise FeedbackError(f"unknown verdict {word!r}: {USAGE}")
    needs_value = verdict in ("duplicate", "date", "kind")
    if needs_value and len(rest) != 1:
        raise FeedbackError(f"'{word}' takes one value: {USAGE}")
    if not needs_value and rest:
        raise FeedbackError(f"'{word}' takes no value (got {' '.join(rest)!r})")
    value = rest[0].strip() if rest else None
    if verdict == "date":
        try:
            day = date.fromisoformat(value or "")
        except ValueError:
            raise FeedbackError(f"not a date: {value!r} (use YYYY-MM-DD)") from None
        if day > now.date():
            raise FeedbackError(f"{day.isoformat()} is in the future; a contact's day cannot be")
    if verdict == "kind" and value not in CONTACT_TYPES:
        raise FeedbackError(f"kind must be one of {', '.join(CONTACT_TYPES)} (got {value!r})")
    if verdict == "duplicate" and value == event_id:
        raise FeedbackError(f"event {event_id} cannot be a duplicate of itself")
    return Feedback(
        event_id=event_id,
        verdict=verdict,
        value=value,
        note=(note or "").strip() or None,
        given_by=given_by,
        given_at=now,
    )


@dataclass(frozen=True)
class EventState:
    """What the database says of an event, for the checks."""

    event_id: str
    survivor_id: str  # itself, or the event it was merged into
    retracted: bool


def check_against(
    feedback: Feedback, subject: EventState | None, target: EventState | None
) -> Feedback:
    """Feedback on the surviving events, or `FeedbackError` when the ids do not fit."""
    if subject is None:
        raise FeedbackError(f"no event with id {feedback.event_id}")
    resolved = replace(feedback, event_id=subject.survivor_id)
    if feedback.verdict == "duplicate":
        if target is None:
            raise FeedbackError(f"no event with id {feedback.value}")
        if target.survivor_id == subject.survivor_id:
            raise FeedbackError(
                f"events {feedback.event_id} and {feedback.value} are already one event"
            )
        if target.retracted:
            raise FeedbackError(f"event {feedback.value} was marked wrong; merge into a live one")
        resolved = replace(resolved, value=target.survivor_id)
    return resolved


@dataclass(frozen=True)
class QualityRow:
    """Live precision of alerted events over one group (a week or an extractor)."""

    group: str
    alerted: int
    labelled: int
    ok: int
    wrong: int
    duplicate: int
    redated: int
    rekinded: int

    @property
    def precision(self) -> float | None:
        judged = self.ok + self.wrong + self.duplicate
        return self.ok / judged if judged else None
