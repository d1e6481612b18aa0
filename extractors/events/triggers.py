"""Contact words in a sentence and their arguments: kind, noun or verb, subject and partner.

Pure functions on one sentence; the words come from the language packs (`Vocabulary`).
"""

from __future__ import annotations

import re

from newswatch.extractors.events.model import ContactKind, Person, Trigger
from newswatch.extractors.events.vocabulary import Vocabulary

# How many words may sit between a message word and its "to <person>" recipient
# ("a message to Trump", "signals to take back to Trump").
PARTNER_MAX_GAP_WORDS = 5
# A subject further than this many words before its trigger is not the trigger's subject.
SUBJECT_MAX_GAP_WORDS = 8


def find_triggers(text: str, v: Vocabulary) -> list[Trigger]:
    """The contact words of a sentence, each read as noun or verb of its kind."""
    out: list[Trigger] = []
    for match in v.trigger.finditer(text):
        word = match.group(0)
        low = word.lower()
        before_words = text[: match.start()].split()
        prev = before_words[-1].lower().strip(",;:“”\"'(") if before_words else ""
        after_words = text[match.end() :].split()
        nxt = after_words[0].lower().strip(",;:.“”\"'") if after_words else ""
        group = match.lastgroup or ""
        if low in v.set("call_words") and (
            nxt in v.set("call_particles")
            or (
                nxt in v.set("call_on_particles")
                and not v.date_words.match(word_after(after_words, 1))
            )
        ):
            continue  # "calls off the summit", "calls for a truce", "calls on Moscow to": verbs
        if group == "call_verb_obj":
            if nxt in v.set("not_noun_after") or prev in v.set("call_not_after"):
                continue
            is_noun = (
                prev in v.set("noun_determiners")
                or prev.endswith(v.words.get("noun_suffixes", ()))
                or nxt in v.set("call_noun_after")
            )
            plural = is_noun and low.endswith("s")
            out.append(
                Trigger(
                    "call",
                    match.start(),
                    match.end(),
                    word,
                    is_noun,
                    plural,
                    needs_object=not is_noun,
                )
            )
            continue
        if low in v.set("modifier_triggers") and _modifies_other_noun(text, match.end(), v):
            continue  # "face-to-face interactions": an adjective of something else
        if group == "call_verb" and nxt in v.set("speech_particles"):
            continue  # "the two presidents spoke of progress", "spoke out": speech, not a call
        kind: ContactKind = (
            "call"
            if group.startswith("call")
            else "meeting"
            if group.startswith("meeting")
            else "message"
        )
        noun = group.endswith("noun")
        is_talks = low in v.set("talks_words")
        if is_talks and prev in v.set("negotiation_modifiers"):
            continue  # "peace talks", "technical talks": negotiations between teams
        if (
            is_talks
            and prev in v.set("negotiation_verbs")
            and nxt in v.set("negotiation_topic_prepositions")
            and not v.date_words.match(word_after(after_words, 1))
        ):
            continue  # "agreed to begin talks on ending the war": negotiations, a process
        if is_talks:
            if (
                prev in v.set("talks_noun_before")
                or prev.endswith(v.words.get("talks_noun_suffixes", ()))
                or nxt in v.set("talks_noun_after")
            ):
                kind, noun = "meeting", True
            else:
                kind, noun = "call", False
        if low in v.set("gerund_nouns") and prev in v.set("noun_determiners"):
            noun = True
        plural = low in v.set("plural_triggers")
        if out and out[-1].kind == kind and not text[out[-1].end : match.start()].strip():
            out.pop()  # "face-to-face meeting": one trigger
        out.append(Trigger(kind, match.start(), match.end(), word, noun, plural))
    return out


def _modifies_other_noun(text: str, end: int, v: Vocabulary) -> bool:
    """Whether a word right after `end` is a noun the contact adjective modifies."""
    gap = re.match(r"[ \t]+(?=[a-z])", text[end : end + 3])
    if gap is None:
        return False
    return v.trigger.match(text, end + gap.end()) is None


def word_after(words: list[str], index: int) -> str:
    return words[index].strip(",;:.“”\"'") if len(words) > index else ""


def clauses(text: str, v: Vocabulary) -> list[tuple[int, int]]:
    """The sentence cut at clause boundaries, as (start, end) offsets."""
    cuts = [0]
    for match in v.clause_boundary.finditer(text):
        if match.start() > cuts[-1]:
            cuts.append(match.start())
    cuts.append(len(text))
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1) if cuts[i + 1] > cuts[i]]


