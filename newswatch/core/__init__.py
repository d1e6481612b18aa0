"""The pipeline core: `run_watch` and its stages as plain functions (no Prefect)."""

from newswatch.core.pipeline import StageRunner, call_stage, run_watch
from newswatch.core.types import BatchOutcome, ReadArticle, RunContext, wall_clock

__all__ = [
    "BatchOutcome",
    "ReadArticle",
    "RunContext",
    "StageRunner",
    "call_stage",
    "run_watch",
    "wall_clock",
]
