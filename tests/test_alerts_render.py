"""Renderings say what happened, who says so and where to read it, and defuse article text."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from newswatch.alerts.messages import Digest
from newswatch.alerts.render import (
    render_html,
    render_slack,
    render_subject,
    render_text,
)
from tests.support.alerts import MESSAGE

EVIL = "<!channel> <!here> @here @channel <@U024BE7LH> <https://evil.example|click> & done"


def slack_strings(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_text_says_kind_pair_day_status_and_who_says_so() -> None:
    text = render_text(MESSAGE)
    assert text.splitlines()[0] == "New contact: call between Anna Alpha and Boris Beta"
    assert "Day: 2025-03-18" in text
    assert "Status: confirmed, according to the Alpha office" in text
    assert "Where: Geneva" in text
    assert '"The Alpha office said the two leaders held a phone call on Tuesday."' in text


def test_text_lists_independent_sources_first_and_counts_copies() -> None:
    text = render_text(MESSAGE)
    assert "Sources: 2 independent sources, 1 copy" in text
    wire, daily, copy = (text.index(s) for s in ("Wire:", "Daily:", "(copy) copycat"))
    assert wire < daily < copy
    assert "<https://daily.example/b?x=1&y=2>" in text


def test_every_rendering_ends_with_the_stable_id() -> None:
    assert render_text(MESSAGE).splitlines()[-1].endswith("alert id a1b2c3d4e5f60718")
    assert "a1b2c3d4e5f60718" in render_slack(MESSAGE)["blocks"][-1]["elements"][0]["text"]
    assert "alert id a1b2c3d4e5f60718" in render_html(MESSAGE)


def test_an_update_names_the_previous_status() -> None:
    update = replace(MESSAGE, kind="update", status="denied", previous_status="confirmed")
    assert render_text(update).startswith("Status update: call between")
    assert "Status: denied (was confirmed)" in render_text(update)


def test_an_unknown_day_shows_the_range() -> None:
    vague = replace(MESSAGE, event_date=None, date_earliest=date(2025, 3, 10))
    assert "Day: between 2025-03-10 and 2025-03-18" in render_text(vague)


def test_slack_payload_has_fallback_text_and_blocks_with_links() -> None:
    payload = render_slack(MESSAGE)
    assert "New contact: call between Anna Alpha and Boris Beta" in payload["text"]
    sources = payload["blocks"][-2]["text"]["text"]
    assert "<https://wire.example/a|Wire: Leaders talk>" in sources
    # Slack reads & as markup: escaped inside the link too.
    assert "<https://daily.example/b?x=1&amp;y=2|Daily: Phone call>" in sources
    assert "_copy_ <https://copycat.example/a|" in sources


def test_slack_payload_defuses_mentions_and_markup_from_articles() -> None:
    evil = replace(
        MESSAGE,
        summary=EVIL,
        evidence=EVIL,
        location=EVIL,
        asserted_by=EVIL,
        sources=((f"Outlet: {EVIL}", "https://wire.example/a", False),),
    )
    payload = slack_strings(render_slack(evil))
    for live in ("<!channel>", "<!here>", "<@U024BE7LH>", "<https://evil.example|click>"):
        assert live not in payload
    assert "@here" not in payload and "@channel" not in payload
    assert "&lt;https://evil.example|click&gt;" in payload
    # The only real link is the source's own URL.
    assert re.findall(r"<(https?://[^|>]+)\|", payload) == ["https://wire.example/a"]


def test_slack_links_cannot_be_broken_out_of_by_the_url() -> None:
    tricky = replace(
        MESSAGE,
        sources=(
            ("A", "https://a.example/x|<!channel>", False),
            ("B", "javascript:alert(1)", False),
        ),
    )
    sources = render_slack(tricky)["blocks"][-2]["text"]["text"]
    assert "<https://a.example/x%7C%3C!channel%3E|A>" in sources
    assert "javascript" not in sources


def test_slack_sections_stay_within_slacks_limit_however_text_escapes() -> None:
    heavy = replace(
        MESSAGE,
        summary="&" * 1000,
        evidence="<" * 1000,
        location="&" * 200,
        sources=tuple(
            (f"S{n} " + "&" * 200, "https://a.example/" + "x" * 500, False) for n in range(12)
        ),
    )
    blocks = render_slack(heavy)["blocks"]
    sections = [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]
    assert all(len(text) <= 3000 for text in sections)
    assert all(re.search(r"&[a-z]{0,3}…?$", text) is None for text in sections)
    # Every source line that was kept is whole: its link is closed.
    assert sections[-1].count("<") == sections[-1].count(">")


def test_an_overlong_url_is_shown_as_text_not_as_a_link() -> None:
    long_link = replace(MESSAGE, sources=(("Wire", "https://a.example/" + "x" * 700, False),))
    sources = render_slack(long_link)["blocks"][-2]["text"]["text"]
    assert "• Wire" in sources and "<https" not in sources


def test_html_escapes_article_text_and_links_only_http() -> None:
    hostile = replace(
        MESSAGE,
        evidence='<script>alert("x")</script>',
        sources=(
            ('<img src=x onerror="y">', 'https://a.example/"onmouseover="z', False),
            ("bad", "javascript:alert(1)", False),
        ),
    )
    page = render_html(hostile)
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert 'href="https://a.example/&quot;onmouseover=&quot;z"' in page
    assert "javascript:" not in page


def test_the_subject_is_one_bounded_line() -> None:
    hostile = replace(MESSAGE, participant_names=("Anna\r\nBcc: victim@example.org", "B" * 500))
    subject = render_subject(hostile)
    assert "\r" not in subject and "\n" not in subject
    assert len(subject) <= 180
    assert render_subject(MESSAGE) == (
        "[newswatch pair-watch] New contact: call between Anna Alpha and Boris Beta, "
        "2025-03-18 (confirmed)"
    )


def test_a_digest_lists_every_alert_and_carries_its_own_id() -> None:
    second = replace(MESSAGE, alert_id="ffff000011112222", event_type="meeting")
    digest = Digest("digest0123456789", "pair-watch", (MESSAGE, second), "first_run")
    text = render_text(digest)
    assert text.startswith("First run: 2 contacts already in the news")
    assert "a1b2c3d4e5f60718" in text and "ffff000011112222" in text
    assert text.splitlines()[-1].endswith("alert id digest0123456789")
    blocks = render_slack(digest)["blocks"]
    assert len(blocks) == 4  # header, two alerts, footer
    assert "meeting between" in render_html(digest)


hostile_text = st.text(
    alphabet=st.sampled_from(list("<>&|!@#\r\n\t\u202e\x00 abcUhere channel everyone")),
    max_size=60,
)


@given(hostile_text, hostile_text, hostile_text)
def test_property_no_article_text_reaches_a_payload_alive(title, evidence, summary) -> None:
    message = replace(
        MESSAGE,
        summary=summary,
        evidence=evidence,
        location=title,
        sources=((title, "https://wire.example/a", False),),
        participant_names=(title, "Boris Beta"),
    )
    payload = render_slack(message)
    for text in _texts(payload):
        assert "<!" not in text and "<@" not in text and "<#" not in text
        assert re.search(r"@(here|channel|everyone)\b", text, re.IGNORECASE) is None
        # Every `<` opens one of our links to the source URL.
        assert text.count("<") == text.count("<https://wire.example/a|")
    page = render_html(message)
    assert "<script" not in page.lower()
    subject = render_subject(message)
    assert "\r" not in subject and "\n" not in subject and "\x00" not in subject
    assert "\r" not in render_text(message)


def _texts(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _texts(value)]
    return []


def test_every_alert_shows_its_event_id_and_the_feedback_command() -> None:
    hint = "event ev-call · wrong? newswatch feedback ev-call wrong"
    assert hint in render_text(MESSAGE)
    assert any(hint in el["text"] for el in render_slack(MESSAGE)["blocks"][-1]["elements"])
    assert "newswatch feedback ev-call wrong" in render_html(MESSAGE)


def test_a_retraction_says_so_and_asks_for_no_feedback() -> None:
    retraction = replace(MESSAGE, kind="retraction")
    text = render_text(retraction)
    assert text.splitlines()[0] == "Retracted: call between Anna Alpha and Boris Beta"
    assert "newswatch feedback" not in text
    assert render_slack(retraction)["blocks"][0]["text"]["text"].startswith("Retracted: call")
