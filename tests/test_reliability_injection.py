"""Hostile article text reaches no one alive: no Slack mention or markup, no email header,
no HTML element, no terminal control sequence.

Everything an alert shows that came from a page (titles, evidence, summaries, locations,
who asserted it, source links) is attacker-controlled. The properties below put attack
fragments into every such field of a single alert and of a digest and check each
rendering as its receiver would read it; the last tests send them through the real
channels to loopback receivers, and through a real `newswatch run` on hostile pages.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date
from html.parser import HTMLParser
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newswatch.alerts.email import EmailChannel, build_email
from newswatch.alerts.messages import Deliverable, Digest
from newswatch.alerts.render import render_html, render_slack, render_subject, render_text
from newswatch.alerts.slack import SlackChannel
from newswatch.domain import AlertMessage
from tests.support.loopback import LoopbackServer, Reply, Request
from tests.support.reliability import (
    CliResult,
    PrefectApi,
    SmtpInbox,
    cli_env,
    corpus_watch,
    run_newswatch,
)

ATTACKS = (
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S0123>",
    "@here",
    "@channel",
    "@everyone",
    "<@U0123ABC>",
    "<#C0123ABC>",
    "<http://evil.example|click here>",
    "<javascript:alert(1)|x>",
    "<mailto:x@evil.example|mail>",
    "\r\nBcc: x@evil.example\r\n",
    "\nTo: victim@evil.example",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><a href="javascript:alert(1)">',
    "\x1b[2J\x1b]8;;http://evil.example\x07",
    "\u202eevil\u202c",
    "&lt;!channel&gt;",
    "*bold* _it_ `code`",
    "|",
    ">",
    "<",
)
URLS = (
    "http://ok.example/a",
    "https://ok.example/b?x=1&y=2",
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "http://evil.example/|<!channel>",
    "https://evil.example/a>b<c",
    "http://evil.example/\r\nBcc: x@evil.example",
    " http://evil.example/ spaced",
    'http://evil.example/"onmouseover="alert(1)',
)
hostile = st.lists(st.sampled_from(ATTACKS) | st.text(max_size=12), max_size=6).map("".join)
urls = st.sampled_from(URLS) | hostile

BASE = AlertMessage(
    alert_id="0123456789abcdef",
    event_id="event",
    kind="update",
    event_type="call",
    participants=("putin", "trump"),
    participant_names=("Vladimir Putin", "Donald Trump"),
    status="confirmed",
    previous_status="planned",
    event_date=date(2025, 3, 18),
    date_earliest=date(2025, 3, 18),
    date_latest=date(2025, 3, 18),
    location=None,
    summary="",
    evidence="",
    asserted_by=None,
    independent_sources=2,
    copies=1,
    watch="trump-putin",
    thread_id="fedcba9876543210",
)


@st.composite
def hostile_messages(draw: st.DrawFn) -> AlertMessage:
    """An alert whose every article-derived field is drawn from attack fragments."""
    sources = draw(st.lists(st.tuples(hostile, urls, st.booleans()), max_size=4))
    return replace(
        BASE,
        location=draw(hostile),
        summary=draw(hostile),
        evidence=draw(hostile),
        asserted_by=draw(hostile),
        sources=tuple(sources),
    )


@st.composite
def hostile_deliverables(draw: st.DrawFn) -> Deliverable:
    if draw(st.booleans()):
        return draw(hostile_messages())
    items = tuple(draw(st.lists(hostile_messages(), min_size=1, max_size=3)))
    return Digest(
        "00112233445566aa", "trump-putin", items, draw(st.sampled_from(["digest", "first_run"]))
    )


# -- how each receiver reads a rendering ----------------------------------------------------

_BROADCAST = re.compile(r"@(here|channel|everyone)\b", re.IGNORECASE)
_ANGLE = re.compile(r"<([^<>]*)>")


def slack_texts(payload: Any) -> Iterator[str]:
    """Every string Slack parses in a payload (fallback text, mrkdwn and plain_text)."""
    if isinstance(payload, dict):
        for key, value in payload.items():
            if key == "text" and isinstance(value, str):
                yield value
            else:
                yield from slack_texts(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from slack_texts(value)


def live_slack_markup(payload: dict[str, Any]) -> list[str]:
    """What Slack would act on: broadcasts, mentions, channel links, non-http(s) links."""
    found = []
    for text in slack_texts(payload):
        found += [m.group(0) for m in _BROADCAST.finditer(text)]
        for token in _ANGLE.findall(text):
            href, bar, _label = token.partition("|")
            is_link = bool(bar) and re.match(r"https?://[^\s|]+$", href) is not None
            if token[:1] in ("!", "@", "#") or not is_link:
                found.append(f"<{token}>")
    return found


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


ALLOWED_TAGS = {
    "html",
    "body",
    "h2",
    "h3",
    "p",
    "b",
    "br",
    "blockquote",
    "ul",
    "li",
    "a",
    "i",
    "hr",
}


def live_html(document: str) -> list[str]:
    """Elements and attributes an email client would honour that the renderer never writes."""
    parser = _Tags()
    parser.feed(document)
    parser.close()
    found = []
    for tag, attrs in parser.tags:
        if tag not in ALLOWED_TAGS:
            found.append(tag)
        for name, value in attrs:
            if (tag, name) == ("a", "href"):
                if not re.match(r"https?://", value or ""):
                    found.append(f"href={value!r}")
            elif (tag, name) != ("p", "style"):
                found.append(f"{tag}[{name}]")
    return found


EXPECTED_HEADERS = {
    "Subject",
    "From",
    "To",
    "Date",
    "Auto-Submitted",
    "Message-ID",
    "In-Reply-To",
    "References",
    "MIME-Version",
    "Content-Type",
}


def header_problems(raw: bytes, recipients: list[str]) -> list[str]:
    """Headers that configuration did not put there, or a To that is not the recipients."""
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    problems = [f"header {name}" for name in mail if name not in EXPECTED_HEADERS]
    if len(mail.get_all("To") or []) != 1 or str(mail["To"]) != ", ".join(recipients):
        problems.append(f"To: {mail.get_all('To')}")
    if any(c in str(mail["Subject"]) for c in "\r\n"):
        problems.append("line break in Subject")
    return problems


# -- properties over every rendering ------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(hostile_deliverables())
def test_slack_payloads_carry_no_live_mention_or_markup(item: Deliverable) -> None:
    assert live_slack_markup(render_slack(item)) == []


@settings(max_examples=300, deadline=None)
@given(hostile_deliverables())
def test_email_html_has_only_the_renderers_own_elements(item: Deliverable) -> None:
    assert live_html(render_html(item)) == []


@settings(max_examples=300, deadline=None)
@given(hostile_deliverables())
def test_email_headers_come_only_from_the_configuration(item: Deliverable) -> None:
    recipients = ["desk@example.org"]
    mail = build_email(item, "newswatch@example.org", recipients)
    assert header_problems(mail.as_bytes(), recipients) == []


@settings(max_examples=300, deadline=None)
@given(hostile_deliverables())
def test_text_for_terminals_and_apprise_has_no_control_characters(item: Deliverable) -> None:
    text = render_text(item) + render_subject(item)
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert not _BROADCAST.search(text)


def test_the_checkers_see_live_markup_when_there_is_some() -> None:
    # The properties above mean something only if these detectors fire on raw markup.
    assert live_slack_markup({"text": "hi <!channel> <@U1> @here <javascript:x|y>"}) == [
        "@here",
        "<!channel>",
        "<@U1>",
        "<javascript:x|y>",
    ]
    assert live_html('<p onclick="x"><script></script><a href="javascript:x">') == [
        "p[onclick]",
        "script",
        "href='javascript:x'",
    ]
    assert header_problems(b"To: a@b\r\nBcc: x@evil\r\nSubject: s\r\n\r\nbody", ["a@b"]) == [
        "header Bcc"
    ]


# -- through the real channels ------------------------------------------------------------

NASTY = replace(
    BASE,
    location="<!channel> Anchorage",
    summary="Talks @here <@U0123ABC> \r\nBcc: x@evil.example",
    evidence="They spoke <http://evil.example|click here> <script>alert(1)</script>",
    asserted_by="the Kremlin <!everyone>",
    sources=(
        ("<!here> Wire: call\r\nBcc: y@evil.example", "http://evil.example/|<!channel>", False),
        ("Daily", "javascript:alert(1)", True),
    ),
)


def test_a_hostile_alert_reaches_slack_inert(loopback: LoopbackServer) -> None:
    received: list[dict[str, Any]] = []

    def webhook(req: Request) -> Reply:
        received.append(json.loads(req.body))
        return Reply(200, b"ok")

    loopback.routes["/services/T0/B0/hook"] = webhook
    SlackChannel(loopback.url("/services/T0/B0/hook")).send(NASTY)
    (payload,) = received
    assert live_slack_markup(payload) == []
    assert "channel" in json.dumps(payload)  # the words are shown, not acted on


def test_a_hostile_alert_reaches_the_mail_server_with_configured_recipients_only() -> None:
    with SmtpInbox() as inbox:
        recipients = ["desk@example.org"]
        EmailChannel.from_url(f"smtp://127.0.0.1:{inbox.port}", recipients).send(NASTY)
    (mail,) = inbox.messages
    assert mail.rcpt_tos == recipients
    assert header_problems(mail.raw, recipients) == []
    html = mail.message.get_body(("html",))
    assert html is not None and live_html(html.get_content()) == []


# -- through a real run on hostile pages --------------------------------------------------

EVIL_TITLE = (
    "&lt;!channel&gt; Trump and Putin talk @here &lt;@U0123ABC&gt; "
    "&lt;http://evil.example|click&gt; &lt;script&gt;alert(1)&lt;/script&gt;"
    "&#13;&#10;Bcc: x@evil.example"
)
EVIL_SENTENCE = (
    "{lead}, the Kremlin said &lt;!channel&gt; @here &lt;@U0123ABC&gt; "
    "&lt;http://evil.example|click&gt; &lt;img src=x onerror=alert(1)&gt; today."
)


def _page(day: str, lead: str) -> bytes:
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{EVIL_TITLE}</title><meta property="og:title" content="{EVIL_TITLE}">
<meta property="article:published_time" content="{day}T09:00:00Z"></head>
<body><article><h1>{EVIL_TITLE}</h1>
<p>{EVIL_SENTENCE.format(lead=lead)}</p>
<p>The two leaders discussed the war in Ukraine, energy infrastructure and a possible
exchange of prisoners, according to officials who asked not to be named.</p>
<p>Neither side published a full readout. Analysts said further contacts were likely in
the coming weeks, and markets reacted calmly to the news.</p>
</article></body></html>""".encode()


