"""The `newswatch` command: a thin front door over the library.

Prefect is imported only by the commands that run flows, so `query`, `events` and
`--help` start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from newswatch.clock import ClockError, parse_as_of
from newswatch.config import WatchError, load_watch
from newswatch.output import FORMATS, DateInputError, format_rows, parse_day
from newswatch.runtime import (
    ENVIRONMENT_VARIABLES,
    configure_prefect_env,
    default_db,
    default_watch,
)

if TYPE_CHECKING:
    from newswatch.report import RunSummary

__all__ = ["build_parser", "format_rows", "main"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CONFIG = 2
EXIT_BUSY = 3
# Every source of the watch failed: nothing was read (cron must not see success).
EXIT_SOURCES_FAILED = 4


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    print(f"newswatch: error: {message}", file=sys.stderr)
    return code


# ---------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    """One monitoring pass as a Prefect flow run (temporary API, no server needed)."""
    try:
        watch = load_watch(args.watch)  # fail fast, before Prefect starts and before any database
        as_of = _as_of_option(args.as_of)
    except (WatchError, ClockError) as exc:
        return _fail(str(exc), EXIT_CONFIG)
    configure_prefect_env()
    from newswatch.flows.monitor import monitor
    from newswatch.flows.runners import TaskRunnerError, check_task_runner
    from newswatch.runtime import configured_api_url
    from newswatch.storage.db import DatabaseBusyError, DatabaseError
    from newswatch.storage.locks import RunInProgressError

    try:
        check_task_runner(watch.runtime, configured_api_url())
    except TaskRunnerError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    from newswatch.core.pipeline import prefetch_discovery
    from newswatch.serve import PrefectServerError, temporary_prefect_api

    # The sources are polled while the Prefect API starts; the flow's run takes the result.
    prefetch_discovery(watch, args.db)
    try:
        with temporary_prefect_api():
            summary = monitor(
                watch_path=str(args.watch),
                db_path=str(args.db),
                alerts_enabled=not args.no_alerts,
                as_of=as_of,
            )
    except PrefectServerError as exc:
        return _fail(str(exc))
    except RunInProgressError as exc:
        return _fail(str(exc), EXIT_BUSY)
    except DatabaseBusyError as exc:
        return _fail(str(exc), EXIT_BUSY)
    except DatabaseError as exc:
        return _fail(str(exc))
    if summary.skipped:
        return _fail(summary.skipped, EXIT_BUSY)
    print(render_run_summary(summary, args.format), file=getattr(args, "rows_out", sys.stdout))
    if summary.all_sources_failed:
        failing = "; ".join(summary.counts.failing_sources)
        return _fail(
            f"every source of {summary.watch} failed, nothing was read: {failing}",
            EXIT_SOURCES_FAILED,
        )
    return EXIT_OK


def _as_of_option(value: str | None) -> str | None:
    """`--as-of` checked and normalised to ISO (raises ClockError with one line)."""
    return parse_as_of(value).isoformat() if value else None


def render_run_summary(summary: RunSummary, fmt: str) -> str:
    """The run's last lines: markdown for a terminal, else counts as CSV or one JSON object."""
    from newswatch.report import render_run_markdown, run_summary_json, run_table_rows

    if fmt == "json":
        return json.dumps(run_summary_json(summary))
    if fmt == "csv":
        rows = run_table_rows(summary)
        return format_rows(["count", "value"], [(r["count"], r["value"]) for r in rows], "csv")
    return render_run_markdown(summary)


def _publish_read_copy(db_path: str) -> None:
    """After a write command: refresh the copy readers open (a failure costs a warning)."""
    from newswatch.storage.read_copy import ReadCopyError, publish_read_copy

    try:
        publish_read_copy(db_path)
    except ReadCopyError as exc:
        print(f"newswatch: warning: {exc}", file=sys.stderr)


# ---------------------------------------------------------------- query


def cmd_query(args: argparse.Namespace) -> int:
    """Read-only ad hoc SQL against the database."""
    from newswatch.storage.db import DatabaseBusyError, DatabaseError
    from newswatch.storage.query import query_session, run_query

    if args.file:
        try:
            sql = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            return _fail(f"cannot read SQL file {args.file}: {reason}", EXIT_CONFIG)
    elif args.sql and args.sql != "-":
        sql = args.sql
    elif not sys.stdin.isatty():
        sql = sys.stdin.read()
    else:
        return _fail("no SQL given: pass it as an argument, with --file, or on stdin", EXIT_CONFIG)
    try:
        with query_session(reader_db(args.db)) as con:
            result = run_query(con, sql)
    except DatabaseBusyError as exc:
        return _fail(str(exc), EXIT_BUSY)
    except DatabaseError as exc:
        return _fail(str(exc))
    except Exception as exc:  # duckdb errors: show the database's own message
        return _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    print(format_rows(result.columns, result.rows, args.format))
    return EXIT_OK


# ---------------------------------------------------------------- events


