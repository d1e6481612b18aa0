"""Slack incoming webhooks: one JSON POST per message.

The webhook URL is a secret (anyone holding it can post to the channel), so it appears in
no error, no log record and no repr: errors name the channel, and a logging filter
masks it in httpx's own request log.
"""

from __future__ import annotations

import email.utils
import logging
import time
from datetime import UTC
from urllib.parse import urlsplit

import httpx

from newswatch.alerts.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from newswatch.alerts.messages import Deliverable
from newswatch.alerts.render import render_slack

log = logging.getLogger(__name__)

# Slack answers a webhook within a second or two; ten seconds covers a slow network
# without letting one message hold a run.
SLACK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)

# Answers that mean the webhook itself is wrong (invalid, revoked, archived channel):
# every later message would fail the same way.
_CONFIG_STATUSES = {403, 404, 410}
_HINTS = {
    400: "Slack refused the message (bad payload)",
    403: "the webhook is not allowed to post (revoked or action_prohibited)",
    404: "no such webhook (wrong or deleted SLACK_WEBHOOK_URL)",
    410: "the webhook's channel is gone (archived or deleted)",
}


class _RedactSecrets(logging.Filter):
    """Masks registered secrets in log records (httpx logs every request URL at INFO)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        text = record.getMessage()
        if any(secret in text for secret in self.secrets):
            for secret in self.secrets:
                text = text.replace(secret, "<secret webhook>")
            record.msg, record.args = text, None
        return True


_REDACT = _RedactSecrets()
for _name in ("httpx", "httpcore"):
    logging.getLogger(_name).addFilter(_REDACT)


class SlackChannel:
    """Posts alerts to one Slack incoming webhook."""

    name = "slack"

    def __init__(
        self,
        webhook_url: str,
        *,
        timeout: httpx.Timeout = SLACK_TIMEOUT,
        name: str = "slack",
        variable: str = "SLACK_WEBHOOK_URL",
    ) -> None:
        parts = urlsplit(webhook_url.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ChannelConfigError(f"{variable} is not an http(s) URL")
        self.name = name
        self._url = webhook_url.strip()
        self._timeout = timeout
        _REDACT.secrets.add(self._url)

    def __repr__(self) -> str:
        return "SlackChannel(webhook=<secret>)"

    def send(self, message: Deliverable) -> None:
        """POST the Block Kit payload; raise a delivery error unless Slack answers 2xx."""
        payload = render_slack(message)
        try:
            response = httpx.post(self._url, json=payload, timeout=self._timeout)
        except httpx.TimeoutException as exc:
            raise RetryableDeliveryError(f"slack: timed out ({type(exc).__name__})") from None
        except httpx.HTTPError as exc:
            raise RetryableDeliveryError(f"slack: cannot connect ({type(exc).__name__})") from None
        status = response.status_code
        if 200 <= status < 300:
            return
        said = _short_body(response)
        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise RetryableDeliveryError(
                f"slack: rate limited (HTTP 429{said})", retry_after=retry_after
            )
        if status >= 500:
            raise RetryableDeliveryError(f"slack: server error (HTTP {status}{said})")
        hint = _HINTS.get(status, "Slack refused the request")
        raise PermanentDeliveryError(
            f"slack: HTTP {status}{said}: {hint}; check SLACK_WEBHOOK_URL",
            channel_wide=status in _CONFIG_STATUSES,
        )


def _short_body(response: httpx.Response) -> str:
    """Slack's one-word reason ("no_service", "invalid_payload"), bounded and one line."""
    text = " ".join(response.text.split())[:80]
    return f", {text!r}" if text else ""


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)
