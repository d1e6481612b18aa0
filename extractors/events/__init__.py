"""Contact events between a watch's pair of actors, found by phrasing rules.

`RuleBasedExtractor.extract(article, watch)` reads `article.text` (never `filler_text`)
and returns `CandidateEvent`s: calls, meetings and messages between the pair, plus
statements (one side saying it is willing to talk), each with its status, the day it
happened (or the range it must lie in), who says so, and the sentences that prove it.

How a sentence becomes evidence
0. A page with several stories (a digest's numbered items, a bulletin's headed items, a
   live page's time stamps) is cut into them (`extractors.stories`) and each story is
   read on its own, against the page's day: people, dates and speakers of one item never
   explain a contact in another. One sentence reports at most one held contact (a plan
   and the call it was agreed in may share one); bare "spoke" after a held meeting of the
   story, without a phone or a day of its own, is talk at that meeting.
1. Sentences are split with their offsets (`extractors.sentences`); the headline is read
   too, but never quoted (evidence is verbatim from `article.text`).
2. People are found with the watch's vocabulary (`extractors.actors`): names, aliases,
   dated role titles, "his Russian counterpart", voices ("the Kremlin") and spokespeople;
   "the two leaders"/"they" name the pair only when the last two people named were it
   (someone named with a group, "Zelensky and European leaders", is not one of "the two";
   a sentence naming only the pair means them; the lede may lean on the headline's
   people), and "he"/"him" take the nearest fitting person. "A U.S. president" is
   nobody in particular.
3. A *trigger* word names a kind of contact: call (phone, telephone conversation, "spoke
   with"), meeting (met, summit, talks), message (letter, message, signals). It is an
   *anchor* when its own arguments are the pair: subject and "with/to/between" partner,
   or, when it has no partner, a sentence naming both and nobody else. A trigger whose
   partner or subject is someone else ("spoke with Zelensky", "advisers would meet") is
   dropped, and so is one whose subject is a name the watch does not know ("Rubio and
   Lavrov spoke"), an envoy ("Witkoff, who held talks with Putin"), or a speaker addressing
   an audience ("speaking by video link"); "spoke of", "calls off", "begin talks on ending
   the war" are not contacts. A definite noun without the pair ("the call", "the meeting")
   or a description ("describing it as a long-awaited meeting") is an *anaphor*: it adds
   status, day and place to the latest fitting event of the article.
4. Modality decides what a trigger is: questions, "whether", "if", "any", "potential",
   "could", "might" make it nothing; a negated intention ("did not plan to call", "no
   plans to meet", "was not on the agenda") or a negated span ("had not spoken since")
   nothing; a future without day, time, place or scheduling word, or with a
   willingness/invitation/condition/tentative word ("ready to", "any time", "once", "in
   the future", "stay in contact", "would probably"), a *statement*; a future with one of
   them a *planned* contact. Futures: "will", "agreed (on Thursday) to", headline "Trump
   and Putin to meet", "summit agreed for May", "postponed"; a trigger framed by "in/during/
   after a call" does not share the clause's future. Present forms ("telefonieren am
   Dienstag") take the nearest weekday, and a day after the article makes the contact
   planned.
5. Status per event in the article: cancelled (called off, shelved) or denied ("denied
   that", "did not take place", "not under way") win; a held contact is confirmed when a
   participant, his voice or spokesman says so, or the outlet states it plainly; it is
   reported when only hedged ("according to", "reportedly", "sources said").
6. The day: a date next to the trigger in its own part of the clause (tense-aware: "will
   speak on Tuesday" is the next Tuesday; words after another contact belong to it:
   "agreed to meet during a call last Thursday"); else "Putin told Trump on Monday" for
   the article's one undated contact; else, for a contact a participant confirmed, the day
   he said so ("Trump said on Wednesday he had held a call"); else no day, only the range
   the text supports: a held contact told as news lies in the two weeks before the article
   (`REPORTED_LOOKBACK_DAYS`), one named as background within `alerts.history_days`, a
   planned one in the month after it, a cancelled one around it. Such undated events
   alert only when the watch sets `[alerts] undated = true`. A day after the article is
   never the day somebody said something.
   Counted or habitual contacts ("have met five times", "regularly talk") are no event;
   "called Putin “misguided”" is naming, not phoning; "there has not been a summit" is
   an absence, not a denial; "their two-hour conversation" names a known contact; a
   "we" inside a quote is not the pair named outside it.
7. History: "first call since July 2020" and "last spoke on July 23, 2020" name older
   contacts, as do "their recent summit", "days after the call" and an undated contact
   that only times something else ("present when Trump met Putin"); so does any contact
   that ended more than `alerts.history_days` before the
   article, and any held contact mentioned after the article's lead event (told in the
   headline and the lead's first sentence) that is not dated after it (news leads,
   background follows). Historical events are kept, never alerted.

Package layout (imports run one way, top to bottom; nothing here imports `extractors.llm`)
- `interface.py`: the `EventExtractor` protocol and the date conventions every extractor
  shares (also imported by `extractors.llm`); `extractors.selection.extractor_for` picks one.
- `languages.py` + `lang/<code>.toml`: language packs (data) and their typed loader.
- `vocabulary.py`: grammar templates filled with the packs' words, compiled once per
  combination of packs (`vocabulary_for(("en", "de"))`).
- `model.py`: the working records (people, triggers, anchors, clusters).
- `triggers.py` (contact words and their arguments), `people.py` (coreference, speakers),
  `dating.py` (days, ranges, places), `status.py` (modality and status),
  `reader.py` (`ArticleReader`, `RuleBasedExtractor`).

Language packs (`lang/<code>.toml`; adding a language = adding a file and its tests)
A pack is a TOML file with a `[pack]` table (`code`, `name`) and up to eight sections, each a
typed dataclass in `languages.py` (`LanguagePack`): `[contact]` contact nouns and verbs by
kind, `[triggers]` words that tell a trigger's reading, `[people]` pronouns, group words and
argument prepositions, `[cues]` planning, willingness, denial, cancellation, negation,
hedging and speech cues, `[dating]` weekday, month and relative-date words (`relative_days =
{ yesterday = -1 }`) and the words that carry a date, `[places]`, `[phrases]` (whole
alternatives of patterns whose word order is the language's own; `{slot}` inside them is
replaced by that slot's words from all packs) and `[names]` (inflection: `suffixes` added to
a name, `endings = { "а" = ["ы", "е"] }` replacing a final ending; `NameInflection.forms`).
Every slot is a list of regular-expression fragments ("meets?", "a\\.m\\."); slots may be
left out, unknown slots are an error (`LanguagePackError`). A story is read with a tuple of
packs: English plus the pack of every language the page declares or its paragraphs are
detected in (`extractors.language.reading_languages`; a page whose language has no pack
yields no events). Each slot joins its entries from all of them, pack order first, into one
alternation, so a new pack only adds words. Slot names and what each binds: see
`lang/en.toml`, which fills every slot. `[dating]` words become a `dates.DateGrammar`
(English and German dates use the built-in patterns of `extractors.dates`); `[names]`
inflects the watch's names, adds the titles that belong to a name, and, for Cyrillic packs
(`transliterate`), finds Latin watch names in Cyrillic text (`extractors.actors`).
"""

from __future__ import annotations

from typing import Any

from newswatch.extractors.events.candidates import MAX_EVIDENCE_SENTENCES
from newswatch.extractors.events.interface import (
    PLANNED_HORIZON_DAYS,
    REPORTED_LOOKBACK_DAYS,
    EventExtractor,
)
from newswatch.extractors.events.languages import LanguagePack, available_languages, load_pack
from newswatch.extractors.events.reader import RuleBasedExtractor


def __getattr__(name: str) -> Any:
    # `extractor_for` lives in `extractors.selection`, above both extractors; it is reached
    # from here lazily so this package never imports `extractors.llm` at import time.
    if name == "extractor_for":
        from newswatch.extractors.selection import extractor_for

        return extractor_for
    raise AttributeError(name)


__all__ = [
    "MAX_EVIDENCE_SENTENCES",
    "PLANNED_HORIZON_DAYS",
    "REPORTED_LOOKBACK_DAYS",
    "EventExtractor",
    "LanguagePack",
    "RuleBasedExtractor",
    "available_languages",
    "extractor_for",
    "load_pack",
]