def clause_of(spans: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in spans:
        if start <= position < end:
            return start, end
    return spans[-1] if spans else (0, position + 1)


def since_spans(text: str, v: Vocabulary) -> list[tuple[int, int]]:
    """Where "since ..." complements run: to the next clause end, commas inside allowed."""
    spans = []
    for match in v.since.finditer(text):
        end = v.since_end.search(text, match.end())
        spans.append((match.start(), end.start() if end else len(text)))
    return spans


def inside(spans: list[tuple[int, int]], position: int) -> bool:
    return any(start <= position < end for start, end in spans)


def partner(
    text: str, trigger: Trigger, persons: list[Person], v: Vocabulary
) -> tuple[list[Person], bool]:
    """The people a trigger is "with", "to" or "between" (or its direct object).

    The flag is True when that slot is filled by something that is not a person the
    lexicon knows ("talks between Russia and Ukraine"): then it is not the pair's contact.
    """
    after_text = text[trigger.end :]
    slot = v.partner_slot.match(after_text)
    after = [p for p in persons if p.ref.start >= trigger.end]
    if slot:
        slot_end = trigger.end + slot.end()
        preposition = slot.group("prep").lower()
        max_words = 0 if preposition in v.set("adjacent_partner_prepositions") else 2
        near = [
            p
            for p in after
            if p.ref.start - slot_end <= 12
            and len(text[slot_end : p.ref.start].split()) <= max_words
        ]
        if not near and trigger.needs_object:
            # "has called to thank Trump": the partner is the purpose verb's object.
            verb = re.match(r"[\w’'-]+\s+", text[slot_end:])
            if verb:
                near = [p for p in after if p.ref.start == slot_end + verb.end()]
        if not near:
            return [], preposition not in v.set("open_partner_prepositions")
        first = near[0]
        if trigger.kind == "message" and first.side is not None:
            # "gave Witkoff signals to take back to Trump": the envoy only carries it.
            rest = [p for p in after if p.ref.start > first.ref.end and p.side is None]
            return (rest[:1], False) if rest else ([], False)
        return with_coordinated(text, first, after, v), False
    if not trigger.noun:
        # Verb-final clauses name the partner first: "hat am Dienstag mit Putin telefoniert".
        earlier = [p for p in persons if p.ref.end <= trigger.start]
        if earlier and _partner_before(text, earlier[-1], trigger.start, v):
            return [earlier[-1]], False
    if not after:
        return [], False
    first = after[0]
    gap = text[trigger.end : first.ref.start]
    if len(gap.split()) <= 2 and v.partner_postposition.match(text, first.ref.end):
        return [first], False  # "puhui puhelimessa Trumpin kanssa": partner, then postposition
    if trigger.needs_object or (not trigger.noun and trigger.kind == "meeting"):
        # Direct object: "called Putin", "met Russian President Vladimir Putin".
        if trigger.needs_object and v.naming_complement.match(text, first.ref.end):
            return [], False  # "called Putin “misguided”": naming, not phoning
        if not gap.strip() or v.object_gap.fullmatch(gap):
            return with_coordinated(text, first, after, v), False
        return [], False
    if (
        trigger.kind == "message"
        and len(gap.split()) <= PARTNER_MAX_GAP_WORDS
        and v.recipient_before.search(gap)
    ):
        if first.side is None:
            return [first], False
        rest = [p for p in after[1:] if p.side is None and p.ref.start - first.ref.end < 60]
        return rest[:1], False
    return [], False


def _partner_before(text: str, person: Person, trigger_start: int, v: Vocabulary) -> bool:
    """A partner preposition right before a person a few words before a verb trigger."""
    gap = text[person.ref.end : trigger_start]
    if len(gap.split()) > 2 or any(ch in gap for ch in ",;:"):
        return False
    return bool(v.partner_before.search(text, max(0, person.ref.start - 15), person.ref.start))


def with_coordinated(text: str, first: Person, after: list[Person], v: Vocabulary) -> list[Person]:
    out = [first]
    for nxt in after[1:]:
        if nxt.ref.start < out[-1].ref.end:
            continue
        gap = text[out[-1].ref.end : nxt.ref.start]
        if not gap.strip() or v.coordinated.fullmatch(gap):
            out.append(nxt)
        else:
            break
    return out


def subject(
    text: str,
    trigger: Trigger,
    in_clause: list[Person],
    v: Vocabulary,
    relative_antecedent: Person | None = None,
) -> list[Person]:
    """The people right before a trigger in its clause (with "A and B" coordination)."""
    before = [p for p in in_clause if p.ref.end <= trigger.start]
    chosen: Person | None = None
    if not before and relative_antecedent is not None:
        return [relative_antecedent]
    for person in reversed(before):
        gap = text[person.ref.end : trigger.start]
        if len(gap.split()) > SUBJECT_MAX_GAP_WORDS or re.search(r"[,;:]\s", gap):
            break
        if person.side is not None:
            continue  # a voice or spokesman is not a participant
        if not trigger.noun and _partner_before(text, person, trigger.start, v):
            continue  # "mit Putin telefoniert": the partner, not the subject
        if person.ref.possessive and len(gap.split()) > 3:
            continue  # "Trump's special envoy, to pass a message": not the sender
        if person.ref.kind == "other_group" and v.arranger.match(gap):
            continue  # "his team to arrange a call with Putin"
        chosen = person
        break
    if chosen is None:
        return []
    out = [chosen]
    for earlier in reversed([p for p in before if p.ref.end <= chosen.ref.start]):
        gap = text[earlier.ref.end : out[0].ref.start]
        if not gap.strip() or v.subject_coordination.fullmatch(gap):
            out.insert(0, earlier)
        else:
            break
    return out
