"""Modality and status: what a sentence says about its contact, and the event's status.

Steps 4 and 5 of the package docstring: willingness words, negation, denial, cancellation,
confirmation and hedging, and who says so.
"""

from __future__ import annotations

import re
from datetime import date

from newswatch.domain import EventStatus
from newswatch.extractors.dates import resolve_mention
from newswatch.extractors.events.dating import is_speech_date
from newswatch.extractors.events.model import Cluster, Person, SentenceInfo, Trigger
from newswatch.extractors.events.people import side, source_of
from newswatch.extractors.events.triggers import clause_of
from newswatch.extractors.events.vocabulary import Vocabulary


def apply_cues(
    cluster: Cluster,
    info: SentenceInfo,
    trigger: Trigger,
    pair: frozenset[str],
    reference: date | None,
    v: Vocabulary,
) -> None:
    """Status cues of one sentence, applied to the event its trigger belongs to."""
    text = info.sentence.text
    speaker_side = side(info.speaker)
    who = info.speaker_text
    clause = clause_of(info.clauses, trigger.start)
    denial_verb = v.denial_verb.search(text)
    denial_phrase = v.denial_phrase.search(text)
    if (
        (denial_verb and denial_verb.start() < trigger.start)
        or (
            denial_phrase
            and abs(denial_phrase.start() - trigger.start) < 120
            # "..., because many said it was fake news": another clause's denial.
            and clause_of(info.clauses, denial_phrase.start()) == clause
        )
        or occurrence_negated(text, trigger, info.persons, v)
    ):
        cluster.denied = True
        if who:
            cluster.denied_by.append(who)
        return
    cancel = v.cancel.search(text, clause[0], clause[1])
    if cancel and v.threat_before.search(text[max(0, cancel.start() - 40) : cancel.start()]):
        cancel = None  # "threatened to cancel the summit": still planned
    if cancel:
        cluster.cancelled = True
        if who:
            cluster.cancelled_by.append(who)
        return
    participant_speaks = speaker_side in pair
    if participant_speaks and who:
        if v.confirm_verb.search(text):
            cluster.confirmed_by.insert(0, who)
        else:
            cluster.confirmed_by.append(who)
        cluster.announced_by.append(who)
    hedge = v.hedge.search(text)
    if hedge and not participant_speaks:
        cluster.hedged = True
        source = who or source_of(text, hedge, v)
        if source:
            cluster.hedged_by.append(source)
        if reference is not None:
            for mention in info.dates:
                if is_speech_date(text, mention, v):
                    reported = resolve_mention(mention, reference, "past")
                    if reported:
                        cluster.report_day = reported.latest


def occurrence_negated(text: str, trigger: Trigger, persons: list[Person], v: Vocabulary) -> bool:
    """ "had not spoken", "no Trump-Putin call took place": the contact itself is negated."""
    start = max(0, trigger.start - 40)
    window = text[start : trigger.start]
    for person in sorted(persons, key=lambda p: -p.ref.start):
        if start <= person.ref.start and person.ref.end <= trigger.start:
            # "him" stands in for anyone (the auxiliary_only pattern knows it).
            window = window[: person.ref.start - start] + "him" + window[person.ref.end - start :]
    negations = list(v.negation.finditer(window))
    if not negations:
        return False
    return bool(v.auxiliary_only.match(window[negations[-1].end() :]))


def governing_statement_cue(before: str, v: Vocabulary) -> bool:
    """A willingness word that governs the trigger: "willing to hold talks", "ready to meet"."""
    for match in v.statement.finditer(before):
        if v.copula_before.search(before[: match.start()]) and match.group(0).lower() in v.set(
            "schedule_adjectives"
        ):
            continue  # "are expected to hold talks in Helsinki on July 16": a schedule
        between = before[match.end() :]
        last_words = " ".join(between.split()[-3:])
        if _PRE_STATEMENT_GAP.match(between) and not v.not_governed.search(last_words):
            return True
    return False


def status(cluster: Cluster) -> tuple[EventStatus, str | None]:
    """The event's status in this article and who says so (package docstring, step 5)."""
    if cluster.kind == "statement":
        return "confirmed", _first(cluster.confirmed_by, cluster.announced_by)
    if cluster.cancelled:
        return "cancelled", _first(cluster.cancelled_by, cluster.announced_by)
    if cluster.denied:
        return "denied", _first(cluster.denied_by)
    if cluster.future and not cluster.past:
        return "planned", _first(cluster.announced_by, cluster.hedged_by)
    if cluster.confirmed_by:
        return "confirmed", cluster.confirmed_by[0]
    if cluster.hedged:
        return "reported", _first(cluster.hedged_by)
    return "confirmed", None


def _first(*lists: list[str]) -> str | None:
    for names in lists:
        if names:
            return names[0]
    return None


# Willingness words must govern the trigger ("willing to hold talks"), not sit anywhere in
# the clause ("invited Trump to Moscow during a telephone conversation" is a call).
_PRE_STATEMENT_GAP = re.compile(r"^(?>\s*[\w’'.,-]+){0,7}\s*$")
