"""`newswatch report`: one self-contained HTML page with the story at a glance.

A timeline chart (inline SVG drawn here, no script), the contacts with their evidence
and sources, source health and the latest runs. Every text from the database is escaped:
article titles and evidence come from pages anyone can write. A Content-Security-Policy
forbids scripts and remote loads, so the page needs no network and runs nothing.
"""

from __future__ import annotations

import html
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from newswatch.storage.db import read_session
from newswatch.storage.report_queries import (
    ReportContact,
    ReportData,
    ReportMention,
    ReportRun,
    ReportSourceHealth,
    load_report_data,
)

CONTACT_KINDS = ("call", "meeting", "message")
STATEMENT_KIND = "statement"
STATUSES = ("planned", "reported", "confirmed", "denied", "cancelled")

# Status colours: distinct hues, readable on white, and each status also has its own
# marker shape so the chart survives colour blindness and grey-scale printing.
STATUS_COLOURS = {
    "planned": "#2563eb",
    "reported": "#d97706",
    "confirmed": "#16a34a",
    "denied": "#dc2626",
    "cancelled": "#6b7280",
}
UNKNOWN_STATUS_COLOUR = "#111827"
HEALTH_COLOURS = {"healthy": "#16a34a", "failing": "#d97706", "broken": "#dc2626"}

# Chart geometry, in SVG user units (the SVG scales to the page width).
CHART_WIDTH = 1100
LANE_LABEL_WIDTH = 120
CHART_RIGHT_MARGIN = 30
TITLE_HEIGHT = 34
AXIS_HEIGHT = 34
LEGEND_HEIGHT = 30
MARKER_RADIUS = 7
ROW_STEP = 17  # vertical distance between stacked markers of one lane
LANE_PADDING = 13
MARKER_GAP = 3  # horizontal room kept between two markers on one row
# Markers of one lane stack on at most this many rows; more overlap on the last row.
# Four rows keep a lane under ~100 units tall while a week of daily calls stays legible.
MAX_LANE_ROWS = 4
# At most this many axis ticks: labels like "Sep 2025" need ~60 units, and 12 over ~950
# units leaves room between them.
MAX_TICKS = 12
TICK_STEPS_MONTHS = (1, 2, 3, 6, 12, 24, 60)
# A history longer than this also gets a close-up of the latest year, since a decade's
# axis squeezes this year's contacts into one blot.
ZOOM_AFTER_DAYS = 2 * 365
ZOOM_WINDOW_DAYS = 365
# Mentions shown in full per contact; the rest fold into a <details> to keep rows short.
MENTIONS_SHOWN = 3

_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

_CSS = """
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1f2937; margin: 0; background: #f8fafc; }
main { max-width: 1180px; margin: 0 auto; padding: 20px 24px 40px; }
h1 { font-size: 22px; margin: 0 0 2px; }
h2 { font-size: 17px; margin: 28px 0 8px; }
.sub { color: #4b5563; margin: 0 0 14px; }
.gen { font-size: 12px; color: #6b7280; }
.card { background: #fff; border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 12px;
        margin-bottom: 14px; }
svg.timeline { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; vertical-align: top; padding: 6px 8px; border-bottom: 1px solid #e5e7eb; }
th { background: #f1f5f9; font-weight: 600; font-size: 13px; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
td.day { white-space: nowrap; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
         font-size: 12px; font-weight: 600; white-space: nowrap; }
.tag { display: inline-block; padding: 0 6px; border-radius: 4px; border: 1px solid #9ca3af;
       color: #4b5563; font-size: 11px; margin-left: 4px; }
.hist td { color: #6b7280; }
blockquote { margin: 0 0 2px; padding: 2px 8px; border-left: 3px solid #cbd5e1; color: #374151; }
.cite { font-size: 12px; color: #6b7280; margin: 0 0 8px 11px; }
.copy blockquote { border-left-style: dashed; color: #6b7280; }
ul.mentions { list-style: none; margin: 0; padding: 0; }
details summary { cursor: pointer; color: #2563eb; font-size: 12px; }
.empty { color: #6b7280; font-style: italic; }
.err { color: #991b1b; font-size: 12px; max-width: 420px; overflow-wrap: anywhere; }
a { color: #1d4ed8; }
footer { color: #9ca3af; font-size: 12px; margin-top: 30px; }
"""


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute; None becomes empty."""
    return "" if value is None else html.escape(str(value), quote=True)


def _safe_href(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _anchor(event_id: str) -> str:
    """An HTML id for a contact's table row (event ids are hashes, but never trust them)."""
    return "c-" + re.sub(r"[^A-Za-z0-9_-]", "_", event_id)


