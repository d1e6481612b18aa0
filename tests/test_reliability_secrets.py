"""Secrets stay secret: the Slack webhook token, the SMTP password and an Apprise token
never appear in what a run leaves behind — its output, any text of any table of the
database, the database files' bytes, Prefect's own state (run records, logs, the run's
markdown and table artifacts) or any other file under NEWSWATCH_HOME — neither when
delivery works nor when it fails (Slack 500 and 404, SMTP refusing the login, Apprise
target failing).

Real `newswatch run` commands: the first with Prefect's temporary server, as a cron job
runs it (its state under NEWSWATCH_HOME/prefect), the others against a private Prefect
server (the `serve` set-up), whose state is searched too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.support.corpus import CORPUS
from tests.support.loopback import LoopbackServer, Reply, Request
from tests.support.reliability import (
    CliResult,
    PrefectApi,
    SmtpInbox,
    cli_env,
    copy_database,
    corpus_site,
    corpus_watch,
    run_newswatch,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

SLACK_PATH = "/services/T000SECRET/B000/xyzzy-token"
SMTP_USER = "alerts"
SMTP_PASSWORD = "s3cr3t-pass"
APPRISE_USER = "apprise-user"
APPRISE_TOKEN = "apprise-t0ken-5ecret"
SECRETS = ("T000SECRET", "xyzzy-token", SMTP_PASSWORD, APPRISE_TOKEN)


@dataclass
class Receivers:
    """One Slack webhook, one SMTP server and one Apprise (json://) target on loopback."""

    slack: LoopbackServer
    smtp: SmtpInbox
    apprise: LoopbackServer

    def env(self) -> dict[str, str]:
        return {
            "SLACK_WEBHOOK_URL": self.slack.url(SLACK_PATH),
            "NEWSWATCH_SMTP_URL": f"smtp://{SMTP_USER}:{SMTP_PASSWORD}@127.0.0.1:{self.smtp.port}",
            "NEWSWATCH_EMAIL_TO": "desk@example.org",
            "NEWSWATCH_APPRISE_URLS": (
                f"json://{APPRISE_USER}:{APPRISE_TOKEN}@127.0.0.1:"
                f"{self.apprise.httpd.server_address[1]}/hook"
            ),
        }


def _answer(server: LoopbackServer, path: str, status: int) -> LoopbackServer:
    def reply(req: Request) -> Reply:
        return Reply(status, b"ok" if status == 200 else b"no_service")

    server.routes[path] = reply
    return server


@dataclass
class SecretRuns:
    home: Path
    server_home: Path
    databases: list[Path]
    results: dict[str, CliResult]
    delivered: Receivers
    refused: list[Receivers]


@pytest.fixture(scope="module")
def secret_runs(
    tmp_path_factory: pytest.TempPathFactory, prefect_api: PrefectApi
) -> Iterator[SecretRuns]:
    work = tmp_path_factory.mktemp("secrets")
    home = work / "home"
    with (
        corpus_site(CORPUS) as site,
        LoopbackServer() as slack_ok,
        LoopbackServer() as apprise_ok,
        LoopbackServer() as slack_500,
        LoopbackServer() as slack_404,
        LoopbackServer() as apprise_500,
        SmtpInbox(password=SMTP_PASSWORD) as smtp_ok,
        SmtpInbox(refuse_auth=True) as smtp_refusing,
        SmtpInbox(refuse_auth=True) as smtp_refusing_too,
    ):
        working = Receivers(
            _answer(slack_ok, SLACK_PATH, 200), smtp_ok, _answer(apprise_ok, "/hook", 200)
        )
        failing = [
            Receivers(
                _answer(slack_500, SLACK_PATH, 500),
                smtp_refusing,
                _answer(apprise_500, "/hook", 500),
            ),
            Receivers(
                _answer(slack_404, SLACK_PATH, 404),
                smtp_refusing_too,
                _answer(apprise_500, "/hook", 500),
            ),
        ]
        feed1 = corpus_watch(work / "feed1.toml", site.url("/feed-1.xml"))
        feed2 = corpus_watch(work / "feed2.toml", site.url("/feed-2.xml"))
        first_db = work / "first.duckdb"
        results = {
            "first run": run_newswatch(
                "run",
                "--watch",
                str(feed1),
                "--db",
                str(first_db),
                "--as-of",
                "2025-03-19T00:00Z",
                env=cli_env(home, working.env()),
            )
        }
        assert results["first run"].returncode == 0, results["first run"].stderr[-3000:]
        plans = {
            "delivered": working,
            "slack 500, smtp login refused, apprise 500": failing[0],
            "slack 404, smtp login refused, apprise 500": failing[1],
        }
        databases = [first_db]
        for i in range(len(plans)):
            databases.append(copy_database(first_db, work / f"second-{i}.duckdb"))

        def second(name: str, receivers: Receivers, db: Path) -> CliResult:
            env = cli_env(home, {**receivers.env(), "PREFECT_API_URL": prefect_api.url})
            # As of the morning after feed-1: every contact new in feed-2 is news (the age
            # guard counts reports after the run's clock as recent).
            return run_newswatch(
                "run",
                "--watch",
                str(feed2),
                "--db",
                str(db),
                "--as-of",
                "2025-03-19T12:00Z",
                env=env,
            )

        with ThreadPoolExecutor(max_workers=len(plans)) as pool:
            futures = {
                name: pool.submit(second, name, receivers, db)
                for (name, receivers), db in zip(plans.items(), databases[1:], strict=True)
            }
            results.update({name: f.result() for name, f in futures.items()})
        yield SecretRuns(home, prefect_api.home, databases, results, working, failing)


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s in text]


