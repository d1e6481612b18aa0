"""Task-runner selection: where the fetch and clean/extract tasks of a run execute.

`[runtime] task_runner = "default"` runs them on a bounded thread pool in the flow
process; `"dask"` runs them on a Dask cluster (`dask_address`, or a LocalCluster of
`dask_workers` processes started for the run). Storing always stays in the flow process:
DuckDB has one writer per file.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from newswatch.config import RuntimeConfig

# Threads of the default runner. A run keeps at most DEFAULT_CHUNKS_AHEAD chunks in
# flight, each one fetch task and one clean task, so four threads never leave a submitted
# task waiting; Prefect's own default is unbounded (one thread per submitted task).
DEFAULT_THREAD_WORKERS = 4

# Chunks fetched and cleaned ahead of the one being stored on the default runner: one,
# so the next chunk's network wait overlaps this chunk's storing. Cleaning is CPU-bound
# Python, so more threads would only queue on the GIL.
DEFAULT_CHUNKS_AHEAD = 1


class TaskRunnerError(ValueError):
    """The watch asks for a task runner this process cannot provide."""


def configured_api_url() -> str | None:
    """The Prefect API URL in force (environment or profile); None on the temporary API."""
    from prefect.settings import get_current_settings

    url = get_current_settings().api.url
    return str(url) if url else None


def check_task_runner(runtime: RuntimeConfig, api_url: str | None) -> None:
    """Raise `TaskRunnerError` when the watch's runner cannot run against `api_url`."""
    if runtime.task_runner != "dask":
        return
    if not api_url:
        # Each Dask worker process would start a temporary Prefect server of its own
        # (≈ 1.76 GB here, left behind as orphans), so Dask needs a real server.
        raise TaskRunnerError(
            'task_runner = "dask" needs a Prefect server: set PREFECT_API_URL '
            "(or use `newswatch serve`, which starts one), or use the default runner"
        )
    try:
        import prefect_dask  # noqa: F401
    except ImportError:
        raise TaskRunnerError(
            'task_runner = "dask" needs prefect-dask: pip install "newswatch[dask]"'
        ) from None


def default_task_runner() -> TaskRunner[Any]:
    """The bounded thread pool used when the watch does not ask for Dask."""
    return ThreadPoolTaskRunner(max_workers=DEFAULT_THREAD_WORKERS)


def task_runner_for(runtime: RuntimeConfig) -> TaskRunner[Any]:
    """A fresh (not yet entered) task runner for a watch's `[runtime]` settings."""
    check_task_runner(runtime, configured_api_url())
    if runtime.task_runner != "dask":
        return default_task_runner()
    from prefect_dask import DaskTaskRunner

    # Dask logs every nanny, worker and client at INFO: keep the run's log about the run.
    # The variable reaches the worker processes a LocalCluster spawns; the logger, this one.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if runtime.dask_address:
        return DaskTaskRunner(address=runtime.dask_address)
    return DaskTaskRunner(
        cluster_class="distributed.LocalCluster",
        cluster_kwargs={
            "n_workers": runtime.dask_workers,
            # Cleaning is CPU-bound Python: one thread per worker process, parallel
            # across processes instead of queuing on one GIL.
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,  # no web dashboard port per run
        },
    )


def chunks_ahead(runtime: RuntimeConfig) -> int:
    """How many chunks a run fetches and cleans ahead of the one it is storing."""
    if runtime.task_runner != "dask":
        return DEFAULT_CHUNKS_AHEAD
    # One chunk per worker keeps every worker busy while the flow stores; with a remote
    # scheduler we do not know its size, so assume the configured worker count.
    return runtime.dask_workers
