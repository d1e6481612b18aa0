"""The article reader: sentences to anchors, anchors to events, events to candidates.

`RuleBasedExtractor` is the default `EventExtractor`; `ArticleReader` reads one text with
one compiled vocabulary (package docstring, steps 1-7).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Literal

from newswatch.config import Watch
from newswatch.domain import Article, CandidateEvent
from newswatch.extractors.actors import ActorLexicon
from newswatch.extractors.dates import (
    MONTHS,
    WEEKDAYS,
    DateMention,
    DateRange,
    Tense,
    dateline_end,
    find_date_mentions,
    reference_day,
    resolve_mention,
)
from newswatch.extractors.events.candidates import candidates
from newswatch.extractors.events.clusters import anaphor_target, better_date, place
from newswatch.extractors.events.dating import (
    date_from_telling,
    find_location,
    is_future,
    is_present_form,
    is_speech_date,
    since_events,
    trigger_dates,
)
from newswatch.extractors.events.languages import available_languages, name_inflections
from newswatch.extractors.events.model import (
    Anchor,
    Cluster,
    Modality,
    Person,
    SentenceInfo,
    Trigger,
)
from newswatch.extractors.events.people import People, speaker
from newswatch.extractors.events.status import (
    apply_cues,
    governing_statement_cue,
    occurrence_negated,
)
from newswatch.extractors.events.triggers import (
    clause_of,
    clauses,
    find_triggers,
    inside,
    partner,
    since_spans,
    subject,
)
from newswatch.extractors.events.vocabulary import Vocabulary, vocabulary_for
from newswatch.extractors.language import reading_languages
from newswatch.extractors.sentences import Sentence, split_sentences
from newswatch.extractors.stories import split_stories


class RuleBasedExtractor:
    """The default extractor: phrasing rules driven by the watch's vocabulary (package doc)."""

    def extract(self, article: Article, watch: Watch) -> list[CandidateEvent]:
        """Candidate contacts and statements between `watch.contacts.pair` in `article.text`."""
        if article.page_kind != "article" or not article.text.strip():
            return []
        stories = split_stories(article.text)
        if len(stories) <= 1:
            return _read_in_its_languages(article, watch, f"{article.title or ''}\n{article.text}")
        # A digest or bulletin: each story is read on its own (its languages, people, dates
        # and speakers), all against the page's own day; the page title heads none of them.
        reference = reference_day(article.published_at, article.text)
        found: list[CandidateEvent] = []
        for story in stories:
            part = replace(article, text=article.text[story.start : story.end], title=None)
            found.extend(_read_in_its_languages(part, watch, part.text, reference=reference))
        return found


def _read_in_its_languages(
    article: Article, watch: Watch, text: str, *, reference: date | None = None
) -> list[CandidateEvent]:
    """Read a page (or one story of it) with the packs of its languages (extractors.language);
    none fits: no events."""
    if not _may_name_the_pair(watch, text):
        return []
    languages = reading_languages(
        article.language,
        text,
        available_languages(),
        lambda codes: vocabulary_for(codes).trigger,
    )
    if languages is None:
        return []
    lexicon = ActorLexicon.for_watch(watch, name_inflections(languages))
    reader = ArticleReader(article, watch, lexicon, vocabulary_for(languages), reference=reference)
    return reader.read()


def _may_name_the_pair(watch: Watch, text: str) -> bool:
    """False when the text cannot name both actors of the pair in any shipped language.

    An event needs both (the anaphors that stand for them, "the two leaders", "he", refer
    back to a name), and most pages of a broad feed name neither: deciding that with a
    substring test per name skips the language guess and the reading, which cost twice
    the cleaning (bench/bench_throughput.py).
    """
    everywhere = ActorLexicon.for_watch(watch, name_inflections(available_languages()))
    return all(everywhere.may_mention(text, actor) for actor in everywhere.pair)


