"""Check that the project's own texts share no sentence with ../shared.

The demo site (newswatch/demo/site) and the test corpus (tests/fixtures/corpus) were written
for the project; ../shared's corpus and seeds are for evaluation only, and their sentences
must not reappear here. A sentence of at least 8 words is unlikely to recur by chance
between independent texts; shorter ones ("the Kremlin said on Tuesday") legitimately do.

Run: .venv/bin/python bench/check_own_text.py      (exit 1 and the sentences on a match)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import feedparser
import lxml.html
from benchdata import CORPUS, REPO, SEEDS

MIN_SENTENCE_WORDS = 8
_BLOCK_TAGS = ("title", "h1", "h2", "h3", "h4", "p", "li", "figcaption", "blockquote", "td", "span")
OWN_SITES = (REPO / "newswatch" / "demo" / "site", REPO / "tests" / "fixtures" / "corpus")


def html_texts(html: bytes) -> list[str]:
    """Visible text blocks and the descriptive meta contents of a page."""
    tree = lxml.html.fromstring(html)
    for junk in tree.xpath("//script|//style"):
        junk.drop_tree()
    texts = [el.text_content() for el in tree.iter(*_BLOCK_TAGS)]
    texts += [str(v) for v in tree.xpath("//meta/@content")]
    return texts


def sentences(texts: list[str]) -> set[str]:
    """Normalised sentences of at least MIN_SENTENCE_WORDS words."""
    out: set[str] = set()
    for text in texts:
        for piece in re.split(r"(?<=[.!?])\s+|\n+", text):
            words = re.findall(r"\w+", piece.lower())
            if len(words) >= MIN_SENTENCE_WORDS:
                out.add(" ".join(words))
    return out


def site_texts(site: Path) -> list[str]:
    texts: list[str] = []
    for page in sorted((site / "pages").glob("*.html")):
        texts += html_texts(page.read_bytes())
    for feed in sorted(site.glob("*.xml")):
        for entry in feedparser.parse(feed.read_bytes()).entries:
            texts += [entry.get("title", ""), entry.get("summary", "")]
    return texts


def main() -> int:
    if not CORPUS.exists():
        print(f"shared corpus not found at {CORPUS} (set NEWSWATCH_SHARED)")
        return 2
    shared = sentences(
        site_texts(CORPUS) + [s.read_text(encoding="utf-8") for s in sorted(SEEDS.glob("*.txt"))]
    )
    print(f"{len(shared)} sentences in ../shared")
    failed = False
    for site in OWN_SITES:
        ours = sentences(site_texts(site))
        common = sorted(ours & shared)
        print(f"{site.relative_to(REPO)}: {len(ours)} sentences, {len(common)} shared")
        for sentence in common:
            print(f"   {sentence}")
        failed |= bool(common)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
