"""Parsers for single settings: each reads one value (or a few related ones) from the
environment and either returns it typed or raises ConfigError saying what is wrong."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the app refuses to start."""


def as_bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def as_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def as_list(value: str | None) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()]


def as_networks(env: Mapping[str, str], name: str) -> list[str]:
    import ipaddress

    values = as_list(env.get(name))
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError as exc:
            raise ConfigError(f"{name}: {value!r} is not an IP network (CIDR)") from exc
    return values


def public_url(env: Mapping[str, str]) -> str:
    """PUBLIC_URL: every link that leaves the store is built under it, so a bare host name
    ("films.example") would send mails with links to nowhere."""
    from urllib.parse import urlsplit

    value = (env.get("PUBLIC_URL") or "http://127.0.0.1:5000").strip().rstrip("/")
    try:
        parts = urlsplit(value)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname)
        valid = valid and not parts.query and not parts.fragment and parts.port != 0
    except ValueError:  # a port that is not a number
        valid = False
    if not valid:
        raise ConfigError(
            f"PUBLIC_URL must be the store's address such as https://films.example, got {value!r}"
        )
    return value


def public_hosts(public_url: str) -> list[str]:
    from urllib.parse import urlsplit

    host = urlsplit(public_url).hostname
    return [host] if host else []


def geoip_backend(env: Mapping[str, str]) -> str:
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


def positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    value = as_int(env, name, default)
    if value <= 0:
        raise ConfigError(f"{name} must be a positive integer, got {value}")
    return value


def int_between(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    value = as_int(env, name, default)
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:,} and {high:,}, got {value:,}")
    return value


def upload_sizes(env: Mapping[str, str]) -> tuple[int, int]:
    """MAX_UPLOAD_BYTES and UPLOAD_PART_BYTES within what S3 multipart takes: parts of 5 MiB
    to 5 GiB, at most 10,000 of them (parts grow past UPLOAD_PART_BYTES to fit a big file)."""
    from .adapters.storage.base import MAX_PART_SIZE, MAX_PARTS, MIN_PART_SIZE

    part = int_between(env, "UPLOAD_PART_BYTES", 8 * 1024 * 1024, MIN_PART_SIZE, MAX_PART_SIZE)
    largest = int_between(env, "MAX_UPLOAD_BYTES", 50 * 1000**3, 1, MAX_PARTS * MAX_PART_SIZE)
    return largest, part


def country(env: Mapping[str, str], name: str, default: str) -> str:
    from .countries import is_country

    value = (env.get(name) or default).strip().upper()
    if not is_country(value):
        raise ConfigError(f"{name} must be an ISO 3166-1 alpha-2 country code, not {value!r}")
    return value


# What the job queue's Redis client (redis-py) and the rate limiter (limits) each open.
REDIS_SCHEMES = ("redis", "rediss", "unix")


def redis_url(env: Mapping[str, str]) -> str | None:
    value = (env.get("REDIS_URL") or "").strip() or None
    scheme, sep, _ = (value or "").partition("://")
    if value and (not sep or scheme.lower() not in REDIS_SCHEMES):
        raise ConfigError(
            "REDIS_URL must be a Redis address such as redis://host:6379/0, rediss://… or "
            f"unix:///path/redis.sock, got {value!r}"
        )
    return value


def ratelimit_storage(env: Mapping[str, str], redis: str | None) -> str:
    """RATELIMIT_STORAGE_URI, else REDIS_URL (a socket is ``redis+unix://`` to the limiter),
    else memory:// (per process)."""
    from limits.storage import SCHEMES

    value = (env.get("RATELIMIT_STORAGE_URI") or "").strip()
    if not value:
        if not redis:
            return "memory://"
        return "redis+" + redis if redis.lower().startswith("unix://") else redis
    scheme, sep, _ = value.partition("://")
    if not sep or scheme.lower() not in SCHEMES or scheme.lower().startswith("async+"):
        raise ConfigError(
            "RATELIMIT_STORAGE_URI must be a storage such as redis://host:6379/0 or memory://, "
            f"got {value!r}"
        )
    return value


def engine_options(env: Mapping[str, str]) -> dict[str, Any]:
    """SQLAlchemy engine options: a server database keeps ``DATABASE_POOL_SIZE`` connections
    open per process. Give it at least gunicorn's threads: a thread beyond the pool opens a
    fresh connection for its request and closes it after, which costs more than the request.

    With psycopg, pooled connections are checked on checkout without a round trip
    (``storefront.db``); other drivers ping the server on every checkout."""
    url = env.get("DATABASE_URL") or "sqlite"
    options: dict[str, Any] = {"pool_pre_ping": not url.startswith("postgresql+psycopg:")}
    if not url.startswith("sqlite"):
        size = positive_int(env, "DATABASE_POOL_SIZE", 10)
        options.update(pool_size=size, max_overflow=size)
    return options


def sweep_minutes(env: Mapping[str, str]) -> int:
    minutes = positive_int(env, "TRANSCODE_SWEEP_MINUTES", 1)
    if minutes > 59:
        raise ConfigError("TRANSCODE_SWEEP_MINUTES must be between 1 and 59")
    return minutes


def x264_preset(env: Mapping[str, str]) -> str:
    preset = (env.get("TRANSCODE_PRESET") or "veryfast").strip().lower()
    if preset not in X264_PRESETS:
        raise ConfigError(f"TRANSCODE_PRESET must be one of {', '.join(X264_PRESETS)}")
    return preset


def transcode_ladder(value: str | None) -> list[tuple[int, int, int]]:
    """TRANSCODE_LADDER: heights ("360,720") or height:video_kbps[:audio_kbps] rungs.

    Known heights take the default ladder's bitrates; other heights get a bitrate scaled
    from the 720-line rung, so "480" or "1440" just work.
    """
    from .adapters.media.ladder import DEFAULT_LADDER

    known = {rung[0]: rung for rung in DEFAULT_LADDER}
    items = as_list(value)
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
        pairs = as_list(str(raw or ""))
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


def rate_limit(env: Mapping[str, str], name: str, default: str) -> str:
    """A rate-limit string ("10 per minute;50 per hour"): a malformed one would be skipped
    at request time, leaving the routes it guards unlimited."""
    from limits import parse_many

    value = env.get(name) or default
    try:
        parse_many(value)
    except ValueError as exc:
        raise ConfigError(
            f"{name} takes limits such as '10 per minute;50 per hour', got {value!r}"
        ) from exc
    return value


def database_url(env: Mapping[str, str], default: str) -> str:
    """DATABASE_URL, checked to name a database SQLAlchemy can open (``postgres://`` is not
    one: it wants ``postgresql+psycopg://``)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    value = env.get("DATABASE_URL") or default
    try:
        make_url(value).get_dialect()
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(
            "DATABASE_URL must be a database URL such as "
            f"postgresql+psycopg://user:pass@host/db or sqlite:///path, got {value!r}"
        ) from exc
    return value


def choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (env.get(name) or default).strip().lower()
    if value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value
