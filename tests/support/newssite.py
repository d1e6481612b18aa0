"""A small news site on loopback for the Prefect tests: an RSS feed of generated articles.

Items can be added while a test runs, and their pages can be made slow, so a test can
hold a run in flight. Also: the watch file for the site, a read of the `runs` table that
tolerates a writer, and the process checks the serve and deployment tests share.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import duckdb

from tests.support.loopback import LoopbackServer, Reply, Request

# Stories written for these tests: two contacts between the pair, one unrelated page.
STORIES = (
    (
        "Trump and Putin hold phone call on Ukraine",
        "Donald Trump and Vladimir Putin spoke by phone on Tuesday, the Kremlin said. "
        "Kremlin spokesman Dmitry Peskov said the call lasted ninety minutes and covered "
        "a ceasefire in Ukraine. The White House confirmed that the two presidents spoke.",
    ),
    (
        "Kremlin announces Putin meeting with Trump",
        "Vladimir Putin will meet Donald Trump in Budapest next month, Yuri Ushakov told "
        "reporters on Thursday. The summit is being prepared by both sides, the Kremlin "
        "aide said, and the date will be set in the coming days.",
    ),
    (
        "City council approves new cycle lanes",
        "The city council approved four new cycle lanes on Wednesday after a long debate. "
        "Work on the first lane starts in spring, and the council expects the network to "
        "be finished within two years, a spokeswoman said.",
    ),
)


def article_html(title: str, body: str, published: datetime) -> bytes:
    """A plain news article page with a title, a date and a few paragraphs."""
    paragraphs = "".join(f"<p>{sentence.strip()}.</p>" for sentence in body.split(". ") if sentence)
    filler = (
        "<p>Officials on both sides declined to give further details when asked by "
        "reporters later in the day, and said more would be known after consultations.</p>"
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{title}</title>"
        f"<meta property='article:published_time' content='{published.isoformat()}'>"
        f"</head><body><header><nav><a href='/'>Home</a></nav></header><main><article>"
        f"<h1>{title}</h1><time datetime='{published.isoformat()}'>{published:%d %B %Y}</time>"
        f"{paragraphs}{filler}</article></main><footer>Loopback News</footer></body></html>"
    ).encode()


@dataclass
class _Item:
    path: str
    title: str
    body: bytes
    published: datetime
    delay: float


class NewsSite:
    """A feed at /feed.xml whose items link to article pages on the same loopback server."""

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.items: list[_Item] = []
        self.slow_page_requested = threading.Event()
        self._lock = threading.Lock()
        server.routes["/feed.xml"] = self._feed
        server.routes["/robots.txt"] = lambda req: Reply(404, b"not found")

    @property
    def feed_url(self) -> str:
        return self.server.url("/feed.xml")

    def add_stories(self, count: int, *, delay: float = 0.0, prefix: str = "story") -> None:
        """Add `count` articles (cycling through STORIES); pages answer after `delay` s."""
        base = datetime(2025, 3, 18, 9, 0, tzinfo=UTC)
        with self._lock:
            for _ in range(count):
                n = len(self.items)
                title, text = STORIES[n % len(STORIES)]
                published = base + timedelta(hours=n)
                item = _Item(f"/news/{prefix}-{n}.html", f"{title} ({n})", b"", published, delay)
                item.body = article_html(item.title, text, published)
                self.items.append(item)
                self.server.routes[item.path] = self._page(item)

    def _page(self, item: _Item) -> Callable[[Request], Reply]:
        def handler(req: Request) -> Reply:
            if item.delay:
                self.slow_page_requested.set()
            return Reply(
                200, item.body, {"Content-Type": "text/html; charset=utf-8"}, delay=item.delay
            )

        return handler

    def _feed(self, req: Request) -> Reply:
        with self._lock:
            items = list(self.items)
        entries = "".join(
            f"<item><title>{i.title}</title><link>{self.server.url(i.path)}</link>"
            f"<guid>{i.path}</guid><pubDate>{format_datetime(i.published)}</pubDate></item>"
            for i in items
        )
        feed = (
            "<?xml version='1.0' encoding='UTF-8'?><rss version='2.0'><channel>"
            f"<title>Loopback News</title><link>{self.server.base_url}/</link>"
            f"<description>Test feed</description>{entries}</channel></rss>"
        )
        return Reply(200, feed.encode(), {"Content-Type": "application/rss+xml"})


def write_watch(path: Path, feed_url: str, *, name: str = "loopback", runtime: str = "") -> Path:
    """A watch of the Trump-Putin pair on one loopback feed (private hosts allowed)."""
    path.write_text(
        f'name = "{name}"\n\n'
        f'[[sources]]\nkind = "rss"\nname = "loopback-feed"\nurl = "{feed_url}"\n\n'
        '[actors.trump]\nnames = ["Donald Trump", "Trump"]\nvoices = ["the White House"]\n'
        'demonyms = ["American", "US"]\n\n'
        '[actors.putin]\nnames = ["Vladimir Putin", "Putin"]\nvoices = ["the Kremlin", "Kremlin"]\n'
        'spokespeople = ["Dmitry Peskov", "Peskov", "Yuri Ushakov", "Ushakov"]\n'
        'demonyms = ["Russian"]\n\n'
        '[events]\npair = ["trump", "putin"]\nalert_on = ["call", "meeting", "message"]\n\n'
        # The Budapest meeting is dated "next month" only: alerted because the watch asks.
        "[alerts]\nundated = true\n\n"
        "[fetch]\nallow_private_hosts = true\nretries = 0\n\n"
        f"[runtime]\n{runtime}\n"
    )
    return path


def read_runs(db: Path) -> list[tuple[str, str]]:
    """(run_id, status) of every run, oldest first; [] while the file is absent or locked."""
    if not db.exists():
        return []
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error:  # a run holds the write lock for a moment: try again later
        return []
    try:
        return [
            (str(r), str(s))
            for r, s in con.execute(
                "SELECT run_id, status FROM runs ORDER BY started_at"
            ).fetchall()
        ]
    except duckdb.Error:  # schema not created yet
        return []
    finally:
        con.close()


def _proc_stat(pid: int) -> tuple[int, str] | None:
    """(process group, state letter) of a live process, None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[2]), fields[0]


def processes_in_group(pgid: int) -> list[int]:
    """Live (non-zombie) processes whose process group is `pgid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _proc_stat(int(entry.name))
            if stat and stat[0] == pgid and stat[1] != "Z":
                found.append(int(entry.name))
    return found


def processes_with_env(name: str, value: str) -> list[int]:
    """Live processes whose environment has `name=value` (our own processes only)."""
    wanted = f"{name}={value}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        stat = _proc_stat(int(entry.name))
        if stat and stat[1] != "Z" and wanted in environ:
            found.append(int(entry.name))
    return found


def kill_processes(*pids: int) -> None:
    """SIGKILL processes and the process groups they lead (test clean-up); gone is fine."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if os.getpgid(pid) == pid:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
