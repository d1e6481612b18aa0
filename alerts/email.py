"""Email alerts over SMTP (smtplib): text + HTML, a stable Message-ID, updates threaded.

`NEWSWATCH_SMTP_URL` is `smtp://user:pass@host:port` (STARTTLS whenever the server offers
it) or `smtps://…` (TLS from the first byte). The password and the full URL never appear
in an error, a log record or a repr.
"""

from __future__ import annotations

import ipaddress
import logging
import smtplib
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from urllib.parse import unquote, urlsplit

from newswatch.alerts.errors import (
    ChannelConfigError,
    PermanentDeliveryError,
    RetryableDeliveryError,
)
from newswatch.alerts.messages import Deliverable, Digest
from newswatch.alerts.render import render_html, render_subject, render_text
from newswatch.domain import OpsNotice

# A mail server answers each command within seconds; 20 s allows a slow greeting.
SMTP_TIMEOUT = 20.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
MESSAGE_ID_DOMAIN = "newswatch"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to submit mail; `repr` hides the password."""

    host: str
    port: int
    implicit_tls: bool
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def where(self) -> str:
        """host:port, for error messages."""
        return f"{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpSettings:
    """`smtp://user:pass@host:port` / `smtps://…` → settings; user and password URL-decoded."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise ChannelConfigError("NEWSWATCH_SMTP_URL is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ChannelConfigError(
            f"NEWSWATCH_SMTP_URL must start with smtp:// or smtps:// (got {scheme or 'nothing'}://)"
        )
    if not parts.hostname:
        raise ChannelConfigError("NEWSWATCH_SMTP_URL names no host")
    return SmtpSettings(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        implicit_tls=scheme == "smtps",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def split_addresses(value: str) -> list[str]:
    """'a@x, b@y' → ['a@x', 'b@y']."""
    return [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]


def default_sender() -> str:
    """newswatch@<this host>."""
    return f"newswatch@{socket.gethostname() or 'localhost'}"


def message_id_header(message_id: str) -> str:
    """The stable RFC 5322 Message-ID for an alert id."""
    return f"<{message_id}@{MESSAGE_ID_DOMAIN}>"


def build_email(item: Deliverable, sender: str, recipients: Sequence[str]) -> EmailMessage:
    """The MIME message: multipart/alternative (text, HTML), stable Message-ID, threading."""
    mail = EmailMessage()
    mail["Subject"] = render_subject(item)
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Auto-Submitted"] = "auto-generated"
    if isinstance(item, OpsNotice):
        mail["Message-ID"] = message_id_header(item.notice_id)
    elif isinstance(item, Digest):
        mail["Message-ID"] = message_id_header(item.digest_id)
    else:
        mail["Message-ID"] = message_id_header(item.alert_id)
        if item.kind == "update" and item.thread_id and item.thread_id != item.alert_id:
            first = message_id_header(item.thread_id)
            mail["In-Reply-To"] = first
            mail["References"] = first
    mail.set_content(render_text(item))
    mail.add_alternative(render_html(item), subtype="html")
    return mail


class EmailChannel:
    """Sends alerts to fixed recipients through one SMTP server."""

    name = "email"

    def __init__(
        self,
        settings: SmtpSettings,
        recipients: Sequence[str],
        sender: str | None = None,
        *,
        timeout: float = SMTP_TIMEOUT,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if not recipients:
            raise ChannelConfigError("NEWSWATCH_EMAIL_TO names no recipient")
        for address in (*recipients, sender or ""):
            if any(c in address for c in "\r\n"):
                raise ChannelConfigError("email addresses must not contain line breaks")
        self.settings = settings
        self.recipients = tuple(recipients)
        self.sender = sender or default_sender()
        self._timeout = timeout
        self._ssl_context = ssl_context

    @classmethod
    def from_url(
        cls, url: str, recipients: Sequence[str], sender: str | None = None
    ) -> EmailChannel:
        """A channel from `NEWSWATCH_SMTP_URL`."""
        return cls(parse_smtp_url(url), recipients, sender)

    def __repr__(self) -> str:
        who = f"{self.settings.username}@" if self.settings.username else ""
        return f"EmailChannel(server={who}{self.settings.where}, to={list(self.recipients)})"

    def send(self, message: Deliverable) -> None:
        """Submit the message; raise a delivery error that names the server, not the secret."""
        self.submit(build_email(message, self.sender, self.recipients))

    def submit(self, mail: EmailMessage) -> None:
        """Deliver a built message (one SMTP session)."""
        s = self.settings
        context = self._ssl_context or ssl.create_default_context()
        try:
            client: smtplib.SMTP
            if s.implicit_tls:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=self._timeout, context=context)
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=self._timeout)
            with client:
                client.ehlo()
                secure = s.implicit_tls
                if not secure and client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                    secure = True
                if s.username:
                    if not secure and not _is_loopback(s.host):
                        raise PermanentDeliveryError(
                            f"email: {s.where} offers no TLS; refusing to send the SMTP "
                            "password in clear (use smtps:// or a server with STARTTLS)",
                            channel_wide=True,
                        )
                    client.login(s.username, s.password or "")
                refused = client.send_message(mail, to_addrs=list(self.recipients))
        except (PermanentDeliveryError, RetryableDeliveryError):
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise PermanentDeliveryError(
                f"email: {s.where} refused the login for user {s.username!r} "
                f"({exc.smtp_code}); check NEWSWATCH_SMTP_URL",
                channel_wide=True,
            ) from None
        except smtplib.SMTPNotSupportedError:
            raise PermanentDeliveryError(
                f"email: {s.where} does not support AUTH (drop the user from NEWSWATCH_SMTP_URL "
                "or use a server that requires it over TLS)",
                channel_wide=True,
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            reason = f"email: {s.where} refused every recipient (codes {sorted(set(codes))})"
            if all(400 <= c < 500 for c in codes):
                raise RetryableDeliveryError(reason) from None
            raise PermanentDeliveryError(
                reason + "; check NEWSWATCH_EMAIL_TO", channel_wide=True
            ) from None
        except smtplib.SMTPResponseException as exc:
            reason = f"email: {s.where} answered {exc.smtp_code} {_reply_text(exc.smtp_error)}"
            if 400 <= exc.smtp_code < 500:
                raise RetryableDeliveryError(reason) from None
            raise PermanentDeliveryError(reason) from None
        except ssl.SSLCertVerificationError as exc:
            raise PermanentDeliveryError(
                f"email: the TLS certificate of {s.where} is not trusted ({exc.verify_message})",
                channel_wide=True,
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, dropped sessions, TLS hiccups: try again later.
            raise RetryableDeliveryError(
                f"email: cannot deliver through {s.where} ({type(exc).__name__})"
            ) from None
        if refused:
            # Some recipients got it; retrying would repeat it to them, so this counts as sent.
            log.warning(
                "email: %s refused some recipients: %s", s.where, ", ".join(sorted(refused))
            )


def _reply_text(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())[:120]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
