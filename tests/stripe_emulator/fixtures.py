"""Pytest plugin: ``pytest_plugins = ["tests.stripe_emulator.fixtures"]``.

``stripe_emulator`` is started once per test session; ``stripe_emu`` hands it
out reset (no objects, events, endpoints or injected faults) to each test, and
``stripe_client`` is an SDK client pointed at it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe

from .emulator import StripeEmulator


@pytest.fixture(scope="session")
def stripe_emulator() -> Iterator[StripeEmulator]:
    """One emulator for the whole test session."""
    emu = StripeEmulator().start()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture
def stripe_emu(stripe_emulator: StripeEmulator) -> StripeEmulator:
    """The shared emulator, reset for this test."""
    stripe_emulator.reset()
    return stripe_emulator


@pytest.fixture
def stripe_client(stripe_emu: StripeEmulator) -> stripe.StripeClient:
    """An SDK client talking to the emulator, without automatic retries."""
    url = stripe_emu.url
    return stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": url, "connect": url, "files": url},
        max_network_retries=0,
    )
