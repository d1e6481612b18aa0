"""Progress bars for interactive runs; silent under cron, CI and pipes."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


def interactive() -> bool:
    """True when a person watches: stderr is a terminal, not CI, not switched off."""
    if os.environ.get("CI") or os.environ.get("NEWSWATCH_PROGRESS", "1") == "0":
        return False
    return sys.stderr.isatty()


@contextmanager
def stage_progress(label: str, total: int) -> Iterator[Callable[[], None]]:
    """A progress bar for one stage; yields `advance()`. A no-op when nobody watches."""
    if total <= 0 or not interactive():
        yield lambda: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda: bar.advance(task)
