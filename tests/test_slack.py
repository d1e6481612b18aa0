"""Slack webhook delivery against a real HTTP server on loopback."""

from __future__ import annotations

import email.utils
import json
import logging
import socket
import time
from collections.abc import Iterator

import pytest

from newswatch.alerts.errors import PermanentDeliveryError, RetryableDeliveryError
from newswatch.alerts.slack import SlackChannel
from tests.support.alerts import MESSAGE
from tests.support.loopback import LoopbackServer, Reply, Request

HOOK = "/services/T000/B000/SECRETtoken123"


@pytest.fixture(scope="module")
def webhook_server() -> Iterator[LoopbackServer]:
    # One server for the module: stopping one takes half a second.
    with LoopbackServer() as server:
        yield server


@pytest.fixture
def loopback(webhook_server: LoopbackServer) -> LoopbackServer:
    webhook_server.routes.clear()
    webhook_server.requests.clear()
    return webhook_server


def hook(loopback: LoopbackServer, status: int, body: bytes = b"", **headers: str) -> list[dict]:
    """Route the webhook path to a fixed answer; returns the list of JSON bodies received."""
    received: list[dict] = []

    def answer(request: Request) -> Reply:
        received.append(json.loads(request.body))
        return Reply(status, body, dict(headers))

    loopback.routes[HOOK] = answer
    return received


def test_a_200_answer_means_sent_and_the_payload_is_block_kit(loopback: LoopbackServer) -> None:
    received = hook(loopback, 200, b"ok")
    SlackChannel(loopback.url(HOOK)).send(MESSAGE)
    (payload,) = received
    assert payload["blocks"][0]["type"] == "header"
    assert "a1b2c3d4e5f60718" in payload["text"]
    assert loopback.requests[0].headers["Content-Type"] == "application/json"


def test_a_429_is_retryable_and_carries_retry_after(loopback: LoopbackServer) -> None:
    hook(loopback, 429, b"rate_limited", **{"Retry-After": "7"})
    with pytest.raises(RetryableDeliveryError) as caught:
        SlackChannel(loopback.url(HOOK)).send(MESSAGE)
    assert caught.value.retry_after == 7.0


def test_a_500_is_retryable(loopback: LoopbackServer) -> None:
    hook(loopback, 500, b"boom")
    with pytest.raises(RetryableDeliveryError, match="HTTP 500") as caught:
        SlackChannel(loopback.url(HOOK)).send(MESSAGE)
    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_revoked_or_wrong_webhook_is_a_channel_wide_config_error(
    loopback: LoopbackServer, status: int
) -> None:
    hook(loopback, status, b"no_service")
    with pytest.raises(PermanentDeliveryError) as caught:
        SlackChannel(loopback.url(HOOK)).send(MESSAGE)
    assert caught.value.channel_wide
    assert f"HTTP {status}, 'no_service'" in caught.value.reason
    assert "check SLACK_WEBHOOK_URL" in caught.value.reason


def test_a_refused_payload_fails_that_message_only(loopback: LoopbackServer) -> None:
    hook(loopback, 400, b"invalid_payload")
    with pytest.raises(PermanentDeliveryError, match="invalid_payload") as caught:
        SlackChannel(loopback.url(HOOK)).send(MESSAGE)
    assert not caught.value.channel_wide


def test_a_slow_webhook_times_out_as_retryable(loopback: LoopbackServer) -> None:
    loopback.routes[HOOK] = lambda request: Reply(200, b"ok", delay=1.0)
    channel = SlackChannel(loopback.url(HOOK), timeout=0.2)
    with pytest.raises(RetryableDeliveryError, match="timed out"):
        channel.send(MESSAGE)


def test_an_unreachable_webhook_is_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RetryableDeliveryError, match="cannot connect"):
        SlackChannel(f"http://127.0.0.1:{port}{HOOK}").send(MESSAGE)


def test_the_webhook_url_is_in_no_repr_error_or_log(
    loopback: LoopbackServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    channel = SlackChannel(loopback.url(HOOK))
    hook(loopback, 200, b"ok")
    channel.send(MESSAGE)
    hook(loopback, 404, b"no_service")
    with pytest.raises(PermanentDeliveryError) as caught:
        channel.send(MESSAGE)
    assert any(r.name == "httpx" for r in caplog.records)  # httpx did log the requests
    for text in (repr(channel), str(caught.value), caplog.text):
        assert "SECRETtoken123" not in text


def test_a_429_with_an_http_date_carries_the_seconds_until_then(loopback: LoopbackServer) -> None:
    then = email.utils.formatdate(time.time() + 30, usegmt=True)
    hook(loopback, 429, b"rate_limited", **{"Retry-After": then})
    with pytest.raises(RetryableDeliveryError) as caught:
        SlackChannel(loopback.url(HOOK)).send(MESSAGE)
    assert caught.value.retry_after is not None and 28.0 <= caught.value.retry_after <= 30.0


def test_the_post_goes_through_the_http_layer(loopback: LoopbackServer) -> None:
    # The layer's client: its User-Agent, gzip/deflate only (what it can inflate within
    # bounds), and no redirect followed with the message.
    loopback.routes[HOOK] = lambda request: Reply(302, b"", {"Location": "/elsewhere"})
    with pytest.raises(PermanentDeliveryError, match="HTTP 302"):
        SlackChannel(loopback.url(HOOK)).send(MESSAGE)
    (request,) = loopback.requests
    assert request.headers["User-Agent"] == "newswatch"
    assert request.headers["Accept-Encoding"] == "gzip, deflate"
