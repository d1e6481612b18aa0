"""Language packs: the extractor's vocabulary per language, read from `lang/<code>.toml`.

A pack is data only (format: the package docstring). `load_pack("en")` reads and checks one
file; `available_languages()` lists the shipped files. Unknown sections or slots, and slots
that are not lists of strings, are a `LanguagePackError` naming the file and the slot, so a
typo in a new pack fails its tests instead of silently matching nothing.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

Words = tuple[str, ...]


class LanguagePackError(ValueError):
    """A language pack file that is missing or not in the pack format."""


@dataclass(frozen=True)
class ContactWords:
    """Words that name a kind of contact (regex fragments, case-sensitive)."""

    call_nouns: Words = ()
    call_verbs: Words = ()
    call_object_verbs: Words = ()
    meeting_nouns: Words = ()
    meeting_verbs: Words = ()
    message_nouns: Words = ()
    remote_words: Words = ()
    plural_triggers: Words = ()
    present_forms: Words = ()
    # Verb forms inflected for the future ("rencontrera", "se reunirán"): a planned contact.
    future_forms: Words = ()


@dataclass(frozen=True)
class TriggerWords:
    """Neighbouring words that tell a trigger's reading (plain lower-case words)."""

    noun_determiners: Words = ()
    noun_suffixes: Words = ()
    not_noun_after: Words = ()
    call_words: Words = ()
    call_particles: Words = ()
    call_on_particles: Words = ()
    call_not_after: Words = ()
    call_noun_after: Words = ()
    speech_particles: Words = ()
    negotiation_modifiers: Words = ()
    negotiation_verbs: Words = ()
    negotiation_topic_prepositions: Words = ()
    talks_words: Words = ()
    talks_noun_before: Words = ()
    talks_noun_suffixes: Words = ()
    talks_noun_after: Words = ()
    modifier_triggers: Words = ()
    gerund_nouns: Words = ()
    anaphor_determiners: Words = ()
    frame_prepositions: Words = ()


@dataclass(frozen=True)
class PeopleWords:
    """Coreference words and the argument slots of a trigger."""

    leader_groups: Words = ()
    bare_plural_pronouns: Words = ()
    plural_pronouns: Words = ()
    object_pronouns: Words = ()
    possessive_pronouns: Words = ()
    relative_pronouns: Words = ()
    not_names: Words = ()
    coordinators: Words = ()
    disjunctions: Words = ()
    partner_prepositions: Words = ()
    adjacent_partner_prepositions: Words = ()
    open_partner_prepositions: Words = ()
    recipient_prepositions: Words = ()
    partner_manner: Words = ()
    # Postpositions after the partner ("Trumpin kanssa"): Finnish names the partner first.
    partner_postpositions: Words = ()
    object_gap_words: Words = ()
    subject_fillers: Words = ()
    tell_verbs: Words = ()
    complementizers: Words = ()


@dataclass(frozen=True)
class Cues:
    """Cues for planning, denial, cancellation, negation, hedging and speech."""

    questions: Words = ()
    hypothetical: Words = ()
    planning: Words = ()
    scheduling: Words = ()
    clock_suffixes: Words = ()
    willingness: Words = ()
    copulas: Words = ()
    schedule_adjectives: Words = ()
    ungoverning_prepositions: Words = ()
    open_ended: Words = ()
    postponement: Words = ()
    no_contact_span: Words = ()
    tentative_auxiliaries: Words = ()
    tentative_adverbs: Words = ()
    modal_auxiliaries: Words = ()
    tentative_copulas: Words = ()
    tentative_fillers: Words = ()
    possibility_adjectives: Words = ()
    reference_prepositions: Words = ()
    clause_openers: Words = ()
    tense_auxiliaries: Words = ()
    auxiliary_negators: Words = ()
    intent_negation: Words = ()
    negation: Words = ()
    absence_auxiliaries: Words = ()
    negation_scope: Words = ()
    denial_verbs: Words = ()
    denial_phrases: Words = ()
    cancellation_hedges: Words = ()
    cancellation: Words = ()
    hedging: Words = ()
    repetition: Words = ()
    anonymous_hedges: Words = ()
    confirmation: Words = ()
    speech_verbs: Words = ()
    attribution_prefixes: Words = ()
    speech_after_date: Words = ()


