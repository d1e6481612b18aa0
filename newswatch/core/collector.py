"""The run process's garbage collector: what exists when a run starts is left alone, and
while pages stream through, it runs once per stored chunk.

A run starts in a process that has imported Prefect and its own stack: hundreds of
thousands of objects that every full collection walks again (~0.08 s each, two or three
before a big run's workers start). `frozen_before_run` moves them out of the collector's
sight for the run (gc.freeze), as core/workers.py does before the workers fork.

Python collects its youngest objects every 700 new containers. In a run's process most
of those are alive when it looks — the pages, cleaned articles and results of the chunks
in flight — so each pass scans them and frees little. What it does free is reference
cycles the HTTP stack leaves behind (an httpx response and its stream refer to each
other), ~45 objects a page. Collecting once a chunk frees those all the same, at a
fraction of the cost: when a chunk has been stored its objects are gone, and the pass
scans only what the chunks still in flight hold.

Measured with gc callbacks on the 5,000 pages of bench/bench_throughput.py, in-process:
collection cost the run's process 0.95 s of its 13.8 s of CPU; 0.62 s collecting once a
chunk; 0.45 s with the run-start freeze too. Peak RSS stayed within 10 MiB.

The HTTP client now cuts that cycle itself once a body is read (sources/http/client.py),
so the per-chunk pass finds next to nothing to free (939 objects in the whole run instead
of 231,084) and walks only what is alive: the run's full passes took 1.35 -> 0.62 s, on a
day this machine ran twice as slow as above. The pass stays as the safety net for cycles
nobody cut (a failed fetch's exception and its traceback, a library's own).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def frozen_before_run() -> Iterator[None]:
    """Freeze the objects that exist now for the block (gc.freeze); unfreeze them after.

    Freezing does not nest: the cleaning pool's own unfreeze (core/workers.py) ends this
    one too, and the rest of the run collects as usual.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@contextmanager
def collected_between_chunks() -> Iterator[Callable[[], None]]:
    """Automatic collection off for the block; call the yielded function after each chunk.

    The collector's state is restored when the block ends, however it ends (a caller that
    had turned collection off keeps it off).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield _collect if was_enabled else _keep_off
    finally:
        if was_enabled:
            gc.enable()


def _collect() -> None:
    gc.collect()


def _keep_off() -> None:
    """Collection was off before the run: the run does not turn it on."""
