"""Sources polled before the run's flow starts, for the run to take.

`newswatch run` waits about five seconds for its temporary Prefect API: the server's
start-up keeps one core busy and the run's process idles on the other. Polling the
sources needs nothing from Prefect, so the CLI starts it then, on a thread
(`core.pipeline.prefetch_discovery`), and the run's discover-links stage takes the
result instead of polling again. A run whose feeds bring thousands of new links spends
a second or more parsing them, which this takes off its critical path.

Only the polling moves: the sources' stored validators are read first, in the caller's
thread, and the prefetch writes nothing. A prefetch that no run takes (another watch or
database, a run skipped because another holds the watch) is dropped; one that failed
leaves the stage to poll as if there had been none.
"""

from __future__ import annotations

import concurrent.futures
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from newswatch.config import Watch
from newswatch.domain import SourceResult


@dataclass(frozen=True)
class DiscoveryPrefetch:
    """One watch's sources being polled ahead of its run against one database."""

    watch: Watch
    db_path: str
    results: concurrent.futures.Future[list[SourceResult]]


_pending: DiscoveryPrefetch | None = None
_pending_lock = threading.Lock()


def start_prefetch(
    watch: Watch, db_path: str | Path, poll: Callable[[], list[SourceResult]]
) -> DiscoveryPrefetch:
    """Run `poll` on a daemon thread; the run of `watch` on `db_path` takes its result.

    A daemon thread: a run that never starts (its Prefect API failed) does not wait for it.
    """
    global _pending
    results: concurrent.futures.Future[list[SourceResult]] = concurrent.futures.Future()

    def run() -> None:
        if not results.set_running_or_notify_cancel():
            return
        try:
            results.set_result(poll())
        except BaseException as exc:  # handed to the taker, who polls again
            results.set_exception(exc)

    prefetch = DiscoveryPrefetch(watch, str(Path(db_path)), results)
    with _pending_lock:
        _pending = prefetch
    threading.Thread(target=run, name="newswatch-prefetch", daemon=True).start()
    return prefetch


def take_prefetch(watch: Watch, db_path: str | Path) -> DiscoveryPrefetch | None:
    """The pending prefetch if it is for this watch and database (then no longer pending)."""
    global _pending
    with _pending_lock:
        prefetch, _pending = _pending, None
    if prefetch is None or prefetch.db_path != str(Path(db_path)) or prefetch.watch != watch:
        return None
    return prefetch
