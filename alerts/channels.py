"""The channel interface and the channels the environment configures."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from newswatch.alerts.apprise_channel import AppriseChannel, split_apprise_urls
from newswatch.alerts.console import ConsoleChannel
from newswatch.alerts.email import EmailChannel, split_addresses
from newswatch.alerts.errors import (
    ChannelConfigError,
    DeliveryError,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from newswatch.alerts.messages import Deliverable
from newswatch.alerts.slack import SlackChannel

log = logging.getLogger(__name__)

__all__ = [
    "Channel",
    "ChannelConfigError",
    "DeliveryError",
    "PermanentDeliveryError",
    "RetryableDeliveryError",
    "channels_from_env",
    "ops_channels",
]

# The separate operator channels (`[ops] notify = "ops"`), named apart in the outbox.
OPS_SLACK_VARIABLE = "NEWSWATCH_OPS_SLACK_WEBHOOK_URL"
OPS_APPRISE_VARIABLE = "NEWSWATCH_OPS_APPRISE_URLS"


@runtime_checkable
class Channel(Protocol):
    """Somewhere alerts go. `send` returns when the receiver accepted the message and
    raises `RetryableDeliveryError` or `PermanentDeliveryError` otherwise; `repr` shows
    no secret."""

    name: str

    def send(self, message: Deliverable) -> None: ...


def channels_from_env(env: Mapping[str, str]) -> list[Channel]:
    """Console always; Slack, email and Apprise when their variables are set.

    Raises `ChannelConfigError` (naming the variable, never its secret value) when a set
    variable cannot be used.
    """
    channels: list[Channel] = [ConsoleChannel()]
    webhook = env.get("SLACK_WEBHOOK_URL", "").strip()
    if webhook:
        channels.append(SlackChannel(webhook))
    smtp_url = env.get("NEWSWATCH_SMTP_URL", "").strip()
    email_to = env.get("NEWSWATCH_EMAIL_TO", "").strip()
    if smtp_url and email_to:
        sender = env.get("NEWSWATCH_EMAIL_FROM", "").strip() or None
        channels.append(EmailChannel.from_url(smtp_url, split_addresses(email_to), sender))
    elif smtp_url or email_to:
        missing = "NEWSWATCH_EMAIL_TO" if smtp_url else "NEWSWATCH_SMTP_URL"
        log.warning("email alerts are off: %s is not set", missing)
    apprise_urls = env.get("NEWSWATCH_APPRISE_URLS", "").strip()
    if apprise_urls:
        channels.append(AppriseChannel(split_apprise_urls(apprise_urls)))
    return channels


def ops_channels(notify: str, env: Mapping[str, str]) -> list[Channel]:
    """Where operator notices go: the alert channels ("alerts"), the console plus the
    channels of NEWSWATCH_OPS_SLACK_WEBHOOK_URL / NEWSWATCH_OPS_APPRISE_URLS ("ops"), or
    nowhere ("off")."""
    if notify == "off":
        return []
    if notify == "alerts":
        return channels_from_env(env)
    channels: list[Channel] = [ConsoleChannel()]
    webhook = env.get(OPS_SLACK_VARIABLE, "").strip()
    if webhook:
        channels.append(SlackChannel(webhook, name="ops-slack", variable=OPS_SLACK_VARIABLE))
    apprise_urls = env.get(OPS_APPRISE_VARIABLE, "").strip()
    if apprise_urls:
        channels.append(AppriseChannel(split_apprise_urls(apprise_urls), name="ops-apprise"))
    return channels
