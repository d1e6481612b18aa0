"""Contact events between a watch's pair of actors, found by phrasing rules.

`RuleBasedExtractor.extract(article, watch)` reads `article.text` (never `filler_text`)
and returns `CandidateEvent`s: calls, meetings and messages between the pair, plus
statements (one side saying it is willing to talk), each with its status, the day it
happened (or the range it must lie in), who says so, and the sentences that prove it.

How a sentence becomes evidence
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
   he said so ("Trump said on Wednesday he had held a call"); else a range: a held contact
   lies in the week before the article, a planned one in the month after it. A day after
   the article is never the day somebody said something.
7. History: "first call since July 2020" and "last spoke on July 23, 2020" name older
   contacts; so does any contact that ended more than `alerts.history_days` before the
   article, and any held contact mentioned after the article's lead event (told in the
   headline and the lead's first sentence) that is not dated after it (news leads,
   background follows). Historical events are kept, never alerted.

All vocabulary that is not about the watch's actors is in named word lists below.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal, Protocol, cast

from newswatch.config import Watch
from newswatch.domain import Article, CandidateEvent, EventStatus, EventType
from newswatch.extractors.actors import ActorLexicon, Ref
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
from newswatch.extractors.sentences import Sentence, split_sentences

# ---------------------------------------------------------------------------------------
# Thresholds (named, with how they were chosen)
# A held contact reported without its day happened recently: news of a contact surfaces
# within days, so its range runs from a week before the article to the article's day.
REPORTED_LOOKBACK_DAYS = 7
# A planned contact announced without a day is expected within about a month ("soon",
# "after the inauguration"); past that, announcements name a date.
PLANNED_HORIZON_DAYS = 30
# How many words may sit between a message word and its "to <person>" recipient
# ("a message to Trump", "signals to take back to Trump").
PARTNER_MAX_GAP_WORDS = 5
# At most this many sentences are quoted as one event's evidence (the anchor first).
MAX_EVIDENCE_SENTENCES = 3

# ---------------------------------------------------------------------------------------
# Vocabulary: contact words by kind
ContactKind = Literal["call", "meeting", "message"]
_Modality = Literal["contact", "statement", "support"]

_CALL_NOUNS = (
    r"(?:phone|telephone|video|tele)[\s-]?(?:calls?|conversations?|talks|chats?)|calls?|conversations?|"
    r"Telefonat(?:e|s|en)?|Telefongespräch(?:e|s|en)?|Videoschalte|Videokonferenz|Gespräch(?:e|s|en)?"
)
_CALL_VERBS = (
    r"spoke|spoken|speak|speaks|speaking|talk|talked|talks|talking|chatted|"
    r"telefonierte[n]?|telefoniert|telefonieren|sprachen|sprach|gesprochen|sprechen|spricht"
)
_MEETING_NOUNS = r"meetings?|summits?|talks|bilateral|face-to-face|sit-down|Treffens?|Gipfel(?:treffen)?s?|Zusammenkunft"
_MEETING_VERBS = r"meet|meets|met|host|hosts|hosted|hosting|get together|got together|getting together|sat down|trafen|traf|treffen|getroffen|zusammenkommen"
_MESSAGE_NOUNS = r"messages?|letters?|signals|Botschaft(?:en)?|Brief(?:e)?|Nachricht(?:en)?|Signale"
_TRIGGER = re.compile(
    r"(?<![\w-])(?:(?P<call_noun>" + _CALL_NOUNS + r")|(?P<call_verb>" + _CALL_VERBS + r")|"
    r"(?P<meeting_noun>" + _MEETING_NOUNS + r")|(?P<meeting_verb>" + _MEETING_VERBS + r")|"
    r"(?P<message_noun>"
    + _MESSAGE_NOUNS
    + r")|(?P<call_verb_obj>call(?:s|ed|ing)?|phoned|telephoned|rang|anrief|angerufen))(?![\w-])"
)
# "call" is a noun after these words; after others ("to call", "he called") it is a verb.
_NOUN_DETERMINERS = frozenset(
    [
        "a",
        "an",
        "the",
        "their",
        "his",
        "her",
        "its",
        "this",
        "that",
        "such",
        "first",
        "second",
        "third",
        "fourth",
        "latest",
        "last",
        "lengthy",
        "long",
        "brief",
        "short",
        "previous",
        "planned",
        "any",
        "one",
        "acknowledged",
        "confirmed",
        "known",
        "phone",
        "telephone",
        "video",
        "private",
        "secret",
        "surprise",
        "direct",
        "hour-long",
        "two-hour",
        "productive",
        "good",
        "great",
        "of",
        "after",
        "during",
        "before",
        "since",
        "in",
        "on",
        "by",
    ]
)
_NOT_NOUN_AFTER = frozenset({"on", "for", "off", "it", "him", "her", "them", "upon", "out", "back"})
# Words right before a trigger that make it an anaphor when the pair is not named with it.
_ANAPHOR_DETERMINERS = re.compile(
    r"(?:\b(?:the|this|that|such a|such|their|his|its|die|das|dem|den|des|der|diesem|dieses)\s+"
    r"(?:[\w’'-]+\s+){0,3}$)",
    re.IGNORECASE,
)
_NEGOTIATION_MODIFIERS = frozenset(
    [
        "peace",
        "ceasefire",
        "truce",
        "trade",
        "arms",
        "nuclear",
        "technical",
        "expert-level",
        "working-level",
        "negotiating",
        "friedensgespräche",
    ]
)
_TALKS_NOUN_BEFORE = frozenset(
    [
        "of",
        "the",
        "hold",
        "held",
        "holding",
        "for",
        "begin",
        "began",
        "start",
        "started",
        "peace",
        "direct",
        "in",
        "their",
        "first",
        "these",
        "those",
        "three-hour",
        "two-hour",
        "lengthy",
        "after",
        "during",
    ]
)

# Modality and status cues --------------------------------------------------------------
_QUESTION_WORDS = re.compile(r"\b(?:whether|ob)\b", re.IGNORECASE)
_HYPOTHETICAL = re.compile(
    r"\b(?:if|unless|any|potential|possible|possibly|possibility|prospect|could|might|(?-i:may)|"
    r"would have|should|hypothetical|speculation|speculate|falls|mögliche[snrm]?|möglich|eventuell|etwaige[snrm]?|"
    # Tentative: "a first meeting would probably take place in Saudi Arabia" is no plan yet.
    r"probably|likely|perhaps|maybe|wahrscheinlich|vermutlich|vielleicht)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|'ll|’ll|would(?! have)|shall|set to|due to|scheduled|planned|planning|plans? to|"
    r"to be held|upcoming|expected to|expects to|going to|arrange|arranging|arranged|"
    r"agree[sd]?(?:\s+(?!that\b)[\w.,]+){0,3}?\s+to|"
    r"prepare|preparing|preparations?|being prepared|next|then|"
    r"werden|wird|wollen|will|soll|sollen|geplante[nrsm]?|geplant|planen|vereinbart)\b",
    re.IGNORECASE,
)
_FUTURE_AFTER = re.compile(
    # Not across a new clause: "told Trump in a call that Russia would halt strikes".
    r"^(?:\s*(?!that\b|which\b|who\b|whether\b|if\b|dass\b)[\w’'-]+){0,4}?\s+"
    r"(?:would|will|is to|are to|was to|shall)\b|"
    # Headline participles: "summit agreed for the coming days", "call scheduled for Monday".
    r"^\s*(?:agreed|planned|scheduled|set|arranged|pencilled in|penciled in)\s+(?:for|on|in|at)\b|"
    r"^[^,;.]{0,30}\b(?:was|is|were|are) being prepared\b|^[^,;.]{0,30}\b(?:is|was) (?:scheduled|planned|set)\b",
    re.IGNORECASE,
)
_SCHEDULING = re.compile(
    r"\b(?:scheduled|set to|is due|are due|being prepared|preparations?|arrange|arranging|arranged|"
    r"agree[sd]?(?:\s+(?!that\b)[\w.,]+){0,3}?\s+to|planned|to prepare|preparing|geplante[nrsm]?|"
    r"will take place|would take place|to be held|confirmed that|confirms|"
    r"announced|geplant|vereinbart)\b",
    re.IGNORECASE,
)
_CLOCK_TIME = re.compile(
    r"\b\d{1,2}(?::\d\d)?\s*(?:a\.m\.|p\.m\.|am|pm|Uhr)\b|\b\d{1,2}:\d\d\b", re.IGNORECASE
)
_STATEMENT = re.compile(
    r"\b(?:willing|willingness|ready|readiness|open|openness|prepared to|"
    r"I think we will|think we will|hopes?|hoped|hoping|wants?|wanted|would like|would love|"
    r"invit\w*|propos\w*|offer\w*|expects?|expected|could see|suggest\w*|"
    r"(?:stay|keep|remain|be) in (?:contact|touch)|maintain contacts?|in Kontakt (?:bleiben|zu bleiben)|"
    r"bereit|Bereitschaft)\b",
    re.IGNORECASE,
)
# Willingness words must govern the trigger ("willing to hold talks"), not sit anywhere in
# the clause ("invited Trump to Moscow during a telephone conversation" is a call).
_PRE_STATEMENT_GAP = re.compile(r"^(?:\s*[\w’'.,-]+){0,7}\s*$")
_NOT_GOVERNED = re.compile(
    r"\b(?:during|after|before|amid|following|in|at|on|while|when|nach|während)\b", re.IGNORECASE
)
_POST_STATEMENT = re.compile(
    r"\b(?:any time|anytime|in the future|eventually|at some point|some day|someday|once (?:they|the|he|it)|"
    r"as soon as|when the time|if\b|irgendwann|sobald|in Zukunft)",
    re.IGNORECASE,
)
_LEADER_GROUPS = frozenset(
    {"the two leaders", "the two presidents", "the two heads of state", "both leaders", "both presidents",
     "the leaders", "the presidents"}
)  # fmt: skip
# "They" may be anyone; "their call" in a sentence naming only the pair is theirs.
_BARE_PLURAL_PRONOUNS = frozenset({"they", "them", "themselves"})
_PLURAL_PRONOUNS = frozenset(
    {"they", "them", "their", "themselves", "each other", "one another", "einander"}
)
# "a call between the two was not on the agenda", "is not planned": no plan.
_NEGATED_PLAN_AFTER = re.compile(
    r"^(?:\s*[\w’'.,-]+){0,6}?\s+(?:is|was|are|were|remains?|stand|stood)\s+(?:not|n[’']t|no longer)\s+"
    r"(?:on the (?:agenda|table|cards)|planned|scheduled|being prepared|expected|in the works)\b|"
    r"^(?:\s*[\w’'.,-]+){0,6}?\s+(?:steht|stehe|ist|sei)\s+nicht\s+(?:auf der Tagesordnung|geplant)",
    re.IGNORECASE,
)
_POSTPONED = re.compile(
    r"\b(?:postpon\w+|delayed|put off|pushed back|reschedul\w+|verschoben|vertagt)\b", re.IGNORECASE
)
# A negated contact over a span of time is the absence of contact, not a denial of one.
_NO_CONTACT_SPAN = re.compile(
    r"\b(?:since|yet|so far|in (?:weeks|months|years)|for (?:weeks|months|years)|seit|bisher|noch nicht)\b",
    re.IGNORECASE,
)
# "a first meeting would probably take place in Saudi Arabia": the trigger's own predicate
# is tentative, so the contact is at most talked about.
_TENTATIVE_AFTER = re.compile(
    r"^(?:\s*[\w’'.,-]+){0,5}?\s+(?:would|will|could|might|may|is|are|was|were|wird|würde|soll)\s+"
    r"(?:probably|likely|perhaps|possibly|maybe|wahrscheinlich|vermutlich|vielleicht)\b|"
    r"^(?:\s*[\w’'.,-]+){0,5}?\s+(?:could|might|könnte)\b|"
    r"^(?:\s*[\w’'.,-]+){0,5}?\s+(?:is|are|was|were|seems?|remains?|ist|sei|wäre)\s+(?:still\s+|now\s+)?"
    r"(?:possible|likely|unlikely|probable|conceivable|not (?:excluded|ruled out)|möglich|denkbar)\b",
    re.IGNORECASE,
)
# A trigger inside "in/during/after a call" is the frame of what the clause says, so the
# clause's future ("agreed to a truce in a call") is not its own.
_FRAME_PREPOSITION = re.compile(
    r"\b(?:in|during|after|following|nach|während|bei|im)\s+(?:[\w’'-]+\s+){0,3}$", re.IGNORECASE
)
# A capitalised word right before a verb (auxiliaries and adverbs allowed between): its
# subject, when it is a name ("Rubio and Lavrov spoke").
_NAME_BEFORE_VERB = re.compile(
    r"\b(?P<name>[A-Z][a-z][\w’'-]*)\s+(?:(?:had|has|have|also|then|later|again|"
    r"reportedly|briefly|will|would|did|not|never|last|first|hatte|haben|hat)\s+)*$"
)
# One of the pair telling the other something (a day after the listener dates the exchange).
_TELL_VERB = re.compile(
    r"\b(?:told|tells|assured|assures|warned|warns|informed|informs|urged|urges|sagte|versicherte)\b"
)
_DAY_RIGHT_AFTER = re.compile(
    r"\s+(?P<when>(?:on|late on|early on|am)\s+[A-Z]\w+(?:\s+\d{1,2})?|yesterday|today|gestern|heute)\b"
)
# Capitalised words that are not names of people.
_NOT_NAMES = frozenset(
    {"The", "They", "He", "She", "It", "We", "You", "I", "This", "That", "These", "Those", "There",
     "Both", "Neither", "Either", "Leaders", "Presidents", "Officials", "On", "In", "At", "After",
     "Before", "When", "While", "Later", "Earlier", "Today", "Yesterday", "Now", "Then", "Also",
     "Sie", "Er", "Die", "Der", "Das", "Beide", "Heute", "Gestern", "Dann"}
)  # fmt: skip
# A verb trigger in -ing form with neither subject nor partner ("Speaking to reporters, ...",
# "speaking by video link") describes someone addressing an audience, not a contact.
_PARTICIPLE = re.compile(r"\w+ing", re.IGNORECASE)
# "describing it as a ... meeting", "called it a good call": a predicate describing an event
# already named.
_DESCRIPTIVE = re.compile(
    r"\b(?:it|this|that)\s+(?:as\s+)?(?:an?|the)\s+(?:[\w’'-]+\s+){0,3}$", re.IGNORECASE
)
# Words after "spoke"/"talked" that make it public speech: "spoke of progress", "spoke out".
_SPEECH_PARTICLES = frozenset({"of", "out", "up", "publicly", "highly", "warmly", "glowingly"})
# Process verbs that make "talks on ending the war" negotiations, not a sit-down.
_NEGOTIATION_VERBS = frozenset(
    {"begin", "began", "begun", "beginning", "start", "started", "starting", "open", "opened",
     "launch", "launched", "resume", "resumed", "continue", "continued"}
)  # fmt: skip
_DATE_WORDS = re.compile(
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)|\d"
)
# Headline style "Trump and Putin to meet in Alaska": a name (or "leaders") then "to" + verb
# announces a contact ahead.
_HEADLINE_INFINITIVE = re.compile(
    r"(?:\b[A-Z][\w’'.-]*|\b(?:leaders|presidents|men))\s+to\s+(?:hold\s+(?:a\s+|their\s+)?)?$"
)
# Verb forms that carry no tense of their own (headline present, infinitive, German present
# used for the future): the day they are dated with is the nearest one, not the last one.
_PRESENT_FORMS = frozenset(
    {"speak", "speaks", "talk", "talks", "meet", "meets", "get together", "telefonieren", "sprechen",
     "spricht", "treffen", "trifft", "zusammenkommen"}
)  # fmt: skip
_ARRANGER = re.compile(
    r"^\s*(?:to\s+)?(?:arrange|set up|organi[sz]e|prepare|schedule|plan)\b", re.IGNORECASE
)
_INTENT_NEGATION = re.compile(
    r"\b(?:(?:did|does|do|had|has|have)\s*(?:not|n[’']t)\s+(?:plan|intend|want|expect)\w*|"
    r"no\s+(?:\w+\s+)?(?:plans?|intention)|not\s+(?:planning|intending)|keine\s+Pläne|nicht\s+geplant)\b",
    re.IGNORECASE,
)
_NEGATION = re.compile(r"\b(?:not|n[’']t|never|no|nicht|kein\w*|nie)\b", re.IGNORECASE)
# Words that may stand between a negation and the contact it negates ("did not yet speak
# by phone with him"); people's names are replaced by "him" before the test.
_AUXILIARY_ONLY = re.compile(
    r"^\s*(?:\b(?:had|has|have|did|does|do|was|were|is|are|been|be|not|n[’']t|never|no|yet|"
    r"ever|directly|by|phone|telephone|the|a|an|such|any|hat|haben|hatte|hatten|nicht|nie|kein\w*|"
    r"with|to|mit|him|them|each|other)\b[\s-]*)*$",
    re.IGNORECASE,
)
_DENIAL_VERB = re.compile(
    r"\b(?:den(?:y|ies|ied|ying)|dismiss(?:ed|es|ing)?|reject(?:ed|s|ing)?|refuted|dementier\w*|bestritt\w*|bestreit\w*)\b",
    re.IGNORECASE,
)
_DENIAL_PHRASE = re.compile(
    r"\b(?:(?:completely |totally )?untrue|(?:pure |complete )?fiction|fake news|no such \w+|"
    r"did(?: not|n[’']t) (?:take place|happen|occur)|never (?:took place|happened|occurred)|"
    r"not (?:currently |yet )?under ?way|no \w+ (?:took|has taken) place|nicht stattgefunden|"
    r"nicht stattfand|hat es nicht gegeben)\b",
    re.IGNORECASE,
)
_CANCEL = re.compile(
    r"\b(?:call(?:ed|s|ing)? off|cancell?(?:ed|s|ing)?|scrap(?:ped|s|ping)?|shelv(?:ed|es|ing)|"
    r"axed|abgesagt|sagte\w* ab|abzusagen)\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|according to (?:a |the )?(?:report|reports|sources?|media|people|"
    r"officials|publication|newspaper)|sources? (?:said|say|familiar)|informed sources|people familiar|"
    r"(?:the |a )?(?:publication|newspaper) reports?|reported|reports|citing|unnamed|"
    r"Medienberichte\w*|laut Medien|berichtet\w*|angeblich|soll\w* .{0,40} haben)\b",
    re.IGNORECASE,
)
_CONFIRM_VERB = re.compile(
    r"\b(?:confirm(?:ed|s|ing)?|bestätigt\w*|acknowledg\w*)\b", re.IGNORECASE
)
_SPEECH_VERB = re.compile(
    r"\b(?:said|says|say|saying|told|tells|confirmed|confirms|announced|announces|announcing|wrote|writes|"
    r"writing|posted|added|adding|stated|declared|described|describing|denied|denies|dismissed|"
    r"insisted|noted|explained|stressed|reported|reports|disclosed|revealed|clarified|according to|"
    r"sagte|sagt|erklärte|erklärt|teilte|mitteilte|bestätigte|berichtete|schrieb)\b",
    re.IGNORECASE,
)
_OUTLET = re.compile(
    r"(?:\b[Tt]he\s+)?(?:[A-Z][\w.&-]*\s+){0,3}(?:Post|Times|Journal|News|Herald|Guardian|Telegraph|"
    r"Agency|Press|Wire|Bloomberg|Reuters|Axios|Politico|Kommersant|Izvestia|Bild|Spiegel|"
    r"CNN|NBC|CBS|ABC|BBC|Fox News|TASS|Interfax|RIA(?: Novosti)?)\b|"
    r"\b(?:(?:the|a)\s+)?(?:publication|newspaper|media outlets?|media)\b"
)
_FIRST_ORDINAL = re.compile(
    # "the first call", "the first time the two leaders had met"
    r"\b(?:first|second|third|fourth|fifth|erste[nrsm]?|zweite[nrsm]?|dritte[nrsm]?)\b(?:\s+[\w’'-]+){0,5}\s*$",
    re.IGNORECASE,
)
_LAST_BEFORE = re.compile(r"\b(?:last|zuletzt)\s+(?:\w+\s+)?$", re.IGNORECASE)
_SINCE = re.compile(r"\b(?:since|seit)\s+", re.IGNORECASE)
_CLAUSE_BOUNDARY = re.compile(
    r"[;:—–]|,\s+(?:and|but|while|which|who|when|where|after|before|as|although|though|adding|"
    r"saying|und|aber|während|nachdem|als)\b|\s+(?:and|but) that\b|,\s+(?=in what\b)",
    re.IGNORECASE,
)
_PLACE = re.compile(
    r"\b(?:in|at|im|in der|nach)\s+(?:the\s+)?(?P<place>[A-ZÄÖÜ][\w-]+(?:[ -][A-ZÄÖÜ][\w-]+){0,3}"
    r"(?:,\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,2})?)"
)
_PLACE_BEFORE_NOUN = re.compile(
    r"\b(?:the\s+)?(?<![-–])(?P<place>[A-Z][a-z]+)\s+(?:summit|meeting|talks|Gipfel)\b"
)
_NOT_PLACES = frozenset(
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "English",
        "Russian",
        "German",
        "French",
        "Truth",
        "Social",
        "Oval",
        "Office",
        "White",
        "House",
        "Kremlin",
        "Washington",
        "Time",
        "The",
        "A",
        "An",
        "His",
        "Her",
        "Their",
        "Any",
        "This",
        "That",
        "Every",
        "Each",
        "No",
        "Next",
        "First",
        "Last",
        "Our",
        "Its",
        "September",
        "Person",
        "Europe",
        "Ukraine",
    ]
)
_TOOK_PLACE = re.compile(
    r"\b(?:took place|take place|was held|were held|be held|happened|occurred|stattfand|fand)\b",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------
class EventExtractor(Protocol):
    """Anything that turns one article into candidate events for one watch (pure)."""

    def extract(self, article: Article, watch: Watch) -> list[CandidateEvent]: ...


@dataclass
class _Person:
    """A resolved reference: which pair actors it names, or that it names someone else."""

    ref: Ref
    actors: frozenset[str]
    other: bool
    side: str | None = None  # actor key a voice/spokesperson speaks for
    # Named as one of a group ("Zelensky and European leaders"): not one of "the two".
    in_group: bool = False


@dataclass
class _Trigger:
    kind: ContactKind
    start: int
    end: int
    text: str
    noun: bool
    plural: bool
    # "call" as a verb is a contact only with a person right after it ("called Putin").
    needs_object: bool = False


@dataclass
class _Anchor:
    """One trigger that names a contact of the pair (or a statement about one)."""

    sentence: Sentence
    kind: ContactKind
    trigger: _Trigger
    tense: Tense
    modality: _Modality
    date_range: DateRange | None
    date_from_speech: bool
    location: str | None
    historical_cue: bool
    is_title: bool


@dataclass
class _Cluster:
    kind: ContactKind | Literal["statement"]
    anchors: list[_Anchor] = field(default_factory=list)
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

    def add_evidence(self, sentence: Sentence) -> None:
        if sentence.index >= 0 and all(s.index != sentence.index for s in self.evidence):
            self.evidence.append(sentence)


@dataclass
class _SentenceInfo:
    sentence: Sentence
    is_title: bool
    persons: list[_Person]
    triggers: list[_Trigger]
    dates: list[DateMention]
    speaker: _Person | None
    speaker_text: str | None
    clauses: list[tuple[int, int]]
    since_spans: list[tuple[int, int]]


class RuleBasedExtractor:
    """The default extractor: phrasing rules driven by the watch's vocabulary (see module doc)."""

    def extract(self, article: Article, watch: Watch) -> list[CandidateEvent]:
        """Candidate contacts and statements between `watch.contacts.pair` in `article.text`."""
        if article.page_kind != "article" or not article.text.strip():
            return []
        lexicon = ActorLexicon.for_watch(watch)
        return _ArticleReader(article, watch, lexicon).read()


def extractor_for(watch: Watch, *, post_json: Any = None) -> EventExtractor:
    """The extractor a watch asks for; the rule-based one unless another is configured and available.

    `post_json` is the HTTP layer's JSON poster the LLM extractor sends through (the
    wiring passes it: sources/llm_endpoint.py); extractors hold no network code. A keyword
    watch (a query, no pair) gets the keyword extractor: one candidate story per match.
    """
    if watch.events is None and watch.match is not None:
        from newswatch.extractors.keyword_watch import KeywordExtractor

        return KeywordExtractor(watch.match.parsed)
    if watch.contacts.extractor == "llm":
        try:
            module = importlib.import_module("newswatch.extractors.llm")
        except ImportError:
            return _RULES
        factory = getattr(module, "LlmExtractor", None)
        if factory is not None:
            return cast(EventExtractor, factory(watch, post=post_json))
    return _RULES


_RULES = RuleBasedExtractor()


# ---------------------------------------------------------------------------------------
class _ArticleReader:
    """Reads one article: people, triggers, clusters, and the candidate events."""

    def __init__(self, article: Article, watch: Watch, lexicon: ActorLexicon) -> None:
        self.article = article
        self.watch = watch
        self.lexicon = lexicon
        self.pair = frozenset(lexicon.pair)
        self.reference = reference_day(article.published_at, article.text)
        self.known_others: dict[str, tuple[str, bool]] = {}
        self.person_history: list[_Person] = []  # for "he"/"him"
        self.group_history: list[_Person] = []  # for "the two leaders"
        self.title_history: list[_Person] = []  # the headline's people, the earliest context
        self.pending_anaphors: list[tuple[_SentenceInfo, _Trigger]] = []

    # -- reading ------------------------------------------------------------------------
    def read(self) -> list[CandidateEvent]:
        sentences = split_sentences(self.article.text)
        infos: list[_SentenceInfo] = []
        title = (self.article.title or "").strip()
        if title and not self.article.text.lstrip().startswith(title):
            infos.append(self._analyse(Sentence(-1, -1, 0, 0, title), is_title=True))
            # The headline introduces people; the body starts its own coreference chain, and
            # falls back on the headline's people only for "the two presidents" in its lede.
            self.title_history = self.group_history
            self.person_history = []
            self.group_history = []
        for sentence in sentences:
            infos.append(self._analyse(sentence, is_title=False))
        clusters = self._cluster(infos)
        return self._candidates(clusters)

    def _analyse(self, sentence: Sentence, *, is_title: bool) -> _SentenceInfo:
        refs = self.lexicon.mentions(sentence.text, self.reference, self.known_others)
        persons = self._resolve(refs, sentence.text)
        triggers = _find_triggers(sentence.text)
        if not triggers:
            # Without a contact word the sentence only feeds coreference: skip the rest.
            return _SentenceInfo(
                sentence, is_title, persons, triggers, [], None, None, [(0, len(sentence.text))], []
            )
        dates = find_date_mentions(sentence.text)
        if sentence.index == 0:
            # The wire dateline dates the writing, not anything the sentence reports.
            cut = dateline_end(sentence.text)
            dates = [m for m in dates if m.start >= cut]
        speaker, speaker_text = self._speaker(sentence.text, persons)
        clauses = _clauses(sentence.text)
        since_spans = _since_spans(sentence.text)
        return _SentenceInfo(
            sentence,
            is_title,
            persons,
            triggers,
            dates,
            speaker,
            speaker_text,
            clauses,
            since_spans,
        )

    def _resolve(self, refs: list[Ref], text: str = "") -> list[_Person]:
        persons: list[_Person] = []
        named = {r.actor for r in refs if r.kind == "actor" and r.actor}
        # "The two men met in Helsinki, where Trump ...Putin's ...": a sentence that names both
        # of the pair and nobody else means them by "the two men".
        names_only_pair = named == self.pair and not any(
            r.kind in ("other", "other_group") for r in refs
        )
        for index, ref in enumerate(refs):
            person: _Person | None
            if ref.kind == "actor":
                actors = frozenset({ref.actor}) & self.pair if ref.actor else frozenset()
                person = _Person(ref, actors, other=not actors)
            elif ref.kind in ("voice", "spokesperson"):
                person = _Person(ref, frozenset(), other=False, side=ref.actor)
            elif ref.kind in ("other", "other_group"):
                person = _Person(
                    ref,
                    frozenset(),
                    other=True,
                    in_group=ref.kind == "other" and _beside_group(refs, index, text),
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
        self, ref: Ref, before: list[_Person], names_only_pair: bool = False
    ) -> _Person:
        """ "the two leaders", "they": the pair when the last two people named were the pair."""
        word = re.sub(r"['’]s?$", "", ref.text.lower())
        if word in _PLURAL_PRONOUNS and any(p.ref.kind == "other_group" for p in before):
            return _Person(ref, frozenset(), other=True)
        if names_only_pair and word not in _BARE_PLURAL_PRONOUNS:
            return _Person(ref, self.pair, other=False)
        distinct: list[str] = []
        chain = list(
            reversed([p for p in before if p.side is None and p.ref.kind != "other_group"])
        )
        chain.extend(reversed(self.group_history))
        chain.extend(reversed(self.title_history))
        leaders_only = word in _LEADER_GROUPS
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
            return _Person(ref, self.pair, other=False)
        return _Person(ref, frozenset(), other=True)

    def _resolve_pronoun(self, ref: Ref, before: list[_Person]) -> _Person | None:
        """ "he" is the last person named; "him" the last one who is not the clause's subject."""
        word = ref.text.lower()
        candidates = [p for p in reversed(self.person_history) if p.ref.kind != "group"]
        if word in ("him", "ihm", "ihn") and before:
            nearest = _identity(before[-1])
            candidates = [p for p in candidates if _identity(p) != nearest]
        if not candidates:
            return None
        target = candidates[0]
        return _Person(ref, target.actors, other=target.other, side=target.side)

    def _speaker(self, text: str, persons: list[_Person]) -> tuple[_Person | None, str | None]:
        """Who the sentence quotes: the person or outlet next to its speech verb."""
        for match in _SPEECH_VERB.finditer(text):
            verb = match.group(0).lower()
            after = [
                p for p in persons if p.ref.start >= match.end() and p.ref.start - match.end() <= 40
            ]
            inverted = (
                bool(re.search(r"[,\"”’]\s*$", text[: match.start()]))
                and bool(after)
                and after[0].ref.start - match.end() <= 2
            )
            if verb == "according to" or inverted:
                if after and (after[0].actors or after[0].side or after[0].other):
                    return after[0], _surface(after[0], self.lexicon)
                outlet = _OUTLET.search(text, match.end(), match.end() + 80)
                if outlet:
                    return None, outlet.group(0).strip()
                continue
            outlet = _OUTLET.search(text, max(0, match.start() - 60), match.start())
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
                if verb.endswith("ing") and gap.lstrip().startswith(","):
                    # "Trump calls off the summit with Putin, saying ...": the participle's
                    # speaker is the subject of the main clause, not the last name before it.
                    subjects = [p for p in before if not p.ref.possessive]
                    if subjects:
                        return subjects[0], _surface(subjects[0], self.lexicon)
                if "," in gap and not verb.endswith("ing"):
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
                        return heads[0], _surface(heads[0], self.lexicon)
                if (
                    len(gap.split()) <= 8
                    and "that" not in gap.split()
                    and not candidate.ref.possessive
                ):
                    return candidate, _surface(candidate, self.lexicon)
            outlet = _OUTLET.search(text, max(0, match.start() - 60), match.start())
            if outlet and match.start() - outlet.end() <= 15:
                return None, outlet.group(0).strip()
        return None, None

    # -- triggers to clusters ------------------------------------------------------------
    def _cluster(self, infos: list[_SentenceInfo]) -> list[_Cluster]:
        clusters: list[_Cluster] = []
        position = 0
        for info in infos:
            anchored: set[str] = set()
            for trigger in info.triggers:
                position += 1
                verdict = self._participants(info, trigger)
                if verdict == "pair":
                    for anchor in self._anchors(info, trigger, clusters):
                        cluster = self._place(clusters, anchor, position)
                        self._apply_cues(cluster, info, trigger)
                        anchored.add(cluster.kind)
                        self._resolve_pending(clusters)
                    for since in self._since_events(info, trigger):
                        if not any(
                            c.since_event
                            and c.kind == since.kind
                            and c.date_range == since.date_range
                            for c in clusters
                        ):
                            clusters.append(since)
                elif verdict == "anaphor":
                    self._attach_anaphor(clusters, info, trigger, anchored)
        self._date_from_telling(clusters, infos)
        return clusters

    def _date_from_telling(self, clusters: list[_Cluster], infos: list[_SentenceInfo]) -> None:
        """ "Putin told Trump on Tuesday that ...": the day of the article's one undated contact.

        A story about a call often says who told whom what, and when, without naming the call
        again; one of the pair telling the other names the day of that exchange.
        """
        if self.reference is None:
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
            for verb in _TELL_VERB.finditer(text):
                speaker = [p for p in info.persons if p.ref.end <= verb.start()]
                hearer = [p for p in info.persons if p.ref.start >= verb.end()]
                if not speaker or not hearer or len(speaker[-1].actors) != 1:
                    continue
                if text[speaker[-1].ref.end : verb.start()].strip() or (
                    hearer[0].ref.start - verb.end() > 1
                ):
                    continue  # the pair must be the verb's own subject and object
                if speaker[-1].actors | hearer[0].actors != self.pair:
                    continue
                day = _DAY_RIGHT_AFTER.match(text, hearer[0].ref.end)
                if day is None:
                    continue
                mentions = find_date_mentions(day.group("when"))
                resolved = (
                    resolve_mention(mentions[0], self.reference, "past") if mentions else None
                )
                if resolved is None or resolved.day is None:
                    continue
                target.date_range = resolved
                target.date_explicit = True
                target.add_evidence(info.sentence)
                return

    def _participants(
        self, info: _SentenceInfo, trigger: _Trigger
    ) -> Literal["pair", "anaphor", "none"]:
        """Whether a trigger names a contact of the pair, refers back to one, or neither."""
        text = info.sentence.text
        if _inside(info.since_spans, trigger.start):
            return "none"
        clause = _clause_of(info.clauses, trigger.start)
        in_clause = [p for p in info.persons if clause[0] <= p.ref.start < clause[1]]
        partner, blocked = _partner(text, trigger, info.persons)
        if blocked:
            return "none"
        if trigger.needs_object and not partner:
            return "none"  # "called the meeting productive": not a call
        antecedent = None
        if re.match(r"\s*,?\s*(?:who|der|die)\b", text[clause[0] : clause[0] + 8]):
            # "Putin, who spoke first, said": the relative clause's subject is Putin.
            earlier = [p for p in info.persons if p.ref.end <= clause[0]]
            antecedent = earlier[-1] if earlier else None
        subject = _subject(text, trigger, in_clause, antecedent)
        named: set[str] = set()
        for person in partner:
            if person.other or (person.side and trigger.kind != "message"):
                return "none"  # "spoke with Zelensky", "met with the envoy"
            named |= person.actors
        for person in subject:
            if person.side and trigger.kind != "message":
                return "none"  # "the envoy Steve Witkoff, who held talks with Putin": not the pair
            if person.other:
                return "none"
            named |= person.actors
        if trigger.noun and _DESCRIPTIVE.search(text[: trigger.start][-60:]):
            # "announced the meeting, describing it as a highly anticipated meeting with the
            # Russian president": a description of the event already named, not another.
            return "anaphor"
        if named == self.pair:
            return "pair"
        definite = (
            trigger.noun
            and not partner
            and bool(_ANAPHOR_DETERMINERS.search(text[: trigger.start][-40:]))
        )
        if definite and not (subject and subject[-1].ref.possessive):
            return "anaphor"
        single_noun = len(named) == 1 and trigger.noun
        nobody = not named and (
            trigger.kind != "meeting" or (trigger.noun and trigger.text.lower() != "talks")
        )
        if nobody and not trigger.noun and self._unknown_subject(text, trigger, info.persons):
            # "Rubio and Lavrov spoke by phone to prepare the summit of Trump and Putin": a
            # name the watch does not know is the subject, so somebody else spoke.
            return "none"
        if nobody and not trigger.noun and _PARTICIPLE.fullmatch(trigger.text):
            # "Trump told the forum, speaking by video link, that ...": addressing an audience.
            return "none"
        if single_noun or nobody:
            # The trigger names one side (or none): the sentence must name both, nobody else near.
            sentence_actors: set[str] = set()
            for person in info.persons:
                sentence_actors |= person.actors
            others = any(p.other for p in in_clause)
            if sentence_actors == self.pair and not others:
                return "pair"
        return "none"

    def _unknown_subject(self, text: str, trigger: _Trigger, persons: list[_Person]) -> bool:
        """Whether a capitalised name nobody resolved stands right before a verb trigger."""
        match = _NAME_BEFORE_VERB.search(text, 0, trigger.start)
        if match is None:
            return False
        name = match.group("name")
        if (
            name in _NOT_NAMES
            or name in _NOT_PLACES
            or name.lower() in (MONTHS.keys() | WEEKDAYS.keys())
        ):
            return False
        return not any(p.ref.start <= match.start("name") < p.ref.end for p in persons)

    def _anchors(
        self, info: _SentenceInfo, trigger: _Trigger, clusters: list[_Cluster]
    ) -> list[_Anchor]:
        """What a pair trigger says: a contact (held or planned), a statement, or nothing."""
        text = info.sentence.text
        clause = _clause_of(info.clauses, trigger.start)
        before = text[clause[0] : trigger.start]
        after = text[trigger.end : clause[1]]
        whole_clause = text[clause[0] : clause[1]]
        if text.rstrip().endswith("?") or _QUESTION_WORDS.search(before):
            return []
        if _INTENT_NEGATION.search(text[: trigger.start][-70:]) or _NEGATED_PLAN_AFTER.match(after):
            return []
        if _NO_CONTACT_SPAN.search(whole_clause) and _occurrence_negated(
            text, trigger, info.persons
        ):
            return []  # "had not spoken to Putin since the summit": no contact, nothing to deny
        future = _is_future(before[-70:], after, framed=trigger.noun) or bool(
            _HEADLINE_INFINITIVE.search(before)
        )
        tense: Tense = "future" if future else "past"
        if not future and _is_present_form(trigger, before):
            # "Trump und Putin telefonieren am Dienstag": no tense to go by, the nearest Tuesday.
            tense = "unknown"
        hypothetical = bool(_HYPOTHETICAL.search(before[-60:])) or bool(
            _TENTATIVE_AFTER.match(after)
        )
        statement_cue = _governing_statement_cue(before) or bool(_POST_STATEMENT.search(after))
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
        location = _location(text[own_start:own_end]) if trigger.kind == "meeting" else None
        if location and self.lexicon.is_actor_name(location.split(",")[0]):
            location = None  # "the Trump-Putin summit" names who, not where
        dates = self._trigger_dates(info, trigger, (own_start, own_end), tense)
        explicit = [d for d, from_speech in dates if not from_speech]
        if (
            not future
            and explicit
            and self.reference is not None
            and explicit[0].earliest > self.reference
        ):
            # "Kremlin confirms Putin-Trump summit next Friday": dated after the article, so planned.
            future, tense = True, "future"
        if _POSTPONED.search(whole_clause):
            # "the summit has been postponed": still ahead, on a day not yet known.
            future, tense = True, "future"
        modality: _Modality = "contact"
        if hypothetical:
            if not (statement_cue or future):
                return []
            modality = "statement"
        elif statement_cue:
            modality = "statement"
        elif future:
            scheduling = _SCHEDULING.search(text[max(0, clause[0] - 80) : clause[1]])
            postponed = _POSTPONED.search(whole_clause)
            if not (
                explicit or location or _CLOCK_TIME.search(whole_clause) or scheduling or postponed
            ):
                planned = [
                    c for c in clusters if c.kind == trigger.kind and c.future and not c.since_event
                ]
                modality = "support" if planned else "statement"
        historical_cue = bool(_LAST_BEFORE.search(before[-25:]))

        def anchor(
            date_range: DateRange | None, from_speech: bool, mode: _Modality, history: bool
        ) -> _Anchor:
            return _Anchor(
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
            )

        if trigger.plural and modality == "contact":
            # "calls on Feb. 12 and March 18": one contact per day; undated plurals are habits.
            return [anchor(d, False, "contact", True) for d in explicit]
        date_range, from_speech = dates[0] if dates else (None, False)
        return [anchor(date_range, from_speech, modality, historical_cue)]

    def _trigger_dates(
        self, info: _SentenceInfo, trigger: _Trigger, clause: tuple[int, int], tense: Tense
    ) -> list[tuple[DateRange, bool]]:
        """Dates for a trigger: those in its own part of the clause (nearest first), then its
        sentence's speech day. `clause` is cut at other contacts' words ("agreed to meet during a
        call last Thursday": Thursday is the call's day)."""
        if self.reference is None:
            return []
        text = info.sentence.text
        own: list[tuple[int, DateRange]] = []
        speech: list[DateRange] = []
        for mention in info.dates:
            if _inside(info.since_spans, mention.start):
                continue
            if _is_speech_date(text, mention):
                speech_range = resolve_mention(mention, self.reference, "past")
                # Nobody says anything after the article: "confirmed the summit on Aug. 15",
                # read on Aug. 9, dates the summit.
                if speech_range is None or speech_range.earliest <= self.reference:
                    if speech_range:
                        speech.append(speech_range)
                    continue
            if not clause[0] <= mention.start < clause[1]:
                continue
            resolved = resolve_mention(mention, self.reference, tense)
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

    def _since_events(self, info: _SentenceInfo, trigger: _Trigger) -> list[_Cluster]:
        """ "the first call between them since July 2020": an older contact of that kind."""
        text = info.sentence.text
        if self.reference is None or not _FIRST_ORDINAL.search(
            text[max(0, trigger.start - 40) : trigger.start]
        ):
            return []
        clause = _clause_of(info.clauses, trigger.start)
        out: list[_Cluster] = []
        for start, end in info.since_spans:
            if start < trigger.end or start > clause[1] + 1:
                continue
            complement = text[start:end]
            if any(start <= p.ref.start < end for p in info.persons):
                continue  # "since Trump returned to the White House": not a contact
            mentions = [m for m in info.dates if start <= m.start < end]
            if not mentions:
                continue
            resolved = resolve_mention(mentions[-1], self.reference, "past")
            if resolved is None:
                continue
            own = _find_triggers(complement)
            kind = own[0].kind if own else trigger.kind
            location = None
            if kind == "meeting":
                location = _location(complement)
                bare = re.match(r"\s*(?:since|seit)\s+([A-Z][a-z]+)\b", complement)
                if location is None and bare and bare.group(1) not in _NOT_PLACES:
                    location = bare.group(1)
            cluster = _Cluster(kind=kind, date_range=resolved, date_explicit=True, past=True)
            cluster.since_event = True
            cluster.historical_cue = True
            cluster.location = location
            cluster.add_evidence(info.sentence)
            out.append(cluster)
        return out

    # -- clusters ----------------------------------------------------------------------
    def _place(self, clusters: list[_Cluster], anchor: _Anchor, position: int) -> _Cluster:
        """Add an anchor to the article's event it belongs to, or start a new one."""
        kind: ContactKind | Literal["statement"] = (
            "statement" if anchor.modality == "statement" else anchor.kind
        )
        explicit = (
            anchor.date_range
            if anchor.date_range is not None and not anchor.date_from_speech
            else None
        )
        recent = (
            explicit is None
            or self.reference is None
            or explicit.latest >= self.reference - timedelta(days=REPORTED_LOOKBACK_DAYS)
        )
        target: _Cluster | None = None
        for cluster in clusters:
            if cluster.kind != kind or cluster.since_event:
                continue
            if explicit is not None and cluster.date_explicit and cluster.date_range is not None:
                if _overlap(explicit, cluster.date_range):
                    target = cluster
                    break
                continue
            if explicit is not None and not recent:
                continue  # "the leaders' 2018 summit" is not the undated summit in the news
            if cluster.historical_cue != anchor.historical_cue:
                continue
            target = cluster
            break
        if target is None:
            target = _Cluster(kind=kind, first_position=position)
            clusters.append(target)
        target.anchors.append(anchor)
        if not anchor.is_title:
            target.add_evidence(anchor.sentence)
        if explicit is not None and (not target.date_explicit or target.date_range is None):
            target.date_range = explicit
            target.date_explicit = True
        elif (
            explicit is not None
            and target.date_range is not None
            and explicit.day
            and not target.date_range.day
        ):
            target.date_range = explicit
        if anchor.date_from_speech and anchor.date_range is not None and target.speech_day is None:
            target.speech_day = anchor.date_range.latest
        if anchor.location and not target.location:
            target.location = anchor.location
        if anchor.modality == "contact":
            if anchor.tense == "future":
                target.future = True
            else:
                target.past = True
        target.historical_cue = target.historical_cue or anchor.historical_cue
        return target

    def _apply_cues(self, cluster: _Cluster, info: _SentenceInfo, trigger: _Trigger) -> None:
        """Status cues of one sentence, applied to the event its trigger belongs to."""
        text = info.sentence.text
        speaker_side = _side(info.speaker)
        who = info.speaker_text
        clause = _clause_of(info.clauses, trigger.start)
        denial_verb = _DENIAL_VERB.search(text)
        denial_phrase = _DENIAL_PHRASE.search(text)
        if (
            (denial_verb and denial_verb.start() < trigger.start)
            or (denial_phrase and abs(denial_phrase.start() - trigger.start) < 120)
            or _occurrence_negated(text, trigger, info.persons)
        ):
            cluster.denied = True
            if who:
                cluster.denied_by.append(who)
            return
        cancel = _CANCEL.search(text, clause[0], clause[1])
        if cancel:
            cluster.cancelled = True
            if who:
                cluster.cancelled_by.append(who)
            return
        participant_speaks = speaker_side in self.pair
        if participant_speaks and who:
            if _CONFIRM_VERB.search(text):
                cluster.confirmed_by.insert(0, who)
            else:
                cluster.confirmed_by.append(who)
            cluster.announced_by.append(who)
        hedge = _HEDGE.search(text)
        if hedge and not participant_speaks:
            cluster.hedged = True
            source = who or _source_of(text, hedge)
            if source:
                cluster.hedged_by.append(source)
            if self.reference is not None:
                for mention in info.dates:
                    if _is_speech_date(text, mention):
                        reported = resolve_mention(mention, self.reference, "past")
                        if reported:
                            cluster.report_day = reported.latest

    def _attach_anaphor(
        self, clusters: list[_Cluster], info: _SentenceInfo, trigger: _Trigger, anchored: set[str]
    ) -> None:
        """ "the call", "the meeting": status, day and place for the article's event it names."""
        if trigger.kind in anchored or _INTENT_NEGATION.search(info.sentence.text[: trigger.end]):
            return
        target = _anaphor_target(clusters, trigger)
        if target is None:
            # A lede may say "This conversation ..." before naming who talked.
            self.pending_anaphors.append((info, trigger))
            return
        self._support(target, info, trigger)

    def _resolve_pending(self, clusters: list[_Cluster]) -> None:
        still: list[tuple[_SentenceInfo, _Trigger]] = []
        for info, trigger in self.pending_anaphors:
            target = _anaphor_target(clusters, trigger)
            if target is None:
                still.append((info, trigger))
            else:
                self._support(target, info, trigger)
        self.pending_anaphors = still

    def _support(self, target: _Cluster, info: _SentenceInfo, trigger: _Trigger) -> None:
        text = info.sentence.text
        state = (target.denied, target.cancelled, len(target.confirmed_by), target.hedged)
        self._apply_cues(target, info, trigger)
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
                    or _is_speech_date(text, mention)
                    or _inside(info.since_spans, mention.start)
                ):
                    continue
                gap = text[trigger.end : mention.start]
                # A day only from "the meeting took place late on Thursday", "the call on Monday".
                if len(gap.split()) <= 2 or _TOOK_PLACE.search(gap) or mention.kind == "within":
                    resolved = resolve_mention(
                        mention, self.reference, "future" if mention.kind == "within" else tense
                    )
                    if resolved and self._better_date(target, resolved):
                        target.date_range = resolved
                        target.date_explicit = True
                        informative = True
                    break
        if target.kind == "meeting" and not target.location:
            place = _location(text[max(0, trigger.start - 5) : trigger.end + 40])
            if place:
                target.location = place
                informative = True
        if (informative or not target.evidence) and not info.is_title:
            target.add_evidence(info.sentence)

    def _better_date(self, cluster: _Cluster, resolved: DateRange) -> bool:
        if not cluster.date_explicit or cluster.date_range is None:
            return True
        return bool(
            resolved.day and not cluster.date_range.day and _overlap(resolved, cluster.date_range)
        )

    # -- output ------------------------------------------------------------------------
    def _candidates(self, clusters: list[_Cluster]) -> list[CandidateEvent]:
        history_days = self.watch.alerts.history_days
        reference = self.reference
        for cluster in clusters:
            self._finish_dates(cluster)
        lead: _Cluster | None = None
        for cluster in sorted(clusters, key=lambda c: c.first_position):
            if (
                cluster.kind == "statement"
                or cluster.since_event
                or cluster.historical_cue
                or not cluster.evidence
            ):
                continue
            if _is_old(cluster, reference, history_days):
                continue
            lead = cluster
            break
        # The lead is told in the headline and its first sentence; contacts named there with it
        # are news too ("agreed to a summit after a call"), later ones are background.
        lead_body = (
            [a.sentence.index for a in lead.anchors if a.sentence.index >= 0] if lead else []
        )
        lead_sentences = {-1, min(lead_body)} if lead_body else ({-1} if lead else set())
        out: list[CandidateEvent] = []
        pair = tuple(sorted(self.pair))
        for cluster in clusters:
            if not cluster.evidence:
                continue
            historical = (
                cluster.since_event
                or cluster.historical_cue
                or _is_old(cluster, reference, history_days)
            )
            if (
                not historical
                and lead is not None
                and cluster is not lead
                and cluster.kind != "statement"
                and cluster.past
                and not ({a.sentence.index for a in cluster.anchors} & lead_sentences)
            ):
                # News leads, background follows: a held contact after the lead is history
                # unless it is dated after the lead's event.
                dated_after = (
                    cluster.date_explicit
                    and cluster.date_range is not None
                    and lead.date_range is not None
                    and cluster.date_range.earliest >= lead.date_range.earliest
                )
                historical = not dated_after
            status, asserted_by = _status(cluster)
            kind: EventType = cluster.kind
            out.append(
                CandidateEvent(
                    event_type=kind,
                    participants=pair,
                    status=status,
                    date_earliest=cluster.date_range.earliest if cluster.date_range else None,
                    date_latest=cluster.date_range.latest if cluster.date_range else None,
                    evidence=" ".join(s.text for s in cluster.evidence[:MAX_EVIDENCE_SENTENCES]),
                    asserted_by=asserted_by,
                    location=cluster.location if cluster.kind == "meeting" else None,
                    summary=None,
                    historical=historical and cluster.kind != "statement",
                )
            )
        return out

    def _finish_dates(self, cluster: _Cluster) -> None:
        """Fill in the day or range of an event whose text gave none (module doc, step 6)."""
        reference = self.reference
        if reference is None:
            return
        if cluster.kind == "statement":
            day = cluster.speech_day or reference
            cluster.date_range = DateRange(day, day)
            return
        if cluster.date_explicit and cluster.date_range is not None:
            return
        planned = cluster.cancelled or (cluster.future and not cluster.past)
        if planned:
            cluster.date_range = DateRange(
                reference, reference + timedelta(days=PLANNED_HORIZON_DAYS)
            )
            return
        if (
            cluster.speech_day
            and cluster.confirmed_by
            and not cluster.denied
            and not cluster.hedged
        ):
            # "Trump said on Wednesday he had held a call": announced the day it happened.
            cluster.date_range = DateRange(cluster.speech_day, cluster.speech_day)
            return
        latest = min(cluster.report_day or reference, reference)
        cluster.date_range = DateRange(latest - timedelta(days=REPORTED_LOOKBACK_DAYS), latest)


