"""Which language packs read a text: the page's declared language and each paragraph's own.

Pure: text in, pack codes out. A page is read with English (quotes and names in English
turn up everywhere) plus the pack of every supported language that its declaration or
its paragraphs show, largest share first; a page that mixes languages is thus read with
each paragraph's pack. A page whose language has no pack is read with none: it is stored
with its language and yields no events (`None`). Text too short to tell falls back on
`FALLBACK_LANGUAGES`.

py3langid (offline, no download) classifies each paragraph of at least
`MIN_PARAGRAPH_CHARS`; a guess below `MIN_CONFIDENCE` counts for nothing. Only the first
`MAX_CLASSIFIED_CHARS` of a paragraph are classified, and at most `MAX_PARAGRAPHS`
paragraphs, so a 1 MB single-paragraph page costs what a short one does.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from typing import Any

# English is always read: wire quotes, names and datelines in English appear on any page.
ALWAYS_READ = "en"
# Read when nothing can be told (short texts, no declaration): the packs read before
# language detection existed, so short English or German snippets read as they always did.
FALLBACK_LANGUAGES: tuple[str, ...] = ("en", "de")
# Shorter paragraphs are not classified (py3langid guesses wildly on a few words).
MIN_PARAGRAPH_CHARS = 40
# A normalised probability below this is no evidence of a language (py3langid gives 0.5-0.99
# on one-sentence news paragraphs in the shipped languages; 0.06 on "Trump and Putin spoke.").
MIN_CONFIDENCE = 0.5
# A language must hold this share of the classified characters to get its pack (a quoted
# foreign phrase does not switch a page's vocabulary).
MIN_SHARE = 0.15
MAX_CLASSIFIED_CHARS = 1000
# A paragraph whose best guess has no pack counts for a supported language this likely.
MIN_SUPPORTED_PROBABILITY = 0.2
MAX_PARAGRAPHS = 200


@cache
def _identifier() -> Any:
    # Imported late: the model loads in ~0.7 s and is needed only when pages are read.
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


def detect(text: str) -> tuple[str | None, float]:
    """The most likely language of `text` and its probability (None for text too short)."""
    sample = text.strip()[:MAX_CLASSIFIED_CHARS]
    if len(sample) < MIN_PARAGRAPH_CHARS:
        return None, 0.0
    language, probability = _identifier().classify(sample)
    return str(language), float(probability)


def paragraph_languages(text: str, supported: tuple[str, ...] = ()) -> Counter[str]:
    """Characters per confidently detected language, over the text's paragraphs.

    A paragraph whose best guess has no pack but that a supported language explains with
    at least `MIN_SUPPORTED_PROBABILITY` counts for that language: py3langid reads short
    English news with names as Nigerian Pidgin ("pcm") at 0.55 with English close behind.
    """
    shares: Counter[str] = Counter()
    paragraphs = [p for p in text.split("\n") if len(p.strip()) >= MIN_PARAGRAPH_CHARS]
    for paragraph in paragraphs[:MAX_PARAGRAPHS]:
        ranked = rank(paragraph)
        if not ranked:
            continue
        best, probability = ranked[0]
        if best not in supported:
            fallback = next(((lang, p) for lang, p in ranked if lang in supported), None)
            if fallback is not None and fallback[1] >= MIN_SUPPORTED_PROBABILITY:
                best, probability = fallback[0], MIN_CONFIDENCE
        if probability >= MIN_CONFIDENCE:
            shares[best] += min(len(paragraph), MAX_CLASSIFIED_CHARS)
    return shares


def rank(text: str) -> list[tuple[str, float]]:
    """Languages by probability for `text` (empty for text too short to tell)."""
    sample = text.strip()[:MAX_CLASSIFIED_CHARS]
    if len(sample) < MIN_PARAGRAPH_CHARS:
        return []
    return [(str(lang), float(p)) for lang, p in _identifier().rank(sample)]


def reading_languages(
    declared: str | None, text: str, supported: tuple[str, ...]
) -> tuple[str, ...] | None:
    """The packs to read `text` with (English first), or None when no pack fits the page.

    `declared` is the page's own language tag ("ru", "fi-FI"), `supported` the shipped packs.
    """
    declared_code = (declared or "").split("-")[0].split("_")[0].lower() or None
    shares = paragraph_languages(text, supported)
    total = sum(shares.values())
    detected = [
        language for language, chars in shares.most_common() if total and chars / total >= MIN_SHARE
    ]
    chosen = [ALWAYS_READ]
    for language in (*detected, declared_code):
        if language and language in supported and language not in chosen:
            chosen.append(language)
    if len(chosen) > 1 or ALWAYS_READ in detected:
        return tuple(chosen)
    if declared_code == ALWAYS_READ:
        return (ALWAYS_READ,)
    if detected or (declared_code and declared_code not in supported):
        # The page is in a language without a pack (and no paragraph in one with a pack).
        return None
    return FALLBACK_LANGUAGES


__all__ = [
    "FALLBACK_LANGUAGES",
    "MIN_CONFIDENCE",
    "MIN_PARAGRAPH_CHARS",
    "detect",
    "paragraph_languages",
    "reading_languages",
]
