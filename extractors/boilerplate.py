"""Residual boilerplate: paragraphs that survive main-text extraction but are not news.

Each rule is named and matches a whole paragraph (share widgets, like counters, comment
prompts, "You may also like", newsletter and cookie prompts, wire credits, ...). Rules are
deliberately narrow: they match short, formulaic lines, never a sentence of reporting.
Two more kinds of rule act on context: fragment rules strip junk glued to a paragraph
(a raw `<a href=...>` tag, a leading "date 2025-01-22"), and position rules drop a repeated
headline, the kicker above it, and a comment section together with everything after it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# A junk line is short: a formulaic widget or prompt. Lines longer than this are never
# dropped by a line rule, whatever they match. 300 characters is longer than every
# boilerplate line seen in the seeds, the corpus and the article-extraction benchmark
# (the longest, a cookie/consent notice, is ~250) and shorter than two sentences of news.
MAX_JUNK_CHARS = 300
# A kicker (section label above the headline, "Krieg in der Ukraine") has at most this
# many words; a sentence of news is longer. Chosen from the corpus kickers (2-4 words).
MAX_KICKER_WORDS = 6
# A comment section cuts the rest of the text only when it starts in the last part of the
# text (position as a share of characters): a "Comments" line near the top is a menu item.
# 0.5 keeps every comment heading of the seeds and benchmark pages inside the cut zone.
COMMENT_SECTION_MIN_POSITION = 0.5


@dataclass(frozen=True)
class LineRule:
    """A named pattern that a whole paragraph must match to be boilerplate.

    Patterns match the folded paragraph (lower case, plain quotes, single spaces).
    """

    name: str
    pattern: re.Pattern[str]
    # Words every paragraph the pattern matches contains one of (tests/test_clean_boilerplate.py
    # checks it on generated matches): a substring test first, for patterns that scan the
    # whole paragraph before failing. Empty: always try the pattern.
    needs: tuple[str, ...] = ()

    def matches(self, paragraph: str) -> bool:
        """True when `paragraph` is wholly this kind of boilerplate."""
        return self.matches_folded(fold(paragraph))

    def matches_folded(self, folded: str) -> bool:
        """`matches` for a paragraph already folded."""
        if self.needs and not any(need in folded for need in self.needs):
            return False
        return self.pattern.fullmatch(folded) is not None


@dataclass(frozen=True)
class Removal:
    """One paragraph (or fragment) taken out, and the rule that took it."""

    rule: str
    text: str


@dataclass(frozen=True)
class BoilerplateResult:
    """Paragraphs kept, and what was removed by which rule."""

    paragraphs: tuple[str, ...]
    removed: tuple[Removal, ...]


_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


def fold(text: str) -> str:
    """Lower-case, unify quotes, collapse spaces: the form line rules match against."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.lower().split())


def _full(*patterns: str) -> re.Pattern[str]:
    """One pattern that matches a paragraph wholly made of one of `patterns`."""
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_SOCIAL = (
    "share|shares|facebook|twitter|x|email|e-mail|mail|linkedin|reddit|pinterest|whatsapp|telegram|"
    "print|tumblr|pocket|flipboard|messenger|sms|threads|bluesky|mastodon|vk|xing|copy link|copy|link|"
    "more|google|google\\+|skype|line|viber|wechat|weibo|naver|mix|digg|tweet|pin|pin it|save|"
    "comment|comments"
)
_SEP = r"[\s,/|·•:;\-–—]*"

