"""Outgoing mail: SMTP when configured, otherwise the application log (the embedded default).

Either way the store keeps a copy in its outbox table, which admins can read.

Failures come out as two exceptions the callers can act on: :class:`TemporaryMailError`
(a 4xx reply, a dropped or refused connection: try again later) and
:class:`PermanentMailError` (a 5xx reply: trying again would be refused again).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

log = logging.getLogger("storefront.mail")


class _UrlListHeader(UnstructuredHeader):
    """``<URL>, <URL>`` (RFC 2369), written as given and folded only between entries: the
    default folding cuts a long URL into RFC 2047 encoded words, which mail clients do not
    decode in this header (and one-click unsubscribe then fails)."""

    def fold(self, *, policy) -> str:  # type: ignore[no-untyped-def, override]
        entries = [entry.strip() for entry in str(self).split(",")]
        return f"{self.name}: " + f",{policy.linesep} ".join(entries) + policy.linesep


_headers = HeaderRegistry()
_headers.map_to_type("list-unsubscribe", _UrlListHeader)
MESSAGE_POLICY = default.clone(header_factory=_headers)


class MailError(Exception):
    """Sending failed; the message says what the server or the network answered."""


class TemporaryMailError(MailError):
    """Worth retrying: the server asked to try later, or could not be reached."""


class PermanentMailError(MailError):
    """Not worth retrying: the server refused the message or its recipient."""


class Mailer(Protocol):
    def send(
        self,
        to: str,
        subject: str,
        body: str,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None: ...


def build_message(
    sender: str,
    to: str,
    subject: str,
    body: str,
    html: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> EmailMessage:
    """A plain-text message, with an HTML alternative when ``html`` is given."""
    message = EmailMessage(policy=MESSAGE_POLICY)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)  # required (RFC 5322 3.6); relays may not add it
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


class LogMailer:
    """Writes each message to the log; used when no SMTP server is configured."""

    def send(
        self,
        to: str,
        subject: str,
        body: str,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        log.info("Mail to %s: %s\n%s", to, subject, body)


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = True,
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.starttls = username, password, starttls
        self.timeout = timeout

    def send(
        self,
        to: str,
        subject: str,
        body: str,
        html: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        message = build_message(self.sender, to, subject, body, html, headers)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            replies = list(exc.recipients.values())
            text = "; ".join(f"{code} {_text(reply)}" for code, reply in replies)
            raise _classified(min(code for code, _ in replies), text) from exc
        except smtplib.SMTPResponseException as exc:
            raise _classified(exc.smtp_code, f"{exc.smtp_code} {_text(exc.smtp_error)}") from exc
        except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, OSError) as exc:
            raise TemporaryMailError(f"{type(exc).__name__}: {exc}") from exc
        except smtplib.SMTPException as exc:
            raise PermanentMailError(f"{type(exc).__name__}: {exc}") from exc


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _classified(code: int, text: str) -> MailError:
    """4xx replies are temporary by the SMTP standard (RFC 5321, 4.2.1); 5xx are final."""
    if 400 <= code < 500:
        return TemporaryMailError(text)
    return PermanentMailError(text)


def build_mailer(config: Mapping[str, Any]) -> Mailer:
    if config.get("SMTP_HOST"):
        return SmtpMailer(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["MAIL_FROM"],
            config.get("SMTP_USERNAME"),
            config.get("SMTP_PASSWORD"),
            config.get("SMTP_STARTTLS", True),
            config.get("SMTP_TIMEOUT", 10.0),
        )
    return LogMailer()
