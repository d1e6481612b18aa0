"""`newswatch demo`: the whole pipeline offline on the bundled sample site.

The sample site (newswatch/demo/site, original text written for newswatch) is served on
loopback; the flow runs twice: the older half of the feed as a backfill (no alerts),
then the whole feed, which alerts once per new contact. Each run is replayed as of its
feed's newest item (`--as-of`), so the sample's 2025 news is read as of its own time.
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from datetime import timedelta
from email.utils import parsedate_to_datetime
from importlib import resources
from pathlib import Path

from rich.console import Console

from newswatch.localsite import LocalSite

SITE = resources.files("newswatch") / "demo" / "site"
WATCH_TEMPLATE = resources.files("newswatch") / "demo" / "watch.toml"


def feed_as_of(feed_xml: bytes) -> str | None:
    """An hour after the feed's newest item (ISO), the clock a replay of it runs on."""
    root = ET.fromstring(feed_xml)
    dates = [
        parsedate_to_datetime(t) for t in (i.findtext("pubDate") for i in root.iter("item")) if t
    ]
    return (max(dates) + timedelta(hours=1)).isoformat() if dates else None


def feed_subset(feed_xml: bytes, *, older_half: bool) -> bytes:
    """The feed with all items, or only the chronologically older half (a backfill)."""
    root = ET.fromstring(feed_xml)
    channel = root.find("channel")
    if channel is None or not older_half:
        return feed_xml
    items = channel.findall("item")

    def when(item: ET.Element) -> float:
        text = item.findtext("pubDate")
        return parsedate_to_datetime(text).timestamp() if text else 0.0

    keep = sorted(items, key=when)[: len(items) // 2]
    for item in items:
        if item not in keep:
            channel.remove(item)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def run_demo(db_path: str, *, fresh: bool = True, console: Console | None = None) -> int:
    """Serve the sample site, run the flow twice on it, print the timeline and the alerts."""
    from newswatch.flows.monitor import monitor
    from newswatch.outbox_cli import list_outbox
    from newswatch.report import render_run_markdown
    from newswatch.timeline import print_timeline

    out = console or Console(width=160)
    db = Path(db_path)
    if fresh:
        from newswatch.storage.read_copy import read_copy_path

        stale_files = [db, Path(f"{db}.wal"), read_copy_path(db)]
        for stale in [*stale_files, *db.parent.glob(f"{db.name}.*.lock")]:
            stale.unlink(missing_ok=True)
    half = {"on": True}
    site = LocalSite(
        SITE,
        lambda path, body: feed_subset(body, older_half=half["on"]) if path == "feed.xml" else body,
    )
    with site.running(), tempfile.TemporaryDirectory(prefix="newswatch-demo-") as tmp:
        watch_file = Path(tmp) / "demo.toml"
        watch_file.write_text(
            WATCH_TEMPLATE.read_text(encoding="utf-8").replace("http://HOST", site.base_url)
        )
        out.rule(f"[bold]newswatch demo[/] — sample site at {site.base_url}, database {db}")
        out.print("Run 1: the older half of the feed, as a backfill (events stored, no alerts).")
        feed = (SITE / "feed.xml").read_bytes()
        first = monitor(
            watch_path=str(watch_file),
            db_path=str(db),
            alerts_enabled=False,
            as_of=feed_as_of(feed_subset(feed, older_half=True)),
        )
        out.print(render_run_markdown(first))
        half["on"] = False
        out.print("Run 2: the whole feed; alerts go out once per new contact.")
        if os.environ.get("SLACK_WEBHOOK_URL") or os.environ.get("NEWSWATCH_SMTP_URL"):
            out.print("(Slack and/or email are configured: alerts go there too.)")
        second = monitor(
            watch_path=str(watch_file),
            db_path=str(db),
            alerts_enabled=True,
            as_of=feed_as_of(feed),
        )
        out.print(render_run_markdown(second))
    out.rule("Contact timeline")
    print_timeline(db, console=out)
    out.rule("Alerts (the outbox)")
    list_outbox(db, console=out)
    out.print(f'\nQuery it yourself: newswatch query "SELECT * FROM events" --db {db}')
    return 0
