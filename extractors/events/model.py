"""The reader's working records: people, triggers, anchors, events in the making."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Literal

from newswatch.extractors.actors import Ref
from newswatch.extractors.dates import DateMention, DateRange, Tense
from newswatch.extractors.sentences import Sentence

ContactKind = Literal["call", "meeting", "message"]
Modality = Literal["contact", "statement", "support"]


@dataclass
class Person:
    """A resolved reference: which pair actors it names, or that it names someone else."""

    ref: Ref
    actors: frozenset[str]
    other: bool
    side: str | None = None  # actor key a voice/spokesperson speaks for
    # Named as one of a group ("Zelensky and European leaders"): not one of "the two".
    in_group: bool = False


@dataclass
class Trigger:
    kind: ContactKind
    start: int
    end: int
    text: str
    noun: bool
    plural: bool
    # "call" as a verb is a contact only with a person right after it ("called Putin").
    needs_object: bool = False


@dataclass
class Anchor:
    """One trigger that names a contact of the pair (or a statement about one)."""

    sentence: Sentence
    kind: ContactKind
    trigger: Trigger
    tense: Tense
    modality: Modality
    date_range: DateRange | None
    date_from_speech: bool
    location: str | None
    historical_cue: bool
    is_title: bool
    cancelled: bool = False  # its clause calls it off


@dataclass
class Cluster:
    """One event of the article in the making: its anchors, cues and evidence."""

    kind: ContactKind | Literal["statement"]
    anchors: list[Anchor] = field(default_factory=list)
    supports: list[Sentence] = field(default_factory=list)
    date_range: DateRange | None = None
    date_explicit: bool = False
    speech_day: date | None = None
    report_day: date | None = None
    location: str | None = None
    future: bool = False
    past: bool = False
    denied_by: list[str] = field(default_factory=list)
    cancelled_by: list[str] = field(default_factory=list)
    confirmed_by: list[str] = field(default_factory=list)
    announced_by: list[str] = field(default_factory=list)
    hedged_by: list[str] = field(default_factory=list)
    hedged: bool = False
    denied: bool = False
    cancelled: bool = False
    since_event: bool = False
    historical_cue: bool = False
    first_position: int = 0
    evidence: list[Sentence] = field(default_factory=list)
    evidence_indexes: set[int] = field(default_factory=set)

    def add_evidence(self, sentence: Sentence) -> None:
        if sentence.index >= 0 and sentence.index not in self.evidence_indexes:
            self.evidence_indexes.add(sentence.index)
            self.evidence.append(sentence)


@dataclass
class SentenceInfo:
    """What one sentence holds: its people, contact words, dates, speaker and clauses.

    Dates and the speaker are found on first use: most sentences with a contact word are
    not about the pair, and finding them was a third of reading such a sentence.
    """

    sentence: Sentence
    is_title: bool
    persons: list[Person]
    triggers: list[Trigger]
    clauses: list[tuple[int, int]]
    since_spans: list[tuple[int, int]]
    find_dates: Callable[[], list[DateMention]] = field(repr=False, compare=False)
    find_speaker: Callable[[], tuple[Person | None, str | None]] = field(repr=False, compare=False)

    @cached_property
    def dates(self) -> list[DateMention]:
        return self.find_dates()

    @cached_property
    def _speaker(self) -> tuple[Person | None, str | None]:
        return self.find_speaker()

    @property
    def speaker(self) -> Person | None:
        return self._speaker[0]

    @property
    def speaker_text(self) -> str | None:
        return self._speaker[1]
