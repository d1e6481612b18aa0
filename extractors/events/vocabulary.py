"""The compiled vocabulary a story is read with: language packs placed in grammar templates.

The templates below are the extractor's logic (where a cue may stand, what it binds); the
words come from the packs. `vocabulary_for(("en", "de"))` joins each slot of the packs into
one alternation (in pack order, then file order) and compiles every pattern once.
A slot no pack fills matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from newswatch.extractors.dates import CalendarWords, DateGrammar
from newswatch.extractors.events.languages import LanguagePack, load_pack, pack_slots

# The packs every story is read with until per-story language detection chooses them:
# English and the German words the extractor has always known.
DEFAULT_LANGUAGES: tuple[str, ...] = ("en", "de")
# Languages whose dates `extractors.dates` reads with its own built-in patterns (they predate
# the packs and are tuned on the corpus); every other pack's [dating] words are compiled
# into a `DateGrammar` that adds to them.
BUILTIN_DATE_LANGUAGES: frozenset[str] = frozenset({"en", "de"})

_SLOT = re.compile(r"\{([a-z_]+)\}")
_NOTHING = "(?!)"  # an empty slot: matches nowhere


@dataclass(frozen=True, eq=False)
class Vocabulary:
    """Compiled patterns and word sets for one combination of language packs."""

    languages: tuple[str, ...]
    words: dict[str, tuple[str, ...]]
    sets: dict[str, frozenset[str]]
    # The packs' weekday, month and relative-day words (`extractors.dates`).
    calendar: DateGrammar | None
    # Triggers -------------------------------------------------------------------------
    trigger: re.Pattern[str]
    date_words: re.Pattern[str]
    anaphor_determiners: re.Pattern[str]
    frame_preposition: re.Pattern[str]
    descriptive: re.Pattern[str]
    participle: re.Pattern[str]
    remote: re.Pattern[str]
    # People ---------------------------------------------------------------------------
    name_before_verb: re.Pattern[str]
    tell_verb: re.Pattern[str]
    day_right_after: re.Pattern[str]
    relative_opener: re.Pattern[str]
    partner_slot: re.Pattern[str]
    partner_postposition: re.Pattern[str]
    partner_before: re.Pattern[str]
    coordinated: re.Pattern[str]
    recipient_before: re.Pattern[str]
    object_gap: re.Pattern[str]
    beside_group: re.Pattern[str]
    subject_coordination: re.Pattern[str]
    arranger: re.Pattern[str]
    # Modality and status cues ----------------------------------------------------------
    question_words: re.Pattern[str]
    hypothetical: re.Pattern[str]
    future: re.Pattern[str]
    future_after: re.Pattern[str]
    scheduling: re.Pattern[str]
    clock_time: re.Pattern[str]
    statement: re.Pattern[str]
    copula_before: re.Pattern[str]
    not_governed: re.Pattern[str]
    post_statement: re.Pattern[str]
    negated_plan_after: re.Pattern[str]
    postponed: re.Pattern[str]
    no_contact_span: re.Pattern[str]
    tentative_after: re.Pattern[str]
    reference_preposition: re.Pattern[str]
    auxiliary_before: re.Pattern[str]
    intent_negation: re.Pattern[str]
    negation: re.Pattern[str]
    auxiliary_only: re.Pattern[str]
    perfect_absence: re.Pattern[str]
    denial_verb: re.Pattern[str]
    denial_phrase: re.Pattern[str]
    cancel: re.Pattern[str]
    threat_before: re.Pattern[str]
    hedge: re.Pattern[str]
    confirm_verb: re.Pattern[str]
    speech_verb: re.Pattern[str]
    outlet: re.Pattern[str]
    headline_infinitive: re.Pattern[str]
    # Dating and places ------------------------------------------------------------------
    first_ordinal: re.Pattern[str]
    last_before: re.Pattern[str]
    background_before: re.Pattern[str]
    time_frame_before: re.Pattern[str]
    repetition: re.Pattern[str]
    naming_complement: re.Pattern[str]
    since: re.Pattern[str]
    bare_since_place: re.Pattern[str]
    since_end: re.Pattern[str]
    clause_boundary: re.Pattern[str]
    announced_object: re.Pattern[str]
    date_then_speech: re.Pattern[str]
    closing_attribution: re.Pattern[str]
    place: re.Pattern[str]
    place_before_noun: re.Pattern[str]
    date_word: re.Pattern[str]
    took_place: re.Pattern[str]

    def set(self, slot: str) -> frozenset[str]:
        """A slot's entries as a set of words (for slots of plain words)."""
        return self.sets.get(slot, frozenset())


def _merge(packs: tuple[LanguagePack, ...]) -> dict[str, tuple[str, ...]]:
    words: dict[str, list[str]] = {}
    for pack in packs:
        for slot, entries in pack_slots(pack).items():
            bucket = words.setdefault(slot, [])
            bucket.extend(e for e in entries if e not in bucket)
    return {slot: tuple(entries) for slot, entries in words.items()}


