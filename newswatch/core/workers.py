"""Where cleaning runs: a pool of worker processes started once per run, or a Dask cluster.

Cleaning and extraction are CPU-bound Python, so threads would queue on one GIL; worker
processes use every core while the run's own process fetches and writes (DuckDB has one
writer per file, so storing never leaves it).
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, TypeVar

from newswatch.config import RuntimeConfig, Watch

# Worker processes when `[runtime] clean_workers` is not set: one per core, at most this
# many (a wider pool on a big machine would only wait for the one writer).
MAX_DEFAULT_CLEAN_WORKERS = 4

# Below this many pages a pool is not worth its start-up (each worker imports the
# cleaning stack, about a second of CPU), so a small run cleans in its own process.
MIN_PAGES_FOR_POOL = 40

_PR_SET_PDEATHSIG = 1

T = TypeVar("T")


def _die_with_parent() -> None:
    """Worker initializer: on Linux, die when the run process dies (even by SIGKILL).

    Without it a killed run would leave its workers waiting on their queue forever.
    """
    os.environ["NEWSWATCH_PROGRESS"] = "0"  # the run's process shows progress, not workers
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(1)


def _ready() -> None:
    """A no-op: the first task, which makes the pool start its workers."""


def _start_method() -> multiprocessing.context.BaseContext:
    """fork on Linux, spawn elsewhere.

    A forked worker has the cleaning stack imported already and shares the run's memory
    copy-on-write; a spawned one imports it again (about a second of CPU and 120 MB per
    worker here). Forking a process with threads is safe only if the child takes no lock
    another thread held: the workers run only the pure clean and extract stages (no
    Prefect, no database, no network), Python re-initialises the import and logging
    locks in the child, and the pool is started before the run's fetch thread.
    """
    return multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")


def clean_worker_count(runtime: RuntimeConfig) -> int:
    """Worker processes for cleaning: the configured number, else one per core."""
    if runtime.clean_workers is not None:
        return runtime.clean_workers
    return max(1, min(os.cpu_count() or 1, MAX_DEFAULT_CLEAN_WORKERS))


class InlineExecutor(concurrent.futures.Executor):
    """Runs each submitted call at once, in this process (small runs, one worker)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        future: Future[T] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


@contextmanager
def clean_executor(
    watch: Watch, pages: int, warm_up: Callable[[Watch], object] | None = None
) -> Iterator[concurrent.futures.Executor]:
    """An executor for the run's cleaning, shut down (workers gone) when the block ends.

    `warm_up(watch)` runs here before the workers fork: what cleaning loads on first use
    (the language model, compiled vocabularies and name patterns) is then loaded once and
    shared by every worker instead of copied into each.
    """
    runtime = watch.runtime
    if runtime.task_runner == "dask":
        with _dask_executor(runtime) as executor:
            yield executor
        return
    workers = clean_worker_count(runtime)
    if workers <= 1 or pages < MIN_PAGES_FOR_POOL:
        yield InlineExecutor()
        return
    if warm_up is not None:
        warm_up(watch)
    # Objects that exist now are left alone by the workers' garbage collector, so its
    # passes do not write to (and so copy) the pages the workers share with the run.
    gc.collect()  # the warm-up's garbage is freed now, not frozen with the rest
    gc.freeze()
    pool = concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=_start_method(), initializer=_die_with_parent
    )
    try:
        # Start the workers now, before the run starts its fetch thread (see _start_method).
        pool.submit(_ready).result()
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        gc.unfreeze()


@contextmanager
def _dask_executor(runtime: RuntimeConfig) -> Iterator[concurrent.futures.Executor]:
    """A Dask cluster's executor: `dask_address`, or a LocalCluster started for the run."""
    from distributed import Client, LocalCluster

    # Dask logs every nanny, worker and client at INFO: keep the run's log about the run.
    # The variable reaches the worker processes a LocalCluster spawns; the logger, this one.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if runtime.dask_address:
        with Client(runtime.dask_address) as client:
            yield client.get_executor()
        return
    with (
        LocalCluster(
            n_workers=runtime.dask_workers,
            # One thread per worker process: parallel across processes, not on one GIL.
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,  # no web dashboard port per run
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client.get_executor()


def clean_jobs_ahead(runtime: RuntimeConfig) -> int:
    """Chunks cleaned ahead of the one being stored: enough to keep every worker busy."""
    if runtime.task_runner == "dask":
        return runtime.dask_workers
    return clean_worker_count(runtime)