def test_the_secrets_were_used_so_the_search_below_means_something(
    secret_runs: SecretRuns,
) -> None:
    for name, result in secret_runs.results.items():
        assert result.returncode == 0, (name, result.stderr[-3000:])
    working = secret_runs.delivered
    assert any(r.path == SLACK_PATH for r in working.slack.requests)
    assert working.smtp.messages and all(m.authenticated for m in working.smtp.messages)
    assert working.smtp.auth_attempts[0] == (SMTP_USER, SMTP_PASSWORD)
    assert any(r.path == "/hook" for r in working.apprise.requests)
    for receivers in secret_runs.refused:
        assert any(r.path == SLACK_PATH for r in receivers.slack.requests)
        assert receivers.smtp.auth_attempts and not receivers.smtp.messages


def test_error_paths_were_recorded_without_the_secrets(secret_runs: SecretRuns) -> None:
    errors: list[str] = []
    for db in secret_runs.databases[2:]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            errors += [
                r[0]
                for r in con.execute("SELECT error FROM alerts WHERE error IS NOT NULL").fetchall()
            ]
        finally:
            con.close()
    text = "\n".join(errors)
    # Each failure is explained (channel and reason), and no explanation holds a secret.
    assert "slack: server error (HTTP 500" in text and "slack: HTTP 404" in text
    assert "refused the login" in text and "apprise:" in text
    assert _leaks(text) == []


def test_no_secret_in_any_run_output(secret_runs: SecretRuns) -> None:
    for name, result in secret_runs.results.items():
        assert _leaks(result.stdout + result.stderr) == [], name


def test_no_secret_in_any_text_of_any_table(secret_runs: SecretRuns) -> None:
    for db in secret_runs.databases:
        con = duckdb.connect(str(db), read_only=True)
        try:
            tables = [
                r[0]
                for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
            ]
            assert "alerts" in tables and "runs" in tables
            for table in tables:
                # Every column cast to text: lists, structs and numbers included.
                for row in con.execute(
                    f'SELECT CAST(COLUMNS(*) AS VARCHAR) FROM "{table}"'
                ).fetchall():
                    text = "\x00".join(v for v in row if v is not None)
                    assert _leaks(text) == [], (db.name, table)
        finally:
            con.close()


def test_no_secret_in_the_database_files_bytes(secret_runs: SecretRuns) -> None:
    for db in secret_runs.databases:
        for path in db.parent.glob(db.name + "*"):
            data = path.read_bytes()
            assert [s for s in SECRETS if s.encode() in data] == [], path.name


def _prefect_records(prefect_db: Path) -> tuple[set[str], int]:
    """Artifact kinds and log count of a Prefect SQLite database."""
    con = sqlite3.connect(f"file:{prefect_db}?mode=ro", uri=True)
    try:
        kinds = {r[0] for r in con.execute("SELECT type FROM artifact")}
        logs = con.execute("SELECT count(*) FROM log").fetchone()
    finally:
        con.close()
    return kinds, int(logs[0]) if logs else 0


@pytest.mark.parametrize("which", ["temporary server", "private server"])
def test_no_secret_in_prefect_state_logs_or_artifacts(secret_runs: SecretRuns, which: str) -> None:
    home = secret_runs.home / "prefect" if which == "temporary server" else secret_runs.server_home
    prefect_db = home / "prefect.db"
    # The place searched is the one that holds the runs' artifacts and logs.
    kinds, logs = _prefect_records(prefect_db)
    assert {"markdown", "table"} <= kinds and logs > 0
    files = [p for p in home.rglob("*") if p.is_file()]
    assert prefect_db in files
    for path in files:
        data = path.read_bytes()
        assert [s for s in SECRETS if s.encode() in data] == [], path.relative_to(home)


def test_no_secret_in_any_other_file_under_newswatch_home(secret_runs: SecretRuns) -> None:
    files = [p for p in secret_runs.home.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert [s for s in SECRETS if s.encode() in data] == [], path
