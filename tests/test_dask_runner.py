"""The Dask task runner: chunks fetched and cleaned on a LocalCluster give the same result.

Against a private Prefect server (Dask without one would start a temporary server per
worker), on a loopback news site.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from newswatch.config import RuntimeConfig
from newswatch.flows.runners import TaskRunnerError, check_task_runner
from newswatch.serve import private_prefect_server
from tests.support.loopback import LoopbackServer
from tests.support.newssite import NewsSite, write_watch


@pytest.fixture(scope="module")
def prefect_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with private_prefect_server(tmp_path_factory.mktemp("prefect-home")) as api_url:
        yield api_url


def _spawned_children() -> set[int]:
    """Child processes of this one started by multiprocessing's spawn (Dask workers)."""
    found = set()
    me = str(os.getpid())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[stat.rindex(")") + 2 :].split()[1] == me and b"spawn_main" in cmdline:
            found.add(int(entry.name))
    return found


def _send_prefect_telemetry() -> None:
    """Send queued run logs and events now, while the server is up (else exit waits on them)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all()
    EventsWorker.drain_all()


def _outcome(db: Path) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = con.execute(
            "SELECT canonical_url, title, relevant, duplicate_of IS NOT NULL FROM articles "
            "ORDER BY canonical_url"
        ).fetchall()
        events = con.execute(
            "SELECT event_type, status, event_date, date_earliest, date_latest FROM events "
            "ORDER BY ALL"
        ).fetchall()
        row = con.execute("SELECT count(*) FROM event_mentions").fetchone()
        return articles, events, int(row[0]) if row else 0
    finally:
        con.close()


def test_dask_without_a_prefect_server_is_refused_with_a_clear_message() -> None:
    with pytest.raises(TaskRunnerError, match="needs a Prefect server: set PREFECT_API_URL"):
        check_task_runner(RuntimeConfig(task_runner="dask"), api_url=None)


@pytest.mark.slow
def test_a_local_dask_cluster_of_two_workers_stores_what_the_default_runner_stores(
    tmp_path: Path, prefect_api: str, loopback: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from newswatch.flows.monitor import monitor

    site = NewsSite(loopback)
    site.add_stories(9)
    # Small chunks, so several are fetched and cleaned while earlier ones are stored.
    default_watch = write_watch(tmp_path / "default.toml", site.feed_url, runtime="batch_size = 2")
    dask_watch = write_watch(
        tmp_path / "dask.toml",
        site.feed_url,
        runtime='batch_size = 2\ntask_runner = "dask"\ndask_workers = 2',
    )
    monkeypatch.setenv("PREFECT_API_URL", prefect_api)  # for the worker processes
    seen_workers: set[int] = set()
    done = threading.Event()

    def watch_children() -> None:
        while not done.wait(0.2):
            seen_workers.update(_spawned_children())

    with temporary_settings(updates={PREFECT_API_URL: prefect_api}):
        monitor(str(default_watch), str(tmp_path / "default.duckdb"), alerts_enabled=False)
        assert not _spawned_children()
        watcher = threading.Thread(target=watch_children, daemon=True)
        watcher.start()
        try:
            summary = monitor(str(dask_watch), str(tmp_path / "dask.duckdb"), alerts_enabled=False)
        finally:
            done.set()
            watcher.join()
        _send_prefect_telemetry()

    assert len(seen_workers) == 2
    assert summary.counts.articles_stored == 9
    # The site's nine pages tell two stories between the pair, three times each: a call and
    # an announced meeting; the third story is about cycle lanes. (The runners must agree;
    # the meeting's status is the extractor's business, tested elsewhere.)
    assert summary.counts.events_new == 2
    outcome = _outcome(tmp_path / "dask.duckdb")
    assert [kind for kind, *_ in outcome[1]] == ["call", "meeting"]
    assert outcome == _outcome(tmp_path / "default.duckdb")
    assert not _spawned_children()  # the cluster went away with the run
