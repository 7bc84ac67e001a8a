"""A real SMTP server on loopback (aiosmtpd), started once per run, that keeps what it
receives so tests can read the mails and follow their links.

``smtp_server.fail_next(code_and_text)`` makes the next DATA command answer with that reply
(e.g. ``"451 4.3.0 Try again later"``), to test retries and refusals.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage

import pytest


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Mailbox:
    """What the server received, parsed, in arrival order."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.failures: list[str] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's hook name
        if self.failures:
            return self.failures.pop(0)
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def fail_next(self, reply: str, times: int = 1) -> None:
        self.failures.extend([reply] * times)

    def clear(self) -> None:
        self.messages.clear()
        self.failures.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "no plain-text part"
    return part.get_content()


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "no HTML part"
    return part.get_content()


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    mailbox.port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()


def with_smtp(settings: dict, server: Mailbox) -> dict:
    """Settings whose app mails the loopback server (override ``settings`` with this)."""
    settings.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False)
    return settings


@pytest.fixture
def mailbox(smtp_server: Mailbox) -> Mailbox:
    """The loopback server's mailbox, emptied for this test."""
    smtp_server.clear()
    return smtp_server
