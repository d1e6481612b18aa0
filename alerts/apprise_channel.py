"""Apprise delivery (Teams, Discord, Telegram, ntfy, …): the text rendering to every URL.

Apprise URLs carry tokens, so they appear in no error and no repr. Apprise reports one
success flag for all targets: when one of several fails, the whole message is retried,
so a target that did receive it may see it twice (never zero times).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence

import apprise

from newswatch.alerts.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from newswatch.alerts.messages import Deliverable
from newswatch.alerts.render import render_subject, render_text


def split_apprise_urls(value: str) -> list[str]:
    """`NEWSWATCH_APPRISE_URLS` (space or comma separated) → URLs."""
    return [u for u in re.split(r"[\s,]+", value) if u]


class AppriseChannel:
    """Sends the plain-text rendering through Apprise."""

    name = "apprise"

    def __init__(self, urls: Sequence[str], *, name: str = "apprise") -> None:
        if not urls:
            raise ChannelConfigError("NEWSWATCH_APPRISE_URLS names no URL")
        self.name = name
        self._urls = tuple(urls)

    def __repr__(self) -> str:
        return f"AppriseChannel(urls=<{len(self._urls)} secret URL(s)>)"

    def send(self, message: Deliverable) -> None:
        """Notify every target; a refused or failed target makes the message retryable."""
        targets = apprise.Apprise()
        with warnings.catch_warnings():
            # Apprise loads its plugins on the first add(); one of them (pgpy) imports the
            # deprecated stdlib `imghdr`. Nothing for our users to act on.
            warnings.simplefilter("ignore", DeprecationWarning)
            invalid = sum(1 for url in self._urls if not targets.add(url))
        if len(targets) == 0:
            raise PermanentDeliveryError(
                f"apprise: none of the {len(self._urls)} NEWSWATCH_APPRISE_URLS is a URL "
                "Apprise understands",
                channel_wide=True,
            )
        try:
            ok = targets.notify(
                body=render_text(message),
                title=render_subject(message),
                body_format=apprise.NotifyFormat.TEXT,
            )
        except Exception as exc:  # a plugin bug must not stop the run
            raise RetryableDeliveryError(f"apprise: {type(exc).__name__} while notifying") from None
        if not ok:
            raise RetryableDeliveryError(
                f"apprise: at least one of {len(targets)} target(s) failed"
                + (f" ({invalid} URL(s) not understood)" if invalid else "")
            )