share_widget = _full(
    # "Share this: Share / Twitter / Facebook", "Share on Facebook", "Click to share on X (Opens in new window)"
    rf"(?:click to )?share(?: this(?: article| story| post| page)?)?(?: on| via| with)?{_SEP}(?:(?:{_SOCIAL})(?: \(opens in new window\))?{_SEP})*",
    # "Like this story? Share it with a friend!"
    r"(?:like|liked|enjoy|enjoyed) this (?:story|article|post)\? share it[^\n]{0,60}",
    # a line of bare network names: "Facebook Twitter WhatsApp", "Email"
    rf"(?:(?:facebook|twitter|x|email|e-mail|linkedin|reddit|pinterest|whatsapp|telegram|print|tumblr|pocket|flipboard|messenger|threads|bluesky|mastodon|copy link|tweet|pin it)(?: \(opens in new window\))?{_SEP})+",
)
like_widget = _full(
    r"like this:?(?: like)?(?: loading(?:\.\.\.|…))?",
    r"like(?: loading(?:\.\.\.|…))",
    r"loading(?:\.\.\.|…)",
)
comment_prompt = _full(
    r"(?:leave|post|add|write|submit) a (?:reply|comment|response)[.!]?(?: cancel reply)?",
    r"(?:post|submit) comment",
    r"cancel reply",
    r"(?:\d+ )?comments?(?: \(\d+\))?",
    r"please enter your (?:comment|name here|email address here)[.!]?",
    r"you have entered an incorrect email address!?",
    r"this site uses akismet to reduce spam\..*",
    r"your email address will not be published\..*",
    r"required fields are marked \*?\.?",
    r"save my name, email, and website in this browser for the next time i comment\.?",
    r"notify me of (?:follow-up comments|new posts|new comments)(?: by email)?\.?",
    r"comments are closed\.?",
    r"(?:join|start) the (?:discussion|conversation)\.?",
    r"tell us what you think\W*",
    r"you must be logged in to post a comment\.?",
    r"by submitting this form,? you agree .*",
)
related_teaser = _full(
    r"(?:you (?:may|might) also like|related(?: posts| articles| stories| news| content| coverage| reading| topics)?"
    r"|recommended(?: for you| stories| articles)?|more (?:stories|news|articles|on this story|from [\w .'&-]{1,40})"
    r"|read (?:more|next|also)|also read|see also|trending(?: now| stories| articles)?|most (?:read|popular|viewed|shared)"
    r"|popular (?:posts|stories|articles)|recent posts|latest (?:news|posts|stories|articles)|don't miss|editor's picks"
    r"|what to read next|up next|top stories|see more|more on this|leggi anche|lesen sie auch|mehr zum thema"
    r"|(?:à )?lire aussi|leia também|lea también|lee también)\s*[:.…]*",
    # "Related: <headline>", "READ MORE: <headline>": a pointer to another page
    r"(?:related|read more|also read|read also|see also|see more|leggi anche|lesen sie auch|lire aussi)\s?[:|] [^.!?]{3,160}(?:\?)?",
    # "Also on rt.com <headline>"
    r"also on [\w-]+(?:\.[\w-]+)+ [^\n]{3,200}",
)
# A paragraph that is only a number: a like or comment counter ("0", "19", "1.2k").
like_counter = _full(r"\d[\d,.]{0,6}k?(?: (?:shares?|views?|likes?|comments?|reactions?))?")
newsletter_prompt = _full(
    # "Sign up for our daily newsletter", "Subscribe to The Morning briefing to get ..."
    r"(?:sign up|subscribe|register)(?: now| today| here| for free)? (?:for|to) [^.]{0,80}(?:newsletters?|updates|alerts|briefing)\b[^.]{0,160}[.!]?",
    r"(?:get|receive) (?:our|the) [^.]{0,40}newsletters?[.!]?",
    r"enter your email(?: address)? (?:to|below|here)[^.]{0,120}[.!]?",
    r"subscribe(?: via email| by email| now| here)?[.!]?",
    # a short line asking to subscribe to a newsletter: "Get the latest ... Subscribe to X's newsletters."
    r"(?=.*\bnewsletters?\b)(?:sign up|subscribe|get|join|enter|register|click)\b.{0,300}",
    r".{0,200}\b(?:delivered |straight |right )?(?:in|to|into) your inbox\b.{0,200}",
)
# "Listen: <link>", "Have a tip? ...", "<reporter> may be reached at <address>". (A bare
# link or address line stays: on some sites it is the article's own source credit.)
contact_line = _full(
    r"[\w .'-]{1,30}: (?:https?://|www\.)\S+",
    r"(?:have|got) a (?:news )?tip\?.{0,250}",
    r".{0,80}\b(?:can|may) be (?:reached|contacted) at [\w.+-]+@[\w-]+(?:\.[\w-]+)+.{0,200}",
)
# "by time news", "By Dana Whitfield", "Von Anna Weber": a byline left in the text.
byline = _full(
    r"(?:by|von|par|por|di|door|written by|posted by)\s+[^\s.!?:;,]+(?:\s+[^\s.!?:;,]+){0,4}"
)
# Agency sign-offs and syndication notes. A credit has the sign-off's shape (in brackets,
# semicolon-separated, or naming an editor), so "Reporting by the Times found ..." stays.
wire_credit = _full(
    r"\((?:additional )?(?:reporting|writing|editing|compiled|produced) by [^()]{1,250}\)\.?",
    r"(?:additional )?(?:reporting|writing|compiled) by [^;]{1,120}(?:;[^;]{1,120}){1,4}",
    r"(?:reporting|writing) by [^.;]{1,120} editing by [^.;]{1,120}\.?",
    r"editing by [\w .'-]{1,60}",
    r"mit material (?:von|der) [^\n]{1,80}",
    r"(?:our standards|standards): [^\n]{0,80}trust principles[^\n]{0,40}",
    r"this (?:article|story|post) (?:was|has been) (?:originally|first) (?:published|posted|appeared) [^\n]{1,200}",
    r"this (?:article|story|post) (?:is|was|has been) (?:republished|reproduced|syndicated) [^\n]{1,200}",
)
follow_prompt = _full(
    r"follow (?:us|@?[\w .'-]{1,40}) on (?:twitter|facebook|instagram|x|youtube|linkedin|tiktok|threads|bluesky|telegram)\b.{0,160}",
    r"(?:listen|watch) (?:to )?[\w .'-]{1,40} live .{0,120}",
)
# "© 2025 Outlet", "Copyright 2019 Outlet. All rights reserved." (not "Copyright holders sued ...")
copyright_line = _full(
    r"(?:©|\(c\)).{0,200}",
    r"copyright\s*(?:©|\(c\))?\s*(?:19|20)\d{2}\b.{0,200}",
    r".{0,150}\ball rights reserved\b.{0,150}",
)

