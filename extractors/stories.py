"""Pages with several stories (digests, bulletins, live pages) cut into their stories.

`split_stories(text)` is pure: the cleaned text in, the `Story` spans it holds out, in
order and covering the text. Extraction reads each story on its own, so the people, dates
and speakers of one item never explain a contact in the next.

A page is cut where its own structure says a new item starts, and only when that structure
repeats (one numbered line in an article is a list inside a story, not a digest):
- numbered items: "1/ ...", "2. ...", "3) ..." at the start of a line;
- time stamps of live pages: "14:32 ...", "09.15 ...";
- headings: a short line without closing punctuation followed by a longer paragraph
  ("Ceasefire" above the bulletin item about it), where the topic shifts: a section that
  names someone or something the section before it named (a proper name in mid-sentence)
  continues the same story, as the subheads of one article do.
Bullets ("* ", "- ", "• ") stay with the item above them: digests use them for follow-ups.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A structure counts only when it starts at least this many stories (chosen so that one
# numbered list or one subheading inside an ordinary article does not cut it).
MIN_MARKERS = 3
# A heading has at most this many words and characters (bulletin headings are one to a few
# words; a one-line paragraph is longer).
HEADING_MAX_WORDS = 8
HEADING_MAX_CHARS = 80

_NUMBERED = re.compile(r"\s*\d{1,3}\s?[/.)]\s+\S")
_TIME_STAMP = re.compile(r"\s*(?:[01]?\d|2[0-3])[:.][0-5]\d\b(?!\s*[%°])")
_CLOSING = re.compile(r"[.!?:;,\"”’)»]\s*$")
_LINE = re.compile(r"[^\n]*(?:\n|$)")
_MID_SENTENCE_NAME = re.compile(r"(?<=[a-zß-ÿа-яё,]) ([A-ZÀ-ÖØ-ÞА-ЯЁ][\w’'-]{2,})")


@dataclass(frozen=True)
class Story:
    """One story of a page: `text[start:end]` of the page's cleaned text."""

    start: int
    end: int


def split_stories(text: str) -> list[Story]:
    """The stories of a page, in order; one story for a page without repeated structure."""
    if not text:
        return []
    lines = _lines(text)
    starts: list[int] = []
    structure = ""
    for kind in ("numbered", "time", "heading"):
        found = [start for start, line, nxt in lines if _starts_story(kind, line, nxt)]
        if len(found) >= MIN_MARKERS:
            starts, structure = found, kind
            break
    if not starts:
        return [Story(0, len(text))]
    cuts = sorted({0, *starts})
    bounds = [*cuts, len(text)]
    stories = [Story(bounds[i], bounds[i + 1]) for i in range(len(cuts))]
    stories = [s for s in stories if text[s.start : s.end].strip()]
    if structure == "heading":
        stories = _merge_same_topic(text, stories)
    return stories


def _merge_same_topic(text: str, stories: list[Story]) -> list[Story]:
    """Sections under headings that share a proper name are one story."""
    merged: list[Story] = []
    names: set[str] = set()
    for story in stories:
        own = _proper_names(text[story.start : story.end])
        if merged and own & names:
            merged[-1] = Story(merged[-1].start, story.end)
            names |= own
        else:
            merged.append(story)
            names = own
    return merged


def _proper_names(section: str) -> set[str]:
    """Capitalised words in mid-sentence (after a lower-case word or a comma)."""
    return {m.group(1) for m in _MID_SENTENCE_NAME.finditer(section)}


def _lines(text: str) -> list[tuple[int, str, str]]:
    """(offset, line, next non-empty line) for every non-empty line."""
    spans: list[tuple[int, str]] = []
    for match in _LINE.finditer(text):
        line = match.group(0).rstrip("\n")
        if line.strip():
            spans.append((match.start(), line))
        if match.end() >= len(text):
            break
    out: list[tuple[int, str, str]] = []
    for index, (start, line) in enumerate(spans):
        nxt = spans[index + 1][1] if index + 1 < len(spans) else ""
        out.append((start, line, nxt))
    return out


def _starts_story(kind: str, line: str, nxt: str) -> bool:
    if kind == "numbered":
        return bool(_NUMBERED.match(line))
    if kind == "time":
        return bool(_TIME_STAMP.match(line))
    return _is_heading(line, nxt)


def _is_heading(line: str, nxt: str) -> bool:
    stripped = line.strip()
    if not stripped or len(stripped) > HEADING_MAX_CHARS:
        return False
    if len(stripped.split()) > HEADING_MAX_WORDS or _CLOSING.search(stripped):
        return False
    if not stripped[0].isupper() or stripped.startswith(("*", "-", "•")):
        return False
    return len(nxt.strip()) > len(stripped)


__all__ = ["HEADING_MAX_CHARS", "HEADING_MAX_WORDS", "MIN_MARKERS", "Story", "split_stories"]
