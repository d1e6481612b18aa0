"""Run summaries: the markdown and table artifacts a run publishes, and the CLI's last lines."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from newswatch.domain import RunCounts


@dataclass
class RunSummary:
    """What one run did, returned by the flow and shown to the user."""

    run_id: str
    watch: str
    db_path: str
    counts: RunCounts
    new_events: list[str] = field(default_factory=list)
    seconds: float = 0.0
    alerts_enabled: bool = True
    # Set when the run did nothing because another run of the watch held the lock.
    skipped: str | None = None
    # Every source failed: nothing was read (the CLI exits 4; not the watch's first run).
    all_sources_failed: bool = False
    # The run's clock when `--as-of` set it (ISO), else None (the wall clock).
    as_of: str | None = None


def run_table_rows(summary: RunSummary) -> list[dict[str, object]]:
    """Counts as rows (name, value) for a Prefect table artifact."""
    counts = asdict(summary.counts)
    failing = counts.pop("failing_sources")
    rows: list[dict[str, object]] = [{"count": k, "value": v} for k, v in counts.items()]
    rows.append({"count": "failing_sources", "value": len(failing)})
    rows.append({"count": "seconds", "value": round(summary.seconds, 1)})
    return rows


def render_run_markdown(summary: RunSummary) -> str:
    """A short markdown report of a run: counts, new events, failing sources."""
    c = summary.counts
    lines = [
        f"# newswatch run `{summary.run_id}` — watch `{summary.watch}`",
        "",
        f"Finished in {summary.seconds:.1f} s. Database: `{summary.db_path}`."
        + ("" if summary.alerts_enabled else " Alerts were off (backfill).")
        + (f" Run as of {summary.as_of}." if summary.as_of else ""),
        "",
        "| stage | count |",
        "|---|---|",
        f"| sources ok / failed | {c.sources_ok} / {c.sources_failed} |",
        f"| links found / new | {c.links_found} / {c.links_new} |",
        *(
            [f"| Google News links not resolved | {c.links_unresolved} |"]
            if c.links_unresolved
            else []
        ),
        f"| pages fetched / failed / skipped | {c.pages_fetched} / {c.pages_failed} / {c.pages_skipped} |",
        f"| articles stored / relevant | {c.articles_stored} / {c.articles_relevant} |",
        f"| copies found | {c.copies_found} |",
        f"| events new / updated | {c.events_new} / {c.events_updated} |",
        f"| mentions added | {c.mentions_added} |",
        f"| alerts queued / sent / failed | {c.alerts_queued} / {c.alerts_sent} / {c.alerts_failed} |",
        "",
    ]
    if summary.new_events:
        lines += ["## New events", ""] + [f"- {e}" for e in summary.new_events] + [""]
    if summary.all_sources_failed:
        lines += ["**Every source failed: nothing was read.**", ""]
    if c.failing_sources:
        lines += ["## Failing sources", ""] + [f"- {s}" for s in c.failing_sources] + [""]
    return "\n".join(lines)


def run_summary_json(summary: RunSummary) -> dict[str, object]:
    """The run summary as one JSON object (`newswatch run --format json`)."""
    return {
        "run_id": summary.run_id,
        "watch": summary.watch,
        "db_path": summary.db_path,
        "seconds": round(summary.seconds, 1),
        "alerts_enabled": summary.alerts_enabled,
        "counts": asdict(summary.counts),
        "new_events": list(summary.new_events),
    }
