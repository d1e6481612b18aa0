"""The read copy: a snapshot of the database that readers open instead of the live file.

DuckDB lets one process write a file, and a process holding it read-only (pandas, the
duckdb CLI, a notebook left open) keeps every writer out. So after each run (and each
other write command) newswatch publishes `<stem>.read.duckdb` beside the database, and
readers open that: `newswatch query`, `events`, `alerts` and `report` do, and so should
users. A reader of the copy never blocks a run.

Publishing: take the write lock on the database (so nothing changes under us),
CHECKPOINT (so the file holds everything and its WAL is empty), copy the file to a
temporary name beside the copy, fsync, check that it opens, and `os.replace` it into
place. The rename is atomic: a new reader sees the old copy or the new one, never half
of one, and a reader already open keeps the old file (its inode) until it closes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

import duckdb

from newswatch.storage.db import (
    LOCK_WAIT_SECONDS,
    DatabaseBusyError,
    DatabaseError,
    _open,
)

READ_COPY_SUFFIX = ".read.duckdb"


class ReadCopyError(RuntimeError):
    """The read copy could not be published (the database itself is untouched)."""


def read_copy_path(db_path: str | Path) -> Path:
    """Where the read copy of `db_path` lives: `news.duckdb` → `news.read.duckdb`."""
    path = Path(db_path)
    stem = path.stem if path.suffix == ".duckdb" else path.name
    return path.with_name(stem + READ_COPY_SUFFIX)


def read_copy_for(db_path: str | Path) -> Path:
    """The file a reader should open: the read copy when one is published, else the database."""
    copy = read_copy_path(db_path)
    return copy if copy.exists() else Path(db_path)


def publish_read_copy(
    db_path: str | Path, *, wait_seconds: float = LOCK_WAIT_SECONDS
) -> Path | None:
    """Publish the read copy of `db_path` atomically; returns its path (None: no database).

    Raises `ReadCopyError` when the database is busy or the copy cannot be written.
    """
    source = Path(db_path)
    if not source.exists():
        return None
    target = read_copy_path(source)
    try:
        con = _open(source, read_only=False, wait_seconds=wait_seconds)
    except (DatabaseBusyError, DatabaseError) as exc:
        raise ReadCopyError(f"read copy not refreshed: {exc}") from None
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    temp = Path(temp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                # Holding the connection keeps other writers out until the copy is made.
                con.execute("CHECKPOINT")
                with open(source, "rb") as src:
                    shutil.copyfileobj(src, out, length=1 << 20)
                out.flush()
                os.fsync(out.fileno())
            finally:
                con.close()
        duckdb.connect(str(temp), read_only=True).close()  # a copy that opens, or none
        os.replace(temp, target)
        _fsync_dir(target.parent)
    except (OSError, duckdb.Error) as exc:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise ReadCopyError(f"read copy not refreshed: {exc}") from None
    return target


def _fsync_dir(folder: Path) -> None:
    # The rename is durable only once the folder's entry is on disk.
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