# What keeps each rule (F1 change when the rule is removed, bench/bench_extraction.py on
# article-extraction "AE" and trafilatura-eval "TE"; junk lines left on the corpus,
# bench/bench_clean_quality.py). TE's snippets seldom fall on these short lines, so most
# rules are neutral there; none costs TE anything except copyright-line on AE (see there).
LINE_RULES: tuple[LineRule, ...] = (
    LineRule("share-widget", share_widget),  # AE +0.0001, corpus 1 junk line
    LineRule("like-widget", like_widget),  # corpus 2 junk lines
    LineRule("comment-prompt", comment_prompt),  # AE +0.0001
    LineRule("related-teaser", related_teaser),  # AE +0.0011, corpus 1
    LineRule("like-counter", like_counter),  # corpus 2
    LineRule(
        "newsletter-prompt",
        newsletter_prompt,
        needs=("sign up", "subscribe", "register", "newsletter", "enter your email", "your inbox"),
    ),  # AE +0.0003
    LineRule(
        "contact-line", contact_line, needs=(": ", "tip?", "be reached", "be contacted")
    ),  # AE +0.0003
    LineRule("byline", byline),  # corpus 1
    LineRule("wire-credit", wire_credit),  # AE +0.0001, corpus 18
    LineRule("follow-prompt", follow_prompt),  # AE +0.0001
    # TE +0.0005 (three sites' footers), AE -0.0003: one AE page's ground truth keeps
    # an agency's copyright notice as body text, another's drops it (+1 page each way).
    LineRule(
        "copyright-line", copyright_line, needs=("©", "(c)", "copyright", "all rights reserved")
    ),
)

# Raw HTML tags that leaked into text ("... in the resort of <a href=... title=...>Sochi.").
_HTML_TAG_NAMES = (
    "a|abbr|b|blockquote|br|button|div|em|figure|figcaption|font|form|h[1-6]|i|iframe|img|input|"
    "li|ol|p|script|section|small|span|strong|style|sub|sup|table|td|th|tr|u|ul|video|source|noscript"
)
# Attributes must carry values ("<b and c>" in prose is no tag); values may be quoted,
# unquoted, or (in broken copies) opened and never closed.
_RAW_TAG = re.compile(
    rf"</?(?:{_HTML_TAG_NAMES})(?:\s+[\w:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|\"[^\">]*|'[^'>]*|[^\s>]+))*\s*/?>",
    re.I,
)
# Junk glued to the start or end of a paragraph: " date 2025-01-22 Spread the love".
_LEADING_JUNK = re.compile(r"^\s*(?:date\s+\d{4}-\d{2}-\d{2}\b|spread the love\b)\s*", re.I)
_TRAILING_JUNK = re.compile(r"\s*\b(?:spread the love)\s*$", re.I)
# The word every _TRAILING_JUNK ends with: a stripped paragraph ending otherwise is not
# searched (the search tries every position of the paragraph).
_TRAILING_JUNK_LAST_WORD = "love"


