"""Fixtures: an app on a real database built from the migrations, accounts of each role,
and logged-in clients.

The database is SQLite by default. Set TEST_DATABASE_URL to a PostgreSQL server URL
(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) and the suite creates a fresh
database on that server for the run and drops it afterwards.
"""

from __future__ import annotations

import contextvars
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.pool import NullPool

from storefront import create_app
from storefront.extensions import db
from storefront.models import Offer, OfferTerritory, Studio, Title, TitleStatus, User, utcnow

from .helpers import AuthActions

PASSWORD = "correct horse battery"
# The Stripe emulator's fixtures (stripe_emulator, stripe_emu, stripe_client) for every area.
pytest_plugins = ["tests.stripe_emulator.fixtures", "tests.smtp_server"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (the second database's pass: the "
        "others do not depend on which database the store runs on)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    # A test touches the database exactly when its fixtures reach `database_url`.
    keep = [item for item in items if "database_url" in getattr(item, "fixturenames", ())]
    dropped = [item for item in items if item not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context, as in production.

    The test itself holds an app context for database access; without this, Flask would reuse
    it for requests and share `g` and the session's identity map between them.
    """

    def open(self, *args: object, **kwargs: object):  # type: ignore[override]
        return contextvars.Context().run(super().open, *args, **kwargs)


def _fresh_postgres(base_url: str, worker: str) -> tuple[str, Callable[[], None]]:
    url = sa.make_url(base_url)
    name = f"sf_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", autouse=True)
def compiled_translations() -> None:
    """Compile the message catalogues so French pages work without a separate build step."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "storefront" / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        with open(po_path, "rb") as handle:
            catalog = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        tmp = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as handle:
            write_mo(handle, catalog)
        tmp.replace(mo_path)  # atomic: parallel test workers may compile at once


@pytest.fixture(scope="session")
def database_url(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgresql"):
        # xdist names its workers gw0, gw1...; without xdist (-p no:xdist) there is one run.
        worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
        url, drop = _fresh_postgres(base, worker)
        yield url
        drop()
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def migrated(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Build the schema once per run by applying the Alembic migrations."""
    from flask_migrate import upgrade

    app = create_app(test_settings(database_url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


def test_settings(database_url: str, instance: Path) -> dict:
    return {
        "ENV_MODE": "test",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "SQLALCHEMY_DATABASE_URI": database_url,
        # No pooled connections outlive a test's app (throwaway apps are never disposed).
        "SQLALCHEMY_ENGINE_OPTIONS": {"poolclass": NullPool},
        "INSTANCE_PATH": str(instance),
        # Scratch space of this app alone: asset ids repeat across test databases, and a
        # shared directory let one run's cleanup remove another's work in progress.
        "TRANSCODE_WORK_DIR": str(instance / "transcode-work"),
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "JOBS_IMMEDIATE": True,
        "CHEAP_PASSWORD_HASHING": True,
        "DEMO_FILM_SECONDS": 2,
        # Tests say where the viewer is the way a CDN does: a country header, trusted only
        # because the test client and live server connect from loopback.
        "GEO_COUNTRY_HEADER": "X-Test-Country",
        "GEO_TRUSTED_PROXIES": ["127.0.0.0/8"],
        "SERVER_NAME": None,
        "PUBLIC_URL": "http://localhost",
    }


def _clean_tables() -> None:
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def settings(migrated: str, tmp_path: Path) -> dict:
    """Config overrides for this test's app; a test may change them before using `app`."""
    return test_settings(migrated, tmp_path / "instance")


@pytest.fixture
def app(settings: dict) -> Iterator[Flask]:
    os.environ["INSTANCE_PATH"] = settings["INSTANCE_PATH"]
    app = create_app(settings)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        _clean_tables()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    from storefront.services.accounts.users import create_user

    counter = iter(range(1, 10_000))

    def make(
        email: str | None = None, *, admin: bool = False, verified: bool = True, **kwargs: object
    ) -> User:
        email = email or f"person{next(counter)}@example.org"
        user = create_user(email, PASSWORD, is_admin=admin, verified=verified, **kwargs)  # type: ignore[arg-type]
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_studio(app: Flask, make_user: Callable[..., User]) -> Callable[..., Studio]:
    from storefront.services.accounts.studios import create_studio

    def make(
        owner: User | None = None, name: str = "Fjord Pictures", country: str = "NO"
    ) -> Studio:
        owner = owner or make_user()
        studio = create_studio(owner, name, country, owner.email)
        db.session.commit()
        return studio

    return make


@pytest.fixture
def make_title(app: Flask, make_studio: Callable[..., Studio]) -> Callable[..., Title]:
    """A title (published by default) of a studio, with optional offers given as dicts."""
    from storefront.services.accounts.studios import unique_slug

    def make(
        name: str = "The Long Winter",
        studio: Studio | None = None,
        status: TitleStatus = TitleStatus.PUBLISHED,
        offers: list[dict] | None = None,
        **fields: object,
    ) -> Title:
        studio = studio or db.session.scalar(db.select(Studio).order_by(Studio.id)) or make_studio()
        title = Title(
            studio_id=studio.id, slug=unique_slug(Title, name), name=name, status=status, **fields
        )
        if status == TitleStatus.PUBLISHED:
            title.published_at = utcnow()
        db.session.add(title)
        db.session.flush()
        for spec in offers or []:
            spec = dict(spec)
            territories = spec.pop("territories", [])
            offer = Offer(title_id=title.id, **spec)
            offer.territories = [OfferTerritory(**t) for t in territories]
            db.session.add(offer)
        db.session.commit()
        return title

    return make


@pytest.fixture
def viewer(make_user: Callable[..., User]) -> User:
    return make_user("viewer@example.org")


@pytest.fixture
def filmmaker(make_user: Callable[..., User], make_studio: Callable[..., Studio]) -> User:
    user = make_user("filmmaker@example.org")
    make_studio(user)
    return user


@pytest.fixture
def studio(filmmaker: User) -> Studio:
    return db.session.scalar(db.select(Studio).order_by(Studio.id))


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user("admin@example.org", admin=True)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client, PASSWORD)


@pytest.fixture
def viewer_client(client: FlaskClient, auth: AuthActions, viewer: User) -> FlaskClient:
    auth.login(viewer.email)
    return client


@pytest.fixture
def filmmaker_client(client: FlaskClient, auth: AuthActions, filmmaker: User) -> FlaskClient:
    auth.login(filmmaker.email)
    return client


@pytest.fixture
def admin_client(client: FlaskClient, auth: AuthActions, admin: User) -> FlaskClient:
    auth.login(admin.email)
    return client


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """SQL statements the app sends while the test runs (what a request costs the database)."""
    seen: list[str] = []

    def record(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    sa.event.remove(db.engine, "before_cursor_execute", record)