def cmd_events(args: argparse.Namespace) -> int:
    """Print the contact timeline."""
    from newswatch.storage.db import DatabaseBusyError, DatabaseError
    from newswatch.timeline import print_timeline

    try:
        since = parse_day(args.since) if args.since else None
    except DateInputError as exc:
        return _fail(f"--since: {exc}", EXIT_CONFIG)
    try:
        return print_timeline(
            reader_db(args.db),
            since=since,
            kinds=args.kind,
            statuses=args.status,
            watch=args.watch_name,
            include_history=not args.no_history,
            fmt=args.format,
        )
    except DatabaseBusyError as exc:
        return _fail(str(exc), EXIT_BUSY)
    except DatabaseError as exc:
        return _fail(str(exc))


# ---------------------------------------------------------------- alerts


def cmd_alerts(args: argparse.Namespace) -> int:
    """List the outbox, or re-queue failed alerts."""
    from newswatch.outbox_cli import list_outbox, retry_failed
    from newswatch.storage.db import DatabaseBusyError, DatabaseError

    try:
        if args.action == "retry":
            code = retry_failed(args.db)
            _publish_read_copy(args.db)
            return code
        return list_outbox(reader_db(args.db), status=args.status, fmt=args.format)
    except DatabaseBusyError as exc:
        return _fail(str(exc), EXIT_BUSY)
    except DatabaseError as exc:
        return _fail(str(exc))


def reader_db(db_path: str) -> str:
    """The file read-only commands open: the read copy when one is published, else the database."""
    from newswatch.storage.read_copy import read_copy_for

    return str(read_copy_for(db_path))


# ---------------------------------------------------------------- demo, serve, eval


def cmd_demo(args: argparse.Namespace) -> int:
    """The whole pipeline offline on the bundled sample site."""
    configure_prefect_env()
    from newswatch.demo_runner import run_demo
    from newswatch.serve import PrefectServerError, temporary_prefect_api

    try:
        with temporary_prefect_api():
            return run_demo(db_path=args.db, fresh=not args.keep)
    except PrefectServerError as exc:
        return _fail(str(exc))


def cmd_serve(args: argparse.Namespace) -> int:
    """The monitor flow on a cron schedule, with a private Prefect server when needed."""
    watches = args.watch or [default_watch()]
    try:
        for w in watches:
            load_watch(w)
    except WatchError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    api_url = configure_prefect_env()
    from newswatch.serve import ServeError, serve_watches

    try:
        return serve_watches(watches, db_path=args.db, cron=args.cron, api_url=api_url)
    except ServeError as exc:
        return _fail(str(exc), EXIT_CONFIG)


def cmd_eval(args: argparse.Namespace) -> int:
    """Run the real flow on a labelled corpus and print precision, recall, status accuracy."""
    configure_prefect_env()
    from newswatch.eval_runner import run_eval
    from newswatch.serve import PrefectServerError, temporary_prefect_api

    try:
        as_of = _as_of_option(args.as_of)
    except ClockError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    try:
        with temporary_prefect_api():
            return run_eval(Path(args.corpus), db_path=args.db, watch_file=args.watch, as_of=as_of)
    except WatchError as exc:
        return _fail(str(exc), EXIT_CONFIG)
    except PrefectServerError as exc:
        return _fail(str(exc))


def cmd_report(args: argparse.Namespace) -> int:
    """Write a self-contained HTML report: timeline chart, contacts, source health."""
    from newswatch.html_report import write_report
    from newswatch.storage.db import DatabaseBusyError, DatabaseError

    try:
        path = write_report(reader_db(args.db), Path(args.out))
    except (DatabaseBusyError, DatabaseError) as exc:
        return _fail(str(exc))
    print(f"report written to {path}")
    return EXIT_OK


# ---------------------------------------------------------------- parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("newswatch")
    except PackageNotFoundError:  # a checkout on sys.path, not installed
        return "unknown (not installed)"


def environment_epilog() -> str:
    """The help's list of every environment variable newswatch reads."""
    width = max(len(name) for name in ENVIRONMENT_VARIABLES)
    lines = [f"  {name.ljust(width)}  {meaning}" for name, meaning in ENVIRONMENT_VARIABLES.items()]
    return "environment:\n" + "\n".join(lines)


