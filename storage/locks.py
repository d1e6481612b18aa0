"""A per-watch run lock, so overlapping runs of one watch never interleave their writes.

An OS file lock (flock) beside the database: released by the kernel when the process
dies, so a killed run never leaves a stale lock behind.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# How long a second run waits for the first before giving up. A scheduled run that
# overlaps a slow one should skip its tick, not queue behind it for long.
RUN_LOCK_WAIT_SECONDS = float(os.environ.get("NEWSWATCH_RUN_LOCK_WAIT", "30"))


class RunInProgressError(RuntimeError):
    """Another run of the same watch on the same database is still going."""


def lock_path(db_path: str | Path, watch: str) -> Path:
    """The lock file of one watch on one database."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", watch)
    return Path(f"{db_path}.{safe}.lock")


@contextmanager
def watch_run_lock(
    db_path: str | Path,
    watch: str,
    *,
    wait_seconds: float | None = None,
    logger: logging.Logger | logging.LoggerAdapter[Any] | None = None,
) -> Iterator[None]:
    """Hold the run lock of `watch` on `db_path`, waiting up to `wait_seconds` for it."""
    wait = RUN_LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
    path = lock_path(db_path, watch)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        announced = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunInProgressError(
                        f"another run of watch '{watch}' on {db_path} is in progress; "
                        f"waited {wait:.0f}s, skipping this run"
                    ) from None
                if not announced and logger is not None:
                    logger.info("another run of %s is writing; waiting up to %.0fs", watch, wait)
                    announced = True
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock
