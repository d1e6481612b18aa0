"""The demo as a newcomer runs it, then what they would do next: events, README queries, report.

One `newswatch demo` subprocess (the whole pipeline offline on the bundled site), then the
CLI commands on its database: `events` lists the contacts, every SQL query in the README
returns rows, and `report` writes a page whose screenshot shows the timeline.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import PIL.Image
import pytest

from newswatch.html_report import STATUS_COLOURS
from newswatch.storage.query import query_session, run_query
from tests.support.screenshots import blobs, chromium, screenshot

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def readme_queries() -> list[str]:
    """Each statement of each ```sql block in the README."""
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```sql\n(.*?)```", text, flags=re.S)
    statements = []
    for block in blocks:
        body = "\n".join(line for line in block.splitlines() if not line.strip().startswith("--"))
        statements += [s.strip() for s in body.split(";") if s.strip()]
    return statements


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("demo")
    db = tmp / "demo.duckdb"
    env = {**os.environ, "NEWSWATCH_HOME": str(tmp / "home")}
    for var in (
        "SLACK_WEBHOOK_URL",
        "NEWSWATCH_SMTP_URL",
        "NEWSWATCH_EMAIL_TO",
        "NEWSWATCH_APPRISE_URLS",
    ):
        env.pop(var, None)
    result = subprocess.run(
        [sys.executable, "-m", "newswatch", "demo", "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=400, cwd=tmp,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Contact timeline" in result.stdout and "Alerts (the outbox)" in result.stdout
    DEMO_OUTPUT["text"] = result.stdout + result.stderr
    return db


# The demo's terminal output, for tests of what a user sees.
DEMO_OUTPUT: dict[str, str] = {}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newswatch", *args], capture_output=True, text=True, timeout=60
    )


# What the demo's second run must announce (newswatch/demo/site/labels.json): the call of
# 2025-03-18 was planned in the backfill and held since (an update), and four contacts are
# new, one of them the Budapest meeting that was planned and called off within the run.
# (kind, event type, first day, status announced, previous status)
SECOND_RUN_ALERTS = [
    ("new", "call", "2025-05-19", "confirmed", None),
    ("new", "call", "2025-10-16", "confirmed", None),
    ("new", "meeting", "2025-08-15", "confirmed", None),
    ("new", "meeting", "2025-10-16", "cancelled", None),
    ("update", "call", "2025-03-18", "confirmed", "planned"),
]
# The contacts `events` lists (labels.json): first day (or range), kind, status.
DEMO_CONTACTS = [
    ("2025-02-12", "call", "confirmed"),
    ("2025-03-18", "call", "confirmed"),
    ("2025-05-19", "call", "confirmed"),
    ("2025-08-15", "meeting", "confirmed"),
    ("2025-10-16", "call", "confirmed"),
    ("2025-10-16 … 2025-10-30", "meeting", "cancelled"),
]


def test_demo_sends_alerts_for_new_contacts_only_in_its_second_run(demo_db: Path) -> None:
    with query_session(demo_db) as con:
        runs = run_query(
            con, "SELECT alerts_enabled, alerts_queued FROM runs ORDER BY started_at"
        ).rows
        alerts = run_query(
            con,
            "SELECT a.kind, e.event_type, strftime(e.date_earliest, '%Y-%m-%d'), a.event_status, "
            "a.previous_status FROM alerts a JOIN events e USING (event_id) "
            "WHERE a.status = 'sent' ORDER BY 1, 2, 3",
        ).rows
        unsent = run_query(con, "SELECT count(*) FROM alerts WHERE status <> 'sent'").rows
    assert runs == [(False, 0), (True, len(SECOND_RUN_ALERTS))]
    assert [tuple(row) for row in alerts] == SECOND_RUN_ALERTS
    assert unsent == [(0,)]


def test_demo_output_shows_no_prefect_errors_after_the_run(demo_db: Path) -> None:
    # Prefect flushes logs at exit; the temporary API must still be up for them.
    output = DEMO_OUTPUT["text"]
    assert "Error logging to API" not in output
    assert "Traceback" not in output


def test_events_lists_the_demo_contacts(demo_db: Path) -> None:
    result = cli("events", "--db", str(demo_db), "--no-history")
    assert result.returncode == 0, result.stderr
    # Table rows open with the day; a wrapped summary continues on a row with an empty day.
    rows = [
        [cell.strip() for cell in line.split("│")[1:4]]
        for line in result.stdout.splitlines()
        if re.match(r"│ \d{4}-\d\d-\d\d", line)
    ]
    contacts = sorted(tuple(row) for row in rows if row[1] != "statement")
    assert contacts == DEMO_CONTACTS
    assert {row[1] for row in rows} == {"call", "meeting", "statement"}
    assert f"{len(rows)} event(s)" in result.stdout


@pytest.mark.parametrize("sql", readme_queries())
def test_every_readme_query_returns_rows(demo_db: Path, sql: str) -> None:
    with query_session(demo_db) as con:
        result = run_query(con, sql)
    assert result.rows, sql


def test_readme_has_queries_for_every_view() -> None:
    text = " ".join(readme_queries())
    for view in ("contacts", "contact_sources", "story_copies", "source_health", "run_history"):
        assert f"FROM {view}" in text


@pytest.mark.skipif(
    chromium() is None,
    reason="needs the system tool chromium (headless), not installed: apt-get install chromium",
)
def test_report_screenshot_shows_the_timeline(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = cli("report", "--db", str(demo_db), "--out", str(out))
    assert result.returncode == 0, result.stderr
    png = screenshot(out, tmp_path)
    image = PIL.Image.open(png).convert("RGB")
    chart = np.asarray(image.crop((0, 0, image.width, int(image.height * 0.6))))
    # Confirmed contacts are drawn as green markers (plus one in the legend).
    assert blobs(chart, STATUS_COLOURS["confirmed"]) >= 2
