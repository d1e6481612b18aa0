"""Alert renderings: plain text, Slack Block Kit, HTML email, and the email subject.

Pure functions. Everything that comes from an article (titles, evidence, summaries,
locations, URLs) is untrusted: it is cut to one line, stripped of control and bidi
characters, its mention markup (`<!channel>`, `@here`, `<@U…>`) is defused for every
rendering, `&`, `<`, `>` are escaped the Slack way in Block Kit and HTML-escaped in email,
and only http(s) links become links.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Any
from urllib.parse import quote, urlsplit

from newswatch.alerts.messages import Deliverable, Digest
from newswatch.domain import AlertMessage, OpsNotice

# Cut-offs keep a message readable and inside Slack's limits (header 150 characters,
# section text 3000, 50 blocks per message).
MAX_HEADER_CHARS = 150
MAX_LINE_CHARS = 300
MAX_EVIDENCE_CHARS = 700
MAX_SUBJECT_CHARS = 180
MAX_SOURCES_SHOWN = 8
MAX_DIGEST_ITEMS = 20
SLACK_SECTION_CHARS = 3000
# Longer links (tracking-laden redirects) are shown as text rather than overflow a section.
MAX_LINK_CHARS = 600

KIND_LABELS = {"new": "New contact", "update": "Status update", "retraction": "Retracted"}
ZWSP = "\u200b"

# Slack turns these into notifications; a zero-width space after the opening character
# keeps them visible as text but inert.
_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_SPECIAL_OPEN = re.compile(r"<([!@#])")
# C0/C1 controls, line/paragraph separators and bidi overrides (which can disguise a URL).
_UNSAFE_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def clean_line(text: str | None, limit: int = MAX_LINE_CHARS) -> str:
    """One line of untrusted text: no control characters, no live mentions, at most `limit`."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    text = _SPACES.sub(" ", _UNSAFE_CHARS.sub(" ", text)).strip()
    text = _BROADCAST.sub(lambda m: "@" + ZWSP + m.group(1), text)
    text = _SPECIAL_OPEN.sub(lambda m: "<" + ZWSP + m.group(1), text)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def slack_escape(text: str) -> str:
    """Escape the three characters Slack reads as markup (its documented rule)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """The URL when it is a plain http(s) link, else None (never `javascript:` and kin)."""
    if not url:
        return None
    url = url.strip()
    if _UNSAFE_CHARS.search(url) or any(c.isspace() for c in url):
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


# -- wording shared by every rendering -------------------------------------------------


def headline(message: AlertMessage) -> str:
    """'New contact: call between Donald Trump and Vladimir Putin'."""
    names = " and ".join(clean_line(n, 60) for n in message.participant_names)
    return f"{KIND_LABELS[message.kind]}: {message.event_type} between {names}"


def status_text(message: AlertMessage) -> str:
    """'confirmed (was planned), according to the Kremlin'."""
    text: str = message.status
    if message.kind == "update" and message.previous_status:
        text += f" (was {message.previous_status})"
    if message.asserted_by:
        text += f", according to {clean_line(message.asserted_by, 80)}"
    return text


def sources_count_text(message: AlertMessage) -> str:
    """'2 independent sources, 1 copy'."""
    n, c = message.independent_sources, message.copies
    text = f"{n} independent source{'s' if n != 1 else ''}"
    if c:
        text += f", {c} cop{'ies' if c != 1 else 'y'}"
    return text


def footer_text(message_id: str, watch: str) -> str:
    """The stable id, so a repeated message is recognisable as one."""
    return f"newswatch {clean_line(watch, 60)} · alert id {message_id}"


def feedback_text(event_id: str) -> str:
    """The event's id and the command that tells newswatch the alert was wrong."""
    event = clean_line(event_id, 40)
    return f"event {event} · wrong? newswatch feedback {event} wrong (or: ok, date YYYY-MM-DD)"


def render_subject(item: Deliverable) -> str:
    """An email subject: one line, no CR/LF, bounded length."""
    if isinstance(item, OpsNotice):
        return clean_line(f"[newswatch {item.watch}] {ops_headline(item)}", MAX_SUBJECT_CHARS)
    if isinstance(item, Digest):
        return clean_line(f"[newswatch {item.watch}] {_digest_title(item)}", MAX_SUBJECT_CHARS)
    m = item
    subject = f"[newswatch {m.watch}] {headline(m)}, {m.day_text} ({m.status})"
    return clean_line(subject, MAX_SUBJECT_CHARS)


def _digest_title(digest: Digest) -> str:
    n = len(digest.items)
    if digest.reason == "first_run":
        return f"First run: {n} contact{'s' if n != 1 else ''} already in the news"
    return f"{n} alert{'s' if n != 1 else ''}"


def _shown_sources(message: AlertMessage) -> tuple[list[tuple[str, str | None, bool]], int]:
    shown = [
        (clean_line(label, 160), safe_url(url), is_copy)
        for label, url, is_copy in message.sources[:MAX_SOURCES_SHOWN]
    ]
    total = max(message.independent_sources + message.copies, len(message.sources))
    return shown, max(0, total - len(shown))


