"""`newswatch report`: a self-contained HTML page with a timeline chart, contacts, health."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import PIL.Image
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newswatch.html_report import (
    CHART_RIGHT_MARGIN,
    CHART_WIDTH,
    LANE_LABEL_WIDTH,
    MAX_TICKS,
    STATUS_COLOURS,
    axis_ticks,
    render_timeline_svg,
    write_report,
)
from newswatch.storage.db import ensure_schema, write_session
from newswatch.storage.report_queries import ReportContact
from tests.support.screenshots import blobs, chromium, screenshot

WATCH = "trump-putin"
HOSTILE_TITLE = "<script>alert(1)</script>"
HOSTILE_EVIDENCE = 'They spoke. </td><img src=x onerror="alert(2)"> Really.'
NOW = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Contact:
    """A contact to insert, with the articles that report it (title, url, evidence)."""

    event_id: str
    kind: str
    status: str
    day: date | None
    summary: str
    earliest: date | None = None
    latest: date | None = None
    historical: bool = False
    articles: list[tuple[str, str, str]] = field(default_factory=list)


CONTACTS = [
    Contact(
        "ev-hamburg",
        "meeting",
        "confirmed",
        date(2017, 7, 7),
        "First meeting at the G20 in Hamburg",
        historical=True,
        articles=[
            (
                "Leaders meet in Hamburg",
                "https://old.example/hamburg",
                "They first met in Hamburg in 2017.",
            )
        ],
    ),
    Contact(
        "ev-call-2020",
        "call",
        "confirmed",
        date(2020, 7, 23),
        "A call about arms control",
        historical=True,
        articles=[
            ("Looking back", "https://old.example/2020", "Their last call was in July 2020.")
        ],
    ),
    Contact(
        "ev-feb",
        "call",
        "confirmed",
        date(2025, 2, 12),
        "Long call on Ukraine",
        articles=[
            ("The leaders talk", "https://wire.example/feb", "The Kremlin confirmed a long call."),
            (
                "The leaders talk (copy)",
                "https://copy.example/feb",
                "The Kremlin confirmed a long call.",
            ),
        ],
    ),
    Contact(
        "ev-mar",
        "call",
        "confirmed",
        date(2025, 3, 18),
        "Call on a ceasefire",
        articles=[
            (
                "Ceasefire call",
                "https://wire.example/mar",
                "The White House said the call went well.",
            )
        ],
    ),
    Contact(
        "ev-letter",
        "message",
        "reported",
        date(2025, 4, 11),
        "A letter passed by an envoy",
        articles=[(HOSTILE_TITLE, "https://evil.example/letter", HOSTILE_EVIDENCE)],
    ),
    Contact(
        "ev-may",
        "call",
        "confirmed",
        date(2025, 5, 19),
        "Two-hour call",
        articles=[
            ("Two hours on the phone", "https://wire.example/may", "Both sides confirmed the call.")
        ],
    ),
    Contact(
        "ev-june",
        "call",
        "denied",
        date(2025, 6, 2),
        "A call the Kremlin denied",
        articles=[
            (
                "No call, says Kremlin",
                "javascript:alert(3)",
                "The spokesman denied any call took place.",
            )
        ],
    ),
    Contact(
        "ev-alaska",
        "meeting",
        "confirmed",
        date(2025, 8, 15),
        "Summit in Alaska",
        articles=[
            (
                "Summit in Anchorage",
                "https://wire.example/alaska",
                "The two presidents met in Anchorage.",
            )
        ],
    ),
    Contact(
        "ev-budapest",
        "meeting",
        "cancelled",
        None,
        "A Budapest summit, called off",
        earliest=date(2025, 10, 20),
        latest=date(2025, 11, 10),
        articles=[
            (
                "Budapest summit off",
                "https://wire.example/budapest",
                "The summit will not take place.",
            )
        ],
    ),
    Contact(
        "ev-next",
        "meeting",
        "planned",
        None,
        "Another summit being prepared",
        earliest=date(2025, 12, 5),
        latest=date(2026, 1, 20),
        articles=[
            (
                "Aides prepare a summit",
                "https://wire.example/next",
                "Aides are preparing a new summit.",
            )
        ],
    ),
    Contact(
        "ev-next-call",
        "call",
        "planned",
        date(2025, 12, 3),
        "A call announced for next week",
        articles=[
            (
                "Call announced",
                "https://wire.example/next-call",
                "A call is scheduled for Wednesday.",
            )
        ],
    ),
]


def _insert_contact(con: duckdb.DuckDBPyConnection, c: Contact) -> None:
    con.execute(
        """
        INSERT INTO events (event_id, event_type, participants, event_date, date_earliest, date_latest,
                            status, summary, first_seen_at, updated_at, watch, historical, asserted_by,
                            independent_sources, copies)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [
            c.event_id,
            c.kind,
            ["putin", "trump"],
            c.day,
            c.earliest or c.day,
            c.latest or c.day,
            c.status,
            c.summary,
            NOW,
            NOW,
            WATCH,
            c.historical,
            "Kremlin spokesman",
            len(c.articles),
            0,
        ],
    )
    for i, (title, url, evidence) in enumerate(c.articles):
        article_id = f"{c.event_id}-a{i}"
        con.execute(
            "INSERT INTO articles (article_id, url, canonical_url, source, title, published_at, relevant, "
            "duplicate_of) VALUES (?, ?, ?, 'wire', ?, ?, TRUE, ?)",
            [
                article_id,
                url,
                url,
                title,
                NOW - timedelta(days=1),
                f"{c.event_id}-a0" if i else None,
            ],
        )
        con.execute(
            "INSERT INTO event_mentions (event_id, article_id, evidence, status) VALUES (?, ?, ?, ?)",
            [c.event_id, article_id, evidence, c.status],
        )


