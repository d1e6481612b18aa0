"""When (and where) a contact happened: dates next to its trigger, speech days, ranges.

Pure functions over one sentence's record and the article's reference day (step 6 of the
package docstring); `finish_dates` fills in what the text left open.
"""

from __future__ import annotations

from datetime import date, timedelta

from newswatch.extractors.dates import (
    DateMention,
    DateRange,
    Tense,
    find_date_mentions,
    resolve_mention,
)
from newswatch.extractors.events.interface import PLANNED_HORIZON_DAYS, REPORTED_LOOKBACK_DAYS
from newswatch.extractors.events.model import Cluster, SentenceInfo, Trigger
from newswatch.extractors.events.triggers import clause_of, find_triggers, inside
from newswatch.extractors.events.vocabulary import Vocabulary


def trigger_dates(
    info: SentenceInfo,
    trigger: Trigger,
    clause: tuple[int, int],
    tense: Tense,
    reference: date | None,
    v: Vocabulary,
) -> list[tuple[DateRange, bool]]:
    """Dates for a trigger: those in its own part of the clause (nearest first), then its
    sentence's speech day. `clause` is cut at other contacts' words ("agreed to meet during a
    call last Thursday": Thursday is the call's day)."""
    if reference is None:
        return []
    text = info.sentence.text
    own: list[tuple[int, DateRange]] = []
    speech: list[DateRange] = []
    for mention in info.dates:
        if inside(info.since_spans, mention.start):
            continue
        if is_speech_date(text, mention, v):
            speech_range = resolve_mention(mention, reference, "past")
            # Nobody says anything after the article: "confirmed the summit on Aug. 15",
            # read on Aug. 9, dates the summit.
            if speech_range is None or speech_range.earliest <= reference:
                if speech_range:
                    speech.append(speech_range)
                continue
        if not clause[0] <= mention.start < clause[1]:
            continue
        resolved = resolve_mention(mention, reference, tense)
        if resolved is None:
            continue
        distance = (
            mention.start - trigger.end
            if mention.start >= trigger.end
            else (trigger.start - mention.end) * 2
        )
        # An explicit day beats a weekday in apposition ("next Friday, August 15").
        precision = 0 if mention.kind == "day" else 1
        own.append((distance + precision * 30, resolved))
    own.sort(key=lambda item: item[0])
    found: list[tuple[DateRange, bool]] = [(r, False) for _, r in own]
    found.extend((r, True) for r in speech)
    return found


def is_speech_date(text: str, mention: DateMention, v: Vocabulary) -> bool:
    """A date that dates the saying ("said on Monday", "The Kremlin on Monday denied")."""
    before = text[max(0, mention.start - 70) : mention.start]
    verbs = list(v.speech_verb.finditer(before))
    if verbs:
        last = verbs[-1]
        between = before[last.end() :]
        between_triggers = find_triggers(between, v)
        if not between_triggers and len(between.split()) <= 7:
            return True
        # "announced the summit on Oct. 16": the date goes with the announcing.
        if between_triggers and v.announced_object.fullmatch(between):
            return True
    attribution = v.date_then_speech.match(text, mention.end)
    if attribution is None:
        return False
    if not attribution.group("comma"):
        return True  # "Putin on Monday said", "The Kremlin on Monday denied"
    # With a comma: "Speaking to reporters on Friday, Trump said that ..." dates the saying,
    # but a closing attribution ("will meet within two weeks, Trump said.") leaves the date
    # to the reported clause.
    return not v.closing_attribution.match(text, attribution.end())


def since_events(
    info: SentenceInfo, trigger: Trigger, reference: date | None, v: Vocabulary
) -> list[Cluster]:
    """ "the first call between them since July 2020": an older contact of that kind."""
    text = info.sentence.text
    if reference is None or not v.first_ordinal.search(
        text[max(0, trigger.start - 40) : trigger.start]
    ):
        return []
    clause = clause_of(info.clauses, trigger.start)
    out: list[Cluster] = []
    for start, end in info.since_spans:
        if start < trigger.end or start > clause[1] + 1:
            continue
        complement = text[start:end]
        if any(start <= p.ref.start < end for p in info.persons):
            continue  # "since Trump returned to the White House": not a contact
        mentions = [m for m in info.dates if start <= m.start < end]
        if not mentions:
            continue
        resolved = resolve_mention(mentions[-1], reference, "past")
        if resolved is None:
            continue
        own = find_triggers(complement, v)
        kind = own[0].kind if own else trigger.kind
        location = None
        if kind == "meeting":
            location = find_location(complement, v)
            bare = v.bare_since_place.match(complement)
            if location is None and bare and bare.group(1) not in v.set("not_places"):
                location = bare.group(1)
        cluster = Cluster(kind=kind, date_range=resolved, date_explicit=True, past=True)
        cluster.since_event = True
        cluster.historical_cue = True
        cluster.location = location
        cluster.add_evidence(info.sentence)
        out.append(cluster)
    return out


