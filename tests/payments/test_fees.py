"""Platform fees and payment settings: exact minor units, never floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from storefront.config import ConfigError, check_config, load_config
from storefront.services.payments.connect import requirement_labels
from storefront.services.payments.fees import platform_fee


@pytest.mark.parametrize(
    ("amount", "currency", "percent", "fixed", "fee"),
    [
        (1299, "EUR", "10", "EUR:30", 160),  # 129.9 -> 130, + 30
        (1000, "EUR", "7.5", "", 75),
        (1005, "EUR", "0.5", "", 5),  # 5.025 -> 5
        (1010, "EUR", "0.25", "", 3),  # 2.525 -> 3 (half up)
        (1299, "EUR", "0", "", 0),  # zero allowed
        (600, "JPY", "10", "EUR:30,JPY:0", 60),  # fixed fees are per currency
        (600, "JPY", "10", "EUR:30", 60),  # an unlisted currency has no fixed fee
        (2500, "KWD", "10", "KWD:300", 550),  # three-decimal currencies
        (100, "EUR", "100", "EUR:30", 100),  # never more than the amount
    ],
)
def test_platform_fee(amount, currency, percent, fixed, fee):
    assert platform_fee(amount, currency, percent, fixed) == fee


def test_fee_settings_are_parsed_exactly():
    config = load_config({"PLATFORM_FEE_PERCENT": "7.5", "PLATFORM_FEE_FIXED": "eur:30, JPY:0"})

    assert config["PLATFORM_FEE_PERCENT"] == Decimal("7.5")
    assert config["PLATFORM_FEE_FIXED"] == {"EUR": 30, "JPY": 0}
    assert (
        load_config({})["PLATFORM_FEE_PERCENT"] == 0 and load_config({})["PLATFORM_FEE_FIXED"] == {}
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PLATFORM_FEE_PERCENT": "ten"}, "PLATFORM_FEE_PERCENT must be a number"),
        ({"PLATFORM_FEE_PERCENT": "120"}, "between 0 and 100"),
        ({"PLATFORM_FEE_PERCENT": "-1"}, "between 0 and 100"),
        ({"PLATFORM_FEE_PERCENT": "7.555"}, "at most two decimals"),
        ({"PLATFORM_FEE_FIXED": "EUR30"}, "CURRENCY:MINOR_UNITS"),
        ({"PLATFORM_FEE_FIXED": "EUR:0.30"}, "CURRENCY:MINOR_UNITS"),
        ({"PAYMENTS_BACKEND": "paypal"}, "PAYMENTS_BACKEND must be one of offline, stripe"),
        ({"ORDER_PENDING_MINUTES": "0"}, "ORDER_PENDING_MINUTES must be at least 1"),
    ],
)
def test_bad_payment_settings_stop_the_start(env, message):
    with pytest.raises(ConfigError, match=message):
        load_config(env)


def test_production_refuses_stripe_without_keys():
    base = {
        "STOREFRONT_ENV": "production",
        "SECRET_KEY": "k3Jx9-Qw2Lm8Zp4Rt7Vy1Bn6Hc5Fd0Gs",
        "PUBLIC_URL": "https://films.example",
        "PAYMENTS_BACKEND": "stripe",
    }

    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY must be set"):
        check_config(load_config(base))
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET must be set"):
        check_config(load_config({**base, "STRIPE_SECRET_KEY": "sk_live_x"}))
    keys = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    warnings = check_config(load_config({**base, **keys}))
    assert any("test-mode key" in w for w in warnings)


def test_requirements_read_as_plain_words():
    assert requirement_labels(
        [
            "external_account",
            "tos_acceptance.date",
            "tos_acceptance.ip",
            "individual.dob.day",
            "settings.something_new",
        ]
    ) == [
        "A bank account for payouts",
        "Accepting Stripe's terms of service",
        "Your personal details",
        "Settings: something new",
    ]