def build_db(path: Path, contacts: list[Contact]) -> Path:
    """A real database with contacts, a statement, two sources and two runs."""
    ensure_schema(path)
    with write_session(path) as con:
        for c in contacts:
            _insert_contact(con, c)
        con.execute(
            "INSERT INTO events (event_id, event_type, participants, event_date, date_earliest, date_latest, "
            "status, summary, first_seen_at, updated_at, watch) VALUES "
            "('ev-willing', 'statement', ['putin', 'trump'], DATE '2025-01-22', DATE '2025-01-22', "
            "DATE '2025-01-22', 'reported', 'Says he is ready to talk', ?, ?, ?)",
            [NOW, NOW, WATCH],
        )
        con.execute(
            "INSERT INTO sources (watch, source, kind, url, last_success_at, consecutive_failures) "
            "VALUES (?, 'wire-feed', 'rss', 'https://wire.example/feed', ?, 0)",
            [WATCH, NOW],
        )
        con.execute(
            "INSERT INTO sources (watch, source, kind, url, last_error_at, last_error, consecutive_failures) "
            "VALUES (?, 'gone-feed', 'rss', 'https://gone.example/feed', ?, 'HTTP 410 <b>Gone</b>', 4)",
            [WATCH, NOW],
        )
        for i, status in enumerate(("completed", "failed")):
            con.execute(
                "INSERT INTO runs (run_id, watch, started_at, finished_at, status, pages_fetched, events_new, "
                "error) VALUES (?, ?, ?, ?, ?, 12, 1, ?)",
                [
                    f"run-{i}",
                    WATCH,
                    NOW - timedelta(hours=2 - i),
                    NOW - timedelta(hours=2 - i, seconds=-42),
                    status,
                    "database busy" if status == "failed" else None,
                ],
            )
    return path


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report of the sample database, written once for the tests that only read it."""
    folder = tmp_path_factory.mktemp("report")
    db = build_db(folder / "n.duckdb", CONTACTS)
    return write_report(db, folder / "out" / "report.html")


class _Refs(HTMLParser):
    """Every tag with its src/href attributes, and the text inside <script>."""

    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if (
                name in ("src", "href", "xlink:href", "srcset", "data", "poster", "action")
                and value
            ):
                self.refs.append((tag, name, value))


def _parse(html_text: str) -> _Refs:
    parser = _Refs()
    parser.feed(html_text)
    return parser


def test_report_lists_every_contact_with_its_summary_and_row(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    for c in CONTACTS:
        assert f'id="c-{c.event_id}"' in page, c.event_id
        assert c.summary in page, c.summary


def test_report_loads_nothing_from_the_network(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert "script" not in parsed.tags
    for tag, attr, value in parsed.refs:
        if re.match(r"^\s*[a-z][a-z0-9+.-]*:|^\s*//", value, re.I):
            # Only the links to the articles, in the contacts table, point outside.
            assert (tag, attr) == ("a", "href"), (tag, attr, value)
    article_urls = {url for c in CONTACTS for _, url, _ in c.articles}
    outside = {v for t, a, v in parsed.refs if t == "a" and not v.startswith("#")}
    assert outside and outside <= article_urls
    assert "@import" not in page and "url(" not in page


def test_report_escapes_hostile_titles_and_evidence(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert HOSTILE_TITLE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img" not in page
    assert "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page


def test_report_does_not_link_non_http_urls(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert "javascript:" not in page
    assert "No call, says Kremlin" in page


def test_report_shows_source_health_and_runs(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    health = page.split("<h2>Source health</h2>", 1)[1]
    gone_row = next(row for row in health.split("<tr>") if "gone-feed" in row)
    assert "broken" in gone_row and ">4<" in gone_row
    assert "HTTP 410 &lt;b&gt;Gone&lt;/b&gt;" in gone_row
    wire_row = next(row for row in health.split("<tr>") if "wire-feed" in row)
    assert "healthy" in wire_row and NOW.strftime("%Y-%m-%d %H:%M") in wire_row
    runs = page.split("<h2>Latest runs</h2>", 1)[1]
    assert runs.count("<tr>") == 1 + 2  # header and two runs
    assert "database busy" in runs


def test_report_of_an_empty_database_says_so(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    ensure_schema(db)
    page = write_report(db, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "no dated contacts yet" in page
    assert "No contacts recorded yet." in page


def test_historical_contacts_are_hollow_and_current_ones_filled() -> None:
    def contact(event_id: str, historical: bool) -> ReportContact:
        return ReportContact(
            event_id,
            WATCH,
            "call",
            "2025-03-18",
            date(2025, 3, 18),
            None,
            None,
            "confirmed",
            None,
            None,
            None,
            1,
            0,
            historical,
        )

    green = STATUS_COLOURS["confirmed"]
    old = render_timeline_svg([contact("old", True)])
    new = render_timeline_svg([contact("new", False)])
    old_marker = re.search(r'<a href="#c-old">.*?<circle [^>]*>', old, re.S)
    new_marker = re.search(r'<a href="#c-new">.*?<circle [^>]*>', new, re.S)
    assert old_marker and f'fill="#ffffff" stroke="{green}"' in old_marker.group(0)
    assert new_marker and f'fill="{green}"' in new_marker.group(0)


def test_day_ranges_are_drawn_as_bars_from_earliest_to_latest() -> None:
    ranged = ReportContact(
        "r",
        WATCH,
        "meeting",
        None,
        None,
        date(2025, 1, 1),
        date(2025, 3, 1),
        "planned",
        None,
        None,
        None,
        1,
        0,
        False,
    )
    single = ReportContact(
        "s",
        WATCH,
        "meeting",
        None,
        date(2025, 2, 1),
        None,
        None,
        "planned",
        None,
        None,
        None,
        1,
        0,
        False,
    )
    svg = render_timeline_svg([ranged, single], window=(date(2025, 1, 1), date(2025, 3, 1)))
    bar = re.search(r'<a href="#c-r">.*?<rect x="([\d.]+)" [^>]*\swidth="([\d.]+)"', svg, re.S)
    assert bar is not None
    x0, width = float(bar.group(1)), float(bar.group(2))
    # The range fills the whole window, so the bar spans the whole plot width.
    plot_width = CHART_WIDTH - LANE_LABEL_WIDTH - CHART_RIGHT_MARGIN
    assert x0 == pytest.approx(LANE_LABEL_WIDTH, abs=0.2) and width == pytest.approx(
        plot_width, abs=0.2
    )
    assert not re.search(
        r'<a href="#c-s">.*?<rect ', svg.split('<a href="#c-s">', 1)[1].split("</a>")[0]
    )


@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2040, 1, 1)),
    days=st.integers(min_value=1, max_value=30 * 365),
)
def test_axis_ticks_are_few_ordered_first_of_month_and_inside(start: date, days: int) -> None:
    end = start + timedelta(days=days)
    ticks = axis_ticks(start, end)
    assert len(ticks) <= MAX_TICKS
    days_seen = [d for d, _ in ticks]
    assert days_seen == sorted(days_seen)
    assert all(start <= d <= end and d.day == 1 for d in days_seen)
    assert all(str(d.year) in label for d, label in ticks)


@pytest.mark.skipif(
    chromium() is None,
    reason="needs the system tool chromium (headless), not installed: apt-get install chromium",
)
def test_screenshot_in_headless_chromium_shows_the_chart(report: Path, tmp_path: Path) -> None:
    png = screenshot(report, tmp_path)
    image = PIL.Image.open(png).convert("RGB")
    # The first chart (the latest year, with its legend) fills the top of the first screen;
    # the contacts table with its coloured status badges starts well below 60 %.
    chart = np.asarray(image.crop((0, 0, image.width, int(image.height * 0.6))))
    current = [c for c in CONTACTS if not c.historical]
    confirmed = sum(c.status == "confirmed" for c in current)
    planned = sum(c.status == "planned" for c in current)
    # One marker per contact in the first chart, plus one in the legend.
    assert blobs(chart, STATUS_COLOURS["confirmed"]) >= confirmed + 1
    assert blobs(chart, STATUS_COLOURS["planned"]) >= planned + 1
    packed = chart.astype(np.uint32)
    distinct = np.unique((packed[..., 0] << 16) | (packed[..., 1] << 8) | packed[..., 2])
    assert len(distinct) > 50, "the chart area is nearly blank"
