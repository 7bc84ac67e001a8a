"""Small helpers shared by tests."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from werkzeug.test import TestResponse


class AuthActions:
    def __init__(self, client: FlaskClient, password: str) -> None:
        self.client = client
        self.password = password

    def login(self, email: str, password: str | None = None, **extra: str) -> TestResponse:
        response = self.client.post(
            "/login", data={"email": email, "password": password or self.password, **extra}
        )
        return response

    def logout(self) -> TestResponse:
        return self.client.post("/logout")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf_token" value="([^"]+)"', html
    )
    assert match, "no CSRF token in page"
    return match.group(1)


def last_link(text: str) -> str:
    links = re.findall(r"https?://\S+", text)
    assert links, "no link in text"
    return links[-1]