class ArticleReader:
    """Reads one article: people, triggers, clusters, and the candidate events."""

    def __init__(
        self,
        article: Article,
        watch: Watch,
        lexicon: ActorLexicon,
        v: Vocabulary,
        *,
        reference: date | None = None,
    ) -> None:
        self.article = article
        self.watch = watch
        self.lexicon = lexicon
        self.v = v
        self.pair = frozenset(lexicon.pair)
        self.reference = reference or reference_day(article.published_at, article.text)
        self.known_others: dict[str, tuple[str, bool]] = {}
        self.people = People(lexicon, v)
        self.pending_anaphors: list[tuple[SentenceInfo, Trigger]] = []

    # -- reading ------------------------------------------------------------------------
    def read(self) -> list[CandidateEvent]:
        sentences = split_sentences(self.article.text)
        infos: list[SentenceInfo] = []
        title = (self.article.title or "").strip()
        if title and not self.article.text.lstrip().startswith(title):
            infos.append(self._analyse(Sentence(-1, -1, 0, 0, title), is_title=True))
            self.people.end_headline()
        for sentence in sentences:
            infos.append(self._analyse(sentence, is_title=False))
        clusters = self._cluster(infos)
        return candidates(clusters, self.pair, self.reference, self.watch.alerts.history_days)

    def _analyse(self, sentence: Sentence, *, is_title: bool) -> SentenceInfo:
        v = self.v
        refs = self.lexicon.mentions(sentence.text, self.reference, self.known_others)
        persons = self.people.resolve(refs, sentence.text)
        triggers = find_triggers(sentence.text, v)
        if not triggers:
            # Without a contact word the sentence only feeds coreference: skip the rest.
            return SentenceInfo(
                sentence,
                is_title,
                persons,
                triggers,
                [(0, len(sentence.text))],
                [],
                find_dates=list,
                find_speaker=lambda: (None, None),
            )

        def find_dates() -> list[DateMention]:
            dates = find_date_mentions(sentence.text, v.calendar)
            if sentence.index == 0:
                # The wire dateline dates the writing, not anything the sentence reports.
                cut = dateline_end(sentence.text)
                dates = [m for m in dates if m.start >= cut]
            return dates

        return SentenceInfo(
            sentence,
            is_title,
            persons,
            triggers,
            clauses(sentence.text, v),
            since_spans(sentence.text, v),
            find_dates=find_dates,
            find_speaker=lambda: speaker(sentence.text, persons, self.lexicon, v),
        )

    # -- triggers to clusters ------------------------------------------------------------
    def _cluster(self, infos: list[SentenceInfo]) -> list[Cluster]:
        found: list[Cluster] = []
        position = 0
        for info in infos:
            anchored: set[str] = set()
            held_kinds: set[str] = set()  # the held contact this sentence already reports
            for trigger in info.triggers:
                position += 1
                verdict = self._participants(info, trigger)
                if verdict == "pair":
                    for anchor in self._anchors(info, trigger, found):
                        held = anchor.modality == "contact" and anchor.tense != "future"
                        if held and held_kinds - {anchor.kind}:
                            continue  # one sentence reports one held contact, not two kinds
                        if held:
                            held_kinds.add(anchor.kind)
                        meeting = self._meeting_talk(found, info, anchor)
                        if meeting is not None:
                            # "Trump met Putin at the summit ... they spoke for 15 minutes".
                            self._support(meeting, info, trigger)
                            continue
                        cluster = place(found, anchor, position, self.reference)
                        apply_cues(cluster, info, trigger, self.pair, self.reference, self.v)
                        anchored.add(cluster.kind)
                        self._resolve_pending(found)
                    for since in since_events(info, trigger, self.reference, self.v):
                        if not any(
                            c.since_event
                            and c.kind == since.kind
                            and c.date_range == since.date_range
                            for c in found
                        ):
                            found.append(since)
                elif verdict == "anaphor":
                    target = self._attach_anaphor(found, info, trigger, anchored)
                    if (
                        target is not None
                        and target.past
                        and not (target.future or target.cancelled or target.denied)
                        and target.kind != "statement"
                    ):
                        held_kinds.add(target.kind)
        date_from_telling(found, infos, self.pair, self.reference, self.v)
        return found

    def _meeting_talk(
        self, found: list[Cluster], info: SentenceInfo, anchor: Anchor
    ) -> Cluster | None:
        """The held meeting a bare "spoke"/"talked" without a day belongs to, if any.

        Talking is what two leaders do at a meeting; without a phone, a video link or a
        day of its own, it is the story's held meeting, not another contact.
        """
        if (
            anchor.kind != "call"
            or anchor.trigger.noun
            or anchor.modality != "contact"
            or anchor.tense == "future"
            or anchor.date_range is not None
            or self.v.remote.search(info.sentence.text)
        ):
            return None
        meetings = [
            c
            for c in found
            if c.kind == "meeting"
            and c.past
            and not (c.future or c.since_event or c.cancelled or c.denied)
        ]
        return meetings[-1] if meetings else None

    def _participants(
        self, info: SentenceInfo, trigger: Trigger
    ) -> Literal["pair", "anaphor", "none"]:
        """Whether a trigger names a contact of the pair, refers back to one, or neither."""
        v = self.v
        text = info.sentence.text
        if inside(info.since_spans, trigger.start):
            return "none"
        clause = clause_of(info.clauses, trigger.start)
        in_clause = [p for p in info.persons if clause[0] <= p.ref.start < clause[1]]
        partners, blocked = partner(text, trigger, info.persons, v)
        if blocked:
            return "none"
        if trigger.needs_object and not partners:
            return "none"  # "called the meeting productive": not a call
        antecedent = None
        if v.relative_opener.match(text[clause[0] : clause[0] + 8]):
            # "Putin, who spoke first, said": the relative clause's subject is Putin.
            earlier = [p for p in info.persons if p.ref.end <= clause[0]]
            antecedent = earlier[-1] if earlier else None
        subjects = subject(text, trigger, in_clause, v, antecedent)
        named: set[str] = set()
        for person in partners:
            if person.other or (person.side and trigger.kind != "message"):
                return "none"  # "spoke with Zelensky", "met with the envoy"
            named |= person.actors
        for person in subjects:
            if person.side and trigger.kind != "message":
                return "none"  # "the envoy Steve Witkoff, who held talks with Putin": not the pair
            if person.other:
                return "none"
            named |= person.actors
        if trigger.noun and v.descriptive.search(text[: trigger.start][-60:]):
            # "announced the meeting, describing it as a highly anticipated meeting with the
            # Russian president": a description of the event already named, not another.
            return "anaphor"
        if (
            trigger.noun
            and not partners
            and len(subjects) == 1
            and subjects[0].ref.text.lower() in v.set("possessive_pronouns")
            and not any(clause[0] <= m.start < clause[1] for m in info.dates)
            and not v.first_ordinal.search(text[max(0, trigger.start - 40) : trigger.start])
            and not v.last_before.search(text[max(0, trigger.start - 25) : trigger.start])
            and not v.background_before.search(text[max(0, trigger.start - 50) : trigger.start])
        ):
            # "during their two-hour conversation": a contact the reader already knows.
            return "anaphor"
        if named == self.pair:
            return "pair"
        definite = (
            trigger.noun
            and not partners
            and bool(v.anaphor_determiners.search(text[: trigger.start][-40:]))
        )
        if definite and not (subjects and subjects[-1].ref.possessive):
            return "anaphor"
        single_noun = len(named) == 1 and trigger.noun
        nobody = not named and (
            trigger.kind != "meeting"
            or (trigger.noun and trigger.text.lower() not in v.set("talks_words"))
        )
        if nobody and not trigger.noun and self._unknown_subject(text, trigger, info.persons):
            # "Rubio and Lavrov spoke by phone to prepare the summit of Trump and Putin": a
            # name the watch does not know is the subject, so somebody else spoke.
            return "none"
        if nobody and not trigger.noun and v.participle.fullmatch(trigger.text):
            # "Trump told the forum, speaking by video link, that ...": addressing an audience.
            return "none"
        if single_noun or nobody:
            # The trigger names one side (or none): the sentence must name both, nobody else near.
            sentence_actors: set[str] = set()
            for person in info.persons:
                sentence_actors |= person.actors
            others = any(p.other for p in in_clause)
            quote = _quote_around(text, trigger.start)
            if quote is not None and not any(
                quote[0] <= p.ref.start < quote[1] and p.actors for p in info.persons
            ):
                # 'Asked about Putin, Trump replied: "We had a great conversation."': the
                # quote's "we" is the speaker and whoever he means, not the pair named outside.
                return "none"
            if sentence_actors == self.pair and not others:
                return "pair"
        return "none"

    def _unknown_subject(self, text: str, trigger: Trigger, persons: list[Person]) -> bool:
        """Whether a capitalised name nobody resolved stands right before a verb trigger."""
        match = self.v.name_before_verb.search(text, 0, trigger.start)
        if match is None:
            return False
        name = match.group("name")
        if (
            name in self.v.set("not_names")
            or name in self.v.set("not_places")
            or name.lower() in (MONTHS.keys() | WEEKDAYS.keys())
        ):
            return False
        return not any(p.ref.start <= match.start("name") < p.ref.end for p in persons)

    def _anchors(self, info: SentenceInfo, trigger: Trigger, found: list[Cluster]) -> list[Anchor]:
        """What a pair trigger says: a contact (held or planned), a statement, or nothing."""
        v = self.v
        text = info.sentence.text
        clause = clause_of(info.clauses, trigger.start)
        before = text[clause[0] : trigger.start]
        after = text[trigger.end : clause[1]]
        whole_clause = text[clause[0] : clause[1]]
        if text.rstrip().endswith("?") or v.question_words.search(before):
            return []
        if v.intent_negation.search(text[: trigger.start][-70:]) or v.negated_plan_after.match(
            after
        ):
            return []
        if v.no_contact_span.search(whole_clause) and occurrence_negated(
            text, trigger, info.persons, v
        ):
            return []  # "had not spoken to Putin since the summit": no contact, nothing to deny
        habitual = bool(v.repetition.search(whole_clause))
        if v.perfect_absence.search(text[max(0, trigger.start - 60) : trigger.start]) and (
            occurrence_negated(text, trigger, info.persons, v)
        ):
            return []  # "there has not been a summit between them": no contact, nothing to deny
        future = (
            is_future(before[-70:], after, v, framed=trigger.noun)
            or bool(v.headline_infinitive.search(before))
            # A verb inflected for the future ("se reunirán", "rencontrera"): its own tense.
            or trigger.text.lower() in v.set("future_forms")
        )
        tense: Tense = "future" if future else "past"
        if not future and is_present_form(trigger, before, v):
            # "Trump und Putin telefonieren am Dienstag": no tense to go by, the nearest Tuesday.
            tense = "unknown"
        hypothetical = bool(v.hypothetical.search(before[-60:])) or bool(
            v.tentative_after.match(after)
        )
        statement_cue = governing_statement_cue(before, v) or bool(v.post_statement.search(after))
        # Other contacts in the clause (another kind, or other people's: "officials held talks
        # in Riyadh on Tuesday to prepare a meeting of the leaders") own the words next to them.
        foreign = [
            t
            for t in info.triggers
            if t is not trigger
            and clause[0] <= t.start < clause[1]
            and (t.kind != trigger.kind or self._participants(info, t) == "none")
        ]
        # Words after a contact word modify it: with another contact before this one, only
        # the words from this trigger on are its own.
        own_start = trigger.start if any(t.end <= trigger.start for t in foreign) else clause[0]
        own_end = min([clause[1], *(t.start for t in foreign if t.start >= trigger.end)])
        location = find_location(text[own_start:own_end], v) if trigger.kind == "meeting" else None
        if location and self.lexicon.is_actor_name(location.split(",")[0]):
            location = None  # "the Trump-Putin summit" names who, not where
        dates = trigger_dates(info, trigger, (own_start, own_end), tense, self.reference, v)
        explicit = [d for d, from_speech in dates if not from_speech]
        if habitual and not explicit:
            return []  # "have met five times", "regularly talk": a habit, not one contact
        if (
            not future
            and explicit
            and self.reference is not None
            and explicit[0].earliest > self.reference
        ):
            # "Kremlin confirms Putin-Trump summit next Friday": dated after the article, so planned.
            future, tense = True, "future"
        if v.postponed.search(whole_clause):
            # "the summit has been postponed": still ahead, on a day not yet known.
            future, tense = True, "future"
        if tense == "unknown" and not explicit and not info.is_title:
            # "the day before he meets with Putin": a tenseless present in a story, no day
            # given, is a schedule (a headline's present reports what happened).
            future, tense = True, "future"
        modality: Modality = "contact"
        if hypothetical:
            if not (statement_cue or future):
                return []
            modality = "statement"
        elif statement_cue:
            modality = "statement"
        elif future:
            scheduling = v.scheduling.search(text[max(0, clause[0] - 80) : clause[1]])
            postponed = v.postponed.search(whole_clause)
            if not (
                explicit or location or v.clock_time.search(whole_clause) or scheduling or postponed
            ):
                planned = [
                    c for c in found if c.kind == trigger.kind and c.future and not c.since_event
                ]
                modality = "support" if planned else "statement"
        historical_cue = (
            habitual  # "met several times, most memorably in Helsinki in July 2018"
            # "the interpreters present when Trump spoke with Putin": an undated contact
            # that only times something else is one the reader knows.
            or (not explicit and bool(v.time_frame_before.search(before)))
            or bool(v.last_before.search(before[-25:]))
            or bool(v.background_before.search(before[-50:]))
        )
        cancel = v.cancel.search(whole_clause)
        cancelled = bool(cancel) and not v.threat_before.search(
            whole_clause[max(0, cancel.start() - 40) : cancel.start()] if cancel else ""
        )

        def anchor(
            date_range: DateRange | None, from_speech: bool, mode: Modality, history: bool
        ) -> Anchor:
            return Anchor(
                info.sentence,
                trigger.kind,
                trigger,
                tense,
                mode,
                date_range,
                from_speech,
                location,
                history,
                info.is_title,
                cancelled,
            )

        if trigger.plural and modality == "contact":
            # "calls on Feb. 12 and March 18": one contact per day; undated plurals are habits.
            return [anchor(d, False, "contact", True) for d in explicit]
        date_range, from_speech = dates[0] if dates else (None, False)
        return [anchor(date_range, from_speech, modality, historical_cue)]

    def _attach_anaphor(
        self, found: list[Cluster], info: SentenceInfo, trigger: Trigger, anchored: set[str]
    ) -> Cluster | None:
        """ "the call", "the meeting": status, day and place for the article's event it names."""
        clause = clause_of(info.clauses, trigger.start)
        if (
            trigger.kind in anchored
            or self.v.intent_negation.search(info.sentence.text[: trigger.end])
            # "a decision on whether he will cancel the summit": asked, not said.
            or self.v.question_words.search(info.sentence.text[clause[0] : trigger.start])
        ):
            return None
        target = anaphor_target(found, trigger)
        if target is None:
            # A lede may say "This conversation ..." before naming who talked.
            self.pending_anaphors.append((info, trigger))
            return None
        self._support(target, info, trigger)
        return target

    def _resolve_pending(self, found: list[Cluster]) -> None:
        still: list[tuple[SentenceInfo, Trigger]] = []
        for info, trigger in self.pending_anaphors:
            target = anaphor_target(found, trigger)
            if target is None:
                still.append((info, trigger))
            else:
                self._support(target, info, trigger)
        self.pending_anaphors = still

    def _support(self, target: Cluster, info: SentenceInfo, trigger: Trigger) -> None:
        v = self.v
        text = info.sentence.text
        state = (target.denied, target.cancelled, len(target.confirmed_by), target.hedged)
        apply_cues(target, info, trigger, self.pair, self.reference, v)
        informative = state != (
            target.denied,
            target.cancelled,
            len(target.confirmed_by),
            target.hedged,
        )
        if self.reference is not None:
            tense: Tense = "future" if target.future and not target.past else "past"
            for mention in info.dates:
                if (
                    mention.start < trigger.end
                    or is_speech_date(text, mention, v)
                    or inside(info.since_spans, mention.start)
                ):
                    continue
                gap = text[trigger.end : mention.start]
                # A day only from "the meeting took place late on Thursday", "the call on Monday".
                if len(gap.split()) <= 2 or v.took_place.search(gap) or mention.kind == "within":
                    resolved = resolve_mention(
                        mention, self.reference, "future" if mention.kind == "within" else tense
                    )
                    if resolved and better_date(target, resolved):
                        target.date_range = resolved
                        target.date_explicit = True
                        informative = True
                    break
        if target.kind == "meeting" and not target.location:
            place = find_location(text[max(0, trigger.start - 5) : trigger.end + 40], v)
            if place:
                target.location = place
                informative = True
        if (informative or not target.evidence) and not info.is_title:
            target.add_evidence(info.sentence)


_QUOTE = re.compile(r"[“\"]([^”\"]*)[”\"]")


def _quote_around(text: str, position: int) -> tuple[int, int] | None:
    """The span of the direct quotation `position` lies in, if any."""
    for match in _QUOTE.finditer(text):
        if match.start(1) <= position < match.end(1):
            return match.start(1), match.end(1)
    return None
