"""Who a sentence names and who it quotes: coreference across an article (or a story).

`People` keeps the chains "he"/"him" and "the two leaders" are resolved against; it is fed
one sentence at a time, in order (see step 2 of the package docstring).
"""

from __future__ import annotations

import re

from newswatch.extractors.actors import ActorLexicon, Ref
from newswatch.extractors.events.model import Person
from newswatch.extractors.events.vocabulary import Vocabulary


class People:
    """Coreference state of one text: resolves each sentence's references to people."""

    def __init__(self, lexicon: ActorLexicon, v: Vocabulary) -> None:
        self.lexicon = lexicon
        self.v = v
        self.pair = frozenset(lexicon.pair)
        self.person_history: list[Person] = []  # for "he"/"him"
        self.group_history: list[Person] = []  # for "the two leaders"
        self.title_history: list[Person] = []  # the headline's people, the earliest context

    def end_headline(self) -> None:
        """The headline introduces people; the body starts its own coreference chain, and
        falls back on the headline's people only for "the two presidents" in its lede."""
        self.title_history = self.group_history
        self.person_history = []
        self.group_history = []

    def resolve(self, refs: list[Ref], text: str = "") -> list[Person]:
        persons: list[Person] = []
        named = {r.actor for r in refs if r.kind == "actor" and r.actor}
        # "The two men met in Helsinki, where Trump ...Putin's ...": a sentence that names both
        # of the pair and nobody else means them by "the two men".
        names_only_pair = named == self.pair and not any(
            r.kind in ("other", "other_group") for r in refs
        )
        for index, ref in enumerate(refs):
            person: Person | None
            if ref.kind == "actor":
                actors = frozenset({ref.actor}) & self.pair if ref.actor else frozenset()
                person = Person(ref, actors, other=not actors)
            elif ref.kind in ("voice", "spokesperson"):
                person = Person(ref, frozenset(), other=False, side=ref.actor)
            elif ref.kind in ("other", "other_group"):
                person = Person(
                    ref,
                    frozenset(),
                    other=True,
                    in_group=ref.kind == "other" and beside_group(refs, index, text, self.v),
                )
            elif ref.kind == "group":
                person = self._resolve_group(ref, persons, names_only_pair)
            else:
                person = self._resolve_pronoun(ref, persons)
            if person is None:
                continue
            persons.append(person)
            if ref.kind not in ("other_group", "group") and (
                person.actors or person.other or person.side
            ):
                self.person_history.append(person)
        self.group_history.extend(
            p for p in persons if p.ref.kind != "other_group" and p.side is None
        )
        return persons

    def _resolve_group(
        self, ref: Ref, before: list[Person], names_only_pair: bool = False
    ) -> Person:
        """ "the two leaders", "they": the pair when the last two people named were the pair."""
        word = re.sub(r"['’]s?$", "", ref.text.lower())
        if word in self.v.set("plural_pronouns") and any(
            p.ref.kind == "other_group" for p in before
        ):
            return Person(ref, frozenset(), other=True)
        if names_only_pair and word not in self.v.set("bare_plural_pronouns"):
            return Person(ref, self.pair, other=False)
        distinct: list[str] = []
        chain = list(
            reversed([p for p in before if p.side is None and p.ref.kind != "other_group"])
        )
        chain.extend(reversed(self.group_history))
        chain.extend(reversed(self.title_history))
        leaders_only = word in self.v.set("leader_groups")
        for person in chain:
            if leaders_only and person.other and not person.ref.leader:
                continue  # "the two leaders" are not the ministers named in between
            if person.in_group:
                continue  # "Zelensky and European leaders" are more than one of "the two"
            if person.actors:
                identities = sorted(person.actors)
            elif person.other:
                identities = ["other:" + (person.ref.identity or person.ref.text.lower())]
            else:
                continue
            for identity in identities:
                if identity not in distinct:
                    distinct.append(identity)
            if len(distinct) >= 2:
                break
        if frozenset(distinct[:2]) == self.pair:
            return Person(ref, self.pair, other=False)
        return Person(ref, frozenset(), other=True)

    def _resolve_pronoun(self, ref: Ref, before: list[Person]) -> Person | None:
        """ "he" is the last person named; "him" the last one who is not the clause's subject."""
        word = ref.text.lower()
        candidates = [p for p in reversed(self.person_history) if p.ref.kind != "group"]
        if word in self.v.set("object_pronouns") and before:
            nearest = identity(before[-1])
            candidates = [p for p in candidates if identity(p) != nearest]
        if not candidates:
            return None
        target = candidates[0]
        return Person(ref, target.actors, other=target.other, side=target.side)