def date_from_telling(
    clusters: list[Cluster],
    infos: list[SentenceInfo],
    pair: frozenset[str],
    reference: date | None,
    v: Vocabulary,
) -> None:
    """ "Putin told Trump on Tuesday that ...": the day of the article's one undated contact.

    A story about a call often says who told whom what, and when, without naming the call
    again; one of the pair telling the other names the day of that exchange.
    """
    if reference is None:
        return
    undated = [
        c
        for c in clusters
        if c.kind in ("call", "meeting")
        and not c.since_event
        and not c.historical_cue
        and not c.date_explicit
        and c.past
        and not c.future
    ]
    if len(undated) != 1:
        return
    target = undated[0]
    for info in infos:
        if info.is_title:
            continue
        text = info.sentence.text
        for verb in v.tell_verb.finditer(text):
            speaker = [p for p in info.persons if p.ref.end <= verb.start()]
            hearer = [p for p in info.persons if p.ref.start >= verb.end()]
            if not speaker or not hearer or len(speaker[-1].actors) != 1:
                continue
            if text[speaker[-1].ref.end : verb.start()].strip() or (
                hearer[0].ref.start - verb.end() > 1
            ):
                continue  # the pair must be the verb's own subject and object
            if speaker[-1].actors | hearer[0].actors != pair:
                continue
            day = v.day_right_after.match(text, hearer[0].ref.end)
            if day is None:
                continue
            mentions = find_date_mentions(day.group("when"), v.calendar)
            resolved = resolve_mention(mentions[0], reference, "past") if mentions else None
            if resolved is None or resolved.day is None:
                continue
            target.date_range = resolved
            target.date_explicit = True
            target.add_evidence(info.sentence)
            return


def finish_dates(cluster: Cluster, reference: date | None, history_days: int) -> None:
    """Fill in the range of an event whose text gave no day (package doc, step 6).

    The range is what the text supports, no guess of a day: a held contact told as news
    happened in the days before the article (`REPORTED_LOOKBACK_DAYS`), one named as
    background within the watch's `history_days`; a planned one lies ahead, within the
    planning horizon; a cancelled one was planned for some day around the article.
    """
    if reference is None:
        return
    if cluster.kind == "statement":
        day = cluster.speech_day or reference
        cluster.date_range = DateRange(day, day)
        return
    if cluster.date_explicit and cluster.date_range is not None:
        return
    if cluster.cancelled:
        cluster.date_range = DateRange(
            reference - timedelta(days=REPORTED_LOOKBACK_DAYS),
            reference + timedelta(days=PLANNED_HORIZON_DAYS),
        )
        return
    if cluster.future and not cluster.past:
        cluster.date_range = DateRange(reference, reference + timedelta(days=PLANNED_HORIZON_DAYS))
        return
    if cluster.speech_day and cluster.confirmed_by and not cluster.denied and not cluster.hedged:
        # "Trump said on Wednesday he had held a call": announced the day it happened.
        cluster.date_range = DateRange(cluster.speech_day, cluster.speech_day)
        return
    latest = min(cluster.report_day or reference, reference)
    # Told as news, it is recent (news of a contact surfaces within days); named as
    # background ("their recent summit", "days after the call"), only current.
    lookback = history_days if cluster.historical_cue else REPORTED_LOOKBACK_DAYS
    cluster.date_range = DateRange(latest - timedelta(days=lookback), latest)


def is_future(before: str, after: str, v: Vocabulary, *, framed: bool = False) -> bool:
    """Whether the clause puts its contact ahead: "will speak", "the call would take place".

    `framed`: the trigger is a noun, which a preposition right before may make the frame of
    the clause ("agreed to a truce in a call") rather than what it puts ahead.
    """
    if framed and v.frame_preposition.search(before):
        # "agreed to a truce in a call with Trump": the call frames the agreement.
        return bool(v.future_after.search(after))
    cues = list(v.future.finditer(before))
    # "he will meet Putin after a call", "agreed to meet during a call": the call is what the
    # future is measured from, not part of it.
    if cues and not v.reference_preposition.search(before[cues[-1].end() :]):
        return True
    return bool(v.future_after.search(after))


def is_present_form(trigger: Trigger, before: str, v: Vocabulary) -> bool:
    """A verb trigger without tense of its own: "Trump and Putin talk on Tuesday", "to meet"."""
    if trigger.noun or trigger.text.lower() not in v.set("present_forms"):
        return False
    # "did not meet", "have to meet"... an auxiliary right before gives the tense.
    return not v.auxiliary_before.search(before)


def find_location(clause: str, v: Vocabulary) -> str | None:
    """The place a clause names for a meeting ("in Helsinki", "the Alaska summit")."""
    not_places = v.set("not_places")
    for match in v.place.finditer(clause):
        place = match.group("place").strip()
        first = place.split()[0].rstrip(",")
        if first in not_places or place in not_places or v.date_word.match(place):
            continue
        return place
    bare = v.place_before_noun.search(clause)
    if bare and bare.group("place") not in not_places:
        return bare.group("place")
    return None


def overlap(a: DateRange, b: DateRange) -> bool:
    return a.earliest <= b.latest and b.earliest <= a.latest


def is_old(cluster: Cluster, reference: date | None, history_days: int) -> bool:
    if reference is None or cluster.date_range is None:
        return False
    return (reference - cluster.date_range.latest).days >= history_days