def line_rule(paragraph: str) -> str | None:
    """The name of the first line rule that says `paragraph` is boilerplate, else None."""
    if len(paragraph) > MAX_JUNK_CHARS:
        return None
    return _line_rule_folded(fold(paragraph))


def _line_rule_folded(folded: str) -> str | None:
    for rule in LINE_RULES:
        if rule.matches_folded(folded):
            return rule.name
    return None


def strip_fragments(paragraph: str) -> tuple[str, tuple[Removal, ...]]:
    """`paragraph` without leaked HTML tags and junk glued to its ends, and what was stripped."""
    removed: list[Removal] = []
    if "<" in paragraph:
        tags = _RAW_TAG.findall(paragraph)
        if tags:
            paragraph = re.sub(r"\s{2,}", " ", _RAW_TAG.sub("", paragraph)).strip()
            removed.extend(Removal("raw-html", tag) for tag in tags)
    while True:
        match = _LEADING_JUNK.match(paragraph)
        tail = paragraph.rstrip()[-len(_TRAILING_JUNK_LAST_WORD) :]
        if not match and tail.lower() == _TRAILING_JUNK_LAST_WORD:
            match = _TRAILING_JUNK.search(paragraph)
        if not match or not match.group(0):
            break
        removed.append(Removal("glued-junk", match.group(0).strip()))
        paragraph = (paragraph[: match.start()] + paragraph[match.end() :]).strip()
    return paragraph, tuple(removed)


_WORD = re.compile(r"\w+")


def _words_only(text: str) -> str:
    """The words of `text`, folded: "Trump, Putin talk" and "TRUMP PUTIN TALK" compare equal."""
    return _words_of_folded(fold(text))


def _words_of_folded(folded: str) -> str:
    return " ".join(_WORD.findall(folded))


def remove_boilerplate(paragraphs: Sequence[str], titles: Sequence[str] = ()) -> BoilerplateResult:
    """Drop boilerplate paragraphs; `titles` (headline spellings) let a repeated headline go too."""
    kept: list[str] = []
    removed: list[Removal] = []
    title_words = {w for w in (_words_only(t) for t in titles) if w}
    # A paragraph is a title's echo only if it starts with a title's first word: the test
    # that saves spelling out the words of every other short paragraph.
    title_first_words = {w.split(" ", 1)[0] for w in title_words}
    for index, raw in enumerate(paragraphs):
        paragraph, fragments = strip_fragments(raw.strip())
        removed.extend(fragments)
        if not paragraph:
            continue
        if len(paragraph) > MAX_JUNK_CHARS:  # too long to be any kind of boilerplate line
            kept.append(paragraph)
            continue
        folded = fold(paragraph)
        # The headline lives in Article.title, not in the text. Article-extraction +0.0028
        # F1; trafilatura-eval -0.0003, where the labels disagree with themselves (the
        # headline is a must-contain snippet on 5 pages, a must-not-contain on 4).
        first_word = _WORD.search(folded)
        if (
            first_word
            and first_word.group() in title_first_words
            and _words_of_folded(folded) in title_words
        ):
            # A kicker right above a repeated headline at the top goes with it.
            if (
                kept
                and len(kept) == 1
                and index <= 2
                and len(kept[0].split()) <= MAX_KICKER_WORDS
                and not kept[0].endswith(".")
            ):
                removed.append(Removal("kicker", kept.pop()))
            removed.append(Removal("title-echo", paragraph))
            continue
        rule = _line_rule_folded(folded)
        if rule:
            removed.append(Removal(rule, paragraph))
            continue
        kept.append(paragraph)
    return BoilerplateResult(tuple(kept), tuple(removed))