OPS_LABELS = {"broken": "Source broken", "stale": "Source stale", "recovered": "Source recovered"}


def ops_headline(notice: OpsNotice) -> str:
    """'Source broken: google_news:Trump Putin'."""
    return f"{OPS_LABELS[notice.state]}: {clean_line(notice.source, 120)}"


def _ops_lines(notice: OpsNotice) -> list[str]:
    return [
        ops_headline(notice),
        clean_line(notice.detail, MAX_EVIDENCE_CHARS),
        f"Since {notice.created_at:%Y-%m-%d %H:%M} UTC. Health of every source: "
        'newswatch query "SELECT * FROM source_health"',
    ]


def _ops_footer(notice: OpsNotice) -> str:
    return f"newswatch {clean_line(notice.watch, 60)} · ops notice {notice.notice_id}"


# -- plain text (console, Apprise, the email's text part) ------------------------------


def render_text(item: Deliverable) -> str:
    """The plain-text rendering, several lines."""
    if isinstance(item, OpsNotice):
        return "\n".join([*_ops_lines(item), _ops_footer(item)])
    if isinstance(item, Digest):
        parts = [f"{_digest_title(item)} ({item.watch})"]
        for m in item.items[:MAX_DIGEST_ITEMS]:
            parts.append("")
            parts.extend(_text_lines(m, with_footer=False))
            parts.append(f"  id {m.alert_id}")
        if len(item.items) > MAX_DIGEST_ITEMS:
            parts.append(f"\n… and {len(item.items) - MAX_DIGEST_ITEMS} more")
        parts.append("")
        parts.append(footer_text(item.digest_id, item.watch))
        return "\n".join(parts)
    return "\n".join(_text_lines(item, with_footer=True))


def _text_lines(m: AlertMessage, *, with_footer: bool) -> list[str]:
    lines = [headline(m), f"Day: {m.day_text}", f"Status: {status_text(m)}"]
    if m.location:
        lines.append(f"Where: {clean_line(m.location, 120)}")
    if m.summary:
        lines.append(f"Summary: {clean_line(m.summary)}")
    if m.evidence:
        lines.append(f'Evidence: "{clean_line(m.evidence, MAX_EVIDENCE_CHARS)}"')
    shown, more = _shown_sources(m)
    lines.append(f"Sources: {sources_count_text(m)}")
    for label, url, is_copy in shown:
        lines.append(f"  - {'(copy) ' if is_copy else ''}{label}" + (f" <{url}>" if url else ""))
    if more:
        lines.append(f"  … and {more} more")
    if m.kind != "retraction":
        lines.append(feedback_text(m.event_id))
    if with_footer:
        lines.append(footer_text(m.alert_id, m.watch))
    return lines


# -- Slack Block Kit -------------------------------------------------------------------


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _plain(text: str) -> dict[str, Any]:
    # plain_text is never parsed for markup, but angle brackets still read as one.
    text = text.replace("<", "‹").replace(">", "›")
    return {"type": "plain_text", "text": clean_line(text, MAX_HEADER_CHARS), "emoji": False}


def _slack_link(label: str, url: str | None) -> str:
    """`<url|label>`, with `|`, `<`, `>` and spaces percent-encoded in the URL."""
    text = slack_escape(label)
    if not url or len(url) > MAX_LINK_CHARS:
        return text
    href = slack_escape(quote(url, safe=":/?#[]@!$&'()*+,;=%~-._"))
    return f"<{href}|{text}>"