def speaker(
    text: str, persons: list[Person], lexicon: ActorLexicon, v: Vocabulary
) -> tuple[Person | None, str | None]:
    """Who the sentence quotes: the person or outlet next to its speech verb."""
    for match in v.speech_verb.finditer(text):
        verb = match.group(0).lower()
        participle = bool(v.participle.fullmatch(verb))
        after = [
            p for p in persons if p.ref.start >= match.end() and p.ref.start - match.end() <= 40
        ]
        inverted = (
            # "..., — сообщил Песков": a dash may stand after the comma.
            bool(re.search(r"[,\"”’»]\s*[—–-]?\s*$", text[: match.start()]))
            and bool(after)
            and after[0].ref.start - match.end() <= 2
        )
        if verb in v.set("attribution_prefixes") or inverted:
            if after and (after[0].actors or after[0].side or after[0].other):
                return after[0], surface(after[0], lexicon)
            outlet = v.outlet.search(text, match.end(), match.end() + 80)
            if outlet:
                return None, outlet.group(0).strip()
            continue
        outlet = v.outlet.search(text, max(0, match.start() - 60), match.start())
        if outlet and match.start() - outlet.end() <= 15:
            return None, outlet.group(0).strip()  # "..., newspaper reports"
        before = [
            p
            for p in persons
            if p.ref.end <= match.start() and p.ref.kind not in ("other_group", "group")
        ]
        if before:
            candidate = before[-1]
            gap = text[candidate.ref.end : match.start()]
            if participle and gap.lstrip().startswith(","):
                # "Trump calls off the summit with Putin, saying ...": the participle's
                # speaker is the subject of the main clause, not the last name before it.
                subjects = [p for p in before if not p.ref.possessive]
                if subjects:
                    return subjects[0], surface(subjects[0], lexicon)
            if "," in gap and not participle:
                tail = gap.rsplit(",", 1)[1].strip()
                if tail:
                    # "The summit with Putin was shelved, a White House official said".
                    return None, tail
                # "Trump, speaking after a call with Putin, said": the name before the aside.
                heads = [
                    p
                    for p in before
                    if not p.ref.possessive and text[p.ref.end :].lstrip().startswith(",")
                ]
                if heads:
                    return heads[0], surface(heads[0], lexicon)
            if (
                len(gap.split()) <= 8
                and not (set(gap.split()) & v.set("complementizers"))
                and not candidate.ref.possessive
            ):
                return candidate, surface(candidate, lexicon)
        outlet = v.outlet.search(text, max(0, match.start() - 60), match.start())
        if outlet and match.start() - outlet.end() <= 15:
            return None, outlet.group(0).strip()
    return None, None


def beside_group(refs: list[Ref], index: int, text: str, v: Vocabulary) -> bool:
    """Whether refs[index] is coordinated with a group of others ("Zelensky and European leaders")."""
    ref = refs[index]
    for other_index in (index - 1, index + 1):
        if not 0 <= other_index < len(refs) or refs[other_index].kind != "other_group":
            continue
        neighbour = refs[other_index]
        gap = text[min(ref.end, neighbour.end) : max(ref.start, neighbour.start)]
        if v.beside_group.fullmatch(gap):
            return True
    return False


def identity(person: Person) -> str:
    if person.actors:
        return ",".join(sorted(person.actors))
    if person.side:
        return "side:" + (person.ref.identity or person.ref.text.lower())
    return "other:" + (person.ref.identity or person.ref.text.lower())


def side(person: Person | None) -> str | None:
    if person is None:
        return None
    if person.side:
        return person.side
    if len(person.actors) == 1:
        return next(iter(person.actors))
    return None


def surface(person: Person, lexicon: ActorLexicon) -> str:
    """How to name a speaker: the watch's full name for actors/spokespeople, else the text."""
    ref = person.ref
    text = re.sub(r"['’]s?$", "", ref.text).strip()
    if ref.kind == "spokesperson" and ref.actor:
        names = [n for n in lexicon.actors[ref.actor].spokespeople if text in n or n in text]
        return max(names, key=len) if names else text
    if ref.kind == "voice" and ref.actor:
        voices = [v for v in lexicon.actors[ref.actor].voices if text.lower() in v.lower()]
        return max(voices, key=len) if voices else text
    if len(person.actors) == 1 and ref.kind in ("actor", "pronoun"):
        return lexicon.actors[next(iter(person.actors))].names[0]
    return text


def source_of(text: str, hedge: re.Match[str], v: Vocabulary) -> str | None:
    """The outlet or source a hedged sentence cites ("the publication", "CNN", "sources")."""
    outlet = v.outlet.search(text)
    if outlet:
        return outlet.group(0).strip()
    phrase = hedge.group(0).lower()
    if any(word in phrase for word in v.words.get("anonymous_hedges", ())):
        return "unnamed sources"
    return None
