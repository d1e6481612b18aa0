"""Why a delivery did not happen: try again later, or never (until someone fixes the config).

Reasons are written for the person reading `newswatch alerts`: they name the channel and
the fault, never a secret (webhook URL, SMTP password, Apprise URL).
"""

from __future__ import annotations


class DeliveryError(Exception):
    """A channel could not deliver one message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class RetryableDeliveryError(DeliveryError):
    """A passing fault (server down, timeout, rate limit): the outbox tries again later."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        # Seconds the receiver asked us to wait (HTTP 429 Retry-After), when it said so.
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """A fault that retrying cannot fix (revoked webhook, bad password): marked failed."""

    def __init__(self, reason: str, *, channel_wide: bool = False) -> None:
        super().__init__(reason)
        # True when every message on this channel would fail the same way (a wrong webhook
        # URL), so the rest of the run does not knock on the same closed door.
        self.channel_wide = channel_wide


class ChannelConfigError(ValueError):
    """A channel's environment settings cannot be used; the message names the variable."""
