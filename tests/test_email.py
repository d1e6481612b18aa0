"""Email delivery against real SMTP servers (aiosmtpd) on loopback: plain, STARTTLS + AUTH,
implicit TLS."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from newswatch.alerts.email import EmailChannel, SmtpSettings, build_email, parse_smtp_url
from newswatch.alerts.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from tests.support.alerts import MESSAGE
from tests.support.mail import Received, RecordingHandler, free_port, run_server
from tests.support.tls import TlsFiles, write_ca_and_server_cert

USER = "alerts"
PASSWORD = "p@ss:w/rd"  # needs URL-encoding: p%40ss%3Aw%2Frd
RECIPIENTS = ["desk@example.org", "chief@example.org"]


def check_login(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd answers 535 itself (its default assumes we already replied).
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A test CA and the server's certificate for 127.0.0.1, signed by it."""
    return write_ca_and_server_cert(tmp_path_factory.mktemp("tls"))


def server_context(certificate: TlsFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)
    return context


def trusting(certificate: TlsFiles) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate.ca))


@pytest.fixture(scope="module")
def plain_server() -> Iterator[tuple[Controller, RecordingHandler]]:
    handler = RecordingHandler()
    controller = run_server(handler)
    yield controller, handler
    controller.stop()


@pytest.fixture(scope="module")
def starttls_server(certificate: TlsFiles) -> Iterator[tuple[Controller, RecordingHandler]]:
    handler = RecordingHandler()
    controller = run_server(
        handler,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=check_login,
        auth_require_tls=True,
        auth_required=True,
    )
    yield controller, handler
    controller.stop()


@pytest.fixture
def plain(plain_server: tuple[Controller, RecordingHandler]) -> tuple[int, list[Received]]:
    controller, handler = plain_server
    handler.received.clear()
    return controller.port, handler.received


@pytest.fixture
def secured(starttls_server: tuple[Controller, RecordingHandler]) -> tuple[int, list[Received]]:
    controller, handler = starttls_server
    handler.received.clear()
    return controller.port, handler.received


def test_an_alert_arrives_as_text_and_html_with_a_stable_message_id(
    plain: tuple[int, list[Received]],
) -> None:
    port, received = plain
    EmailChannel.from_url(f"smtp://127.0.0.1:{port}", RECIPIENTS).send(MESSAGE)
    (mail,) = received
    assert sorted(mail.rcpt_tos) == sorted(RECIPIENTS)
    assert mail.message["Message-ID"] == "<a1b2c3d4e5f60718@newswatch>"
    assert mail.message.get_content_type() == "multipart/alternative"
    text = mail.message.get_body(("plain",))
    html = mail.message.get_body(("html",))
    assert text is not None and "New contact: call between" in text.get_content()
    assert html is not None and "<h2>New contact" in html.get_content()
    assert mail.message["From"] == mail.mail_from
    assert mail.mail_from.startswith("newswatch@")


def test_starttls_and_login_with_an_encoded_password(
    secured: tuple[int, list[Received]], certificate: TlsFiles
) -> None:
    port, received = secured
    settings = parse_smtp_url(f"smtp://{USER}:p%40ss%3Aw%2Frd@127.0.0.1:{port}")
    channel = EmailChannel(
        settings, RECIPIENTS, "alerts@example.org", ssl_context=trusting(certificate)
    )
    channel.send(MESSAGE)
    (mail,) = received
    assert mail.tls and mail.authenticated
    assert mail.mail_from == "alerts@example.org"


def test_a_wrong_password_is_a_config_error_that_hides_the_password(
    secured: tuple[int, list[Received]], certificate: TlsFiles
) -> None:
    port, received = secured
    settings = SmtpSettings("127.0.0.1", port, False, USER, "not-the-password")
    channel = EmailChannel(settings, RECIPIENTS, ssl_context=trusting(certificate))
    with pytest.raises(PermanentDeliveryError, match="refused the login") as caught:
        channel.send(MESSAGE)
    assert caught.value.channel_wide
    assert "not-the-password" not in str(caught.value) + repr(channel) + repr(settings)
    assert received == []