def _when(value: datetime | None) -> str:
    """A timestamp as `YYYY-MM-DD HH:MM UTC` (naive values are taken as UTC)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


# ---------------------------------------------------------------- the chart


@dataclass(frozen=True)
class _Span:
    """The days a contact covers on the chart: one day, or a range."""

    start: date
    end: date

    @property
    def is_range(self) -> bool:
        return self.end > self.start


def contact_span(contact: ReportContact) -> _Span | None:
    """The day of a contact, or its range when the day is unknown; None when undated."""
    if contact.event_date is not None:
        return _Span(contact.event_date, contact.event_date)
    start = contact.date_earliest or contact.date_latest
    end = contact.date_latest or contact.date_earliest
    if start is None or end is None:
        return None
    return _Span(min(start, end), max(start, end))


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def axis_ticks(start: date, end: date) -> list[tuple[date, str]]:
    """First-of-month ticks between start and end, at most MAX_TICKS, with their labels."""
    months_spanned = (end.year - start.year) * 12 + end.month - start.month + 1
    step = next(
        (s for s in TICK_STEPS_MONTHS if months_spanned / s <= MAX_TICKS), TICK_STEPS_MONTHS[-1]
    )
    first = date(start.year, start.month, 1)
    if first < start:
        first = _add_months(first, 1)
    # Align to the step so quarters start in Jan/Apr/Jul/Oct and years in January.
    while ((first.year * 12 + first.month - 1) % step) != 0:
        first = _add_months(first, 1)
    ticks = []
    tick = first
    while tick <= end:
        label = str(tick.year) if step >= 12 else tick.strftime("%b %Y")
        ticks.append((tick, label))
        tick = _add_months(tick, step)
    return ticks


def _marker(
    shape_status: str, x: float, y: float, colour: str, *, hollow: bool, faint: bool
) -> str:
    """The marker of a status: circle confirmed, diamond planned, triangle reported,
    cross denied, square cancelled. Hollow for historical contacts."""
    r = MARKER_RADIUS
    fill = "#ffffff" if hollow else colour
    stroke = colour if hollow else "#ffffff"
    width = 2.2 if hollow else 1.2
    style = f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"'
    if faint:
        style += ' opacity="0.5"'
    if shape_status == "confirmed":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" {style}/>'
    if shape_status == "planned":
        d = r * 1.3
        pts = [(x, y - d), (x + d, y), (x, y + d), (x - d, y)]
    elif shape_status == "reported":
        d = r * 1.25
        pts = [(x, y - d), (x + d, y + d * 0.8), (x - d, y + d * 0.8)]
    elif shape_status == "denied":
        a, b = r * 1.1, r * 0.38  # arm length and half thickness of an X
        pts = [
            (x - a, y - a + b), (x - a + b, y - a), (x, y - b), (x + a - b, y - a), (x + a, y - a + b),
            (x + b, y), (x + a, y + a - b), (x + a - b, y + a), (x, y + b), (x - a + b, y + a),
            (x - a, y + a - b), (x - b, y),
        ]  # fmt: skip
    elif shape_status == "cancelled":
        d = r * 0.9
        pts = [(x - d, y - d), (x + d, y - d), (x + d, y + d), (x - d, y + d)]
    else:
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r * 0.6:.1f}" {style}/>'
    points = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
    return f'<polygon points="{points}" {style}/>'


def _assign_rows(extents: Sequence[tuple[float, float]]) -> list[int]:
    """Greedy row for each (x0, x1) extent, in the given order, so markers don't overlap."""
    row_ends: list[float] = []
    rows = []
    for x0, x1 in extents:
        for i, end in enumerate(row_ends):
            if x0 >= end + MARKER_GAP:
                row_ends[i] = x1
                rows.append(i)
                break
        else:
            if len(row_ends) < MAX_LANE_ROWS:
                row_ends.append(x1)
                rows.append(len(row_ends) - 1)
            else:
                row_ends[-1] = max(row_ends[-1], x1)
                rows.append(len(row_ends) - 1)
    return rows


