"""``flask payments …``: operator commands for payments."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

payments_cli = AppGroup("payments", help="Payments: reconcile with the processor, expire orders.")


@payments_cli.command("reconcile")
@click.option(
    "--since",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]),
    help="Only charges created (and orders paid) on or after this date (UTC).",
)
def reconcile_command(since: datetime | None) -> None:
    """List every difference between the processor's charges and our orders and ledger.

    Exits with status 1 when there is any difference.
    """
    from .adapters.payments import PaymentError
    from .services.payments.reconcile import reconcile

    gateway = current_app.extensions["payments"]
    start = since.replace(tzinfo=UTC) if since else None
    try:
        differences = reconcile(gateway, start)
    except PaymentError as exc:
        raise click.ClickException(f"could not read the processor's charges: {exc.detail}") from exc
    for difference in differences:
        click.echo(str(difference))
    if differences:
        click.echo(f"{len(differences)} difference(s) with {gateway.name}.", err=True)
        raise SystemExit(1)
    click.echo(f"No differences with {gateway.name}.")


@payments_cli.command("expire-orders")
def expire_orders_command() -> None:
    """Settle pending orders older than ORDER_PENDING_MINUTES now, from what the processor says:
    paid ones are fulfilled, abandoned ones expired (a job does it every 5 min)."""
    from .extensions import db
    from .services.payments.pending import settle_stale_orders

    settled = settle_stale_orders(current_app.extensions["payments"])
    db.session.commit()
    click.echo(f"{settled.expired} order(s) expired.")
    if settled.fulfilled:
        click.echo(f"{settled.fulfilled} paid order(s) fulfilled without their webhook.")