def _alternation(words: dict[str, tuple[str, ...]], slot: str) -> str:
    entries = words.get(slot, ())
    if not entries:
        return _NOTHING
    return "(?:" + "|".join(_fill(e, words) for e in entries) + ")"


def _fill(template: str, words: dict[str, tuple[str, ...]]) -> str:
    """`{slot}` in a template becomes the alternation of that slot's entries."""
    return _SLOT.sub(lambda m: _alternation(words, m.group(1)), template)


@cache
def vocabulary_for(languages: tuple[str, ...] = DEFAULT_LANGUAGES) -> Vocabulary:
    """The compiled vocabulary of the shipped packs (cached: compiled once per combination)."""
    return compile_vocabulary(tuple(load_pack(code) for code in languages))


def compile_vocabulary(packs: tuple[LanguagePack, ...]) -> Vocabulary:
    """The vocabulary of any packs, in order (a pack under test need not be shipped)."""
    languages = tuple(pack.code for pack in packs)
    words = _merge(packs)

    def c(template: str, flags: int = 0) -> re.Pattern[str]:
        return re.compile(_fill(template, words), flags)

    i = re.IGNORECASE
    return Vocabulary(
        languages=languages,
        words=words,
        sets={slot: frozenset(entries) for slot, entries in words.items()},
        calendar=date_grammar(packs),
        trigger=c(
            r"(?<![\w-])(?:(?P<call_noun>{call_nouns})|(?P<call_verb>{call_verbs})|"
            r"(?P<meeting_noun>{meeting_nouns})|(?P<meeting_verb>{meeting_verbs})|"
            r"(?P<message_noun>{message_nouns})|(?P<call_verb_obj>{call_object_verbs}))(?![\w-])"
        ),
        date_words=c(r"{month_abbreviations}|{weekday_abbreviations}|\d"),
        anaphor_determiners=c(r"(?:\b{anaphor_determiners}\s+(?:[\w’'-]+\s+){0,3}$)", i),
        frame_preposition=c(r"\b{frame_prepositions}\s+(?:[\w’'-]+\s+){0,3}$", i),
        descriptive=c(r"{descriptive}", i),
        remote=c(r"\b{remote_words}\b", i),
        participle=c(r"{participle}", i),
        name_before_verb=c(r"\b(?P<name>[A-Z][a-z][\w’'-]*)\s+(?:{subject_fillers}\s+)*$"),
        tell_verb=c(r"\b{tell_verbs}\b"),
        day_right_after=c(
            r"\s+(?P<when>{day_prepositions}\s+[A-Z]\w+(?:\s+\d{1,2})?|{day_words})\b"
        ),
        relative_opener=c(r"\s*,?\s*{relative_pronouns}\b"),
        partner_slot=c(r"^\s*(?:{partner_manner}\s+)?(?P<prep>{partner_prepositions})\s+", i),
        partner_before=c(r"(?<![\w-]){partner_prepositions}\s+$", i),
        partner_postposition=c(r"\s*{partner_postpositions}\b", i),
        recipient_before=c(r"\b{recipient_prepositions}\s*$"),
        object_gap=c(r"\s*(?:{object_gap_words})?\s*"),
        coordinated=c(r"\s*,?\s*{coordinators}\s+(?:[\w.]+\s+){0,3}"),
        beside_group=c(r"\s*(?:,|,?\s*(?:{coordinators}|{disjunctions}))\s*"),
        # Capitals of the Latin and Cyrillic scripts ("und Wladimir", "і Володимир").
        subject_coordination=c(
            r"\s*(?:,?\s*{coordinators}|[-–])\s*(?:[A-ZÄÖÜА-ЯЁІЇЄҐ][\w.]*\s+){0,3}"
        ),
        arranger=c(r"{arranger}", i),
        question_words=c(r"\b{questions}\b", i),
        hypothetical=c(r"\b{hypothetical}\b", i),
        future=c(r"\b{planning}\b", i),
        future_after=c(r"{future_after}", i),
        scheduling=c(r"\b{scheduling}\b", i),
        clock_time=c(r"\b\d{1,2}(?::\d\d)?\s*{clock_suffixes}\b|\b\d{1,2}:\d\d\b", i),
        statement=c(r"\b{willingness}\b", i),
        copula_before=c(r"\b{copulas}\s+$"),
        not_governed=c(r"\b{ungoverning_prepositions}\b", i),
        post_statement=c(r"\b{open_ended}", i),
        negated_plan_after=c(r"{negated_plan_after}", i),
        postponed=c(r"\b{postponement}\b", i),
        no_contact_span=c(r"\b{no_contact_span}\b", i),
        tentative_after=c(
            r"^(?>\s*[\w’'.,-]+){0,5}?\s+{tentative_auxiliaries}\s+{tentative_adverbs}\b|"
            r"^(?>\s*[\w’'.,-]+){0,5}?\s+{modal_auxiliaries}\b|"
            r"^(?>\s*[\w’'.,-]+){0,5}?\s+{tentative_copulas}\s+(?:{tentative_fillers}\s+)?"
            r"{possibility_adjectives}\b",
            i,
        ),
        reference_preposition=c(r"\b{reference_prepositions}\b"),
        auxiliary_before=c(r"\b{tense_auxiliaries}\s+(?:{auxiliary_negators}\s+)?$"),
        intent_negation=c(r"\b{intent_negation}\b", i),
        negation=c(r"\b{negation}\b", i),
        # "him" stands in for every person named in the window (see status.occurrence_negated).
        auxiliary_only=c(r"^\s*(?:\b(?:{negation_scope}|him)\b[\s-]*)*$", i),
        perfect_absence=c(r"\b{absence_auxiliaries}\s+(?:{negation})(?:\s+yet|\s+ever)?\s+\w+", i),
        denial_verb=c(r"\b{denial_verbs}\b", i),
        denial_phrase=c(r"\b{denial_phrases}\b", i),
        threat_before=c(r"\b{cancellation_hedges}\s+(?:[\w’'-]+\s+){0,2}$", i),
        cancel=c(r"\b{cancellation}\b", i),
        hedge=c(r"\b{hedging}\b", i),
        confirm_verb=c(r"\b{confirmation}\b", i),
        speech_verb=c(r"\b{speech_verbs}\b", i),
        outlet=c(r"{outlet}"),
        headline_infinitive=c(r"{headline_infinitive}"),
        first_ordinal=c(r"\b{first_ordinals}\b(?:\s+[\w’'-]+){0,5}\s*$", i),
        background_before=c(
            r"\b(?:{background_modifiers}|{elapsed_units}\s+{elapsed_relations})\s+"
            r"(?:[\w’'-]+\s+){0,3}$",
            i,
        ),
        time_frame_before=c(r"\b{time_frame_conjunctions}\s+(?:[\w’'-]+\s+){0,4}$", i),
        repetition=c(r"\b{repetition}\b", i),
        naming_complement=c(r"{naming_complement}"),
        last_before=c(r"\b{last_words}\s+(?:\w+\s+)?$", i),
        since=c(r"\b{since_words}\s+", i),
        bare_since_place=c(r"\s*{since_words}\s+([A-Z][a-z]+)\b"),
        since_end=c(r"[;.!?]|{since_end}"),
        clause_boundary=c(r"[;:—–]|,\s+{clause_conjunctions}\b|{clause_boundaries}", i),
        announced_object=c(
            r"\s*{object_determiners}\s+(?:[\w’'-]+\s+){0,2}?[\w’'-]+\s+{date_prepositions}\s+"
        ),
        date_then_speech=c(r"\s*(?P<comma>,)?\s*(?:[\w’'-]+\s+)?{speech_after_date}\b"),
        closing_attribution=c(
            r"\s*(?:{day_prepositions}\s+\w+|{closing_attribution})?\s*[.!?”\"]*\s*$"
        ),
        place=c(
            r"\b{place_prepositions}\s+(?:{place_articles}\s+)?"
            r"(?P<place>[A-ZÄÖÜ][\w-]+(?:[ -][A-ZÄÖÜ][\w-]+){0,3}"
            r"(?:,\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2})?)"
        ),
        place_before_noun=c(
            r"\b(?:{place_articles}\s+)?(?<![-–])(?P<place>[A-Z][a-z]+)\s+{meeting_place_nouns}\b"
        ),
        date_word=c(r"{month_abbreviations}\b|\d"),
        took_place=c(r"\b{took_place}\b", i),
    )


def date_grammar(packs: tuple[LanguagePack, ...]) -> DateGrammar | None:
    """The [dating] words of the packs the built-in date patterns do not cover."""
    own = [p.dating for p in packs if p.code not in BUILTIN_DATE_LANGUAGES]
    if not own:
        return None

    def by_index(count: int, lists: list[tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
        return tuple(tuple(w[i] for w in lists if len(w) == count) for i in range(count))

    return DateGrammar(
        CalendarWords(
            weekdays=by_index(7, [d.weekdays for d in own]),
            months=by_index(12, [d.months for d in own]),
            relative_days=tuple(pair for d in own for pair in d.relative_days),
            past_modifiers=tuple(w for d in own for w in d.past_modifiers),
            next_modifiers=tuple(w for d in own for w in d.next_modifiers),
            relative_spans=tuple(pair for d in own for pair in d.relative_spans),
        )
    )


__all__ = ["DEFAULT_LANGUAGES", "Vocabulary", "compile_vocabulary", "vocabulary_for"]
