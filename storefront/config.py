"""Settings from the environment, with safe development defaults and a strict production mode."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - recognised and refused in production
log = logging.getLogger(__name__)
# A random key of 32+ characters uses far more distinct characters than this (hex: 16).
MIN_SECRET_DISTINCT_CHARACTERS = 10


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def _networks(env: Mapping[str, str], name: str) -> list[str]:
    import ipaddress

    values = _list(env.get(name))
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ConfigError(f"{name}: {value!r} is not an IP network (CIDR)") from exc
    return values


def _public_hosts(public_url: str) -> list[str]:
    from urllib.parse import urlsplit

    host = urlsplit(public_url).hostname
    return [host] if host else []


def _geoip_backend(env: Mapping[str, str]) -> str:
    backend = (env.get("GEOIP_BACKEND") or "").strip().lower()
    backend = backend or ("maxmind" if env.get("GEOIP_DB_PATH") else "iptocc")
    if backend not in {"iptocc", "maxmind", "none"}:
        raise ConfigError(f"GEOIP_BACKEND must be iptocc, maxmind or none, not {backend!r}")
    if backend == "maxmind" and not env.get("GEOIP_DB_PATH"):
        raise ConfigError("GEOIP_BACKEND=maxmind needs GEOIP_DB_PATH (a GeoIP2/GeoLite2 .mmdb)")
    return backend


X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    value = _int(env, name, default)
    if value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {value}")
    return value


def _sweep_minutes(env: Mapping[str, str]) -> int:
    minutes = _positive(env, "TRANSCODE_SWEEP_MINUTES", 1)
    if minutes > 59:
        raise ConfigError("TRANSCODE_SWEEP_MINUTES must be between 1 and 59")
    return minutes


def _preset(env: Mapping[str, str]) -> str:
    preset = (env.get("TRANSCODE_PRESET") or "veryfast").strip().lower()
    if preset not in X264_PRESETS:
        raise ConfigError(f"TRANSCODE_PRESET must be one of {', '.join(X264_PRESETS)}")
    return preset


def _ladder(value: str | None) -> list[tuple[int, int, int]]:
    """TRANSCODE_LADDER: heights ("360,720") or height:video_kbps[:audio_kbps] rungs.

    Known heights take the default ladder's bitrates; other heights get a bitrate scaled
    from the 720-line rung, so "480" or "1440" just work.
    """
    from .adapters.media.ladder import DEFAULT_LADDER

    known = {rung[0]: rung for rung in DEFAULT_LADDER}
    items = _list(value)
    if not items:
        return list(DEFAULT_LADDER)
    rungs: dict[int, tuple[int, int, int]] = {}
    for item in items:
        parts = item.lower().split(":")
        parts[0] = parts[0].removesuffix("p")
        try:
            numbers = [int(part) for part in parts]
        except ValueError:
            numbers = []
        height = numbers[0] if 1 <= len(numbers) <= 3 else 0
        if not 120 <= height <= 4320 or height % 2 or min(numbers) <= 0:
            raise ConfigError(
                f"TRANSCODE_LADDER: {item!r} is not an even height (120-4320), "
                "optionally followed by :video_kbps[:audio_kbps]"
            )
        default = known.get(height) or (
            height,
            round(2800 * (height / 720) ** 1.5 / 50) * 50,
            160 if height >= 1080 else 128 if height >= 540 else 96,
        )
        video_kbps = numbers[1] if len(numbers) > 1 else default[1]
        audio_kbps = numbers[2] if len(numbers) > 2 else default[2]
        rungs[height] = (height, video_kbps, audio_kbps)
    return [rungs[height] for height in sorted(rungs)]


def parse_fee_percent(raw: object) -> Decimal:
    """A platform fee percentage ("10", "7.5") as an exact Decimal of whole basis points."""
    if raw is None or raw == "":
        return Decimal(0)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ConfigError(f"PLATFORM_FEE_PERCENT must be a number, got {raw!r}") from exc
    if not value.is_finite() or not 0 <= value <= 100:
        raise ConfigError(f"PLATFORM_FEE_PERCENT must be between 0 and 100, got {raw!r}")
    if (value * 100) % 1:
        raise ConfigError(
            f"PLATFORM_FEE_PERCENT takes at most two decimals (basis points), got {raw!r}"
        )
    return value


def parse_fee_fixed(raw: object) -> dict[str, int]:
    """Fixed platform fee per currency, in minor units: "EUR:30,USD:30,JPY:0"."""
    if isinstance(raw, Mapping):
        pairs = [f"{k}:{v}" for k, v in raw.items()]
    else:
        pairs = _list(str(raw or ""))
    fees: dict[str, int] = {}
    for pair in pairs:
        currency, _, amount = pair.partition(":")
        currency = currency.strip().upper()
        if len(currency) != 3 or not currency.isalpha() or not amount.strip().isdigit():
            raise ConfigError(
                "PLATFORM_FEE_FIXED takes CURRENCY:MINOR_UNITS pairs such as "
                f"'EUR:30,JPY:0', got {pair!r}"
            )
        fees[currency] = int(amount)
    return fees


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def load_config(env: Mapping[str, str] | None = None, instance_path: str | None = None) -> dict:
    """Build the Flask config dict from environment variables (documented in the README)."""
    env = os.environ if env is None else env
    instance = Path(instance_path or env.get("INSTANCE_PATH") or Path.cwd() / "instance")
    mode = env.get("STOREFRONT_ENV", "development").lower()
    if mode not in {"development", "production", "test"}:
        raise ConfigError(f"STOREFRONT_ENV must be development, production or test, not {mode!r}")
    production = mode == "production"
    redis_url = env.get("REDIS_URL") or None
    public_url = (env.get("PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")

    config: dict[str, Any] = {
        "ENV_MODE": mode,
        "PRODUCTION": production,
        "TESTING": mode == "test",
        "DEBUG": _bool(env.get("FLASK_DEBUG")),
        "SECRET_KEY": env.get("SECRET_KEY") or (None if production else DEV_SECRET_KEY),
        "PUBLIC_URL": public_url,
        "PUBLIC_URL_SET": bool(env.get("PUBLIC_URL")),
        # Requests naming another Host get a 400 (Flask checks it); production serves
        # PUBLIC_URL's host unless told otherwise.
        "TRUSTED_HOSTS": _list(env.get("TRUSTED_HOSTS"))
        or (_public_hosts(public_url) if production else None),
        "INSTANCE_PATH": str(instance),
        # Database
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL")
        or f"sqlite:///{instance / 'storefront.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Sessions and cookies
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 60 * 60 * 24 * _int(env, "REMEMBER_DAYS", 30),
        # Studio invitations a day, per inviting account and per studio (mail is not a
        # free channel for whoever opens an account).
        "INVITES_PER_ACCOUNT_DAY": _positive(env, "INVITES_PER_ACCOUNT_DAY", 20),
        "INVITES_PER_STUDIO_DAY": _positive(env, "INVITES_PER_STUDIO_DAY", 30),
        "PASSWORD_RESET_MAX_AGE": _int(env, "PASSWORD_RESET_MAX_AGE", 3600),
        # Every body is small; routes that take files raise it by their files' limits
        # (storefront/web/request_guards.py).
        "MAX_CONTENT_LENGTH": _positive(env, "MAX_REQUEST_BYTES", 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": 512 * 1024,
        "MAX_FORM_PARTS": _positive(env, "MAX_FORM_FIELDS", 4000),
        "WTF_CSRF_ENABLED": _bool(env.get("WTF_CSRF_ENABLED"), True),
        # Rate limits and jobs share Redis when it is configured.
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI")
        or (redis_url if redis_url else "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "AUTH_RATE_LIMIT": env.get("AUTH_RATE_LIMIT", "10 per minute;50 per hour"),
        "JOBS_BACKEND": env.get("JOBS_BACKEND") or ("redis" if redis_url else "sqlite"),
        "JOBS_SQLITE_PATH": env.get("JOBS_SQLITE_PATH") or str(instance / "jobs.db"),
        "JOBS_IMMEDIATE": _bool(env.get("JOBS_IMMEDIATE")),
        # Queue name: the key prefix on Redis, so several stores can share one server.
        "JOBS_QUEUE_NAME": env.get("JOBS_QUEUE_NAME") or "storefront",
        # Media pipeline (storefront/tasks/media.py)
        "FFMPEG_PATH": env.get("FFMPEG_PATH") or None,
        "TRANSCODE_LADDER": _ladder(env.get("TRANSCODE_LADDER")),
        "TRANSCODE_SEGMENT_SECONDS": _positive(env, "TRANSCODE_SEGMENT_SECONDS", 6),
        "TRANSCODE_PRESET": _preset(env),
        "TRANSCODE_THREADS": _int(env, "TRANSCODE_THREADS", 0),
        "TRANSCODE_TIMEOUT_FACTOR": _positive(env, "TRANSCODE_TIMEOUT_FACTOR", 10),
        "TRANSCODE_MAX_ATTEMPTS": _positive(env, "TRANSCODE_MAX_ATTEMPTS", 3),
        "TRANSCODE_RETRY_SECONDS": _positive(env, "TRANSCODE_RETRY_SECONDS", 60),
        "TRANSCODE_STALE_SECONDS": _positive(env, "TRANSCODE_STALE_SECONDS", 300),
        "TRANSCODE_SWEEP_MINUTES": _sweep_minutes(env),
        "TRANSCODE_WORK_DIR": env.get("TRANSCODE_WORK_DIR") or None,
        # Mail
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": _int(env, "SMTP_PORT", 587),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS"), True),
        "MAIL_FROM": env.get("MAIL_FROM", "Storefront <no-reply@localhost>"),
        "SMTP_TIMEOUT": _positive(env, "SMTP_TIMEOUT", 10),
        # Notifications (storefront/services/notifications): attempts on temporary SMTP
        # errors, and how many mails one account receives per hour and one studio causes per day.
        "MAIL_MAX_ATTEMPTS": _positive(env, "MAIL_MAX_ATTEMPTS", 6),
        "MAIL_RETRY_SECONDS": _positive(env, "MAIL_RETRY_SECONDS", 60),
        "MAIL_PER_ACCOUNT_PER_HOUR": _positive(env, "MAIL_PER_ACCOUNT_PER_HOUR", 20),
        "MAIL_PER_STUDIO_PER_DAY": _positive(env, "MAIL_PER_STUDIO_PER_DAY", 500),
        # The country whose prices search engines are shown (JSON-LD offers, embeds' fallback).
        "STORE_DEFAULT_COUNTRY": (env.get("STORE_DEFAULT_COUNTRY") or "US").strip().upper(),
        # Internationalisation
        "LANGUAGES": _list(env.get("LANGUAGES")) or ["en", "fr"],
        "BABEL_DEFAULT_LOCALE": env.get("DEFAULT_LOCALE", "en"),
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        # Media storage (see storefront/adapters/storage) and uploads
        "STORAGE_BACKEND": (env.get("STORAGE_BACKEND") or "local").lower(),
        "STORAGE_LOCAL_ROOT": env.get("STORAGE_LOCAL_ROOT") or str(instance / "media"),
        "S3_BUCKET": env.get("S3_BUCKET") or None,
        "S3_REGION": env.get("S3_REGION") or "us-east-1",
        "S3_ENDPOINT_URL": env.get("S3_ENDPOINT_URL") or None,
        "S3_ADDRESSING_STYLE": env.get("S3_ADDRESSING_STYLE") or "auto",
        "S3_ACCESS_KEY_ID": env.get("S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": env.get("S3_SECRET_ACCESS_KEY") or None,
        "S3_SESSION_TOKEN": env.get("S3_SESSION_TOKEN") or None,
        "S3_PART_CHECKSUMS": _bool(env.get("S3_PART_CHECKSUMS"), True),
        "MAX_UPLOAD_BYTES": _int(env, "MAX_UPLOAD_BYTES", 50 * 1000**3),
        "UPLOAD_PART_BYTES": _int(env, "UPLOAD_PART_BYTES", 8 * 1024 * 1024),
        "UPLOAD_URL_EXPIRES": _int(env, "UPLOAD_URL_EXPIRES", 3600),
        "UPLOAD_ABANDON_HOURS": _int(env, "UPLOAD_ABANDON_HOURS", 24),
        "MEDIA_URL_EXPIRES": _int(env, "MEDIA_URL_EXPIRES", 3600),
        "IMAGE_MAX_BYTES": _int(env, "IMAGE_MAX_BYTES", 20 * 1024 * 1024),
        "IMAGE_MAX_PIXELS": _int(env, "IMAGE_MAX_PIXELS", 40_000_000),
        "SUBTITLE_MAX_BYTES": _int(env, "SUBTITLE_MAX_BYTES", 2 * 1024 * 1024),
        # Where viewers are (storefront/adapters/geo.py)
        "GEO_COUNTRY_HEADER": env.get("GEO_COUNTRY_HEADER") or None,
        "GEO_TRUSTED_PROXIES": _networks(env, "GEO_TRUSTED_PROXIES"),
        "GEOIP_DB_PATH": env.get("GEOIP_DB_PATH") or None,
        "GEOIP_BACKEND": _geoip_backend(env),
        "DEV_COUNTRY": (env.get("DEV_COUNTRY") or "").strip().upper() or None,
        # Payments (see storefront/adapters/payments)
        "PAYMENTS_BACKEND": _choice(env, "PAYMENTS_BACKEND", ("offline", "stripe"), "offline"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": (env.get("STRIPE_API_BASE") or "").rstrip("/") or None,
        "STRIPE_CONNECT": _bool(env.get("STRIPE_CONNECT")),
        "STRIPE_AUTOMATIC_TAX": _bool(env.get("STRIPE_AUTOMATIC_TAX")),
        "STRIPE_MAX_NETWORK_RETRIES": _int(env, "STRIPE_MAX_NETWORK_RETRIES", 2),
        "STRIPE_TIMEOUT_SECONDS": _int(env, "STRIPE_TIMEOUT_SECONDS", 10),
        "PLATFORM_FEE_PERCENT": parse_fee_percent(env.get("PLATFORM_FEE_PERCENT")),
        "PLATFORM_FEE_FIXED": parse_fee_fixed(env.get("PLATFORM_FEE_FIXED")),
        "ORDER_PENDING_MINUTES": _int(env, "ORDER_PENDING_MINUTES", 60),
        "SITE_NAME": env.get("SITE_NAME", "Storefront"),
        # Sites allowed to frame the views marked allow_framing (embeddable widgets only).
        "EMBED_FRAME_ANCESTORS": env.get("EMBED_FRAME_ANCESTORS") or "*",
        # Playback
        "MAX_CONCURRENT_STREAMS": _int(env, "MAX_CONCURRENT_STREAMS", 3),
        "STREAM_IDLE_SECONDS": _int(env, "STREAM_IDLE_SECONDS", 120),
        "PLAYBACK_TOKEN_SECONDS": _int(env, "PLAYBACK_TOKEN_SECONDS", 900),
        "SEGMENT_URL_SECONDS": _int(env, "SEGMENT_URL_SECONDS", 300),
        "CATALOGUE_CACHE_SECONDS": _int(env, "CATALOGUE_CACHE_SECONDS", 30),
    }
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