def _tooltip(contact: ReportContact, span: _Span) -> str:
    day = span.start.isoformat() if not span.is_range else f"{span.start} … {span.end}"
    parts = [day, contact.kind, contact.status]
    if contact.historical:
        parts.append("historical")
    text = " · ".join(parts)
    if contact.summary:
        text += f" — {contact.summary}"
    return text


def render_timeline_svg(
    contacts: Sequence[ReportContact],
    statements: Sequence[ReportContact] = (),
    *,
    title: str = "Contacts over time",
    window: tuple[date, date] | None = None,
    today: date | None = None,
) -> str:
    """An inline SVG timeline: one lane per kind, markers by status, ranges as bars.

    `window` limits the time axis (contacts outside it are left out); by default it
    spans every dated contact and statement.
    """
    dated = [
        (c, s) for c in contacts if (s := contact_span(c)) is not None and c.kind in CONTACT_KINDS
    ]
    dated_statements = [(c, s) for c in statements if (s := contact_span(c)) is not None]
    lanes: list[str] = list(CONTACT_KINDS) + ([STATEMENT_KIND] if dated_statements else [])
    every = dated + dated_statements

    if window is None:
        if every:
            lo = min(s.start for _, s in every)
            hi = max(s.end for _, s in every)
        else:
            lo = hi = today or date.today()
        # 4 % of the span on each side keeps edge markers whole; at least six weeks so a
        # lone contact still gets a month tick or two around it.
        pad = max(timedelta(days=45), (hi - lo) * 0.04)
        window = (lo - pad, hi + pad)
    start, end = window
    total_days = max((end - start).days, 1)
    x_left = LANE_LABEL_WIDTH
    x_right = CHART_WIDTH - CHART_RIGHT_MARGIN

    def x_of(day: date) -> float:
        return x_left + (day - start).days / total_days * (x_right - x_left)

    by_lane: dict[str, list[tuple[ReportContact, _Span]]] = defaultdict(list)
    for c, s in every:
        if s.end < start or s.start > end:
            continue
        by_lane[c.kind].append((c, _Span(max(s.start, start), min(s.end, end))))

    # Stack markers that would overlap within a lane onto rows, then size the lanes.
    placed: dict[str, list[tuple[ReportContact, _Span, int]]] = {}
    lane_rows: dict[str, int] = {}
    for lane in lanes:
        items = sorted(by_lane.get(lane, []), key=lambda cs: (cs[1].start, cs[1].end))
        extents = [(x_of(s.start) - MARKER_RADIUS, x_of(s.end) + MARKER_RADIUS) for _, s in items]
        rows = _assign_rows(extents)
        placed[lane] = [(c, s, row) for (c, s), row in zip(items, rows, strict=True)]
        lane_rows[lane] = max(rows, default=0) + 1

    out: list[str] = []
    y = TITLE_HEIGHT
    lane_top: dict[str, float] = {}
    for lane in lanes:
        lane_top[lane] = y
        y += 2 * LANE_PADDING + (lane_rows[lane] - 1) * ROW_STEP + 2 * MARKER_RADIUS
    plot_bottom = y
    height = plot_bottom + AXIS_HEIGHT + LEGEND_HEIGHT

    out.append(
        f'<svg class="timeline" viewBox="0 0 {CHART_WIDTH} {height:.0f}" '
        f'role="img" aria-label="{_e(title)}" font-family="system-ui, DejaVu Sans, sans-serif">'
    )
    out.append(f"<title>{_e(title)}</title>")
    out.append(
        f'<text x="0" y="20" font-size="17" font-weight="600" fill="#111827">{_e(title)}</text>'
    )

    # Lane backgrounds and labels.
    for i, lane in enumerate(lanes):
        top = lane_top[lane]
        lane_height = (lane_top[lanes[i + 1]] if i + 1 < len(lanes) else plot_bottom) - top
        faint = lane == STATEMENT_KIND
        shade = "#fafafa" if faint else ("#f3f6fa" if i % 2 == 0 else "#ffffff")
        out.append(
            f'<rect x="{x_left}" y="{top:.1f}" width="{x_right - x_left}" height="{lane_height:.1f}" fill="{shade}"/>'
        )
        count = len(by_lane.get(lane, []))
        label = f"{lane}s" if lane != "message" else "messages"
        colour = "#9ca3af" if faint else "#111827"
        italic = ' font-style="italic"' if faint else ""
        out.append(
            f'<text x="{x_left - 10}" y="{top + lane_height / 2 + 5:.1f}" text-anchor="end" '
            f'font-size="14" fill="{colour}"{italic}>'
            f'{_e(label)} <tspan fill="#6b7280" font-size="12">({count})</tspan></text>'
        )

    # Month/year grid and axis.
    ticks = axis_ticks(start, end)
    for tick, label in ticks:
        tx = x_of(tick)
        out.append(
            f'<line x1="{tx:.1f}" y1="{TITLE_HEIGHT}" x2="{tx:.1f}" y2="{plot_bottom + 5:.1f}" '
            f'stroke="#d1d5db" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{tx:.1f}" y="{plot_bottom + 20:.1f}" text-anchor="middle" font-size="12" '
            f'fill="#374151">{_e(label)}</text>'
        )
    out.append(
        f'<line x1="{x_left}" y1="{plot_bottom:.1f}" x2="{x_right}" y2="{plot_bottom:.1f}" '
        f'stroke="#6b7280" stroke-width="1.2"/>'
    )
    if today is not None and start <= today <= end:
        tx = x_of(today)
        out.append(
            f'<line x1="{tx:.1f}" y1="{TITLE_HEIGHT}" x2="{tx:.1f}" y2="{plot_bottom:.1f}" '
            f'stroke="#111827" stroke-dasharray="4 3" stroke-width="1"/>'
            f'<text x="{tx + 3:.1f}" y="{TITLE_HEIGHT + 10}" font-size="10" fill="#111827">today</text>'
        )

    # Contacts: ranges as bars, then the status marker at the day (or mid-range).
    for lane in lanes:
        faint = lane == STATEMENT_KIND
        for c, s, row in placed[lane]:
            cy = lane_top[lane] + LANE_PADDING + MARKER_RADIUS + row * ROW_STEP
            colour = STATUS_COLOURS.get(c.status, UNKNOWN_STATUS_COLOUR)
            out.append(f'<a href="#{_anchor(c.event_id)}"><g><title>{_e(_tooltip(c, s))}</title>')
            if s.is_range:
                x0, x1 = x_of(s.start), x_of(s.end)
                dashed = ' stroke-dasharray="3 2"' if c.historical else ""
                out.append(
                    f'<rect x="{x0:.1f}" y="{cy - 4:.1f}" width="{max(x1 - x0, 2):.1f}" height="8" rx="4" '
                    f'fill="{colour}" fill-opacity="{0.12 if c.historical or faint else 0.3}" '
                    f'stroke="{colour}" stroke-width="1.2"'
                    f"{dashed}/>"
                )
            mid = s.start + (s.end - s.start) / 2
            out.append(_marker(c.status, x_of(mid), cy, colour, hollow=c.historical, faint=faint))
            out.append("</g></a>")

    if not every:
        out.append(
            f'<text x="{(x_left + x_right) / 2:.0f}" y="{(TITLE_HEIGHT + plot_bottom) / 2 + 5:.0f}" '
            f'text-anchor="middle" font-size="14" fill="#6b7280">no dated contacts yet</text>'
        )

    # Legend: statuses, then the historical and range conventions.
    ly = plot_bottom + AXIS_HEIGHT + 12
    lx = float(x_left)
    for status in STATUSES:
        out.append(_marker(status, lx + 8, ly, STATUS_COLOURS[status], hollow=False, faint=False))
        out.append(
            f'<text x="{lx + 20:.0f}" y="{ly + 4:.0f}" font-size="12" fill="#374151">{status}</text>'
        )
        lx += 30 + 7.2 * len(status)
    lx += 14
    out.append(_marker("confirmed", lx + 8, ly, "#6b7280", hollow=True, faint=False))
    out.append(
        f'<text x="{lx + 20:.0f}" y="{ly + 4:.0f}" font-size="12" fill="#374151">hollow: historical (background)</text>'
    )
    lx += 230
    out.append(
        f'<rect x="{lx:.0f}" y="{ly - 4:.0f}" width="34" height="8" rx="4" fill="#6b7280" fill-opacity="0.3" '
        f'stroke="#6b7280" stroke-width="1.2"/>'
        f'<text x="{lx + 42:.0f}" y="{ly + 4:.0f}" font-size="12" fill="#374151">bar: day unknown, range shown</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


# ---------------------------------------------------------------- the tables


def _status_badge(status: str) -> str:
    colour = STATUS_COLOURS.get(status, UNKNOWN_STATUS_COLOUR)
    return f'<span class="badge" style="background:{colour}">{_e(status)}</span>'


def _mention_item(m: ReportMention) -> str:
    name = m.outlet or "source"
    label = f"{name}: {m.title}" if m.title else name
    href = _safe_href(m.url)
    link = (
        f'<a href="{_e(href)}" rel="noopener noreferrer nofollow" target="_blank">{_e(label)}</a>'
        if href
        else _e(label)
    )
    extra = []
    if m.published_at:
        extra.append(_when(m.published_at)[:10])
    if m.article_says:
        extra.append(f"says {m.article_says}")
    copy_tag = '<span class="tag">copy</span>' if m.is_copy else ""
    meta = f" ({_e(', '.join(extra))})" if extra else ""
    return (
        f'<li class="{"copy" if m.is_copy else "orig"}"><blockquote>{_e(m.evidence)}</blockquote>'
        f'<div class="cite">— {link}{meta}{copy_tag}</div></li>'
    )


def _mentions_cell(mentions: Sequence[ReportMention]) -> str:
    if not mentions:
        return '<span class="empty">no mention stored</span>'
    shown = [_mention_item(m) for m in mentions[:MENTIONS_SHOWN]]
    cell = f'<ul class="mentions">{"".join(shown)}</ul>'
    rest = mentions[MENTIONS_SHOWN:]
    if rest:
        more = "".join(_mention_item(m) for m in rest)
        cell += f'<details><summary>{len(rest)} more source(s)</summary><ul class="mentions">{more}</ul></details>'
    return cell


def render_contacts_table(
    contacts: Sequence[ReportContact], mentions: Iterable[ReportMention]
) -> str:
    """The contacts, newest first, each with its evidence sentences and source links."""
    if not contacts:
        return '<p class="empty">No contacts recorded yet.</p>'
    by_event: dict[str, list[ReportMention]] = defaultdict(list)
    for m in mentions:
        by_event[m.event_id].append(m)
    rows = []
    for c in contacts:
        span = contact_span(c)
        day = c.day or "?"
        if span is not None and span.is_range:
            day = f"{span.start} … {span.end}"
        hist = '<span class="tag">historical</span>' if c.historical else ""
        summary = _e(c.summary)
        if c.location:
            summary += f'<br><span class="cite">at {_e(c.location)}</span>'
        rows.append(
            f'<tr id="{_anchor(c.event_id)}" class="{"hist" if c.historical else "news"}">'
            f'<td class="day">{_e(day)}{hist}</td><td>{_e(c.kind)}</td><td>{_status_badge(c.status)}</td>'
            f"<td>{_e(c.who_says_so)}</td>"
            f'<td class="num">{c.independent_sources} / {c.copies}</td>'
            f"<td>{summary}</td><td>{_mentions_cell(by_event.get(c.event_id, []))}</td></tr>"
        )
    head = (
        "<tr><th>day</th><th>kind</th><th>status</th><th>who says so</th>"
        '<th title="independent sources / copies">sources / copies</th><th>summary</th>'
        "<th>evidence and sources</th></tr>"
    )
    return f'<table class="contacts"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def render_sources_table(sources: Sequence[ReportSourceHealth]) -> str:
    """Per source: health, last success, last error and consecutive failures."""
    if not sources:
        return '<p class="empty">No source has been checked yet.</p>'
    rows = []
    for s in sources:
        colour = HEALTH_COLOURS.get(s.health, UNKNOWN_STATUS_COLOUR)
        error = ""
        if s.last_error:
            error = f'<div class="err">{_e(_when(s.last_error_at))}: {_e(s.last_error)}</div>'
        elif s.last_error_at:
            error = _e(_when(s.last_error_at))
        rows.append(
            f"<tr><td>{_e(s.source)}</td><td>{_e(s.kind)}</td><td>{_e(s.watch)}</td>"
            f'<td><span class="badge" style="background:{colour}">{_e(s.health)}</span></td>'
            f'<td class="day">{_e(_when(s.last_success_at)) or "never"}</td><td>{error}</td>'
            f'<td class="num">{s.consecutive_failures}</td></tr>'
        )
    head = (
        "<tr><th>source</th><th>kind</th><th>watch</th><th>health</th><th>last success</th>"
        "<th>last error</th><th>consecutive failures</th></tr>"
    )
    return f'<table class="sources"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def render_runs_table(runs: Sequence[ReportRun]) -> str:
    """The latest runs: when, outcome, duration and the main counts."""
    if not runs:
        return '<p class="empty">No run recorded yet.</p>'
    rows = []
    for r in runs:
        colour = {"completed": "#16a34a", "failed": "#dc2626"}.get(r.status, "#6b7280")
        seconds = f"{r.seconds:.1f} s" if r.seconds is not None else ""
        error = f'<div class="err">{_e(r.error)}</div>' if r.error else ""
        rows.append(
            f'<tr><td class="day">{_e(_when(r.started_at))}</td><td>{_e(r.watch)}</td>'
            f'<td><span class="badge" style="background:{colour}">{_e(r.status)}</span>{error}</td>'
            f'<td class="num">{_e(seconds)}</td>'
            f'<td class="num">{r.pages_fetched} / {r.pages_failed}</td>'
            f'<td class="num">{r.articles_stored}</td>'
            f'<td class="num">{r.events_new} / {r.events_updated}</td>'
            f'<td class="num">{r.alerts_sent} / {r.alerts_failed}</td></tr>'
        )
    head = (
        "<tr><th>started</th><th>watch</th><th>status</th><th>took</th><th>pages ok / failed</th>"
        "<th>articles</th><th>events new / updated</th><th>alerts sent / failed</th></tr>"
    )
    return f'<table class="runs"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


# ---------------------------------------------------------------- the page


def _headline(data: ReportData) -> str:
    news = [c for c in data.contacts if not c.historical]
    counts = {s: sum(1 for c in data.contacts if c.status == s) for s in STATUSES}
    parts = [f"{len(data.contacts)} contact(s)"]
    parts += [f"{n} {s}" for s, n in counts.items() if n]
    if len(news) != len(data.contacts):
        parts.append(f"{len(data.contacts) - len(news)} historical")
    latest = news[0] if news else None
    if latest is not None:
        parts.append(f"latest: {latest.kind} {latest.day or '?'} ({latest.status})")
    return " · ".join(parts)


def _charts(data: ReportData, today: date) -> str:
    spans = [s for c in data.contacts if (s := contact_span(c)) is not None]
    spans += [s for c in data.statements if (s := contact_span(c)) is not None]
    if not spans:
        return f'<div class="card">{render_timeline_svg([], [], title="Contacts over time", today=today)}</div>'
    first = min(s.start for s in spans)
    last = max(s.end for s in spans)
    charts = []
    if (last - first).days > ZOOM_AFTER_DAYS:
        # Pad on the right so the latest marker is not cut by the edge.
        window = (last - timedelta(days=ZOOM_WINDOW_DAYS), last + timedelta(days=15))
        title = f"The latest 12 months ({window[0]:%b %Y} – {last:%b %Y})"
        charts.append(
            render_timeline_svg(
                data.contacts, data.statements, title=title, window=window, today=today
            )
        )
        title = f"All contacts ({first.year} – {last.year})"
    else:
        title = f"Contacts over time ({first:%b %Y} – {last:%b %Y})"
    charts.append(render_timeline_svg(data.contacts, data.statements, title=title, today=today))
    return "".join(f'<div class="card">{c}</div>' for c in charts)


def render_report(data: ReportData, *, generated_at: datetime | None = None) -> str:
    """The whole HTML page for the data read from the database."""
    now = generated_at or datetime.now(UTC)
    watches = sorted(
        {c.watch for c in data.contacts}
        | {s.watch for s in data.sources}
        | {r.watch for r in data.runs}
    )
    name = ", ".join(watches) if watches else "no watch yet"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>newswatch — {_e(name)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<h1>newswatch — {_e(name)}</h1>
<p class="sub">{_e(_headline(data))}<br><span class="gen">generated {_e(_when(now))}</span></p>
{_charts(data, now.date())}
<h2>Contacts</h2>
{render_contacts_table(data.contacts, data.mentions)}
<h2>Source health</h2>
{render_sources_table(data.sources)}
<h2>Latest runs</h2>
{render_runs_table(data.runs)}
<footer>Made by newswatch from the database views contacts, contact_sources, source_health and run_history.</footer>
</main>
</body>
</html>
"""


def write_report(db_path: str | Path, out: Path) -> Path:
    """Read the database and write the self-contained HTML report to `out`; returns `out`."""
    with read_session(db_path) as con:
        data = load_report_data(con)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(data), encoding="utf-8")
    return out
