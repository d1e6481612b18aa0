"""Which language packs read a text: the page's declared language and each paragraph's own.

Pure: text in, pack codes out. The page's language is its declared one, else py3langid's
guess on a sample of its text (offline, no download). A page in a language without a pack
is read with none (`None`): it is stored with its language and yields no events. Any other
page is read with English (quotes, names and datelines in English turn up everywhere), its
own language's pack, and the pack of every supported language its paragraphs are written
in (each paragraph of at least `MIN_PARAGRAPH_CHARS` classified among the supported
languages, which is three times faster than among all 97; a language needs `MIN_SHARE` of
the text), so a page that mixes languages is read with each paragraph's pack. Text too
short to tell falls back on `FALLBACK_LANGUAGES`. Only the first `MAX_CLASSIFIED_CHARS`
of a paragraph and at most `MAX_PARAGRAPHS` paragraphs are classified, so a 1 MB
single-paragraph page costs what a short one does.

The model (read from py3langid's package data) loads on first use, or on a thread a run
starts while it parses its feeds (`load_model_in_background`); either way once a process.
"""

from __future__ import annotations

import io
import lzma
import re
import threading
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

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
# Only this much of a paragraph is classified (a sentence or two tells its language).
MAX_CLASSIFIED_CHARS = 200
# The page-level guess reads this much of the text.
MAX_PAGE_SAMPLE_CHARS = 1000
# A paragraph whose best guess has no pack counts for a supported language this likely.
MIN_SUPPORTED_PROBABILITY = 0.2
MAX_PARAGRAPHS = 200


# The loaded models, by the languages they classify among (() = all). Filled under the
# lock: a model loading in the background (`load_model_in_background`) is waited for,
# never loaded twice.
_MODELS: dict[tuple[str, ...], Any] = {}
_MODELS_LOCK = threading.RLock()
_background: threading.Thread | None = None


def _identifier(languages: tuple[str, ...] = ()) -> Any:
    """py3langid's model, over all its languages or only `languages` (faster: the score is
    a product with one column per language). Imported late: the model loads in ~0.7 s.
    The restricted model is built on the full one's tables, so the two share their ~70 MB."""
    model = _MODELS.get(languages)
    if model is None:
        with _MODELS_LOCK:
            model = _MODELS.get(languages)
            if model is None:
                model = _MODELS[languages] = _load(languages)
    return model


def _load(languages: tuple[str, ...]) -> Any:
    from py3langid.langid import LanguageIdentifier

    if not languages:
        return _load_full_model()
    full = _identifier()
    restricted = LanguageIdentifier(
        full.nb_ptc,
        full.nb_pc,
        full.nb_classes,
        full.tk_nextmove,
        full.tk_output,
        norm_probs=True,
        tk_row=full.tk_row,
    )
    restricted.set_languages(list(languages))
    return restricted


def _load_full_model() -> Any:
    """py3langid's own model: read in one call (`_read_whole_model`), else by py3langid."""
    from py3langid.langid import _load_identifier

    try:
        return _read_whole_model()
    except (OSError, KeyError, ValueError, TypeError, lzma.LZMAError):
        return _load_identifier(norm_probs=True)  # a model file laid out another way


def _read_whole_model() -> Any:
    """py3langid's model file, decompressed in one call.

    py3langid streams the decompression through a temporary file 1 MB at a time, taking
    the GIL back for every megabyte: on a thread beside a busy one (a run parsing its
    feeds) each of those ~70 waits its turn, and the load ends up no faster than in line.
    One call takes it back about ten times. The arrays are read as py3langid's
    `modelio.load_model` reads them (tests/test_language_model.py compares the two).
    """
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import _to_array

    packed = (Path(MODEL_DIR) / MODEL_FILE).read_bytes()
    with np.load(io.BytesIO(lzma.decompress(packed)), allow_pickle=False) as data:
        return LanguageIdentifier(
            np.asarray(data["ptc"]),
            np.asarray(data["pc"]),
            data["classes"].tolist(),
            _to_array(data["nextmove"]),
            data["out_feat"].tolist(),
            norm_probs=True,
            tk_row=_to_array(data["nextmove_row"]),
        )


def load_model_in_background() -> None:
    """Start loading the full model on a thread, and return at once (idempotent).

    Most of the load is LZMA decompression, which lets go of the GIL: started while a run
    parses its feeds, it is done by the time the run needs it, instead of after them.
    `load_models` (and every classification) waits for it.
    """
    global _background
    with _MODELS_LOCK:
        if _background is not None or () in _MODELS:
            return
        loader = threading.Thread(target=_identifier, name="newswatch-language-model", daemon=True)
        try:
            loader.start()
        except RuntimeError:  # no thread to be had: the model loads when first used
            return
        _background = loader


def load_models(supported: tuple[str, ...]) -> None:
    """Load both models now: the run calls this before its cleaning workers fork, so they
    share one copy (each model is tens of MB; loaded in a worker, it is that worker's own).
    A background load is finished first: no thread is left loading when the workers fork."""
    _identifier()
    _identifier(tuple(sorted(supported)))
    if _background is not None:
        _background.join()


