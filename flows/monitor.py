"""The monitor flow: one pass of a watch, as a Prefect flow run around the core.

All logic is in `newswatch.core` (`run_watch` and its stages). This module only runs
each stage as a Prefect task (a task run per stage in the UI, fetching, cleaning and
storing being one; a place for retries and concurrency limits) and publishes the run
summary as artifacts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from prefect import Task, flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.context import get_run_context
from prefect.utilities.annotations import opaque

from newswatch.clock import RunClock
from newswatch.config import load_watch
from newswatch.core import run_watch
from newswatch.flows.runners import default_task_runner
from newswatch.report import RunSummary, render_run_markdown, run_table_rows

R = TypeVar("R")


# Every task reads or writes the outside world, so none may be cached; and Prefect's
# default policy hashes each task's inputs (whole batches of pages) on every call,
# which cost a fifth of a run's CPU (bench/bench_runners.py).
_STAGE_TASKS: dict[str, Task[Any, Any]] = {}


def run_as_task(stage: str, fn: Callable[..., R], /, *args: Any, **kwargs: Any) -> R:
    """The flow's stage runner: each stage runs as a Prefect task of its name.

    Tasks are made on first use, so a run with nothing new never imports the stages
    it does not reach.
    """
    wrapped = _STAGE_TASKS.get(stage)
    if wrapped is None:
        wrapped = _STAGE_TASKS[stage] = task(name=stage, cache_policy=NO_CACHE)(fn)
    # `opaque`: Prefect hands the value over as it is, without walking into it looking
    # for futures (it visited every link of a run's link lists: seconds per run).
    result = wrapped(*(opaque(a) for a in args), **{k: opaque(v) for k, v in kwargs.items()})
    return cast(R, result)


def _flow_run_id() -> str | None:
    try:
        ctx = get_run_context()
    except Exception:  # outside a flow run (direct call in tests)
        return None
    flow_run = getattr(ctx, "flow_run", None)
    return str(flow_run.id) if flow_run else None


@flow(
    name="newswatch-monitor",
    log_prints=False,
    validate_parameters=False,
    task_runner=default_task_runner(),
)
def monitor(
    watch_path: str, db_path: str, alerts_enabled: bool = True, as_of: str | None = None
) -> RunSummary:
    """One monitoring pass of the watch in `watch_path`, stored in the DuckDB file `db_path`.

    `as_of` (ISO time) sets the run's clock for a backtest; the wall clock by default.
    """
    logger = get_run_logger()
    watch = load_watch(watch_path)
    summary = run_watch(
        watch,
        db_path,
        alerts_enabled=alerts_enabled,
        clock=RunClock.as_of(as_of),
        run_stage=run_as_task,
        logger=logger,
        flow_run_id=_flow_run_id(),
    )
    if summary.skipped:
        return summary
    _publish_artifacts(summary)
    counts = summary.counts
    logger.info(
        "run %s: %d new links, %d articles stored, %d new events, %d alerts sent",
        summary.run_id,
        counts.links_new,
        counts.articles_stored,
        counts.events_new,
        counts.alerts_sent,
    )
    return summary


def _publish_artifacts(summary: RunSummary) -> None:
    key = f"newswatch-{summary.watch.lower().replace('_', '-').replace('.', '-')}"
    create_markdown_artifact(
        markdown=render_run_markdown(summary), key=key, description="newswatch run summary"
    )
    create_table_artifact(
        table=run_table_rows(summary), key=f"{key}-counts", description="newswatch run counts"
    )