@dataclass(frozen=True)
class DatingWords:
    """Weekday, month and relative-date words, and the words that carry a date."""

    weekdays: Words = ()  # Monday first
    months: Words = ()  # January first
    month_abbreviations: Words = ()
    weekday_abbreviations: Words = ()
    day_words: Words = ()
    relative_days: tuple[tuple[str, int], ...] = ()  # word, offset from the reference day
    day_prepositions: Words = ()
    date_prepositions: Words = ()
    object_determiners: Words = ()
    first_ordinals: Words = ()
    last_words: Words = ()
    background_modifiers: Words = ()
    elapsed_units: Words = ()
    elapsed_relations: Words = ()
    time_frame_conjunctions: Words = ()
    since_words: Words = ()
    took_place: Words = ()
    closing_attribution: Words = ()
    # Words that put a weekday in the past or ahead ("last", "vergangenen", "dernier",
    # "прошлый", "viime"; "next", "prochain", "следующий", "ensi"), before or after it.
    past_modifiers: Words = ()
    next_modifiers: Words = ()
    # Phrases for spans, each mapped to the English span it means ("la semaine dernière" =
    # "last week"): `dates` resolves the English phrase, so a new language adds words only.
    relative_spans: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class PlaceWords:
    """Where a meeting is, and which capitalised words are not places; news outlets."""

    place_prepositions: Words = ()
    place_articles: Words = ()
    meeting_place_nouns: Words = ()
    not_places: Words = ()
    outlet_names: Words = ()


@dataclass(frozen=True)
class Phrases:
    """Whole alternatives of patterns whose word order is the language's own."""

    future_after: Words = ()
    negated_plan_after: Words = ()
    descriptive: Words = ()
    headline_infinitive: Words = ()
    arranger: Words = ()
    participle: Words = ()
    clause_conjunctions: Words = ()
    clause_boundaries: Words = ()
    since_end: Words = ()
    naming_complement: Words = ()
    outlet: Words = ()


@dataclass(frozen=True)
class NameInflection:
    """How a name changes with grammar: `suffixes` are added to the name as written
    ("Putin" + "ille"); `endings` replace a final ending ("Мария": "я" -> "и", "ю").

    `transliterate` names a cyrtranslit language ("ru", "ua"): the pack's text is in that
    Cyrillic script, and a watch name written in Latin letters ("Putin", "Trump") is found
    in it by transliterating the text's capitalised words back to Latin (`actors`).
    """

    suffixes: Words = ()
    endings: tuple[tuple[str, Words], ...] = ()
    transliterate: str = ""
    # Titles that belong to the name after them ("президентом США", "Venäjän presidentti"):
    # a watch actor's mention takes them in, so "с президентом США Трампом" names Trump.
    titles: Words = ()

    def stems(self, word: str) -> Words:
        """The base forms an inflected word may come from ("Путиным" -> "Путин"), itself first."""
        out = [word]
        for suffix in self.suffixes:
            if len(word) > len(suffix) + 2 and word.endswith(suffix):
                out.append(word[: -len(suffix)])
        for ending, replacements in self.endings:
            for replacement in replacements:
                if replacement and len(word) > len(replacement) + 2 and word.endswith(replacement):
                    out.append(word[: -len(replacement)] + ending)
        return tuple(dict.fromkeys(out))

    def forms(self, name: str) -> Words:
        """The inflected forms of one name (the name itself first)."""
        out = [name]
        for suffix in self.suffixes:
            out.append(name + suffix)
        for ending, replacements in self.endings:
            if ending and name.endswith(ending):
                stem = name[: -len(ending)]
                out.extend(stem + replacement for replacement in replacements)
        return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class LanguagePack:
    """One language's vocabulary, as read from `lang/<code>.toml`."""

    code: str
    name: str
    contact: ContactWords
    triggers: TriggerWords
    people: PeopleWords
    cues: Cues
    dating: DatingWords
    places: PlaceWords
    phrases: Phrases
    names: NameInflection


