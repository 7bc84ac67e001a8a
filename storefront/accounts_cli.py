"""``flask accounts …``: the admin accounts page's suspensions, for operators at a shell.

The commands call the same service functions as the page and are written to the same audit
log, with the operator's login name in place of an admin's account."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

import click
from flask.cli import AppGroup

from .models import User

if TYPE_CHECKING:
    from .services.accounts.audit import CommandLine

accounts_cli = AppGroup("accounts", help="Accounts: list, suspend and lift suspensions.")


def operator() -> CommandLine:
    """Who runs this command, for the audit log."""
    from .services.accounts.audit import CommandLine

    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name (a container's bare uid): still say who ran it
        login = "unknown"
    return CommandLine(login)


def _account(email: str) -> User:
    from .services.accounts.users import find_user_by_email

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account has the address {email.strip()!r}.")
    return user


def _state(user: User) -> str:
    from .services.accounts.suspension import is_suspended

    if is_suspended(user) and user.suspended_at is not None:
        return f"suspended since {user.suspended_at:%Y-%m-%d %H:%M} UTC"
    return "active" if user.active else "deleted"


@accounts_cli.command("list")
@click.option("--suspended", is_flag=True, help="Only suspended accounts.")
@click.option("--search", default="", help="Only addresses containing this text.")
def list_command(suspended: bool, search: str) -> None:
    """List accounts, newest first: id, address, state (and admin)."""
    from .extensions import db
    from .services.accounts import directory

    query = directory.users_query(directory.search_text(search), suspended_only=suspended)
    shown = 0
    for user in db.session.scalars(query.execution_options(yield_per=500)):
        admin = "  admin" if user.is_admin else ""
        click.echo(f"{user.id:>7}  {user.email}  {_state(user)}{admin}")
        shown += 1
    click.echo(f"{shown} account(s).", err=True)


@accounts_cli.command("suspend")
@click.argument("email")
@click.option("--reason", default="", help="Why (kept in the audit log). Required.")
def suspend_command(email: str, reason: str) -> None:
    """Suspend the account EMAIL: it is signed out everywhere and cannot sign in."""
    from .extensions import db
    from .services import ServiceError
    from .services.accounts import suspension

    user = _account(email)
    try:
        suspension.suspend(operator(), user, reason)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} is suspended and signed out everywhere.")


@accounts_cli.command("unsuspend")
@click.argument("email")
def unsuspend_command(email: str) -> None:
    """Lift the suspension of the account EMAIL: it can sign in again."""
    from .extensions import db
    from .services import ServiceError
    from .services.accounts import suspension

    user = _account(email)
    try:
        suspension.unsuspend(operator(), user)
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"{user.email} can sign in again.")