# ---------------------------------------------------------------------------------------
# Helpers (pure functions on one sentence)


def _beside_group(refs: list[Ref], index: int, text: str) -> bool:
    """Whether refs[index] is coordinated with a group of others ("Zelensky and European leaders")."""
    ref = refs[index]
    for other_index in (index - 1, index + 1):
        if not 0 <= other_index < len(refs) or refs[other_index].kind != "other_group":
            continue
        neighbour = refs[other_index]
        gap = text[min(ref.end, neighbour.end) : max(ref.start, neighbour.start)]
        if re.fullmatch(r"\s*(?:,|,?\s*(?:and|or|und|oder))\s*", gap):
            return True
    return False


def _identity(person: _Person) -> str:
    if person.actors:
        return ",".join(sorted(person.actors))
    if person.side:
        return "side:" + (person.ref.identity or person.ref.text.lower())
    return "other:" + (person.ref.identity or person.ref.text.lower())


def _side(person: _Person | None) -> str | None:
    if person is None:
        return None
    if person.side:
        return person.side
    if len(person.actors) == 1:
        return next(iter(person.actors))
    return None


def _surface(person: _Person, lexicon: ActorLexicon) -> str:
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


def _source_of(text: str, hedge: re.Match[str]) -> str | None:
    """The outlet or source a hedged sentence cites ("the publication", "CNN", "sources")."""
    outlet = _OUTLET.search(text)
    if outlet:
        return outlet.group(0).strip()
    phrase = hedge.group(0).lower()
    if "source" in phrase or "people familiar" in phrase:
        return "unnamed sources"
    return None


