"""Settings from the environment, with safe development defaults and a strict production mode."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .config_values import (
    ConfigError,
    as_bool,
    as_int,
    as_list,
    as_networks,
    choice,
    country,
    database_url,
    engine_options,
    geoip_backend,
    parse_fee_fixed,
    parse_fee_percent,
    positive_int,
    public_hosts,
    public_url,
    rate_limit,
    ratelimit_storage,
    redis_url,
    sweep_minutes,
    transcode_ladder,
    upload_sizes,
    x264_preset,
)

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - recognised and refused in production
log = logging.getLogger(__name__)
# A random key of 32+ characters uses far more distinct characters than this (hex: 16).
MIN_SECRET_DISTINCT_CHARACTERS = 10
# The interface languages the store ships catalogues for (Arabic is laid out right to left).
INTERFACE_LANGUAGES = ("en", "fr", "es", "de", "nb", "ja", "ar")


def load_config(env: Mapping[str, str] | None = None, instance_path: str | None = None) -> dict:
    """Build the Flask config dict from environment variables (documented in the README)."""
    env = os.environ if env is None else env
    instance = Path(instance_path or env.get("INSTANCE_PATH") or Path.cwd() / "instance")
    mode = env.get("STOREFRONT_ENV", "development").lower()
    if mode not in {"development", "production", "test"}:
        raise ConfigError(f"STOREFRONT_ENV must be development, production or test, not {mode!r}")
    production = mode == "production"
    redis = redis_url(env)
    max_upload, upload_part = upload_sizes(env)
    store_url = public_url(env)

    config: dict[str, Any] = {
        "ENV_MODE": mode,
        "PRODUCTION": production,
        "TESTING": mode == "test",
        "DEBUG": as_bool(env.get("FLASK_DEBUG")),
        "SECRET_KEY": env.get("SECRET_KEY") or (None if production else DEV_SECRET_KEY),
        "PUBLIC_URL": store_url,
        "PUBLIC_URL_SET": bool(env.get("PUBLIC_URL")),
        # Requests naming another Host get a 400 (Flask checks it); production serves
        # PUBLIC_URL's host unless told otherwise.
        "TRUSTED_HOSTS": as_list(env.get("TRUSTED_HOSTS"))
        or (public_hosts(store_url) if production else None),
        "INSTANCE_PATH": str(instance),
        # Database
        "SQLALCHEMY_DATABASE_URI": database_url(env, f"sqlite:///{instance / 'storefront.db'}"),
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(env),
        # Sessions and cookies
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * as_int(env, "REMEMBER_DAYS", 30),
        # Studio invitations a day, per inviting account and per studio (mail is not a
        # free channel for whoever opens an account).
        "INVITES_PER_ACCOUNT_DAY": positive_int(env, "INVITES_PER_ACCOUNT_DAY", 20),
        "INVITES_PER_STUDIO_DAY": positive_int(env, "INVITES_PER_STUDIO_DAY", 30),
        # Studios one account may own: each has its own invitation allowance above.
        "STUDIOS_PER_ACCOUNT": positive_int(env, "STUDIOS_PER_ACCOUNT", 5),
        "PASSWORD_RESET_MAX_AGE": as_int(env, "PASSWORD_RESET_MAX_AGE", 3600),
        # Every body is small; routes that take files raise it by their files' limits
        # (storefront/web/request_guards.py).
        "MAX_CONTENT_LENGTH": positive_int(env, "MAX_REQUEST_BYTES", 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "MAX_FORM_PARTS": positive_int(env, "MAX_FORM_FIELDS", 4000),
        "WTF_CSRF_ENABLED": as_bool(env.get("WTF_CSRF_ENABLED"), True),
        # Rate limits and jobs share Redis when it is configured.
        "REDIS_URL": redis,
        "RATELIMIT_STORAGE_URI": ratelimit_storage(env, redis),
        "RATELIMIT_ENABLED": as_bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "AUTH_RATE_LIMIT": rate_limit(env, "AUTH_RATE_LIMIT", "10 per minute;50 per hour"),
        "CODE_RATE_LIMIT": rate_limit(env, "CODE_RATE_LIMIT", "10 per minute;50 per hour"),
        # Stores sharing one Redis keep their rate-limit counters apart with this prefix.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", ""),
        "JOBS_BACKEND": choice(
            env, "JOBS_BACKEND", ("redis", "sqlite"), "redis" if redis else "sqlite"
        ),
        "JOBS_SQLITE_PATH": env.get("JOBS_SQLITE_PATH") or str(instance / "jobs.db"),
        "JOBS_IMMEDIATE": as_bool(env.get("JOBS_IMMEDIATE")),
        # Queue name: the key prefix on Redis, so several stores can share one server.
        "JOBS_QUEUE_NAME": env.get("JOBS_QUEUE_NAME") or "storefront",
        # Media pipeline (storefront/tasks/media.py)
        "FFMPEG_PATH": env.get("FFMPEG_PATH") or None,
        "TRANSCODE_LADDER": transcode_ladder(env.get("TRANSCODE_LADDER")),
        "TRANSCODE_SEGMENT_SECONDS": positive_int(env, "TRANSCODE_SEGMENT_SECONDS", 6),
        "TRANSCODE_PRESET": x264_preset(env),
        "TRANSCODE_THREADS": as_int(env, "TRANSCODE_THREADS", 0),
        "TRANSCODE_TIMEOUT_FACTOR": positive_int(env, "TRANSCODE_TIMEOUT_FACTOR", 10),
        "TRANSCODE_MAX_ATTEMPTS": positive_int(env, "TRANSCODE_MAX_ATTEMPTS", 3),
        "TRANSCODE_RETRY_SECONDS": positive_int(env, "TRANSCODE_RETRY_SECONDS", 60),
        "TRANSCODE_STALE_SECONDS": positive_int(env, "TRANSCODE_STALE_SECONDS", 300),
        "TRANSCODE_SWEEP_MINUTES": sweep_minutes(env),
        # Seconds win over minutes when set (short sweeps for tests and small installs).
        "TRANSCODE_SWEEP_SECONDS": positive_int(
            env, "TRANSCODE_SWEEP_SECONDS", 60 * sweep_minutes(env)
        ),
        # Per store: a worker clears an asset's earlier scratch by asset id, so two stores on
        # one machine must not share it.
        "TRANSCODE_WORK_DIR": env.get("TRANSCODE_WORK_DIR") or str(instance / "transcode"),
        # Mail
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": as_int(env, "SMTP_PORT", 587),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": as_bool(env.get("SMTP_STARTTLS"), True),
        "MAIL_FROM": env.get("MAIL_FROM", "Storefront <no-reply@localhost>"),
        "SMTP_TIMEOUT": positive_int(env, "SMTP_TIMEOUT", 10),
        # Notifications (storefront/services/accounts/notifications): attempts on temporary SMTP
        # errors, and how many mails one account receives per hour and one studio causes per day.
        "MAIL_MAX_ATTEMPTS": positive_int(env, "MAIL_MAX_ATTEMPTS", 6),
        "MAIL_RETRY_SECONDS": positive_int(env, "MAIL_RETRY_SECONDS", 60),
        "MAIL_PER_ACCOUNT_PER_HOUR": positive_int(env, "MAIL_PER_ACCOUNT_PER_HOUR", 20),
        "MAIL_PER_STUDIO_PER_DAY": positive_int(env, "MAIL_PER_STUDIO_PER_DAY", 500),
        # Screeners one account sends a day across all its studios: a studio-chosen name goes
        # to strangers' inboxes, and an account may own several studios.
        "SCREENERS_PER_ACCOUNT_PER_DAY": positive_int(env, "SCREENERS_PER_ACCOUNT_PER_DAY", 200),
        # The country whose prices search engines are shown (JSON-LD offers, embeds' fallback).
        "STORE_DEFAULT_COUNTRY": country(env, "STORE_DEFAULT_COUNTRY", "US"),
        # Internationalisation
        "LANGUAGES": as_list(env.get("LANGUAGES")) or list(INTERFACE_LANGUAGES),
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # Media storage (see storefront/adapters/storage) and uploads
        "STORAGE_BACKEND": choice(env, "STORAGE_BACKEND", ("local", "s3"), "local"),
        "STORAGE_LOCAL_ROOT": env.get("STORAGE_LOCAL_ROOT") or str(instance / "media"),
        "S3_BUCKET": env.get("S3_BUCKET") or None,
        "S3_REGION": env.get("S3_REGION") or "us-east-1",
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_ADDRESSING_STYLE": choice(
            env, "S3_ADDRESSING_STYLE", ("auto", "path", "virtual"), "auto"
        ),
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY") or None,
        "S3_SESSION_TOKEN": env.get("S3_SESSION_TOKEN") or None,
        "S3_PART_CHECKSUMS": as_bool(env.get("S3_PART_CHECKSUMS"), True),
        "MAX_UPLOAD_BYTES": max_upload,
        "UPLOAD_PART_BYTES": upload_part,
        "UPLOAD_URL_EXPIRES": as_int(env, "UPLOAD_URL_EXPIRES", 3600),
        "UPLOAD_ABANDON_HOURS": as_int(env, "UPLOAD_ABANDON_HOURS", 24),
        "MEDIA_URL_EXPIRES": as_int(env, "MEDIA_URL_EXPIRES", 3600),
        "IMAGE_MAX_BYTES": as_int(env, "IMAGE_MAX_BYTES", 20 * 1024 * 1024),
        "IMAGE_MAX_PIXELS": as_int(env, "IMAGE_MAX_PIXELS", 40_000_000),
        "SUBTITLE_MAX_BYTES": as_int(env, "SUBTITLE_MAX_BYTES", 2 * 1024 * 1024),
        # Where viewers are (storefront/adapters/geo.py)
        "GEO_COUNTRY_HEADER": env.get("GEO_COUNTRY_HEADER") or None,
        "GEO_TRUSTED_PROXIES": as_networks(env, "GEO_TRUSTED_PROXIES"),
        "GEOIP_DB_PATH": env.get("GEOIP_DB_PATH") or None,
        "GEOIP_BACKEND": geoip_backend(env),
        "DEV_COUNTRY": (env.get("DEV_COUNTRY") or "").strip().upper() or None,
        # Where the store is established (ISO 3166-1 alpha-2), and whether EU cross-border
        # portability applies: "auto" (on for a store in the EEA), "on" or "off".
        "STORE_COUNTRY": (env.get("STORE_COUNTRY") or "").strip().upper() or None,
        # The operator's exchange rates for suggested local prices ("EUR=1;NOK=11.6", or a
        # CSV file of "currency,rate" lines); never fetched from the internet.
        "EXCHANGE_RATES": env.get("EXCHANGE_RATES") or "",
        "EXCHANGE_RATES_FILE": env.get("EXCHANGE_RATES_FILE") or None,
        "PORTABILITY": (env.get("PORTABILITY") or "auto").strip().lower(),
        # Payments (see storefront/adapters/payments)
        "PAYMENTS_BACKEND": choice(env, "PAYMENTS_BACKEND", ("offline", "stripe"), "offline"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": (env.get("STRIPE_API_BASE") or "").rstrip("/") or None,
        "STRIPE_CONNECT": as_bool(env.get("STRIPE_CONNECT")),
        "STRIPE_AUTOMATIC_TAX": as_bool(env.get("STRIPE_AUTOMATIC_TAX")),
        "STRIPE_MAX_NETWORK_RETRIES": as_int(env, "STRIPE_MAX_NETWORK_RETRIES", 2),
        "STRIPE_TIMEOUT_SECONDS": as_int(env, "STRIPE_TIMEOUT_SECONDS", 10),
        "PLATFORM_FEE_PERCENT": parse_fee_percent(env.get("PLATFORM_FEE_PERCENT")),
        "PLATFORM_FEE_FIXED": parse_fee_fixed(env.get("PLATFORM_FEE_FIXED")),
        "ORDER_PENDING_MINUTES": as_int(env, "ORDER_PENDING_MINUTES", 60),
        "SITE_NAME": env.get("SITE_NAME", "Storefront"),
        # Where this store's source code can be downloaded (the AGPL asks a network service to
        # offer it); the footer's "Source code" page links to it.
        "SOURCE_URL": env.get("SOURCE_URL") or None,
        # Sites allowed to frame the views marked allow_framing (embeddable widgets only).
        "EMBED_FRAME_ANCESTORS": env.get("EMBED_FRAME_ANCESTORS") or "*",
        # Playback
        "MAX_CONCURRENT_STREAMS": positive_int(env, "MAX_CONCURRENT_STREAMS", 3),
        "STREAM_IDLE_SECONDS": as_int(env, "STREAM_IDLE_SECONDS", 120),
        "PLAYBACK_TOKEN_SECONDS": as_int(env, "PLAYBACK_TOKEN_SECONDS", 900),
        "SEGMENT_URL_SECONDS": as_int(env, "SEGMENT_URL_SECONDS", 300),
        "CATALOGUE_CACHE_SECONDS": as_int(env, "CATALOGUE_CACHE_SECONDS", 30),
        # A CDN edge in front of storage that checks nginx secure_link tokens (docs/scaling.md)
        "CDN_BASE_URL": (env.get("CDN_BASE_URL") or "").rstrip("/") or None,
        "CDN_SECURE_LINK_SECRET": env.get("CDN_SECURE_LINK_SECRET") or None,
    }
    # Keys pasted into each other's place (or the publishable key) fail only at the first sale.
    if config["STRIPE_SECRET_KEY"] and not config["STRIPE_SECRET_KEY"].startswith(("sk_", "rk_")):
        raise ConfigError("STRIPE_SECRET_KEY must be a secret key (sk_… or a restricted rk_…)")
    if config["STRIPE_WEBHOOK_SECRET"] and not config["STRIPE_WEBHOOK_SECRET"].startswith("whsec_"):
        raise ConfigError("STRIPE_WEBHOOK_SECRET must be the endpoint's signing secret (whsec_…)")
    if config["STORAGE_BACKEND"] == "s3" and not config["S3_BUCKET"]:
        raise ConfigError("S3_BUCKET must be set when STORAGE_BACKEND=s3")
    if config["JOBS_BACKEND"] == "redis" and not redis:
        raise ConfigError("JOBS_BACKEND=redis needs REDIS_URL (the queue's server)")
    if config["BABEL_DEFAULT_LOCALE"] not in INTERFACE_LANGUAGES or not set(
        config["LANGUAGES"]
    ) <= set(INTERFACE_LANGUAGES):
        raise ConfigError(
            "LANGUAGES and DEFAULT_LOCALE take languages the store has translations for: "
            + ", ".join(INTERFACE_LANGUAGES)
        )
    if config["ORDER_PENDING_MINUTES"] < 1:
        raise ConfigError("ORDER_PENDING_MINUTES must be at least 1")
    if config["STRIPE_TIMEOUT_SECONDS"] < 1 or config["STRIPE_MAX_NETWORK_RETRIES"] < 0:
        raise ConfigError("STRIPE_TIMEOUT_SECONDS must be >= 1, STRIPE_MAX_NETWORK_RETRIES >= 0")
    return config


def is_strong_secret(secret: object) -> bool:
    """At least 32 characters that look random: not blank padding, not one repeated letter,
    not the development key."""
    if not isinstance(secret, str) or secret == DEV_SECRET_KEY:
        return False
    return len(secret.strip()) >= 32 and len(set(secret)) >= MIN_SECRET_DISTINCT_CHARACTERS


def check_config(config: Mapping[str, Any]) -> list[str]:
    """Return warnings; raise ConfigError for settings production must not run with."""
    warnings: list[str] = []
    dev_country = config.get("DEV_COUNTRY")
    if dev_country and not config.get("PRODUCTION"):
        from .countries import is_country

        if not is_country(dev_country):
            raise ConfigError(
                f"DEV_COUNTRY must be an ISO 3166-1 alpha-2 code, not {dev_country!r}"
            )
    if config.get("PORTABILITY", "auto") not in ("auto", "on", "off"):
        raise ConfigError("PORTABILITY must be auto, on or off")
    store_country = config.get("STORE_COUNTRY")
    if store_country:
        from .countries import is_country

        if not is_country(store_country):
            raise ConfigError(
                f"STORE_COUNTRY must be an ISO 3166-1 alpha-2 code, not {store_country!r}"
            )
    if not config.get("PRODUCTION"):
        return warnings
    problems = []
    if dev_country:
        problems.append("DEV_COUNTRY pretends every viewer is in one country; unset it")
    if not is_strong_secret(config.get("SECRET_KEY")):
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if config.get("DEBUG"):
        problems.append("FLASK_DEBUG must be off in production")
    if not config.get("PUBLIC_URL_SET") or not str(config.get("PUBLIC_URL")).startswith("https://"):
        problems.append(
            "PUBLIC_URL must be set to the store's https address (links in mails use it)"
        )
    if not config.get("WTF_CSRF_ENABLED"):
        problems.append("WTF_CSRF_ENABLED must stay on: forms would accept forged posts")
    if not config.get("RATELIMIT_ENABLED"):
        problems.append("RATELIMIT_ENABLED must stay on: logins could be guessed at full speed")
    if config.get("JOBS_IMMEDIATE"):
        problems.append("JOBS_IMMEDIATE runs jobs inside requests (tests only); turn it off")
    if config.get("PAYMENTS_BACKEND") == "offline":
        problems.append(
            "offline test payments cannot run in production; set PAYMENTS_BACKEND=stripe"
        )
    elif config.get("PAYMENTS_BACKEND") == "stripe":
        for key in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"):
            if not config.get(key):
                problems.append(f"{key} must be set when PAYMENTS_BACKEND=stripe")
    if config.get("STORAGE_BACKEND") not in ("local", "s3"):
        problems.append("STORAGE_BACKEND must be local or s3")
    if config.get("STORAGE_BACKEND") == "s3" and not config.get("S3_BUCKET"):
        problems.append("S3_BUCKET must be set when STORAGE_BACKEND=s3")
    if problems:
        raise ConfigError("Refusing to start in production: " + "; ".join(problems))
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        warnings.append(
            "Running production on SQLite: fine for one small machine, use PostgreSQL to scale out"
        )
    if config.get("GEO_COUNTRY_HEADER") and not config.get("GEO_TRUSTED_PROXIES"):
        warnings.append(
            "GEO_COUNTRY_HEADER is ignored until GEO_TRUSTED_PROXIES lists your CDN's addresses"
        )
    if str(config.get("STRIPE_SECRET_KEY") or "").startswith("sk_test_"):
        warnings.append("STRIPE_SECRET_KEY is a test-mode key: no real money will move")
    if config.get("STRIPE_API_BASE"):
        warnings.append("STRIPE_API_BASE points payments at a server other than Stripe's")
    if str(config.get("RATELIMIT_STORAGE_URI", "")).startswith("memory"):
        warnings.append("Rate limits are per process; set REDIS_URL when running several workers")
    return warnings
