"""`newswatch eval CORPUS_DIR`: the real flow on a labelled corpus, scored.

The corpus folder holds `pages/`, `labels.json` and RSS feeds whose links use the
`http://HOST` placeholder (the shared corpus format). It is served on loopback and the
monitor flow runs on `feed-1.xml` and then `feed-2.xml` (or on the one feed there is),
exactly as a user's runs would; the stored events are then scored against the labels.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from newswatch.config import load_watch
from newswatch.evaluation import (
    EvaluationReport,
    evaluate,
    evaluate_by_language,
    parse_labels,
)
from newswatch.localsite import LocalSite
from newswatch.runtime import default_watch
from newswatch.storage.articles import article_urls
from newswatch.storage.db import read_session
from newswatch.storage.events import load_events, load_mentions


def corpus_feeds(corpus: Path) -> list[str]:
    """The feeds to run, in order: feed-1 then feed-2 when both exist, else any *.xml feed."""
    numbered = [name for name in ("feed-1.xml", "feed-2.xml") if (corpus / name).is_file()]
    return numbered or sorted(p.name for p in corpus.glob("*.xml"))[:1]


def eval_watch_text(watch_file: str | Path, feed_url: str) -> str:
    """The watch's actors and policy with its sources replaced by one loopback RSS feed."""
    watch = load_watch(watch_file)
    data = watch.model_dump(mode="json", by_alias=True, exclude_none=True)
    lines = [
        f'name = "{watch.name}-eval"',
        "",
        "[[sources]]",
        'kind = "rss"',
        'name = "corpus"',
        f'url = "{feed_url}"',
    ]
    body = {k: v for k, v in data.items() if k not in ("name", "sources", "description")}
    body["fetch"] = {**body.get("fetch", {}), "allow_private_hosts": True}
    return "\n".join(lines) + "\n" + _to_toml(body)


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(str(value))  # a TOML basic string is a JSON string


def _to_toml(data: dict[str, object], prefix: str = "") -> str:
    scalars = [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    out = (f"\n[{prefix}]\n" if prefix else "") + "".join(line + "\n" for line in scalars)
    for key, value in data.items():
        if isinstance(value, dict):
            out += _to_toml(value, f"{prefix}.{key}" if prefix else key)
    return out


def evaluate_database(db_path: str | Path, watch_name: str, labels_path: Path) -> EvaluationReport:
    """Score the events stored for `watch_name` against a corpus's labels.json."""
    return evaluate_database_by_language(db_path, watch_name, labels_path)[0]


def evaluate_database_by_language(
    db_path: str | Path, watch_name: str, labels_path: Path
) -> tuple[EvaluationReport, dict[str, EvaluationReport]]:
    """The total report and one per language of the labelled pages."""
    labels = parse_labels(json.loads(labels_path.read_text(encoding="utf-8")))
    with read_session(db_path) as con:
        events = load_events(con, watch_name)
        mentions = load_mentions(con, watch_name)
        urls = article_urls(con)
    files = {aid: urlsplit(url).path.lstrip("/") for aid, url in urls.items()}
    total = evaluate(labels, events, mentions, files)
    return total, evaluate_by_language(labels, events, mentions, files)


def run_eval(
    corpus: Path,
    *,
    db_path: str | None = None,
    watch_file: str | None = None,
    as_of: str | None = None,
) -> int:
    """Serve the corpus, run the flow on its feeds, print the scores; returns the exit code."""
    from newswatch.flows.monitor import monitor

    labels = corpus / "labels.json"
    if not labels.is_file() or not (corpus / "pages").is_dir():
        print(f"newswatch: error: {corpus}: not a labelled corpus (needs pages/ and labels.json)")
        return 2
    feeds = corpus_feeds(corpus)
    if not feeds:
        print(f"newswatch: error: {corpus}: no feed (*.xml) to run the flow on")
        return 2
    with tempfile.TemporaryDirectory(prefix="newswatch-eval-") as tmp:
        db = Path(db_path) if db_path else Path(tmp) / "eval.duckdb"
        site = LocalSite(corpus)
        with site.running():
            name = ""
            for feed in feeds:
                watch_path = Path(tmp) / f"{feed}.toml"
                watch_path.write_text(
                    eval_watch_text(watch_file or default_watch(), f"{site.base_url}/{feed}")
                )
                name = load_watch(watch_path).name
                monitor(
                    watch_path=str(watch_path), db_path=str(db), alerts_enabled=False, as_of=as_of
                )
        report, by_language = evaluate_database_by_language(db, name, labels)
    print(f"newswatch eval: {corpus} — feeds {', '.join(feeds)}")
    for language, part in by_language.items():
        print(f"language {language}: contacts {part.headline()}")
    print(f"total: contacts {report.headline()}")
    print(report.to_text())
    return 0