def format_option(p: argparse.ArgumentParser) -> None:
    """`--format table|csv|json`, on every command that prints rows."""
    p.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `newswatch` command."""
    parser = argparse.ArgumentParser(
        prog="newswatch",
        description=(
            "Scheduled news monitoring: fetch a watch's sources, clean the articles, collapse "
            "near-copies, extract contact events, store them in DuckDB and alert once per contact."
        ),
        epilog=environment_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def as_of_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--as-of",
            metavar="TIME",
            help="run as of TIME (e.g. 2025-10-20T12:00Z): the run's clock for every 'now' "
            "and the age guard on alerts (default: the wall clock)",
        )

    def db_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            default=default_db(),
            help="DuckDB file (default: $NEWSWATCH_DB or newswatch.duckdb in the working folder)",
        )

    p = sub.add_parser(
        "run",
        help="one monitoring pass (Prefect flow run, no server needed)",
        description=(
            "Run one monitoring pass of a watch as a Prefect flow run on Prefect's temporary API. "
            "Exits 0 when the run finished, even if some sources failed (they are reported); "
            "2 for a bad watch file or --as-of; 3 when another run of the watch holds the "
            "database; 4 when every source failed (nothing was read)."
        ),
    )
    p.add_argument(
        "--watch",
        default=default_watch(),
        help="watch file (default: $NEWSWATCH_WATCH or the bundled trump-putin watch)",
    )
    db_option(p)
    p.add_argument(
        "--no-alerts", action="store_true", help="backfill: store events, queue and send no alert"
    )
    as_of_option(p)
    p.set_defaults(func=cmd_run)
    format_option(p)

    p = sub.add_parser(
        "serve",
        help="run watches on a cron schedule (Prefect serve)",
        description=(
            "Serve the monitor flow on cron schedules (from each watch's [runtime] cron or --cron). "
            "Without PREFECT_API_URL a private Prefect server is started on loopback and stopped on exit."
        ),
    )
    p.add_argument("--watch", action="append", help="watch file; repeat for several watches")
    p.add_argument(
        "--cron", help="cron expression overriding the watch files' schedules, e.g. '*/15 * * * *'"
    )
    db_option(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo",
        help="the whole pipeline offline on a bundled sample site",
        description=(
            "Serve the bundled sample news site on loopback and run the flow twice on it: the "
            "first half of the feed as a backfill, then all of it. Prints the events timeline "
            "and the alerts sent (console, plus Slack/email when configured)."
        ),
    )
    p.add_argument(
        "--db",
        default="newswatch-demo.duckdb",
        help="DuckDB file for the demo (default: newswatch-demo.duckdb)",
    )
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep an existing demo database instead of starting fresh",
    )
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "query",
        help="read-only ad hoc SQL",
        description="Run SQL against the database, read-only (no writes, ATTACH, COPY TO or INSTALL).",
    )
    p.add_argument("sql", nargs="?", help="SQL text; '-' or nothing reads it from stdin")
    p.add_argument("--file", "-f", help="read the SQL from this file")
    db_option(p)
    format_option(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser(
        "events",
        help="the contact timeline as a table",
        description="Print the events (contacts and statements) ordered by the day they happened.",
    )
    db_option(p)
    p.add_argument(
        "--since",
        help="only events on or after this day: 2025-01-31, yesterday, '3 days ago', 'last monday'",
    )
    format_option(p)
    p.add_argument(
        "--kind",
        action="append",
        choices=["call", "meeting", "message", "statement"],
        help="filter by kind (repeatable)",
    )
    p.add_argument(
        "--status",
        action="append",
        choices=["planned", "reported", "confirmed", "denied", "cancelled"],
        help="filter by status (repeatable)",
    )
    p.add_argument("--watch-name", help="only events of this watch (by its name)")
    p.add_argument(
        "--no-history",
        action="store_true",
        help="hide historical mentions (old contacts named in passing)",
    )
    p.set_defaults(func=cmd_events)

    p = sub.add_parser(
        "alerts",
        help="list the alert outbox, or retry failed alerts",
        description="List the outbox (pending, sent, failed), or with 'retry' re-queue failed alerts for the next run.",
    )
    p.add_argument("action", nargs="?", choices=["list", "retry"], default="list")
    p.add_argument(
        "--status", choices=["pending", "sent", "failed"], help="only alerts in this state"
    )
    db_option(p)
    format_option(p)
    p.set_defaults(func=cmd_alerts)

    p = sub.add_parser(
        "eval",
        help="measure event extraction on a labelled corpus",
        description="Run the real flow on CORPUS_DIR (pages/ + labels.json + feed-2.xml) and print contact precision, recall, status accuracy and misses.",
    )
    p.add_argument("corpus", metavar="CORPUS_DIR")
    p.add_argument(
        "--db", default=None, help="keep the evaluation database here (default: a temporary file)"
    )
    p.add_argument(
        "--watch",
        default=None,
        help="watch whose actors are used (default: the bundled trump-putin watch)",
    )
    as_of_option(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser(
        "report",
        help="write a self-contained HTML report",
        description="Write an HTML page with a timeline chart of contacts, a table of contacts with evidence, and source health.",
    )
    db_option(p)
    p.add_argument("--out", default="report.html", help="output file (default: report.html)")
    p.set_defaults(func=cmd_report)

    from newswatch.feedback_cli import add_commands as add_feedback_commands

    add_feedback_commands(sub, db_option, default_watch(), format_rows)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `newswatch` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run" and args.format != "table":
            # Machine-readable output: stdout carries the summary only; what the run prints
            # on its way (console alerts) goes to stderr.
            args.rows_out = sys.stdout
            with contextlib.redirect_stdout(sys.stderr):
                return int(args.func(args))
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
