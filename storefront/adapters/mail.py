"""Outgoing mail: SMTP when configured, otherwise the application log (the embedded default).

Either way the store keeps a copy in its outbox table, which admins can read.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any, Protocol

log = logging.getLogger("storefront.mail")


class Mailer(Protocol):
    def send(self, to: str, subject: str, body: str) -> None: ...


class LogMailer:
    """Writes each message to the log; used when no SMTP server is configured."""

    def send(self, to: str, subject: str, body: str) -> None:
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

    def send(self, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to
        message["Subject"] = subject
        message.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def build_mailer(config: Mapping[str, Any]) -> Mailer:
    if config.get("SMTP_HOST"):
        return SmtpMailer(
            config["SMTP_HOST"],
            config["SMTP_PORT"],
            config["MAIL_FROM"],
            config.get("SMTP_USERNAME"),
            config.get("SMTP_PASSWORD"),
            config.get("SMTP_STARTTLS", True),
        )
    return LogMailer()
