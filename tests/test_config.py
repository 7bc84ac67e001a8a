"""Production refuses unsafe settings at start; development has safe defaults."""

from __future__ import annotations

import pytest

from storefront.config import DEV_SECRET_KEY, ConfigError, check_config, load_config

SAFE_PRODUCTION = {
    "STOREFRONT_ENV": "production",
    "SECRET_KEY": "k3Jx9-Qw2Lm8Zp4Rt7Vy1Bn6Hc5Fd0Gs",
    "PUBLIC_URL": "https://films.example",
    "PAYMENTS_BACKEND": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_example",
    "STRIPE_WEBHOOK_SECRET": "whsec_example",
    "DATABASE_URL": "postgresql+psycopg://app@db/store",
    "REDIS_URL": "redis://cache:6379/0",
}


def test_development_defaults_are_usable():
    config = load_config({}, instance_path="/srv/instance")
    assert config["SECRET_KEY"] == DEV_SECRET_KEY
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/instance/storefront.db"
    assert config["PAYMENTS_BACKEND"] == "offline"
    assert config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert config["JOBS_BACKEND"] == "sqlite"
    assert check_config(config) == []


def test_safe_production_starts_with_secure_cookies():
    config = load_config(SAFE_PRODUCTION)
    assert check_config(config) == []
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    assert config["RATELIMIT_STORAGE_URI"] == "redis://cache:6379/0"
    assert config["JOBS_BACKEND"] == "redis"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": " " * 32}, "SECRET_KEY"),
        ({"SECRET_KEY": "x" * 48}, "SECRET_KEY"),
        ({"WTF_CSRF_ENABLED": "false"}, "WTF_CSRF_ENABLED"),
        ({"RATELIMIT_ENABLED": "0"}, "RATELIMIT_ENABLED"),
        ({"JOBS_IMMEDIATE": "1"}, "JOBS_IMMEDIATE"),
        ({"PUBLIC_URL": ""}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "http://films.example"}, "PUBLIC_URL"),
        ({"FLASK_DEBUG": "1"}, "FLASK_DEBUG"),
        ({"PAYMENTS_BACKEND": "offline"}, "offline test payments"),
    ],
)
def test_production_refuses_unsafe_settings(change, message):
    with pytest.raises(ConfigError, match=message):
        check_config(load_config({**SAFE_PRODUCTION, **change}))


def test_production_on_sqlite_warns():
    env = {k: v for k, v in SAFE_PRODUCTION.items() if k != "DATABASE_URL"}
    warnings = check_config(load_config(env))
    assert any("SQLite" in w for w in warnings)


