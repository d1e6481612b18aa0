"""Contact precision, recall and status per language of a labelled corpus.

    .venv/bin/python bench/bench_events_languages.py CORPUS_DIR

For each language in labels.json's `language` fields, a copy of the corpus holding only that
language's pages (with their labels and feed items) is run through `newswatch eval` (the real
flow on loopback), and its figures are printed on one line. A language whose pages are all
decoys shows its predicted contacts (every one a false event). Until `newswatch eval` reports
per-language figures itself, this is where they come from.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

_FIGURES = re.compile(
    r"contacts: labelled (?P<labelled>\d+), predicted (?P<predicted>\d+), matched (?P<matched>\d+)\n"
    r"contact precision (?P<precision>[\d.]+)\s+recall (?P<recall>[\d.]+)\n"
    r"status accuracy (?P<status>[\d.]+)"
)


def language_corpus(corpus: Path, language: str, target: Path) -> None:
    """A copy of `corpus` with only the pages (labels, feed items) of one language."""
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    articles = [a for a in labels["articles"] if a.get("language") == language]
    wanted = {e for a in articles for e in (*a["events"], *a["historical_mentions"])}
    files = {Path(a["file"]).name for a in articles}
    (target / "pages").mkdir(parents=True)
    for name in files:
        (target / "pages" / name).write_bytes((corpus / "pages" / name).read_bytes())
    events = [e for e in labels["events"] if e["id"] in wanted]
    (target / "labels.json").write_text(json.dumps({"events": events, "articles": articles}))
    for feed in sorted(corpus.glob("*.xml")):
        text = feed.read_text(encoding="utf-8")
        items = re.findall(r"<item>.*?</item>", text, flags=re.S)
        keep = [i for i in items if any(f"/pages/{name}<" in i for name in files)]
        head = text.split("<item>")[0]
        (target / feed.name).write_text(head + "\n".join(keep) + "\n</channel></rss>\n")


def main(corpus: Path) -> None:
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    languages = sorted({a.get("language") or "?" for a in labels["articles"]})
    for language in languages:
        with tempfile.TemporaryDirectory(prefix=f"nw-lang-{language}-") as tmp:
            target = Path(tmp) / "corpus"
            language_corpus(corpus, language, target)
            # One process per language: each run starts and stops its own Prefect server.
            run = subprocess.run(
                [sys.executable, "-m", "newswatch.cli", "eval", str(target)],
                capture_output=True,
                text=True,
                check=False,
            )
            match = _FIGURES.search(run.stdout)
            pages = sum(1 for a in labels["articles"] if a.get("language") == language)
            if match is None:
                print(f"{language}: pages {pages}: no figures")
                continue
            f = match.groupdict()
            print(
                f"{language}: pages {pages}, contacts labelled {f['labelled']}, predicted "
                f"{f['predicted']}, matched {f['matched']}; precision {f['precision']} "
                f"recall {f['recall']} status {f['status']}"
            )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
