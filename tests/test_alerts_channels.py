"""Channels from the environment, Apprise against a loopback receiver, and the console."""

from __future__ import annotations

import io
import json
import socket
from dataclasses import replace

import pytest

from newswatch.alerts.apprise_channel import AppriseChannel, split_apprise_urls
from newswatch.alerts.channels import Channel, channels_from_env
from newswatch.alerts.console import ConsoleChannel
from newswatch.alerts.email import EmailChannel
from newswatch.alerts.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from tests.support.alerts import MESSAGE
from tests.support.loopback import LoopbackServer, Reply, Request

FULL_ENV = {
    "SLACK_WEBHOOK_URL": "https://hooks.slack.com/services/T0/B0/slacksecret",
    "NEWSWATCH_SMTP_URL": "smtps://bot:mailsecret@mail.example.org:465",
    "NEWSWATCH_EMAIL_TO": "desk@example.org, chief@example.org",
    "NEWSWATCH_APPRISE_URLS": "ntfy://ntfy.sh/apprisesecret, json://127.0.0.1:9/x",
}


def test_the_console_is_always_on() -> None:
    assert [c.name for c in channels_from_env({})] == ["console"]


def test_every_configured_channel_is_built_and_none_shows_its_secret() -> None:
    channels = channels_from_env(FULL_ENV)
    assert [c.name for c in channels] == ["console", "slack", "email", "apprise"]
    assert all(isinstance(c, Channel) for c in channels)
    shown = " ".join(repr(c) for c in channels)
    for secret in ("slacksecret", "mailsecret", "apprisesecret"):
        assert secret not in shown


def test_email_goes_to_every_listed_recipient_from_the_default_sender() -> None:
    (email,) = [c for c in channels_from_env(FULL_ENV) if isinstance(c, EmailChannel)]
    assert email.recipients == ("desk@example.org", "chief@example.org")
    assert email.sender == f"newswatch@{socket.gethostname()}"
    assert email.settings.implicit_tls
    custom = channels_from_env({**FULL_ENV, "NEWSWATCH_EMAIL_FROM": "bot@example.org"})
    assert next(c for c in custom if isinstance(c, EmailChannel)).sender == "bot@example.org"


def test_email_needs_both_a_server_and_recipients(caplog: pytest.LogCaptureFixture) -> None:
    env = {"NEWSWATCH_SMTP_URL": FULL_ENV["NEWSWATCH_SMTP_URL"]}
    assert [c.name for c in channels_from_env(env)] == ["console"]
    assert "NEWSWATCH_EMAIL_TO is not set" in caplog.text


def test_an_unusable_setting_names_the_variable_not_the_value() -> None:
    with pytest.raises(ChannelConfigError, match="NEWSWATCH_SMTP_URL") as caught:
        channels_from_env({**FULL_ENV, "NEWSWATCH_SMTP_URL": "imap://u:topsecret@h"})
    assert "topsecret" not in str(caught.value)
    with pytest.raises(ChannelConfigError, match="SLACK_WEBHOOK_URL"):
        channels_from_env({"SLACK_WEBHOOK_URL": "not a url"})


def test_apprise_urls_split_on_spaces_and_commas() -> None:
    assert split_apprise_urls(" a://x, b://y\nc://z ") == ["a://x", "b://y", "c://z"]


def receiver(loopback: LoopbackServer, status: int) -> list[dict]:
    got: list[dict] = []

    def answer(request: Request) -> Reply:
        got.append(json.loads(request.body))
        return Reply(status, b"{}", {"Content-Type": "application/json"})

    loopback.routes["/notify"] = answer
    return got


def apprise_url(loopback: LoopbackServer) -> str:
    return loopback.url("/notify").replace("http://", "json://")


def test_apprise_delivers_the_text_rendering(loopback: LoopbackServer) -> None:
    got = receiver(loopback, 200)
    AppriseChannel([apprise_url(loopback)]).send(MESSAGE)
    (body,) = got
    assert body["title"].startswith("[newswatch pair-watch] New contact")
    assert "alert id a1b2c3d4e5f60718" in body["message"]


def test_an_apprise_target_failing_is_retryable(loopback: LoopbackServer) -> None:
    receiver(loopback, 500)
    with pytest.raises(RetryableDeliveryError, match="apprise"):
        AppriseChannel([apprise_url(loopback)]).send(MESSAGE)


def test_apprise_urls_it_cannot_read_are_a_config_error() -> None:
    with pytest.raises(PermanentDeliveryError, match="NEWSWATCH_APPRISE_URLS") as caught:
        AppriseChannel(["nonsense://secret-token"]).send(MESSAGE)
    assert caught.value.channel_wide and "secret-token" not in caught.value.reason


def test_the_console_prints_article_text_literally() -> None:
    out = io.StringIO()
    styled = replace(MESSAGE, evidence="[bold red]shouting[/bold red] :fire:")
    ConsoleChannel(out).send(styled)
    printed = out.getvalue()
    assert "[bold red]shouting[/bold red] :fire:" in printed
    assert printed.startswith("New contact: call between Anna Alpha and Boris Beta")
    assert "\x1b[" not in printed
