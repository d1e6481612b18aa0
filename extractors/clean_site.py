"""Boilerplate learned per site: paragraphs that recur on many pages of one host.

A template's residue (a newsletter box, an author bio, a disclaimer, a "Read more on ..."
strip) survives main-text extraction in the same words on every page of its site, while a
sentence of news appears on one page. So the clean stage drops a paragraph whose
fingerprint the host has already shown on MIN_PAGES_FOR_BOILERPLATE other pages, and every
cleaned page adds its own paragraphs' fingerprints to the host's counts (storage keeps
them in DuckDB, `storage/boilerplate.py`), so the filter sharpens as a watch runs.

Pure: fingerprints in, kept paragraphs and observations out. Near-copies of one story on
one host (an AMP and a canonical page, an updated version) must not count as different
pages, or their shared sentences would look like template: each page is keyed by the
fingerprint of its longest paragraph, the most story-specific line it has, and storage
counts a page key once per host.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

# Distinct pages of one host a paragraph must have appeared on before it is dropped from
# the next ones. A template line shows on every page, so it crosses 3 by a site's fourth
# page; a sentence that recurs verbatim on 3 different stories of one outlet is a stock
# paragraph ("X is a news agency founded in ..."), not reporting. Measured on the shared
# corpus with the line rules switched off (bench/bench_clean_quality.py --site-learning N,
# 3-7 pages per outlet, feed order): N=2 removes 6 of the 30 junk lines, 3 removes 4, 4
# removes 3, none loses news. 3, not 2: an edited second version of one story (a new
# longest paragraph, so not recognised as a copy) must not make its sentences template.
MIN_PAGES_FOR_BOILERPLATE = 3
# Paragraphs longer than this are never dropped as site boilerplate: a legal disclaimer
# or a bio is a few sentences; a repeated paragraph longer than this is quoted reporting.
MAX_SITE_BOILERPLATE_CHARS = 600

_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")

Fingerprint = int


@dataclass(frozen=True)
class PageObservation:
    """What one cleaned page teaches about its host: its key and its paragraphs' fingerprints."""

    host: str
    page_key: Fingerprint
    fingerprints: frozenset[Fingerprint]


@dataclass(frozen=True)
class SiteCleaning:
    """Paragraphs kept and paragraphs dropped as the site's boilerplate."""

    paragraphs: tuple[str, ...]
    removed: tuple[str, ...]


def host_of(url: str) -> str:
    """The host a page belongs to, lower case, without a leading "www."; "" when none."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host.removeprefix("www.")


def fingerprint(paragraph: str) -> Fingerprint:
    """A 63-bit fingerprint of a paragraph's words, lower case, numbers folded to 0.

    "12 comments" and "3 comments", or a date in a recurring footer, share a fingerprint;
    spacing and punctuation do not matter.
    """
    words = " ".join(_WORD.findall(_DIGITS.sub("0", paragraph.lower())))
    digest = hashlib.blake2b(words.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1  # fits DuckDB's signed BIGINT


def observe(host: str, paragraphs: Sequence[str]) -> PageObservation | None:
    """The observation one page's paragraphs make about `host`; None without host or text."""
    texts = [p for p in paragraphs if _WORD.search(p)]
    if not host or not texts:
        return None
    prints = [fingerprint(p) for p in texts]
    longest = max(range(len(texts)), key=lambda i: len(texts[i]))  # the first, on a tie
    return PageObservation(host, prints[longest], frozenset(prints))


def remove_site_boilerplate(
    paragraphs: Sequence[str], repeated: Iterable[Fingerprint] = ()
) -> SiteCleaning:
    """Drop the paragraphs a site is known to repeat (`repeated`: fingerprints seen on
    MIN_PAGES_FOR_BOILERPLATE+ of its pages).

    The page is observed for the next runs once its text is final (`page_observation`):
    counts only grow, so a paragraph dropped as known stays known. A page whose every
    paragraph is known is left whole: that is a re-fetch of a page already seen, or a page
    the template fills alone, and an empty text would hide it.
    """
    known = frozenset(repeated)
    if not known:
        return SiteCleaning(tuple(paragraphs), ())
    kept: list[str] = []
    removed: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph) <= MAX_SITE_BOILERPLATE_CHARS and fingerprint(paragraph) in known:
            removed.append(paragraph)
        else:
            kept.append(paragraph)
    if not kept:
        return SiteCleaning(tuple(paragraphs), ())
    return SiteCleaning(tuple(kept), tuple(removed))


def page_observation(url: str, text: str) -> PageObservation | None:
    """The observation a cleaned article's text (one paragraph per line) makes about its host."""
    return observe(host_of(url), text.split("\n"))