def _find_triggers(text: str) -> list[_Trigger]:
    out: list[_Trigger] = []
    for match in _TRIGGER.finditer(text):
        word = match.group(0)
        low = word.lower()
        before_words = text[: match.start()].split()
        prev = before_words[-1].lower().strip(",;:“”\"'(") if before_words else ""
        after_words = text[match.end() :].split()
        nxt = after_words[0].lower().strip(",;:.“”\"'") if after_words else ""
        group = match.lastgroup or ""
        if low in ("call", "calls") and (
            nxt in ("off", "for")
            or (nxt in ("on", "upon") and not _DATE_WORDS.match(_word_after(after_words, 1)))
        ):
            continue  # "calls off the summit", "calls for a truce", "calls on Moscow to": verbs
        if group == "call_verb_obj":
            if nxt in _NOT_NOUN_AFTER or prev in (
                "so-called",
                "what",
                "he",
                "she",
                "it",
                "they",
                "we",
            ):
                continue
            is_noun = (
                prev in _NOUN_DETERMINERS
                or prev.endswith(("-hour", "-minute", "’s", "'s"))
                or nxt in ("with", "between", "came", "took", "lasted", "was", "had")
            )
            plural = is_noun and low.endswith("s")
            out.append(
                _Trigger(
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
        if group == "call_verb" and nxt in _SPEECH_PARTICLES:
            continue  # "the two presidents spoke of progress", "spoke out": speech, not a call
        kind: ContactKind = (
            "call"
            if group.startswith("call")
            else "meeting"
            if group.startswith("meeting")
            else "message"
        )
        noun = group.endswith("noun")
        if low == "talks" and prev in _NEGOTIATION_MODIFIERS:
            continue  # "peace talks", "technical talks": negotiations between teams
        if (
            low == "talks"
            and prev in _NEGOTIATION_VERBS
            and nxt in ("on", "about", "over")
            and not _DATE_WORDS.match(_word_after(after_words, 1))
        ):
            continue  # "agreed to begin talks on ending the war": negotiations, a process
        if low == "talks":
            if (
                prev in _TALKS_NOUN_BEFORE
                or prev.endswith(("-hour", "’s", "'s"))
                or nxt in ("with", "between", "in", "on", "at", "were", "would", "will", "had")
            ):
                kind, noun = "meeting", True
            else:
                kind, noun = "call", False
        if low == "meeting" and prev in _NOUN_DETERMINERS:
            noun = True
        plural = low in _PLURAL_TRIGGERS
        if out and out[-1].kind == kind and not text[out[-1].end : match.start()].strip():
            out.pop()  # "face-to-face meeting": one trigger
        out.append(_Trigger(kind, match.start(), match.end(), word, noun, plural))
    return out


def _word_after(words: list[str], index: int) -> str:
    return words[index].strip(",;:.“”\"'") if len(words) > index else ""


_PLURAL_TRIGGERS = frozenset(
    {"calls", "conversations", "meetings", "summits", "letters", "messages", "telefonate", "gespräche",
     "phone calls", "telephone calls", "telephone conversations", "phone conversations"}
)  # fmt: skip


def _clauses(text: str) -> list[tuple[int, int]]:
    cuts = [0]
    for match in _CLAUSE_BOUNDARY.finditer(text):
        if match.start() > cuts[-1]:
            cuts.append(match.start())
    cuts.append(len(text))
    return [(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1) if cuts[i + 1] > cuts[i]]


def _clause_of(clauses: list[tuple[int, int]], position: int) -> tuple[int, int]:
    for start, end in clauses:
        if start <= position < end:
            return start, end
    return clauses[-1] if clauses else (0, position + 1)


_SINCE_END = re.compile(
    r"[;.!?]|,\s+(?:and|but|during|when|while|which|who|as|after)\b|\s+and\s+(?:the|their|a|its)\b"
)


def _since_spans(text: str) -> list[tuple[int, int]]:
    """Where "since ..." complements run: to the next clause end, commas inside allowed."""
    spans = []
    for match in _SINCE.finditer(text):
        end = _SINCE_END.search(text, match.end())
        spans.append((match.start(), end.start() if end else len(text)))
    return spans


def _inside(spans: list[tuple[int, int]], position: int) -> bool:
    return any(start <= position < end for start, end in spans)


def _partner(text: str, trigger: _Trigger, persons: list[_Person]) -> tuple[list[_Person], bool]:
    """The people a trigger is "with", "to" or "between" (or its direct object).

    The flag is True when that slot is filled by something that is not a person the
    lexicon knows ("talks between Russia and Ukraine"): then it is not the pair's contact.
    """
    after_text = text[trigger.end :]
    slot = _PARTNER_SLOT.match(after_text)
    after = [p for p in persons if p.ref.start >= trigger.end]
    if slot:
        slot_end = trigger.end + slot.end()
        max_words = 0 if slot.group("prep").lower() == "to" else 2
        near = [
            p
            for p in after
            if p.ref.start - slot_end <= 12
            and len(text[slot_end : p.ref.start].split()) <= max_words
        ]
        if not near:
            return [], slot.group("prep").lower() not in ("to", "for", "zu")
        first = near[0]
        if trigger.kind == "message" and first.side is not None:
            # "gave Witkoff signals to take back to Trump": the envoy only carries it.
            rest = [p for p in after if p.ref.start > first.ref.end and p.side is None]
            return (rest[:1], False) if rest else ([], False)
        return _with_coordinated(text, first, after), False
    if not after:
        return [], False
    first = after[0]
    gap = text[trigger.end : first.ref.start]
    if trigger.needs_object or (not trigger.noun and trigger.kind == "meeting"):
        # Direct object: "called Putin", "met Russian President Vladimir Putin".
        if not gap.strip() or re.fullmatch(r"\s*(?:the|with)?\s*", gap):
            return _with_coordinated(text, first, after), False
        return [], False
    if trigger.kind == "message":
        words = gap.split()
        if len(words) <= PARTNER_MAX_GAP_WORDS and re.search(r"\b(?:to|for|an|für)\s*$", gap):
            if first.side is None:
                return [first], False
            rest = [p for p in after[1:] if p.side is None and p.ref.start - first.ref.end < 60]
            return rest[:1], False
    return [], False


_PARTNER_SLOT = re.compile(
    r"^\s*(?:(?:by|via|over the)\s+(?:phone|telephone|video(?:\s+link)?)\s+|directly\s+|again\s+|in person\s+|"
    r"(?:in|at)\s+[A-Z][\w-]+(?:,?\s+[A-Z][\w-]+)?\s+)?"
    r"(?P<prep>with|between|to|mit|zwischen)\s+",
    re.IGNORECASE,
)


def _with_coordinated(text: str, first: _Person, after: list[_Person]) -> list[_Person]:
    out = [first]
    for nxt in after[1:]:
        if nxt.ref.start < out[-1].ref.end:
            continue
        gap = text[out[-1].ref.end : nxt.ref.start]
        if not gap.strip() or re.fullmatch(r"\s*,?\s*(?:and|und)\s+(?:[\w.]+\s+){0,3}", gap):
            out.append(nxt)
        else:
            break
    return out


# A subject further than this many words before its trigger is not the trigger's subject.
SUBJECT_MAX_GAP_WORDS = 8


def _subject(
    text: str,
    trigger: _Trigger,
    in_clause: list[_Person],
    relative_antecedent: _Person | None = None,
) -> list[_Person]:
    """The people right before a trigger in its clause (with "A and B" coordination)."""
    before = [p for p in in_clause if p.ref.end <= trigger.start]
    chosen: _Person | None = None
    if not before and relative_antecedent is not None:
        return [relative_antecedent]
    for person in reversed(before):
        gap = text[person.ref.end : trigger.start]
        if len(gap.split()) > SUBJECT_MAX_GAP_WORDS or re.search(r"[,;:]\s", gap):
            break
        if person.side is not None:
            continue  # a voice or spokesman is not a participant
        if person.ref.possessive and len(gap.split()) > 3:
            continue  # "Trump's special envoy, to pass a message": not the sender
        if person.ref.kind == "other_group" and _ARRANGER.match(gap):
            continue  # "his team to arrange a call with Putin"
        chosen = person
        break
    if chosen is None:
        return []
    out = [chosen]
    for earlier in reversed([p for p in before if p.ref.end <= chosen.ref.start]):
        gap = text[earlier.ref.end : out[0].ref.start]
        if not gap.strip() or re.fullmatch(
            r"\s*(?:,?\s*and|und|[-–])\s*(?:[A-Z][\w.]*\s+){0,3}", gap
        ):
            out.insert(0, earlier)
        else:
            break
    return out


def _is_future(before: str, after: str, *, framed: bool = False) -> bool:
    """Whether the clause puts its contact ahead: "will speak", "the call would take place".

    `framed`: the trigger is a noun, which a preposition right before may make the frame of
    the clause ("agreed to a truce in a call") rather than what it puts ahead.
    """
    if framed and _FRAME_PREPOSITION.search(before):
        # "agreed to a truce in a call with Trump": the call frames the agreement.
        return bool(_FUTURE_AFTER.search(after))
    cues = list(_FUTURE.finditer(before))
    # "he will meet Putin after a call", "agreed to meet during a call": the call is what the
    # future is measured from, not part of it.
    if cues and not re.search(
        r"\b(?:after|following|since|during|in the course of|nach|seit|während|bei)\b",
        before[cues[-1].end() :],
    ):
        return True
    return bool(_FUTURE_AFTER.search(after))


def _is_present_form(trigger: _Trigger, before: str) -> bool:
    """A verb trigger without tense of its own: "Trump and Putin talk on Tuesday", "to meet"."""
    if trigger.noun or trigger.text.lower() not in _PRESENT_FORMS:
        return False
    # "did not meet", "have to meet"... an auxiliary right before gives the tense.
    return not re.search(
        r"\b(?:did|does|do|had|has|have|hat|hatte|hatten|haben)\s+(?:not\s+|n[’']t\s+)?$", before
    )


def _governing_statement_cue(before: str) -> bool:
    """A willingness word that governs the trigger: "willing to hold talks", "ready to meet"."""
    for match in _STATEMENT.finditer(before):
        if re.search(r"\b(?:is|are|was|were|be|been)\s+$", before[: match.start()]) and match.group(
            0
        ).lower() in ("expected", "set", "due"):
            continue  # "are expected to hold talks in Helsinki on July 16": a schedule
        between = before[match.end() :]
        last_words = " ".join(between.split()[-3:])
        if _PRE_STATEMENT_GAP.match(between) and not _NOT_GOVERNED.search(last_words):
            return True
    return False


def _is_speech_date(text: str, mention: DateMention) -> bool:
    """A date that dates the saying ("said on Monday", "The Kremlin on Monday denied")."""
    before = text[max(0, mention.start - 70) : mention.start]
    verbs = list(_SPEECH_VERB.finditer(before))
    if verbs:
        last = verbs[-1]
        between = before[last.end() :]
        between_triggers = _find_triggers(between)
        if not between_triggers and len(between.split()) <= 7:
            return True
        # "announced the summit on Oct. 16": the date goes with the announcing.
        if between_triggers and re.fullmatch(
            r"\s*(?:the|a|an|his|their)\s+(?:[\w’'-]+\s+){0,2}?[\w’'-]+\s+(?:on|am)\s+", between
        ):
            return True
    attribution = _DATE_THEN_SPEECH.match(text, mention.end)
    if attribution is None:
        return False
    if not attribution.group("comma"):
        return True  # "Putin on Monday said", "The Kremlin on Monday denied"
    # With a comma: "Speaking to reporters on Friday, Trump said that ..." dates the saying,
    # but a closing attribution ("will meet within two weeks, Trump said.") leaves the date
    # to the reported clause.
    return not _CLOSING_ATTRIBUTION.match(text, attribution.end())


_DATE_THEN_SPEECH = re.compile(
    r"\s*(?P<comma>,)?\s*(?:[\w’'-]+\s+)?(?:den(?:y|ied|ies)|said|told|announced|confirmed|wrote|reported)\b"
)
_CLOSING_ATTRIBUTION = re.compile(
    r"\s*(?:(?:on|late on|early on|am)\s+\w+|in a statement|(?:on\s+)?\w+day|later)?\s*[.!?”\"]*\s*$"
)


def _occurrence_negated(text: str, trigger: _Trigger, persons: list[_Person]) -> bool:
    """ "had not spoken", "no Trump-Putin call took place": the contact itself is negated."""
    start = max(0, trigger.start - 40)
    window = text[start : trigger.start]
    for person in sorted(persons, key=lambda p: -p.ref.start):
        if start <= person.ref.start and person.ref.end <= trigger.start:
            window = window[: person.ref.start - start] + "him" + window[person.ref.end - start :]
    negations = list(_NEGATION.finditer(window))
    if not negations:
        return False
    return bool(_AUXILIARY_ONLY.match(window[negations[-1].end() :]))


def _location(clause: str) -> str | None:
    for match in _PLACE.finditer(clause):
        place = match.group("place").strip()
        first = place.split()[0].rstrip(",")
        if first in _NOT_PLACES or place in _NOT_PLACES or _DATE_WORD.match(place):
            continue
        return place
    bare = _PLACE_BEFORE_NOUN.search(clause)
    if bare and bare.group("place") not in _NOT_PLACES:
        return bare.group("place")
    return None


_DATE_WORD = re.compile(r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b|\d")


def _anaphor_target(clusters: list[_Cluster], trigger: _Trigger) -> _Cluster | None:
    """The event "the call"/"the meeting" names: the article's first current one of that kind."""
    live = [c for c in clusters if c.kind != "statement" and not c.since_event]
    same = [c for c in live if c.kind == trigger.kind and not c.historical_cue]
    if same:
        return same[0]
    word = trigger.text.lower().rstrip("s")
    carrying = [
        c for c in live if not c.historical_cue and any(word in s.text.lower() for s in c.evidence)
    ]
    if carrying:
        return carrying[0]
    return None


def _overlap(a: DateRange, b: DateRange) -> bool:
    return a.earliest <= b.latest and b.earliest <= a.latest


def _is_old(cluster: _Cluster, reference: date | None, history_days: int) -> bool:
    if reference is None or cluster.date_range is None:
        return False
    return (reference - cluster.date_range.latest).days >= history_days


def _first(*lists: list[str]) -> str | None:
    for names in lists:
        if names:
            return names[0]
    return None


def _status(cluster: _Cluster) -> tuple[EventStatus, str | None]:
    """The event's status in this article and who says so (see module docstring, step 5)."""
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


__all__ = ["EventExtractor", "RuleBasedExtractor", "extractor_for"]