# Section name in the file -> its dataclass; the order is the order of the file format.
_SECTIONS: dict[str, type] = {
    "contact": ContactWords,
    "triggers": TriggerWords,
    "people": PeopleWords,
    "cues": Cues,
    "dating": DatingWords,
    "places": PlaceWords,
    "phrases": Phrases,
    "names": NameInflection,
}


# Slots that are tables or strings, not word lists (not joined into alternations).
_TABLE_SLOTS = frozenset({"relative_days", "relative_spans", "endings", "transliterate"})


def name_inflections(codes: tuple[str, ...]) -> tuple[NameInflection, ...]:
    """The [names] sections of the packs a text is read with (for `actors.ActorLexicon`)."""
    return tuple(load_pack(code).names for code in codes)


@cache
def available_languages() -> tuple[str, ...]:
    """The codes of the shipped packs, sorted."""
    folder = resources.files(__package__).joinpath("lang")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@cache
def load_pack(code: str) -> LanguagePack:
    """The shipped pack for a language code ("en"); `LanguagePackError` if there is none."""
    resource = resources.files(__package__).joinpath("lang", f"{code}.toml")
    if not resource.is_file():
        raise LanguagePackError(f"no language pack for {code!r}")
    return parse_pack(resource.read_text(encoding="utf-8"), f"{code}.toml")


def parse_pack(text: str, where: str = "pack") -> LanguagePack:
    """A pack from the text of one TOML file (checked: see the module docstring)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LanguagePackError(f"{where}: not TOML: {exc}") from exc
    head = data.pop("pack", None)
    if not isinstance(head, dict) or not isinstance(head.get("code"), str):
        raise LanguagePackError(f"{where}: [pack] code is required")
    unknown = set(data) - set(_SECTIONS)
    if unknown:
        raise LanguagePackError(f"{where}: unknown section(s) {sorted(unknown)}")
    sections = {
        name: _section(cls, data.get(name, {}), f"{where}: [{name}]")
        for name, cls in _SECTIONS.items()
    }
    return LanguagePack(code=head["code"], name=str(head.get("name", head["code"])), **sections)


def _section(cls: type, table: Any, where: str) -> Any:
    if not isinstance(table, dict):
        raise LanguagePackError(f"{where}: must be a table")
    known = {f.name: f for f in fields(cls)}
    unknown = set(table) - set(known)
    if unknown:
        raise LanguagePackError(f"{where}: unknown slot(s) {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, value in table.items():
        if name == "relative_days":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, int) for k, v in value.items()
            ):
                raise LanguagePackError(f"{where} {name}: a table of word = day offset")
            values[name] = tuple(value.items())
        elif name == "relative_spans":
            if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in value.items()
            ):
                raise LanguagePackError(f"{where} {name}: a table of phrase = English phrase")
            values[name] = tuple(value.items())
        elif name == "transliterate":
            if not isinstance(value, str):
                raise LanguagePackError(f"{where} {name}: a cyrtranslit language code")
            values[name] = value
        elif name == "endings":
            if not isinstance(value, dict) or not all(
                isinstance(v, list) and all(isinstance(s, str) for s in v) for v in value.values()
            ):
                raise LanguagePackError(f"{where} {name}: a table of ending = [replacements]")
            values[name] = tuple((k, tuple(v)) for k, v in value.items())
        else:
            if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
                raise LanguagePackError(f"{where} {name}: a list of non-empty strings")
            values[name] = tuple(value)
    return cls(**values)


def pack_slots(pack: LanguagePack) -> dict[str, Words]:
    """Every word-list slot of a pack by its (unique) slot name."""
    out: dict[str, Words] = {}
    for section in _SECTIONS:
        part = getattr(pack, section)
        for f in fields(part):
            value = getattr(part, f.name)
            if f.name in _TABLE_SLOTS:
                continue
            out[f.name] = value
    return out


__all__ = [
    "ContactWords",
    "Cues",
    "DatingWords",
    "LanguagePack",
    "LanguagePackError",
    "NameInflection",
    "PeopleWords",
    "Phrases",
    "PlaceWords",
    "TriggerWords",
    "available_languages",
    "load_pack",
    "name_inflections",
    "pack_slots",
    "parse_pack",
]
