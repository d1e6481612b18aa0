"""Split article text into sentences that keep their exact place in the text.

Evidence must be quoted verbatim, so each `Sentence` carries its offsets in the article
text. Splitting is rule-based: a sentence ends at . ! ? (and a closing quote) followed by
space and a capital, unless the word before the stop is a known abbreviation ("U.S.",
"Feb.", "Mr.") or an initial, or a quotation is still open ("“We cancelled the meeting.
It didn't feel right,” Trump said" stays one sentence, so the speaker stays with it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Words that end with a full stop without ending the sentence.
ABBREVIATIONS = frozenset(
    {
        "u.s", "u.k", "u.n", "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "gen", "sen", "rep",
        "gov", "lt", "col", "capt", "sgt", "no", "vs", "inc", "co", "corp", "ltd", "a.m", "p.m",
        "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "approx",
        "e.g", "i.e", "etc", "dept", "est", "fig", "ca", "bzw", "vgl", "z.b", "u.a", "dt", "nr",
    }
)  # fmt: skip
# Longest sentence kept whole; longer runs (lists, tables) are cut at the next space.
MAX_SENTENCE_CHARS = 1500

_BOUNDARY = re.compile(r"[.!?…]+[\"”’')\]]*(?=\s+[\"“‘'(\[]?[A-ZÄÖÜ0-9])")
_ORDINAL_DATE = re.compile(r"(?<![\d.])\d{1,2}\.$")
_MONTH_NEXT = re.compile(
    r"\s+(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)\b"
)
_WORD_BEFORE = re.compile(r"([\w.]+)[.!?…]*[\"”’')\]]*$")


@dataclass(frozen=True)
class Sentence:
    """One sentence: its text and where it sits in the article."""

    index: int
    paragraph: int
    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of `text` in order; `text[s.start:s.end] == s.text` for each."""
    sentences: list[Sentence] = []
    paragraph = 0
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        line_start = pos
        pos += len(line)
        if not body.strip():
            continue
        for start, end in _split_line(body):
            chunk = body[start:end]
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk.rstrip())
            if trail <= lead:
                continue
            s_start = line_start + start + lead
            s_end = line_start + start + trail
            sentences.append(
                Sentence(len(sentences), paragraph, s_start, s_end, text[s_start:s_end])
            )
        paragraph += 1
    return sentences


def _split_line(line: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        end = match.end()
        if _is_abbreviation(line[start:end]) or _inside_quote(line[start:end]):
            continue
        if _ORDINAL_DATE.search(line[start:end]) and _MONTH_NEXT.match(line[end:]):
            continue  # German "am 12. Februar": an ordinal, not a full stop
        spans.append((start, end))
        start = end
    spans.append((start, len(line)))
    out: list[tuple[int, int]] = []
    for s, e in spans:
        while e - s > MAX_SENTENCE_CHARS:
            cut = line.rfind(" ", s, s + MAX_SENTENCE_CHARS)
            cut = cut if cut > s else s + MAX_SENTENCE_CHARS
            out.append((s, cut))
            s = cut
        out.append((s, e))
    return out


def _is_abbreviation(chunk: str) -> bool:
    if not chunk.rstrip("\"”’')]").endswith("."):
        return False
    match = _WORD_BEFORE.search(chunk.rstrip())
    if not match:
        return False
    word = match.group(1).rstrip(".").lower()
    if word in ABBREVIATIONS:
        return True
    # An initial ("J." in "John J. Smith") or a dotted abbreviation ("U.S.").
    return len(word) == 1 or bool(re.fullmatch(r"(?:[a-z]\.)+[a-z]", word))


def _inside_quote(chunk: str) -> bool:
    opened = chunk.count("“") - chunk.count("”")
    straight = chunk.count('"') % 2
    return opened > 0 or straight == 1
