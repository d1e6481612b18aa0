"""Task-runner settings of the monitor flow, and the check that a watch's runner can run.

Where cleaning runs is the core's business (newswatch/core/workers.py): worker processes
on the default runner, a Dask cluster with `[runtime] task_runner = "dask"`. The flow's
own task runner only ever holds its stage tasks, so it is a small thread pool.
"""

from __future__ import annotations

from typing import Any

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from newswatch.config import RuntimeConfig

# Threads of the flow's task runner; Prefect's own default is unbounded (one thread per
# submitted task). The core calls its stage tasks directly, so few are ever needed.
DEFAULT_THREAD_WORKERS = 4


class TaskRunnerError(ValueError):
    """The watch asks for a task runner this process cannot provide."""


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
    """The flow's bounded thread pool."""
    return ThreadPoolTaskRunner(max_workers=DEFAULT_THREAD_WORKERS)
