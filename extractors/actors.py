"""Who a sentence names: the watch's actors, their voices and spokespeople, and everyone else.

Everything actor-specific comes from the watch file (names, aliases, dated roles, voices,
spokespeople, demonyms). What is generic news English (and some German) lives here as
named word lists: titles that mark *other* people ("Ukrainian President Volodymyr
Zelensky"), group references ("the two leaders", "they", "die beiden"), pronouns.

`ActorLexicon.for_watch(watch)` compiles the regexes once per watch and caches them;
`ActorLexicon.mentions(text, day)` lists the references in one sentence. A role title
("the US president") names an actor only on days he held that role; on other days it names
someone else, which is what keeps a 2021 article about "the U.S. president" from being read
as one about the 2017-2021 holder. With an indefinite word ("a U.S. president", "no Russian
president") a title names nobody in particular: someone other than the actor.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import ClassVar, Literal, Protocol

from newswatch.config import Actor, Watch

RefKind = Literal["actor", "voice", "spokesperson", "other", "other_group", "group", "pronoun"]

# Titles that, followed by a capitalised name, mark a person ("Foreign Minister Sergei Lavrov").
PERSON_TITLES = (
    "President", "Prime Minister", "Premier", "Chancellor", "Foreign Minister", "Defense Minister",
    "Defence Minister", "Minister", "Secretary of State", "Defense Secretary", "Defence Secretary",
    "Treasury Secretary", "Secretary General", "Secretary-General", "Secretary", "Senator", "Sen.",
    "Governor", "Gov.", "Vice President", "King", "Queen", "Prince", "Pope", "Chairman", "Director",
    "General", "Gen.", "Speaker", "Leader", "leader", "envoy", "special envoy", "aide", "adviser",
    "advisor", "spokesman", "spokeswoman", "spokesperson", "journalist", "billionaire", "teacher",
    "Präsident", "Präsidenten", "Kanzler", "Bundeskanzler", "Ministerpräsident", "Außenminister",
    "Regierungschef", "Sprecher",
)  # fmt: skip
# Titles of heads of state or government: only these people are "leaders" for group words.
LEADER_TITLES = frozenset(
    {"president", "prime minister", "premier", "chancellor", "king", "queen", "leader", "präsident",
     "präsidenten", "kanzler", "bundeskanzler", "ministerpräsident", "regierungschef"}
)  # fmt: skip
# Plural nouns for groups of people other than the pair ("European leaders", "their teams").
OTHER_GROUP_NOUNS = (
    "leaders", "officials", "advisers", "advisors", "delegations", "delegation", "negotiators",
    "ministers", "diplomats", "teams", "team", "envoys", "heads of state", "allies", "aides",
    "countries", "nations", "sides", "capitals", "lawmakers", "senators", "governments",
    "Delegationen", "Unterhändler", "Staats- und Regierungschefs",
)  # fmt: skip
# References to two people at once; they name the pair when the last two people named were it.
GROUP_REFERENCES = (
    "the two leaders", "the two presidents", "the two men", "the two heads of state", "both leaders",
    "both presidents", "both men", "the leaders", "the presidents", "the two", "the pair",
    "each other", "one another", "they", "them", "their", "themselves",
    "die beiden", "beide", "beiden", "sie beide", "einander", "miteinander",
)  # fmt: skip
SINGULAR_PRONOUNS = (
    "he",
    "him",
    "his",
    "himself",
    "er",
    "ihm",
    "ihn",
    "sein",
    "seine",
    "seinem",
    "seinen",
    "seiner",
)
# Counterpart words: "his American counterpart" names the actor whose demonym is given.
COUNTERPART_WORDS = ("counterpart", "opposite number", "Amtskollege", "Amtskollegen")
# Titles of roles are matched with these spellings of common abbreviations.
_TITLE_TOKEN_VARIANTS = {
    "us": r"U\.?\s?S\.?",
    "u.s.": r"U\.?\s?S\.?",
    "uk": r"U\.?K\.?",
    "president": r"(?:[Pp]resident|[Pp]räsident)",
}

# Possessive: "Trump's", "the leaders'", German genitive "Trumps Amtsantritt".
_NAME_TAIL = r"(?:['’]s|['’]|s(?=\s))?"


@dataclass(frozen=True)
class Ref:
    """One reference to a person (or a side's voice) in a sentence."""

    start: int
    end: int
    text: str
    kind: RefKind
    # The watch actor key for actor/voice/spokesperson refs (and resolved pronouns/groups).
    actor: str | None = None
    # A stable identity for other people ("zelensky") so groups can count distinct people.
    identity: str | None = None
    possessive: bool = False
    # A head of state or government ("Ukrainian President ..."): "the two leaders" may mean him.
    leader: bool = False


@dataclass(frozen=True)
class _Pattern:
    regex: re.Pattern[str]
    kind: RefKind
    actor: str | None
    # For role titles: the periods in which the title names the actor.
    periods: tuple[tuple[date, date | None], ...] | None = None
    # Lower-case words one of which must be in a sentence for the regex to be worth running.
    needles: tuple[str, ...] = ()


def _alternation(phrases: Iterable[str]) -> str:
    return "|".join(re.escape(p) for p in sorted(set(phrases), key=len, reverse=True))


def _case_insensitive_first(phrase: str) -> str:
    """Match "the Kremlin" and "The Kremlin" but keep proper names case-sensitive."""
    escaped = re.escape(phrase)
    first = phrase[:1]
    if first.isalpha():
        return f"[{first.lower()}{first.upper()}]" + escaped[1:]
    return escaped


def _title_regex(title: str) -> str:
    parts = []
    for token in title.split():
        variant = _TITLE_TOKEN_VARIANTS.get(token.lower())
        parts.append(variant if variant else _case_insensitive_first(token))
    return r"[\s-]+".join(parts)


class NameForms(Protocol):
    """How a language inflects names (`events.languages.NameInflection` is one)."""

    @property
    def transliterate(self) -> str: ...

    @property
    def titles(self) -> tuple[str, ...]: ...

    def forms(self, name: str) -> tuple[str, ...]: ...

    def stems(self, word: str) -> tuple[str, ...]: ...


# A capitalised word in Cyrillic script (Russian, Ukrainian): a candidate for a Latin name.
_CYRILLIC_WORD = re.compile(r"(?<![\w])[А-ЯЁІЇЄҐ][а-яёіїєґА-ЯЁІЇЄҐ'’ʼ-]+(?![\w])")
# Letters whose spelling varies between transliterations fold together: "Трамп" is "Tramp"
# and "Trump"; "Зеленский" is "Zelenskij" and "Zelensky"; German "Wladimir" is "Vladimir".
_VOWEL_RUN = re.compile(r"[aeiouyj]+")
# Shorter keys ("Si", "Xi") match too many words to be read across scripts.
MIN_TRANSLITERATED_KEY = 4


# Digraphs and their one-letter spellings ("Ушаков": "Ushakov" in one scheme, "Ušakov" in another).
_DIGRAPHS = (
    ("shch", "s"),
    ("sh", "s"),
    ("ch", "c"),
    ("zh", "z"),
    ("kh", "h"),
    ("ts", "c"),
    ("w", "v"),
)


def _latin_key(word: str) -> str:
    plain = "".join(
        ch for ch in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(ch)
    )
    for digraph, letter in _DIGRAPHS:
        plain = plain.replace(digraph, letter)
    return _VOWEL_RUN.sub("V", "".join(ch for ch in plain if "a" <= ch <= "z"))


class ActorLexicon:
    """The compiled vocabulary of one watch: how its actors and everyone else are named.

    `inflections` are the name inflections of the languages a text is read with: each
    name, alias and spokesperson of the watch is also found in its inflected forms
    ("Putinille", "Путиным" for a watch listing "Путин"), and with a Cyrillic pack
    (`transliterate`) a name the watch writes in Latin letters is found in Cyrillic text:
    capitalised Cyrillic words are transliterated (cyrtranslit), their endings undone, and
    compared with the watch's names letter by letter, vowels folded ("Трампом" -> "Tramp"
    -> Trump). Aliases in the watch file ("Путин") are the other way to name them.
    """

    _cache: ClassVar[dict[tuple[int, tuple[NameForms, ...]], tuple[Watch, ActorLexicon]]] = {}

    def __init__(self, watch: Watch, inflections: tuple[NameForms, ...] = ()) -> None:
        self.watch = watch
        self.inflections = inflections
        # Latin names by their folded key sequence, for Cyrillic text (see the class doc).
        self._transliterated: dict[tuple[str, ...], tuple[RefKind, str]] = {}
        self._scripts = tuple(
            dict.fromkeys(i.transliterate for i in inflections if i.transliterate)
        )
        name_titles = [t for i in inflections for t in i.titles]
        self._title_before = (
            re.compile(r"(?<!\w)(?:" + "|".join(name_titles) + r")\s+$", re.IGNORECASE)
            if name_titles
            else None
        )
        self.pair: tuple[str, str] = (watch.contacts.pair[0], watch.contacts.pair[1])
        self.actors: dict[str, Actor] = dict(watch.actors)
        self._patterns: list[_Pattern] = []
        names_all: list[str] = []
        self._known_people: set[str] = set()
        for key, actor in watch.actors.items():
            names_all.extend(actor.names)
            if self._scripts:
                for name in actor.names + actor.aliases:
                    self._add_transliterated(name, "actor", key)
                for name in actor.spokespeople:
                    self._add_transliterated(name, "spokesperson", key)
            self._known_people.update(
                actor.names + actor.aliases + actor.spokespeople + actor.voices
            )
            self._add(actor.names + actor.aliases, "actor", key, case_insensitive=False)
            for role in actor.roles:
                pattern = (
                    r"(?:\b[Tt]he\s+)?(?:new\s+|then-|former\s+|incoming\s+)?\b"
                    + _title_regex(role.title)
                )
                self._patterns.append(
                    _Pattern(
                        re.compile(pattern + r"(?![\w-])" + _NAME_TAIL),
                        "actor",
                        key,
                        periods=tuple(
                            (r.from_, r.to) for r in actor.roles if r.title == role.title
                        ),
                        needles=_needles([role.title])
                        + (("präsident",) if "president" in role.title.lower() else ()),
                    )
                )
            if actor.demonyms:
                demonyms = r"(?:" + "|".join(_title_regex(d) for d in actor.demonyms) + r")"
                counterpart = (
                    r"\b(?:(?:[Hh]is|[Hh]er|[Tt]heir|[Tt]he|sein(?:em|en)?)\s+)?"
                    + demonyms
                    + r"[\s-]+(?:"
                    + _alternation(COUNTERPART_WORDS)
                    + r")\b"
                )
                self._patterns.append(
                    _Pattern(
                        re.compile(counterpart),
                        "actor",
                        key,
                        needles=("counterpart", "opposite", "amtskolleg"),
                    )
                )
            self._add(actor.voices, "voice", key, case_insensitive=True)
            self._add(actor.spokespeople, "spokesperson", key, case_insensitive=False)
        self._actor_names = set(names_all)
        titles = _alternation(PERSON_TITLES)
        name_word = r"[A-ZÄÖÜ][\w'’.-]*"
        # "(Ukrainian )?President Volodymyr Zelensky": an adjective, a title, then a name.
        self._titled_person = re.compile(
            r"(?:\b(?:[A-Z][a-z]+|U\.S\.|US|UN|NATO|EU)\s+)?\b(?P<title>" + titles + r")\s+"
            r"(?P<name>" + name_word + r"(?:\s+" + name_word + r"){0,2})" + _NAME_TAIL
        )
        self._title_needles = tuple(
            sorted({t.split()[0].lower().rstrip(".") for t in PERSON_TITLES})
        )
        # Group nouns are found first, then the words before them are taken in ("European leaders").
        self._other_group_noun = re.compile(r"\b(?:" + _alternation(OTHER_GROUP_NOUNS) + r")\b")
        self._other_group_prefix = re.compile(
            r"(?:\b(?:[A-Z][\w-]+|world|foreign|other|senior|their|his|its|our|government|the|both|two|"
            r"three|all|many|several|some|top|\d+|ukrainische[nr]?|europäische[nr]?)\s+)*$"
        )
        self._other_group_needles = _needles(OTHER_GROUP_NOUNS)
        multi = [g for g in GROUP_REFERENCES if " " in g]
        self._group = re.compile(
            r"\b(?:"
            + "|".join(_case_insensitive_first(g) for g in sorted(multi, key=len, reverse=True))
            + r")\b"
            + _NAME_TAIL
        )
        self._group_needles = tuple(sorted({g.split()[-1].lower() for g in multi}))
        self._single_group_words = frozenset(g for g in GROUP_REFERENCES if " " not in g)
        self._pronoun_words = frozenset(SINGULAR_PRONOUNS)

    @classmethod
    def for_watch(cls, watch: Watch, inflections: tuple[NameForms, ...] = ()) -> ActorLexicon:
        """The lexicon for `watch` in some languages, compiled once per watch object and cached."""
        cache_key = (id(watch), inflections)
        cached = cls._cache.get(cache_key)
        if cached is not None and cached[0] is watch:
            return cached[1]
        lexicon = cls(watch, inflections)
        if len(cls._cache) > 64:  # watches are few; keep the cache from growing without bound
            cls._cache.clear()
        cls._cache[cache_key] = (watch, lexicon)
        return lexicon

    def _add_transliterated(self, name: str, kind: RefKind, key: str) -> None:
        words = name.split()
        if not words or not all(w[:1].isupper() and w.isascii() for w in words):
            return  # only proper names in Latin letters ("the Kremlin" is not one)
        folded = tuple(_latin_key(w) for w in words)
        if len(folded[-1]) >= MIN_TRANSLITERATED_KEY:
            self._transliterated.setdefault(folded, (kind, key))

    def _transliterated_mentions(self, text: str) -> list[Ref]:
        """Latin watch names written in Cyrillic ("Трампом" for Trump); see the class doc."""
        import cyrtranslit  # imported late: only Cyrillic text needs it

        words = list(_CYRILLIC_WORD.finditer(text))
        keys: list[set[str]] = []
        for word in words:
            options: set[str] = set()
            for script in self._scripts:
                inflection = next(i for i in self.inflections if i.transliterate == script)
                for stem in inflection.stems(word.group(0)):
                    options.add(_latin_key(cyrtranslit.to_latin(stem, script)))
            keys.append(options)
        found: list[Ref] = []
        for folded, (kind, actor) in self._transliterated.items():
            size = len(folded)
            for i in range(len(words) - size + 1):
                if not all(folded[j] in keys[i + j] for j in range(size)):
                    continue
                if size > 1 and text[words[i].end() : words[i + size - 1].start()].strip():
                    continue  # the words of a name stand next to each other
                start, end = words[i].start(), words[i + size - 1].end()
                found.append(Ref(start, end, text[start:end], kind, actor, actor, leader=True))
        return found

    def _add(self, phrases: list[str], kind: RefKind, key: str, *, case_insensitive: bool) -> None:
        if not phrases:
            return
        if kind in ("actor", "spokesperson") and self.inflections:
            # "Putinille", "Путиным": every form the text's languages give a name.
            phrases = list(
                dict.fromkeys(
                    form
                    for phrase in phrases
                    for inflection in self.inflections
                    for form in (inflection.forms(phrase) if phrase[:1].isupper() else (phrase,))
                )
            )
        ordered = sorted(set(phrases), key=len, reverse=True)
        if case_insensitive:
            body = "|".join(_case_insensitive_first(p) for p in ordered)
        else:
            body = "|".join(
                _case_insensitive_first(p)
                if p[:1].islower() or p.lower().startswith("the ")
                else re.escape(p)
                for p in ordered
            )
        regex = re.compile(r"(?<!\w)(?:" + body + r")" + _NAME_TAIL + r"(?!\w)")
        self._patterns.append(_Pattern(regex, kind, key, needles=_needles(phrases)))

    def may_mention(self, text: str, actor: str) -> bool:
        """False only when nothing in `text` can name `actor`: a substring test per pattern.

        `mentions` finds an actor only through one of its patterns, whose needles (one of
        which a match must contain) are tested here on the whole text; Cyrillic words may
        name a Latin-written actor, so with a Cyrillic pack any Cyrillic word answers yes.
        """
        low = text.lower()
        transliterated = any(a == actor for _, a in self._transliterated.values())
        if self._scripts and transliterated and _CYRILLIC_WORD.search(text):
            return True
        return any(
            not pattern.needles or any(n in low for n in pattern.needles)
            for pattern in self._patterns
            if pattern.actor == actor
        )

    def display_name(self, key: str) -> str:
        """The shortest name of an actor ("Trump"), for summaries."""
        actor = self.actors.get(key)
        return min(actor.names, key=len) if actor else key

    def is_actor_name(self, text: str) -> bool:
        """True when `text` is one of the watch's actor names."""
        return text in self._actor_names

    def mentions(
        self, text: str, day: date | None, known_others: dict[str, tuple[str, bool]] | None = None
    ) -> list[Ref]:
        """All references in `text` (one sentence), left to right, the longest span winning.

        `known_others` maps bare surnames of other people met earlier in the same article
        ("Zelensky" after "President Volodymyr Zelensky") to (identity, is a leader); it is updated.
        """
        surnames = known_others if known_others is not None else {}
        found: list[Ref] = []
        low = text.lower()
        if self._transliterated and _CYRILLIC_WORD.search(text):
            found.extend(self._transliterated_mentions(text))
        for pattern in self._patterns:
            if pattern.needles and not any(n in low for n in pattern.needles):
                continue
            for match in pattern.regex.finditer(text):
                kind: RefKind = pattern.kind
                actor = pattern.actor
                if pattern.periods is not None and _INDEFINITE_BEFORE.search(
                    text, max(0, match.start() - 12), match.start()
                ):
                    # "a U.S. president", "no Russian president": anyone who held it, not him.
                    kind, actor = "other", None
                elif pattern.periods is not None and day is not None:
                    held = any(
                        start <= day and (end is None or day < end)
                        for start, end in pattern.periods
                    )
                    if not held:
                        # The title names whoever held it that day: someone else.
                        kind, actor = "other", None
                ref = _ref(match, kind, actor, identity=actor or match.group(0).lower())
                found.append(
                    Ref(
                        ref.start,
                        ref.end,
                        ref.text,
                        ref.kind,
                        ref.actor,
                        ref.identity,
                        ref.possessive,
                        leader=True,
                    )
                )
        titled = (
            self._titled_person.finditer(text) if any(n in low for n in self._title_needles) else ()
        )
        for match in titled:
            name = match.group("name")
            first_word = name.split()[0]
            known = self._known_people
            if any(name.startswith(n) or n.startswith(name) for n in known) or first_word in known:
                continue  # "President Donald Trump", "spokesman Dmitry Peskov": the watch has them
            surname = re.sub(r"['’]s?$", "", name.split()[-1])
            title = match.group("title").lower()
            leader = title in LEADER_TITLES
            surnames.setdefault(surname, (surname.lower(), leader))
            ref = _ref(match, "other", None, identity=surname.lower())
            found.append(
                Ref(
                    ref.start,
                    ref.end,
                    ref.text,
                    ref.kind,
                    None,
                    ref.identity,
                    ref.possessive,
                    leader,
                )
            )
        for surname, (identity, leader) in surnames.items():
            if surname in self._actor_names or len(surname) < 3:
                continue
            for match in re.finditer(
                r"(?<![\w-])" + re.escape(surname) + r"(?![\w-])" + _NAME_TAIL, text
            ):
                ref = _ref(match, "other", None, identity=identity)
                found.append(
                    Ref(
                        ref.start,
                        ref.end,
                        ref.text,
                        ref.kind,
                        None,
                        identity,
                        ref.possessive,
                        leader,
                    )
                )
        if any(n in low for n in self._other_group_needles):
            for match in self._other_group_noun.finditer(text):
                prefix = self._other_group_prefix.search(
                    text, max(0, match.start() - 80), match.start()
                )
                start = prefix.start() if prefix else match.start()
                phrase = text[start : match.end()]
                if phrase.lower() in GROUP_REFERENCES:
                    continue  # "the two leaders" is a group reference, not other people
                found.append(
                    Ref(start, match.end(), phrase, "other_group", None, "group:" + phrase.lower())
                )
        if any(n in low for n in self._group_needles):
            for match in self._group.finditer(text):
                found.append(_ref(match, "group", None))
        for match in _WORD.finditer(text):
            word = match.group(0)
            lowered = word.lower()
            if (
                lowered in self._single_group_words
                or lowered.rstrip("'’") in self._single_group_words
            ):
                found.append(_ref(match, "group", None))
            elif lowered in self._pronoun_words:
                found.append(_ref(match, "pronoun", None))
        if self._title_before is not None:
            found = [self._with_title(ref, text) for ref in found]
        return _longest_first(found)

    def _with_title(self, ref: Ref, text: str) -> Ref:
        """An actor's mention with the title before it ("Venäjän presidentti Vladimir Putin")."""
        if ref.kind not in ("actor", "spokesperson") or self._title_before is None:
            return ref
        title = self._title_before.search(text, max(0, ref.start - 60), ref.start)
        if title is None:
            return ref
        start = title.start()
        return Ref(
            start,
            ref.end,
            text[start : ref.end],
            ref.kind,
            ref.actor,
            ref.identity,
            ref.possessive,
            ref.leader,
        )


_WORD = re.compile(r"\b\w+(?:['’]s?)?")
# An indefinite or quantifying word before a role title makes it generic ("a U.S. president").
_INDEFINITE_BEFORE = re.compile(
    r"\b(?:[Aa]n?|[Aa]ny|[Ee]very|[Ee]ach|[Nn]o|[Aa]nother|[Ee]in(?:e[mnrs]?)?|[Kk]ein(?:e[mnrs]?)?)\s+$"
)


def _needles(phrases: Iterable[str]) -> tuple[str, ...]:
    """The longest word of each phrase, lower-cased: cheap substring tests before a regex."""
    out = set()
    for phrase in phrases:
        words = re.findall(r"\w+", phrase.lower())
        if words:
            out.add(max(words, key=len))
    return tuple(sorted(out))


def _ref(
    match: re.Match[str], kind: RefKind, actor: str | None, identity: str | None = None
) -> Ref:
    text = match.group(0)
    possessive = text.endswith(("'s", "’s", "'", "’"))
    return Ref(match.start(), match.end(), text, kind, actor, identity, possessive)


_KIND_PRIORITY: dict[str, int] = {
    "actor": 0,
    "spokesperson": 1,
    "other": 2,
    "voice": 3,
    "other_group": 4,
    "group": 5,
    "pronoun": 6,
}


def _longest_first(refs: list[Ref]) -> list[Ref]:
    refs.sort(key=lambda r: (-(r.end - r.start), _KIND_PRIORITY[r.kind], r.start))
    kept: list[Ref] = []
    for ref in refs:
        if any(ref.start < k.end and k.start < ref.end for k in kept):
            continue
        kept.append(ref)
    kept.sort(key=lambda r: r.start)
    return kept
