"""Flask commands: admins, demo data and the background worker (`flask --help` lists them)."""

from __future__ import annotations

import getpass
from urllib.parse import urlsplit

import click
from flask import Flask, current_app

from .extensions import db
from .models import User

DEMO_PASSWORD = "demo-password-123"  # noqa: S105 - printed on purpose, demo accounts only
DEMO_ACCOUNTS = {
    "viewer": "viewer@demo.example.org",
    "filmmaker": "filmmaker@demo.example.org",
    "admin": "admin@demo.example.org",
    "coproducer": "coproducer@demo.example.org",
    "festival": "festival@demo.example.org",
}


def init_app(app: Flask) -> None:
    from .accounts_cli import accounts_cli
    from .payments_cli import payments_cli

    app.cli.add_command(create_admin)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(payments_cli)
    app.cli.add_command(demo_data)
    app.cli.add_command(worker)
    app.cli.add_command(storage_group)


@click.command("create-admin")
@click.argument("email")
@click.option("--password", help="Password for a new account (asked for when omitted).")
def create_admin(email: str, password: str | None) -> None:
    """Make EMAIL an admin, creating the account if it does not exist."""
    from .accounts_cli import operator
    from .services import ServiceError
    from .services.accounts.users import create_user, find_user_by_email, make_admin

    user = find_user_by_email(email)
    if user is None:
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            raise click.BadParameter(str(exc), param_hint="EMAIL") from exc
        password = password or getpass.getpass("Password for the new admin: ")
        try:
            user = create_user(email, password, verified=True)
        except ServiceError as exc:
            raise click.ClickException(str(exc)) from exc
        make_admin(operator(), user, "new account")
        click.echo(f"Created admin {user.email}")
    elif make_admin(operator(), user):
        click.echo(f"{user.email} is now an admin")
    else:
        click.echo(f"{user.email} is an admin already")
    db.session.commit()


def ensure_user(email: str, name: str, *, admin: bool = False) -> User:
    from .services.accounts.users import create_user, find_user_by_email

    return find_user_by_email(email) or create_user(
        email, DEMO_PASSWORD, name, is_admin=admin, verified=True
    )


@click.command("demo-data")
def demo_data() -> None:
    """Load demo accounts, a studio and titles. Safe to run again: nothing is duplicated."""
    from . import demo

    if current_app.config.get("PRODUCTION"):
        # The demo accounts' password is printed in the README: an admin with it is a door.
        raise click.ClickException(
            "demo-data creates accounts with a published password; it never runs in production"
        )

    demo.load()
    db.session.commit()
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for role, email in DEMO_ACCOUNTS.items():
        click.echo(f"  {role:<10} {email}")


@click.command("worker")
@click.option(
    "--workers", default=2, show_default=True, type=click.IntRange(min=1), help="Worker threads."
)
def worker(workers: int) -> None:
    """Run the background job worker (transcoding, clean-ups)."""
    import logging
    import threading

    from huey.consumer import Consumer

    from .jobs import run_worker_startup, start_worker_schedule

    if not logging.getLogger().handlers:  # say what the worker does unless told otherwise
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Work a killed worker or a reboot left half-done is queued again before we start.
    run_worker_startup(app)
    huey = app.extensions["huey"]
    consumer = Consumer(huey, workers=workers, worker_type="thread", periodic=True)
    # Sweeps that must run on time whatever the worker threads are busy with.
    stop = threading.Event()
    start_worker_schedule(app, stop)
    try:
        consumer.run()
    finally:
        stop.set()


@click.group("storage")
def storage_group() -> None:
    """Media storage operations."""


@storage_group.command("init")
@click.option(
    "--origin",
    "origins",
    multiple=True,
    help="Browser origin allowed to upload (default: PUBLIC_URL). Repeat for several.",
)
@click.option(
    "--keep-cors",
    is_flag=True,
    help="Leave the bucket's CORS rules as they are (managed elsewhere); only check them.",
)
def storage_init(origins: tuple[str, ...], keep_cors: bool) -> None:
    """Check the storage is reachable and writable, and apply the CORS rules uploads need."""
    from .adapters.storage import StorageError

    storage = current_app.extensions["storage"]
    allowed = list(origins) or [current_app.config["PUBLIC_URL"]]
    for origin in allowed:
        # A browser's origin is scheme://host[:port]; anything else matches no upload.
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            raise click.BadParameter(
                f"{origin!r} is not an origin such as https://films.example",
                param_hint="--origin" if origins else "PUBLIC_URL",
            )
    try:
        storage.ensure_ready()
    except StorageError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        if not keep_cors:
            storage.apply_cors(allowed)
    except StorageError as exc:
        # Storage works, but browsers will be refused: say which setting to change.
        raise click.ClickException(_cors_failed(exc, allowed)) from exc
    # Read the rules back: a service may accept them and keep something else (or a console
    # setting may override them), and browsers then fail with nothing but a network error.
    refused = {origin: storage.cors_problem(origin) for origin in allowed}
    refused = {origin: code for origin, code in refused.items() if code}
    if refused:
        reasons = "; ".join(f"{origin}: {_CORS_REASONS[code]}" for origin, code in refused.items())
        reason = f"the rules it holds refuse {reasons}"
        raise click.ClickException(_cors_failed(reason, allowed))
    backend = current_app.config["STORAGE_BACKEND"]
    click.echo(f"Storage ({backend}) is ready; uploads allowed from: {', '.join(allowed)}")


_CORS_REASONS = {
    "no_rules": "there are no CORS rules",
    "origin": "the origin is not allowed",
    "method": "PUT is not allowed",
    "checksum_header": "the x-amz-checksum-crc32 header is not allowed",
}


def _cors_failed(exc: Exception | str, origins: list[str]) -> str:
    """What to do when the bucket refused its CORS rules (some services have no API for it)."""
    return (
        f"Storage is reachable, but setting its CORS rules failed ({exc}). Browsers cannot "
        "upload or play until the bucket allows: origins "
        f"{', '.join(origins)}; methods PUT, GET, HEAD; headers Content-Type, Range, "
        "x-amz-checksum-crc32; exposed headers ETag, Content-Length, Content-Range, "
        "Accept-Ranges. Set them in the storage service's console, or, if it refuses the "
        "x-amz-checksum-crc32 header, set S3_PART_CHECKSUMS=false."
    )
