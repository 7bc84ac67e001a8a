"""Simulated viewers for the scale test, run by Locust in a process of its own.

Each viewer signs in with a pre-created account, browses the catalogue and title pages,
buys films through the Stripe emulator's hosted Checkout and plays them (master playlist,
variant playlist and a few segments, fetched from the signed storage links). Request names
are page types: the test groups its figures by them.

Settings come from the environment: SCALE_ACCOUNTS (a JSON list of emails), SCALE_PASSWORD,
SCALE_SLUGS (a JSON list of title slugs), SCALE_EMULATOR (the emulator's base URL) and
SCALE_FAILURES (a file where every failed request is written with its time, so the test can
tell failures around the node it killed from any other).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import threading
import time
from typing import Any

from locust import HttpUser, between, events, task

ACCOUNTS: list[str] = json.loads(os.environ.get("SCALE_ACCOUNTS", "[]"))
PASSWORD = os.environ.get("SCALE_PASSWORD", "")
SLUGS: list[str] = json.loads(os.environ.get("SCALE_SLUGS", "[]"))
EMULATOR = os.environ.get("SCALE_EMULATOR", "")
FAILURES = os.environ.get("SCALE_FAILURES", "")

_numbers = itertools.count()
_write_lock = threading.Lock()
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PLAYER_CSRF = re.compile(r'data-csrf="([^"]+)"')
SEGMENT = re.compile(r"^(https?://\S+)$", re.MULTILINE)
VARIANT = re.compile(r"^(/watch/play/\S+\.m3u8)$", re.MULTILINE)


@events.request.add_listener
def _record_failure(
    request_type: str,
    name: str,
    exception: Any,
    start_time: float,
    response_time: float,
    context: dict | None = None,
    response: Any = None,
    **_: Any,
) -> None:
    """One line per failure: when it started and ended, which page type, why (with the start
    of the store's answer, which names the refusal)."""
    if exception is None or not FAILURES:
        return
    answer = getattr(response, "text", "") or ""
    line = json.dumps({
        "t": start_time,
        "end": start_time + (response_time or 0) / 1000,
        "name": name,
        "method": request_type,
        "error": str(exception),
        "viewer": (context or {}).get("viewer"),
        "answer": answer[:200],
    })  # fmt: skip
    with _write_lock, open(FAILURES, "a") as log:
        log.write(line + "\n")


class Viewer(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        number = next(_numbers)
        self.email = ACCOUNTS[number % len(ACCOUNTS)]
        # Each viewer comes from an address of its own (nginx appends the real peer), so
        # the per-address login limit is per viewer, as it would be on the internet.
        self.client.headers["X-Forwarded-For"] = f"10.{number // 250}.{number % 250}.1"
        self.client.headers["X-Country"] = "DE"
        self.owned: set[str] = set()
        # Paid, but the store has not said "ready" yet (its webhook job may wait for the
        # surviving worker): slug -> order. A viewer goes to the player once it is ready.
        self.paid: dict[str, str] = {}
        # The stream being watched: the player page's CSRF token and the store's stream info.
        self.stream: tuple[str, dict] | None = None
        self.position = 0
        self.signed_in = False
        self.sign_in()

    def context(self) -> dict:
        return {"viewer": getattr(self, "email", None)}

    def sign_in(self) -> None:
        """Sign in; a viewer whose attempt died with a node tries again, as a person would."""
        page = self.client.get("/login", name="login page")
        token = CSRF.search(page.text)
        if token is None:
            return
        data = {"csrf_token": token.group(1), "email": self.email, "password": PASSWORD}
        with self.client.post(
            "/login", data=data, name="sign in", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code not in (302, 303):
                answer.failure(f"sign-in answered {answer.status_code}")
            self.signed_in = answer.status_code in (302, 303)

    def ensure_signed_in(self) -> bool:
        if not self.signed_in:
            self.sign_in()
        return self.signed_in

    def signed_in_page(self, path: str, name: str) -> None:
        """A page that must show this viewer signed in, whichever node served it."""
        if not self.ensure_signed_in():
            return
        with self.client.get(path, name=name, catch_response=True) as page:
            if page.status_code == 200 and "/logout" not in page.text:
                page.failure("signed out")

    @task(4)
    def catalogue(self) -> None:
        self.signed_in_page("/films", "catalogue")

    @task(4)
    def title_page(self) -> None:
        self.signed_in_page(f"/films/{self.random_slug()}", "title page")

    @task(1)
    def library(self) -> None:
        self.signed_in_page("/library", "library")

    @task(2)
    def buy(self) -> None:
        left = [s for s in SLUGS if s not in self.owned and s not in self.paid]
        if not left or not self.ensure_signed_in():
            return
        slug = left[0]
        page = self.client.get(f"/buy/{slug}", name="buy page")
        token = CSRF.search(page.text)
        if token is None:
            return
        with self.client.post(
            f"/buy/{slug}",
            data={"csrf_token": token.group(1), "kind": "rent"},
            name="checkout start",
            allow_redirects=False,
            catch_response=True,
        ) as started:
            location = started.headers.get("Location", "")
            if started.status_code != 303 or "/c/pay/" not in location:
                started.failure(f"no checkout: {started.status_code} {location}")
                return
        session_id = location.rstrip("/").rsplit("/", 1)[-1]
        paid = self.client.post(
            f"{EMULATOR}/_emulator/checkout/sessions/{session_id}/pay", name="stripe pay"
        )
        if not paid.ok:
            return
        done = re.search(r"/orders/([^/]+)/done", paid.json().get("success_url") or "")
        if done is None:
            return
        self.paid[slug] = done.group(1)
        for _ in range(20):  # the store grants access when the webhook is processed
            if self.ready(slug):
                return
            time.sleep(0.5)

    def ready(self, slug: str) -> bool:
        """Ask the order's status page, as the confirmation page does; owned once ready."""
        state = self.client.get(f"/orders/{self.paid[slug]}/status", name="order status")
        if state.ok and state.json().get("ready"):
            self.owned.add(slug)
            del self.paid[slug]
            return True
        return False

    @task(4)
    def play(self) -> None:
        """Watch one film, as a viewer does for the length of a run: start the stream once,
        then keep it alive with heartbeats and fetch the next segments each time. (Starting
        anew each time would hold a slot per start while its segment links live, and the
        store rightly refuses a fourth concurrent stream.)"""
        if not self.ensure_signed_in():
            return
        for slug in list(self.paid)[:1]:  # a payment still being confirmed: look again
            self.ready(slug)
        if not self.owned:
            return
        if self.stream is None:
            slug = sorted(self.owned)[0]
            player = self.client.get(f"/watch/{slug}", name="player page")
            token = PLAYER_CSRF.search(player.text)
            if token is None:
                return
            started = self.client.post(
                f"/watch/{slug}/start",
                json={},
                headers={"X-CSRFToken": token.group(1)},
                name="play start",
            )
            if not started.ok:
                return
            self.stream = (token.group(1), started.json())
            self.position = 0
        else:
            token, stream = self.stream
            self.position += 6
            beat = self.client.post(
                stream["heartbeat_url"],
                json={"position": self.position},
                headers={"X-CSRFToken": token},
                name="heartbeat",
            )
            if not beat.ok:
                self.stream = None  # start again next time, as the player does
                return
            self.stream = (token, beat.json())
        master = self.client.get(self.stream[1]["master_url"], name="playlist")
        variant = VARIANT.search(master.text)
        if variant is None:
            return
        playlist = self.client.get(variant.group(1), name="playlist")
        segments = SEGMENT.findall(playlist.text)
        first = (self.position // 6) % max(len(segments), 1)
        for url in segments[first : first + 2]:
            self.client.get(url, name="segment")

    def random_slug(self) -> str:
        return SLUGS[int(time.monotonic() * 1000) % len(SLUGS)]