def most_likely(text: str) -> str:
    """The language py3langid finds most likely for `text`, among all it knows.

    Through this module's model, not `py3langid.classify`: that one loads a second copy of
    the same ~75 MB model, and in a cleaning worker it would be the worker's own.
    """
    language, _score = _identifier().classify(text)
    return str(language)


def rank(text: str) -> list[tuple[str, float]]:
    """All languages by probability for `text` (empty for text too short to tell)."""
    sample = text.strip()[:MAX_PAGE_SAMPLE_CHARS]
    if len(sample) < MIN_PARAGRAPH_CHARS:
        return []
    return [(str(lang), float(p)) for lang, p in _identifier().rank(sample)]


def page_language(text: str, supported: tuple[str, ...]) -> str | None:
    """The page's language from a sample of its text, None when too short to tell.

    A best guess without a pack yields to a supported language at least
    `MIN_SUPPORTED_PROBABILITY` likely: py3langid reads short English news full of names
    as Nigerian Pidgin ("pcm", 0.55) with English close behind (0.38).
    """
    ranked = rank(text)
    if not ranked:
        return None
    best, probability = ranked[0]
    if best in supported:
        return best
    fallback = next(((lang, p) for lang, p in ranked if lang in supported), None)
    if fallback is not None and fallback[1] >= MIN_SUPPORTED_PROBABILITY:
        return fallback[0]
    return best if probability >= MIN_CONFIDENCE else None


# The contact-word pattern of a combination of packs (`events.vocabulary`'s `trigger`).
TriggerPattern = Callable[[tuple[str, ...]], re.Pattern[str]]


def paragraph_languages(
    text: str,
    supported: tuple[str, ...],
    page: str | None = None,
    triggers: TriggerPattern | None = None,
) -> Counter[str]:
    """Characters per supported language, over the text's paragraphs.

    Each paragraph is classified among the supported languages only (three times faster
    than among all 97): whether any of them fits the page is the page-level guess's question.
    With `triggers`, only paragraphs holding a contact word that English and the page's own
    language do not know are classified: another language matters where it names a contact
    ("разговор" on an English page), and the rest of the page costs nothing.
    """
    shares: Counter[str] = Counter()
    if not supported:
        return shares
    identifier = _identifier(tuple(sorted(supported)))
    own = (ALWAYS_READ, page) if page and page != ALWAYS_READ else (ALWAYS_READ,)
    paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) >= MIN_PARAGRAPH_CHARS]
    for paragraph in paragraphs[:MAX_PARAGRAPHS]:
        if triggers is not None and not _foreign_contact_word(paragraph, own, supported, triggers):
            continue
        sample = paragraph[:MAX_CLASSIFIED_CHARS]
        language, probability = identifier.classify(sample)
        if probability >= MIN_CONFIDENCE:
            shares[str(language)] += len(sample)
    return shares


def _foreign_contact_word(
    paragraph: str, own: tuple[str, ...], supported: tuple[str, ...], triggers: TriggerPattern
) -> bool:
    found = [m.span() for m in triggers(supported).finditer(paragraph)]
    if not found:  # most paragraphs: no contact word at all, own language's test not needed
        return False
    known = {m.span() for m in triggers(own).finditer(paragraph)}
    return any(span not in known for span in found)


def reading_languages(
    declared: str | None,
    text: str,
    supported: tuple[str, ...],
    triggers: TriggerPattern | None = None,
) -> tuple[str, ...] | None:
    """The packs to read `text` with (English first), or None when no pack fits the page.

    `declared` is the page's language tag ("ru", "fi-FI"; the clean stage's guess when the
    page declares none), `supported` the shipped packs. A tag without a pack is checked
    against this module's own guess before the page is given up. `triggers`: see
    `paragraph_languages`.
    """
    declared_code = (declared or "").split("-")[0].split("_")[0].lower() or None
    page = declared_code if declared_code in supported else page_language(text, supported)
    if page is None and declared_code is not None:
        page = declared_code
    if page is not None and page not in supported:
        return None  # a language without a pack: stored with its language, no events
    shares = paragraph_languages(text, supported, page, triggers)
    total = sum(shares.values())
    chosen = [ALWAYS_READ]
    by_share = [lang for lang, chars in shares.most_common() if chars / total >= MIN_SHARE]
    for language in (page, *by_share):
        if language and language in supported and language not in chosen:
            chosen.append(language)
    if page is None and len(chosen) == 1:
        return FALLBACK_LANGUAGES  # too short to tell: the packs read before detection
    return tuple(chosen)


__all__ = [
    "FALLBACK_LANGUAGES",
    "MIN_CONFIDENCE",
    "MIN_PARAGRAPH_CHARS",
    "page_language",
    "paragraph_languages",
    "rank",
    "reading_languages",
]