def test_an_untrusted_certificate_is_a_config_error(secured: tuple[int, list[Received]]) -> None:
    port, _ = secured
    channel = EmailChannel.from_url(f"smtp://{USER}:x@127.0.0.1:{port}", RECIPIENTS)
    with pytest.raises(PermanentDeliveryError, match="not trusted"):
        channel.send(MESSAGE)


def test_implicit_tls_with_smtps(certificate: TlsFiles) -> None:
    handler = RecordingHandler()
    controller = run_server(handler, ssl_context=server_context(certificate))
    try:
        settings = parse_smtp_url(f"smtps://127.0.0.1:{controller.port}")
        EmailChannel(settings, RECIPIENTS, ssl_context=trusting(certificate)).send(MESSAGE)
    finally:
        controller.stop()
    (mail,) = handler.received
    assert mail.tls


def test_a_server_without_auth_refuses_credentials_clearly(
    plain: tuple[int, list[Received]],
) -> None:
    port, received = plain
    channel = EmailChannel.from_url(f"smtp://{USER}:secret@127.0.0.1:{port}", RECIPIENTS)
    with pytest.raises(PermanentDeliveryError, match="does not support AUTH"):
        channel.send(MESSAGE)
    assert received == []


def test_an_unreachable_server_is_retryable() -> None:
    channel = EmailChannel.from_url(f"smtp://127.0.0.1:{free_port()}", RECIPIENTS)
    with pytest.raises(RetryableDeliveryError, match="cannot deliver through"):
        channel.send(MESSAGE)


def test_an_update_replies_to_the_first_alert(plain: tuple[int, list[Received]]) -> None:
    port, received = plain
    update = replace(
        MESSAGE,
        alert_id="9999aaaabbbbcccc",
        kind="update",
        status="denied",
        previous_status="confirmed",
        thread_id="a1b2c3d4e5f60718",
    )
    EmailChannel.from_url(f"smtp://127.0.0.1:{port}", RECIPIENTS).send(update)
    (mail,) = received
    assert mail.message["Message-ID"] == "<9999aaaabbbbcccc@newswatch>"
    assert mail.message["In-Reply-To"] == "<a1b2c3d4e5f60718@newswatch>"
    assert mail.message["References"] == "<a1b2c3d4e5f60718@newswatch>"


def test_a_new_alert_replies_to_nothing() -> None:
    mail = build_email(replace(MESSAGE, thread_id=MESSAGE.alert_id), "a@x.org", RECIPIENTS)
    assert mail["In-Reply-To"] is None and mail["References"] is None


def test_line_breaks_in_message_fields_add_no_header_and_no_recipient(
    plain: tuple[int, list[Received]],
) -> None:
    port, received = plain
    hostile = replace(
        MESSAGE,
        participant_names=("Anna\r\nBcc: victim@example.org\r\nX-Evil: 1", "Boris Beta"),
        evidence="line one\r\n\r\nSubject: spoofed\r\n.\r\nMAIL FROM:<x@y>",
        sources=(("Title\r\nBcc: victim@example.org", "https://wire.example/a", False),),
    )
    EmailChannel.from_url(f"smtp://127.0.0.1:{port}", RECIPIENTS).send(hostile)
    (mail,) = received
    assert sorted(mail.rcpt_tos) == sorted(RECIPIENTS)
    assert mail.message["Bcc"] is None and mail.message["X-Evil"] is None
    assert mail.message.get_all("Subject") == [mail.message["Subject"]]
    assert "\n" not in str(mail.message["Subject"])


def test_smtp_urls_parse_into_settings_and_bad_ones_fail_without_echoing_secrets() -> None:
    settings = parse_smtp_url("smtp://me%40corp:p%40ss@mail.example.org")
    assert (settings.host, settings.port, settings.implicit_tls) == ("mail.example.org", 25, False)
    assert (settings.username, settings.password) == ("me@corp", "p@ss")
    assert parse_smtp_url("smtps://mail.example.org").port == 465
    with pytest.raises(ChannelConfigError, match="smtp:// or smtps://") as caught:
        parse_smtp_url("http://user:hunter2@mail.example.org")
    assert "hunter2" not in str(caught.value)
    assert "p@ss" not in repr(EmailChannel(settings, RECIPIENTS))