def _cut_escaped(text: str, limit: int) -> str:
    """Cut Slack-escaped text to `limit` characters without splitting an entity."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    amp = cut.rfind("&", max(0, len(cut) - 5))
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + "…"


def _fit_lines(lines: list[str], limit: int = SLACK_SECTION_CHARS) -> str:
    """Join whole lines within Slack's section limit (escaping can quintuple a text).
    Only quote lines can be long enough to cut; link lines are bounded by construction."""
    kept: list[str] = []
    size = 0
    for line in lines:
        line = _cut_escaped(line, limit - 2)
        if size + len(line) > limit - 2:
            kept.append("…")
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join(kept)


def _slack_sources(m: AlertMessage) -> str:
    shown, more = _shown_sources(m)
    lines = [f"*Sources* ({slack_escape(sources_count_text(m))})"]
    for label, url, is_copy in shown:
        lines.append(f"• {'_copy_ ' if is_copy else ''}{_slack_link(label, url)}")
    if more:
        lines.append(f"… and {more} more")
    return _fit_lines(lines)


def render_slack(item: Deliverable) -> dict[str, Any]:
    """An incoming-webhook payload: fallback `text` plus Block Kit `blocks`."""
    if isinstance(item, OpsNotice):
        return _slack_ops(item)
    if isinstance(item, Digest):
        return _slack_digest(item)
    m = item
    e = slack_escape
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(headline(m))},
        {
            "type": "section",
            "fields": [
                _mrkdwn(f"*Day*\n{e(m.day_text)}"),
                _mrkdwn(f"*Status*\n{e(status_text(m))}"),
            ],
        },
    ]
    details = []
    if m.location:
        details.append(f"*Where:* {e(clean_line(m.location, 120))}")
    if m.summary:
        details.append(e(clean_line(m.summary)))
    if m.evidence:
        details.append(f"> {e(clean_line(m.evidence, MAX_EVIDENCE_CHARS))}")
    if details:
        blocks.append({"type": "section", "text": _mrkdwn(_fit_lines(details))})
    blocks.append({"type": "section", "text": _mrkdwn(_slack_sources(m))})
    context = [_mrkdwn(e(footer_text(m.alert_id, m.watch)))]
    if m.kind != "retraction":
        context.append(_mrkdwn(e(feedback_text(m.event_id))))
    blocks.append({"type": "context", "elements": context})
    fallback = f"{headline(m)}, {m.day_text}: {status_text(m)} [{m.alert_id}]"
    return {"text": e(clean_line(fallback, MAX_LINE_CHARS)), "blocks": blocks}


def _slack_ops(n: OpsNotice) -> dict[str, Any]:
    e = slack_escape
    head, *rest = _ops_lines(n)
    return {
        "text": e(clean_line(f"{head} [{n.notice_id}]")),
        "blocks": [
            {"type": "header", "text": _plain(head)},
            {"type": "section", "text": _mrkdwn(_fit_lines([e(line) for line in rest]))},
            {"type": "context", "elements": [_mrkdwn(e(_ops_footer(n)))]},
        ],
    }


def _slack_digest(d: Digest) -> dict[str, Any]:
    e = slack_escape
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(_digest_title(d))}]
    for m in d.items[:MAX_DIGEST_ITEMS]:
        lines = [f"*{e(headline(m))}*", f"{e(m.day_text)}: {e(status_text(m))}"]
        if m.evidence:
            lines.append(f"> {e(clean_line(m.evidence, 300))}")
        first = next(iter(_shown_sources(m)[0]), None)
        if first:
            lines.append(f"{e(sources_count_text(m))}, first: {_slack_link(first[0], first[1])}")
        lines.append(f"id {e(m.alert_id)} · {e(feedback_text(m.event_id))}")
        blocks.append({"type": "section", "text": _mrkdwn(_fit_lines(lines))})
    if len(d.items) > MAX_DIGEST_ITEMS:
        more = len(d.items) - MAX_DIGEST_ITEMS
        blocks.append({"type": "section", "text": _mrkdwn(f"… and {more} more")})
    blocks.append({"type": "context", "elements": [_mrkdwn(e(footer_text(d.digest_id, d.watch)))]})
    return {"text": e(clean_line(f"{_digest_title(d)} [{d.digest_id}]")), "blocks": blocks}


# -- HTML email ------------------------------------------------------------------------


def render_html(item: Deliverable) -> str:
    """The HTML part of an email: every piece of text escaped, http(s) links only."""
    if isinstance(item, OpsNotice):
        head, *rest = _ops_lines(item)
        body = [f"<h2>{html.escape(head)}</h2>"] + [f"<p>{html.escape(r)}</p>" for r in rest]
        footer = _ops_footer(item)
    elif isinstance(item, Digest):
        body = [f"<h2>{html.escape(_digest_title(item))}</h2>"]
        for m in item.items[:MAX_DIGEST_ITEMS]:
            body.append(_html_alert(m, level="h3"))
            body.append(f'<p style="color:#666">id {html.escape(m.alert_id)}</p>')
        if len(item.items) > MAX_DIGEST_ITEMS:
            body.append(f"<p>… and {len(item.items) - MAX_DIGEST_ITEMS} more</p>")
        footer = footer_text(item.digest_id, item.watch)
    else:
        body = [_html_alert(item, level="h2")]
        footer = footer_text(item.alert_id, item.watch)
    body.append(f'<hr><p style="color:#666;font-size:small">{html.escape(footer)}</p>')
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(body) + "\n</body></html>\n"


def _html_alert(m: AlertMessage, *, level: str) -> str:
    x = html.escape
    out = [
        f"<{level}>{x(headline(m))}</{level}>",
        "<p>",
        f"<b>Day:</b> {x(m.day_text)}<br>",
        f"<b>Status:</b> {x(status_text(m))}",
    ]
    if m.location:
        out.append(f"<br><b>Where:</b> {x(clean_line(m.location, 120))}")
    out.append("</p>")
    if m.summary:
        out.append(f"<p>{x(clean_line(m.summary))}</p>")
    if m.evidence:
        out.append(f"<blockquote>{x(clean_line(m.evidence, MAX_EVIDENCE_CHARS))}</blockquote>")
    shown, more = _shown_sources(m)
    out.append(f"<p><b>Sources</b> ({x(sources_count_text(m))})</p><ul>")
    for label, url, is_copy in shown:
        text = x(label)
        link = f'<a href="{x(url, quote=True)}">{text}</a>' if url else text
        out.append(f"<li>{'<i>copy</i> ' if is_copy else ''}{link}</li>")
    if more:
        out.append(f"<li>… and {more} more</li>")
    out.append("</ul>")
    if m.kind != "retraction":
        out.append(f'<p style="color:#666">{x(feedback_text(m.event_id))}</p>')
    return "\n".join(out)
