"""Fault injection for crash tests: a named point where the process kills itself.

Set `NEWSWATCH_KILL_AT=<point>` (and optionally `NEWSWATCH_KILL_HIT=<n>`, default 1) and
the process sends itself SIGKILL the n-th time it reaches that point — no cleanup, no
`finally`, exactly like a power cut or the OOM killer. Unset, a point costs one dict
lookup. The reliability tests use it to prove every crash leaves the database consistent.
"""

from __future__ import annotations

import os
import signal
import threading

POINTS = (
    "after-run-start",
    "after-discover",
    "after-fetch",
    "inside-store",  # articles written, events not yet: the transaction must roll back
    "before-store-commit",
    "after-store-commit",
    "before-source-save",
    "after-source-save",
    "after-claim",
    "after-send",  # message sent, not yet marked: the documented repeat window
    "after-mark",
    "before-run-finish",
)

_hits: dict[str, int] = {}
_lock = threading.Lock()


def fault_point(name: str) -> None:
    """Kill this process here when NEWSWATCH_KILL_AT names this point (tests only)."""
    target = os.environ.get("NEWSWATCH_KILL_AT")
    if target != name:
        return
    with _lock:
        _hits[name] = _hits.get(name, 0) + 1
        hit = _hits[name]
    if hit >= int(os.environ.get("NEWSWATCH_KILL_HIT", "1")):
        os.kill(os.getpid(), signal.SIGKILL)