def _feed(base: str, pages: list[tuple[str, str]]) -> bytes:
    items = "".join(
        f"<item><title>{EVIL_TITLE}</title><link>{base}/pages/{name}.html</link>"
        f"<pubDate>{when}</pubDate></item>"
        for name, when in pages
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>{items}</channel></rss>'.encode()


def _serve(body: bytes, content_type: str) -> Callable[[Request], Reply]:
    return lambda req: Reply(200, body, {"Content-Type": content_type})


@dataclass
class HostileRun:
    runs: list[CliResult]
    slack: list[dict[str, Any]]
    inbox: SmtpInbox


@pytest.fixture(scope="module")
def hostile_run(
    tmp_path_factory: pytest.TempPathFactory, prefect_api: PrefectApi
) -> Iterator[HostileRun]:
    work = tmp_path_factory.mktemp("hostile")
    received: list[dict[str, Any]] = []

    def webhook(req: Request) -> Reply:
        received.append(json.loads(req.body))
        return Reply(200, b"ok")

    with LoopbackServer() as site, LoopbackServer() as slack, SmtpInbox() as inbox:
        base = site.base_url
        pages = {
            "call": _page(
                "2025-03-19",
                "U.S. President Donald Trump and Russian President Vladimir Putin spoke by phone on Tuesday",
            ),
            "meeting": _page(
                "2025-08-16",
                "U.S. President Donald Trump and Russian President Vladimir Putin met in Anchorage on Friday",
            ),
        }
        for name, body in pages.items():
            site.routes[f"/pages/{name}.html"] = _serve(body, "text/html; charset=utf-8")
        first = [("call", "Wed, 19 Mar 2025 09:00:00 GMT")]
        both = [*first, ("meeting", "Sat, 16 Aug 2025 09:00:00 GMT")]
        site.routes["/feed-1.xml"] = lambda req: Reply(
            200, _feed(base, first), {"Content-Type": "application/xml"}
        )
        site.routes["/feed-2.xml"] = lambda req: Reply(
            200, _feed(base, both), {"Content-Type": "application/xml"}
        )
        slack.routes["/services/T0/B0/hook"] = webhook
        env = cli_env(
            work / "home",
            {
                "PREFECT_API_URL": prefect_api.url,
                "SLACK_WEBHOOK_URL": slack.url("/services/T0/B0/hook"),
                "NEWSWATCH_SMTP_URL": f"smtp://127.0.0.1:{inbox.port}",
                "NEWSWATCH_EMAIL_TO": "desk@example.org",
            },
        )
        # The first run sends its one summary (a digest), the second an instant alert.
        runs = []
        # Each run as of its news's own time (the age guard keeps older contacts quiet).
        for feed, as_of in (("feed-1", "2025-03-19T12:00Z"), ("feed-2", "2025-08-16T12:00Z")):
            watch = corpus_watch(work / f"{feed}.toml", site.url(f"/{feed}.xml"))
            text = watch.read_text()
            assert 'first_run = "silent"' in text
            watch.write_text(text.replace('first_run = "silent"', 'first_run = "summary"'))
            db = work / "hostile.duckdb"
            runs.append(
                run_newswatch(
                    "run", "--watch", str(watch), "--db", str(db), "--as-of", as_of, env=env
                )
            )
        yield HostileRun(runs, received, inbox)


@pytest.mark.slow
def test_a_run_on_hostile_pages_alerts_with_the_words_shown_and_nothing_live(
    hostile_run: HostileRun,
) -> None:
    for run in hostile_run.runs:
        assert run.returncode == 0, run.stderr[-3000:]
    # Both runs delivered (a first-run digest, then an alert), carrying the hostile words.
    slack, mails = hostile_run.slack, hostile_run.inbox.messages
    assert len(slack) >= 2 and len(mails) == len(slack)
    assert slack[0]["text"].startswith("First run:") and not slack[1]["text"].startswith("First")
    assert all("!channel" in json.dumps(p) for p in hostile_run.slack)
    for payload in hostile_run.slack:
        assert live_slack_markup(payload) == []
    for mail in hostile_run.inbox.messages:
        assert mail.rcpt_tos == ["desk@example.org"]
        assert header_problems(mail.raw, ["desk@example.org"]) == []
        html = mail.message.get_body(("html",))
        assert html is not None and live_html(html.get_content()) == []
        assert "evil.example" in html.get_content()
    console = "".join(run.stdout for run in hostile_run.runs)
    assert "!channel" in console and "\x1b" not in console
    assert not _BROADCAST.search(console)
