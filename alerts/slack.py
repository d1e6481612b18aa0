"""Slack incoming webhooks: one JSON POST per message.

The webhook URL is a secret (anyone holding it can post to the channel), so it appears in
no error, no log record and no repr: errors name the channel, and a logging filter
masks it in httpx's own request log.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from newswatch.alerts.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from newswatch.alerts.messages import Deliverable
from newswatch.alerts.render import render_slack
from newswatch.sources.http import (
    NO_RETRIES,
    HttpPolicy,
    HttpResult,
    Politeness,
    parse_retry_after,
    post_json,
)

log = logging.getLogger(__name__)

# Slack answers a webhook within a second or two; ten seconds covers a slow network
# without letting one message hold a run.
SLACK_TIMEOUT_SECONDS = 10.0
SLACK_CONNECT_TIMEOUT_SECONDS = 5.0
# Slack's answer is a word ("ok", "no_service"); anything past this is not read.
SLACK_REPLY_MAX_BYTES = 64_000

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
    """Posts alerts to one Slack incoming webhook, through the HTTP layer.

    No retries here: the outbox (newswatch/core/delivery.py) retries a message across attempts
    and runs, honouring the Retry-After this channel reports. Private addresses are
    allowed: the webhook is the operator's setting, not a URL read from the news.
    """

    name = "slack"

    def __init__(
        self,
        webhook_url: str,
        *,
        timeout: float = SLACK_TIMEOUT_SECONDS,
        name: str = "slack",
        variable: str = "SLACK_WEBHOOK_URL",
    ) -> None:
        parts = urlsplit(webhook_url.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ChannelConfigError(f"{variable} is not an http(s) URL")
        self.name = name
        self._url = webhook_url.strip()
        self._policy = HttpPolicy(
            user_agent="newswatch",
            allow_private_hosts=True,
            connect_timeout=min(SLACK_CONNECT_TIMEOUT_SECONDS, timeout),
            read_timeout=timeout,
            total_timeout=timeout + SLACK_CONNECT_TIMEOUT_SECONDS,
            max_bytes=SLACK_REPLY_MAX_BYTES,
            max_redirects=0,
            retry=NO_RETRIES,
            politeness=Politeness(concurrency=1, per_host_concurrency=1, per_host_delay=0.0),
        )
        _REDACT.secrets.add(self._url)

    def __repr__(self) -> str:
        return "SlackChannel(webhook=<secret>)"

    def send(self, message: Deliverable) -> None:
        """POST the Block Kit payload; raise a delivery error unless Slack answers 2xx."""
        result = post_json(self._url, render_slack(message), self._policy)
        status = result.http_status
        if status is None:
            reason = (result.error or "no answer").replace(self._url, "<secret webhook>")
            if "timeout" in reason:
                raise RetryableDeliveryError(f"slack: timed out ({reason})")
            if reason.startswith("cannot connect"):
                raise RetryableDeliveryError(f"slack: {reason}")
            raise RetryableDeliveryError(f"slack: cannot connect ({reason})")
        if 200 <= status < 300:
            return
        said = _short_body(result)
        if status == 429:
            raise RetryableDeliveryError(
                f"slack: rate limited (HTTP 429{said})", retry_after=_retry_after(result)
            )
        if status >= 500:
            raise RetryableDeliveryError(f"slack: server error (HTTP {status}{said})")
        hint = _HINTS.get(status, "Slack refused the request")
        raise PermanentDeliveryError(
            f"slack: HTTP {status}{said}: {hint}; check SLACK_WEBHOOK_URL",
            channel_wide=status in _CONFIG_STATUSES,
        )


def _retry_after(result: HttpResult) -> float | None:
    return parse_retry_after(result.header("retry-after"))


def _short_body(result: HttpResult) -> str:
    """Slack's one-word reason ("no_service", "invalid_payload"), bounded and one line."""
    text = " ".join(result.body.decode("utf-8", errors="replace").split())[:80]
    return f", {text!r}" if text else ""
