"""Source health after a poll, and the operator notices it calls for.

Wiring only: the judgement is `newswatch.source_health` (pure), the rows are
`storage.health`, the messages go through the outbox like alerts, so each notice is sent
once even across crashes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime

import duckdb

from newswatch.alerts.channels import Channel, channels_from_env, ops_channels
from newswatch.config import Watch
from newswatch.domain import SourceResult
from newswatch.source_health import assess
from newswatch.storage import health as health_store

log = logging.getLogger(__name__)


def new_links_by_source(results: Sequence[SourceResult], known_urls: set[str]) -> dict[str, int]:
    """Per source, how many of its links are not stored yet (a source's sign of life)."""
    return {
        r.source: sum(1 for link in r.links if link.canonical_url not in known_urls)
        for r in results
    }


def announce_source_health(
    con: duckdb.DuckDBPyConnection,
    watch: Watch,
    run_id: str,
    now: datetime,
    new_by_source: Mapping[str, int],
    channel_names: Sequence[str],
) -> int:
    """Record who brought news, judge every source, queue a notice per change of state.

    Runs in the caller's transaction, right after the poll results are saved. Returns the
    outbox rows queued.
    """
    health_store.record_new_links(con, watch.name, run_id, now, new_by_source)
    histories = health_store.load_histories(con, watch.name, [s.key for s in watch.sources])
    verdicts = [assess(h, now, watch.ops) for h in histories]
    health_store.save_health(con, watch.name, verdicts, now)
    notices = health_store.notices_for(verdicts, watch.name, run_id, now)
    for n in notices:
        log.warning("source %s: %s (%s)", n.state, n.source, n.detail)
    return health_store.queue_notices(con, notices, channel_names, run_id)


def delivery_channels(watch: Watch, env: Mapping[str, str]) -> list[Channel]:
    """The alert channels, plus the separate operator channels when the watch asks for them."""
    channels = channels_from_env(env)
    names = {c.name for c in channels}
    if watch.ops.notify == "ops":
        channels += [c for c in ops_channels("ops", env) if c.name not in names]
    return channels


def ops_channel_names(watch: Watch, env: Mapping[str, str]) -> list[str]:
    """The outbox channel names operator notices are queued for."""
    return [c.name for c in ops_channels(watch.ops.notify, env)]
