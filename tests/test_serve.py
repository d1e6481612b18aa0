"""`newswatch serve` end to end: a private Prefect server, cron runs, skips, a clean stop.

One long test (about two minutes: the server's first start, then the next minute
boundary), because each step needs the served process of the step before.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import httpx
import pytest

from newswatch.storage.locks import watch_run_lock
from newswatch.storage.read_copy import read_copy_path
from tests.support.loopback import LoopbackServer
from tests.support.newssite import (
    NewsSite,
    kill_processes,
    processes_in_group,
    processes_with_env,
    read_runs,
    write_watch,
)

pytestmark = pytest.mark.slow

WATCH_NAME = "serve-test"
NEWSWATCH = (sys.executable, "-m", "newswatch")


class Served:
    """The `newswatch serve` child: its process, its output file, its Prefect API."""

    def __init__(self, proc: subprocess.Popen[bytes], output: Path) -> None:
        self.proc = proc
        self.output = output
        self.api_url = ""

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def wait_for_output(self, pattern: str, timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            if self.proc.poll() is not None:
                break
            time.sleep(0.3)
        raise AssertionError(f"no {pattern!r} in serve output:\n{self.text()[-3000:]}")

    def api(self, method: str, path: str, body: object | None = None) -> object:
        # The server answers 503 while its SQLite file is locked; Prefect's client retries.
        for _ in range(20):
            reply = httpx.request(method, f"{self.api_url}{path}", json=body, timeout=10)
            if reply.status_code != 503:
                break
            time.sleep(1)
        reply.raise_for_status()
        return reply.json()


def stored_urls(db: Path, fragment: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT count(*) FROM articles WHERE url LIKE ?", [f"%{fragment}%"]
        ).fetchone()
        return int(row[0]) if row else 0
    finally:
        con.close()


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@pytest.fixture
def serve_process(tmp_path: Path, loopback: LoopbackServer) -> Iterator[tuple[Served, NewsSite]]:
    site = NewsSite(loopback)
    site.add_stories(3)
    watch = write_watch(tmp_path / "watch.toml", site.feed_url, name=WATCH_NAME)
    env = {
        **os.environ,
        "NEWSWATCH_HOME": str(tmp_path / "home"),
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",  # pick up ad hoc runs within seconds
        "NEWSWATCH_RUN_LOCK_WAIT": "2",
        "NEWSWATCH_SERVE_GRACE": "90",
    }
    for inherited in ("PREFECT_API_URL", "PREFECT_HOME", "NEWSWATCH_KILL_AT"):
        env.pop(inherited, None)
    output = tmp_path / "serve.out"
    db = tmp_path / "serve.duckdb"
    with open(output, "wb") as out:
        proc = subprocess.Popen(
            [*NEWSWATCH, "serve", "--watch", str(watch), "--cron", "* * * * *", "--db", str(db)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its own process group: we check it empties
        )
    served = Served(proc, output)
    try:
        yield served, site
    finally:
        # serve, its Runner and the private server each lead a process group; every one
        # of them carries our NEWSWATCH_HOME.
        kill_processes(proc.pid, *processes_with_env("NEWSWATCH_HOME", env["NEWSWATCH_HOME"]))
        proc.wait(timeout=30)


def test_serve_runs_on_cron_says_what_it_skips_and_stops_cleanly(
    tmp_path: Path, serve_process: tuple[Served, NewsSite]
) -> None:
    served, site = serve_process
    db = tmp_path / "serve.duckdb"
    ui = served.wait_for_output(r"Prefect UI at (http://127\.0\.0\.1:\d+)", timeout=200)
    served.api_url = ui.group(1) + "/api"
    served.wait_for_output(rf"watch {WATCH_NAME} on cron '\* \* \* \* \*'", timeout=60)
    home = tmp_path / "home" / "prefect"
    assert (home / "server.log").exists()  # the server keeps its data in our PREFECT_HOME

    # 1. The first cron tick runs the watch and records the run in our database.
    wait_until(lambda: any(s == "completed" for _, s in read_runs(db)), 150, "a scheduled run")
    # ... and published the read copy that readers open.
    wait_until(read_copy_path(db).exists, 30, "the read copy")
    deployments = served.api("POST", "/deployments/filter", {})
    assert isinstance(deployments, list) and len(deployments) == 1
    deployment = deployments[0]
    assert deployment["name"] == WATCH_NAME
    assert deployment["global_concurrency_limit"]["limit"] == 1
    assert deployment["concurrency_options"]["collision_strategy"] == "CANCEL_NEW"

    # 2. The run published its summary and its counts as artifacts on the server.
    key = f"newswatch-{WATCH_NAME}"
    artifacts = served.api(
        "POST", "/artifacts/filter", {"artifacts": {"key": {"any_": [key, f"{key}-counts"]}}}
    )
    assert isinstance(artifacts, list)
    assert {a["type"] for a in artifacts} >= {"markdown", "table"}

    # 3. A run that finds another process holding the watch's run lock skips, saying so.
    runs_before = len(read_runs(db))
    with watch_run_lock(db, WATCH_NAME, wait_seconds=5):
        served.api("POST", f"/deployments/{deployment['id']}/create_flow_run", {})
        served.wait_for_output(rf"another run of watch '{WATCH_NAME}'.*skipping this run", 90)
    assert len(read_runs(db)) == runs_before  # the skipped run wrote nothing

    # 4. Two runs asked at once: one runs (slowly), the other is skipped with a clear line.
    site.add_stories(3, delay=4.0, prefix="slow")
    for _ in range(2):
        served.api("POST", f"/deployments/{deployment['id']}/create_flow_run", {})
    served.wait_for_output(
        rf"skipped run '[\w-]+' of watch {WATCH_NAME}: Cancelled: .*concurrency", 60
    )

    # 5. SIGTERM while that run fetches: it finishes and is stored, then everything stops.
    assert site.slow_page_requested.wait(60)
    os.kill(served.proc.pid, signal.SIGTERM)
    assert served.proc.wait(timeout=150) == 0
    out = served.text()
    assert "waiting up to 90s for 1 run(s) in flight" in out
    assert "runs in flight finished; stopping" in out
    assert {status for _, status in read_runs(db)} == {"completed"}
    assert stored_urls(db, "/news/slow-") == 3
    assert processes_in_group(served.proc.pid) == []
    assert processes_with_env("NEWSWATCH_HOME", str(tmp_path / "home")) == []