def test_create_app_refuses_to_start(monkeypatch, tmp_path):
    from storefront import create_app

    monkeypatch.setenv("STOREFRONT_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))
    with pytest.raises(ConfigError):
        create_app()


def test_bad_values_are_reported_clearly():
    with pytest.raises(ConfigError, match="REMEMBER_DAYS must be an integer"):
        load_config({"REMEMBER_DAYS": "soon"})
    with pytest.raises(ConfigError, match="STOREFRONT_ENV"):
        load_config({"STOREFRONT_ENV": "staging"})


def test_a_server_database_keeps_the_pool_the_operator_sizes():
    # gunicorn threads beyond the pool would each open and close a connection per request.
    assert load_config(SAFE_PRODUCTION)["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 10
    with pytest.raises(ConfigError, match="DATABASE_POOL_SIZE must be a positive integer"):
        load_config(SAFE_PRODUCTION | {"DATABASE_POOL_SIZE": "0"})
    sized = load_config(SAFE_PRODUCTION | {"DATABASE_POOL_SIZE": "24"})
    assert sized["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] == 24
    # SQLite has no server to keep connections to: its own pooling stays.
    assert "pool_size" not in load_config({})["SQLALCHEMY_ENGINE_OPTIONS"]


def test_only_psycopg_connections_are_checked_without_a_round_trip():
    # storefront.db checks a psycopg connection on checkout locally; other drivers ping.
    def pings(url: str) -> bool:
        return load_config({"DATABASE_URL": url})["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"]

    assert not pings("postgresql+psycopg://db.example/store")
    assert pings("postgresql+psycopg2://db.example/store")
    assert pings("sqlite:///store.db")


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        # A malformed limit is skipped at request time: logins would be unlimited.
        ({"AUTH_RATE_LIMIT": "ten per minute"}, "AUTH_RATE_LIMIT"),
        ({"CODE_RATE_LIMIT": "5 per fortnight"}, "CODE_RATE_LIMIT"),
        # An unknown backend used to mean SQLite, a queue no other machine's worker reads.
        ({"JOBS_BACKEND": "Redis-cluster"}, "JOBS_BACKEND"),
        ({"JOBS_BACKEND": "redis"}, "REDIS_URL"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://app@db/store"}, "DATABASE_URL"),
        ({"LANGUAGES": "en,zz"}, "LANGUAGES"),
        ({"DEFAULT_LOCALE": "pt"}, "DEFAULT_LOCALE"),
    ],
)
def test_malformed_settings_are_refused_by_name(env, setting):
    with pytest.raises(ConfigError, match=setting):
        load_config(env)


def test_well_formed_settings_are_kept():
    config = load_config(
        {
            "AUTH_RATE_LIMIT": "5/minute",
            "JOBS_BACKEND": "REDIS",
            "REDIS_URL": "redis://cache:6379/0",
            "DATABASE_URL": "postgresql+psycopg://app@db/store",
            "LANGUAGES": "en,nb",
            "DEFAULT_LOCALE": "nb",
        }
    )
    assert config["AUTH_RATE_LIMIT"] == "5/minute"
    assert config["JOBS_BACKEND"] == "redis"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://app@db/store"


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        # A bare host name built every mailed link as https:///films.example/…
        ({"PUBLIC_URL": "films.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "ftp://films.example"}, "PUBLIC_URL"),
        ({"PUBLIC_URL": "https://films.example:port"}, "PUBLIC_URL"),
        # These failed deep inside the storage adapter, with no setting named.
        ({"STORAGE_BACKEND": "s3"}, "S3_BUCKET"),
        ({"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "dns"}, "S3_"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND"),
    ],
)
def test_unusable_addresses_and_storage_are_refused_by_name(env, setting):
    with pytest.raises(ConfigError, match=setting):
        load_config(env)


def test_a_public_url_under_a_path_is_kept():
    assert load_config({"PUBLIC_URL": "https://example.org/films/"})["PUBLIC_URL"] == (
        "https://example.org/films"
    )


@pytest.mark.parametrize(
    ("change", "setting"),
    [
        # The publishable key, or the two secrets swapped, started and failed at the first sale.
        ({"STRIPE_SECRET_KEY": "pk_live_example"}, "STRIPE_SECRET_KEY"),
        ({"STRIPE_SECRET_KEY": "whsec_example"}, "STRIPE_SECRET_KEY"),
        ({"STRIPE_WEBHOOK_SECRET": "sk_live_example"}, "STRIPE_WEBHOOK_SECRET"),
    ],
)
def test_stripe_keys_of_the_wrong_kind_are_refused(change, setting):
    with pytest.raises(ConfigError, match=setting):
        load_config({**SAFE_PRODUCTION, **change})
    assert load_config({**SAFE_PRODUCTION, "STRIPE_SECRET_KEY": "rk_live_example"})


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        # S3 refuses parts under 5 MiB or over 5 GiB: every upload failed at its first part.
        ({"UPLOAD_PART_BYTES": str(4 * 1024 * 1024)}, "UPLOAD_PART_BYTES"),
        ({"UPLOAD_PART_BYTES": str(6 * 1024**3)}, "UPLOAD_PART_BYTES"),
        ({"UPLOAD_PART_BYTES": "0"}, "UPLOAD_PART_BYTES"),
        # 0 refused every upload; more than 10,000 parts of 5 GiB cannot be one object.
        ({"MAX_UPLOAD_BYTES": "0"}, "MAX_UPLOAD_BYTES"),
        ({"MAX_UPLOAD_BYTES": "-1"}, "MAX_UPLOAD_BYTES"),
        ({"MAX_UPLOAD_BYTES": str(10_000 * 5 * 1024**3 + 1)}, "MAX_UPLOAD_BYTES"),
        # 0 refused every stream to every viewer with "too many streams".
        ({"MAX_CONCURRENT_STREAMS": "0"}, "MAX_CONCURRENT_STREAMS"),
        ({"MAX_CONCURRENT_STREAMS": "-2"}, "MAX_CONCURRENT_STREAMS"),
        ({"STUDIOS_PER_ACCOUNT": "0"}, "STUDIOS_PER_ACCOUNT"),
        # A country no one is in showed search engines no price at all.
        ({"STORE_DEFAULT_COUNTRY": "XX"}, "STORE_DEFAULT_COUNTRY"),
        ({"STORE_DEFAULT_COUNTRY": "usa"}, "STORE_DEFAULT_COUNTRY"),
        # These failed inside the rate limiter with "unknown storage scheme", naming nothing.
        ({"REDIS_URL": "http://cache:6379/0"}, "REDIS_URL"),
        ({"REDIS_URL": "cache:6379"}, "REDIS_URL"),
        ({"RATELIMIT_STORAGE_URI": "cache:6379"}, "RATELIMIT_STORAGE_URI"),
        (
            {"REDIS_URL": "redis://cache:6379/0", "RATELIMIT_STORAGE_URI": "http://cache"},
            "RATELIMIT_STORAGE_URI",
        ),
    ],
)
def test_out_of_range_settings_are_refused_by_name(env, setting):
    with pytest.raises(ConfigError, match=setting):
        load_config(env)


def test_settings_within_range_are_kept():
    config = load_config(
        {
            "UPLOAD_PART_BYTES": str(5 * 1024 * 1024),
            "MAX_UPLOAD_BYTES": str(10_000 * 5 * 1024**3),
            "MAX_CONCURRENT_STREAMS": "1",
            "STORE_DEFAULT_COUNTRY": " no ",
            "REDIS_URL": "unix:///run/redis.sock?db=2",
        }
    )
    assert config["UPLOAD_PART_BYTES"] == 5 * 1024 * 1024
    assert config["MAX_CONCURRENT_STREAMS"] == 1
    assert config["STORE_DEFAULT_COUNTRY"] == "NO"
    # The rate limiter names a socket differently from the queue's Redis client.
    assert config["RATELIMIT_STORAGE_URI"] == "redis+unix:///run/redis.sock?db=2"
    assert load_config({"RATELIMIT_STORAGE_URI": "rediss://cache:6380"})


def test_two_stores_on_one_machine_keep_their_transcode_scratch_apart(tmp_path):
    # A worker removes an asset's earlier scratch directories by asset id: two stores (a demo
    # beside a real one, two checkouts) sharing one directory would delete each other's work.
    from storefront.tasks.media_work import PipelineSettings

    dirs = []
    for name in ("one", "two"):
        config = load_config({}, instance_path=str(tmp_path / name))
        dirs.append(PipelineSettings.from_config(config).work_dir)
    assert dirs[0] != dirs[1]
    assert all(d.is_relative_to(tmp_path / n) for d, n in zip(dirs, ("one", "two"), strict=True))


def test_the_transcode_scratch_directory_is_the_one_the_operator_names(tmp_path):
    from storefront.tasks.media_work import PipelineSettings

    config = load_config({"TRANSCODE_WORK_DIR": str(tmp_path / "scratch")})
    assert PipelineSettings.from_config(config).work_dir == tmp_path / "scratch"
