"""The mails the store sends: each event's subject (templates live in templates/mail/)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from babel.dates import format_date, format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

Subject = Callable[[Mapping[str, Any]], str]


def one_line(text: str, limit: int | None = 80) -> str:
    """User-chosen text for a mail: one line, printable, at most ``limit`` characters (a
    line break in a subject would make the mail impossible to build, and in a body it lets
    the sender write lines of their own)."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if limit is None or len(flat) <= limit else flat[: limit - 1] + "…"


def day_words(value: str) -> str:
    """An ISO day as the mail's language writes it ("30 novembre 2026")."""
    return format_date(date.fromisoformat(value), "long", locale=get_locale())


def month_words(context: Mapping[str, Any]) -> str:
    """A statement's month (``year``, ``month_number``) in words ("novembre 2026")."""
    first = date(int(context["year"]), int(context["month_number"]), 1)
    return format_skeleton("yMMMM", first, locale=get_locale())


# Subjects are functions so that they are translated when rendered, in the recipient's language.
EVENTS: dict[str, Subject] = {
    # A mail written by its caller (account mails): subject and body given in the context.
    "message": lambda c: c["subject"],
    "receipt": lambda c: _("Your receipt for %(title)s", title=c["title_name"]),
    "rental_expiring": lambda c: _("Your rental of %(title)s ends soon", title=c["title_name"]),
    "screening_opens": lambda c: _(
        "%(title)s opens soon at %(festival)s", title=c["title_name"], festival=c["festival_name"]
    ),
    "preorder_released": lambda c: _("%(title)s is out: watch it now", title=c["title_name"]),
    "refund": lambda c: _("Your refund for %(title)s", title=c["title_name"]),
    "refund_failed": lambda c: _(
        "Your refund for %(title)s could not be completed", title=c["title_name"]
    ),
    "refund_failed_studio": lambda c: _(
        "A refund failed: order %(order)s (%(title)s)", order=c["order"], title=c["title_name"]
    ),
    "dispute_closed": lambda c: _("Payment dispute for %(title)s closed", title=c["title_name"]),
    "sale_alert": lambda c: _("New sale: %(title)s", title=c["title_name"]),
    "sales_digest": lambda c: _("Your sales on %(day)s", day=day_words(c["day"])),
    "transfer_failed": lambda c: _("A payment to %(studio)s failed", studio=c["studio_name"]),
    "statement_ready": lambda c: _("Your statement for %(month)s is ready", month=month_words(c)),
    "reversal_held": lambda c: _(
        "Part of your share of %(title)s is owed back", title=c["title_name"]
    ),
    "reversal_settled": lambda c: _(
        "What you owed for %(title)s is settled", title=c["title_name"]
    ),
    "contact_handed_over": lambda c: _(
        "The mail of %(studio)s now comes to you", studio=c["studio_name"]
    ),
}


# Mails about the recipient's own money: a payment, refund or dispute of theirs, a transfer or
# payout to them, their statement. Each stems from a payment or a processor event, so no one
# can send them at will to a stranger; the hourly limit per address never holds them back (a
# premiere's sale alerts must not swallow the mail that a payout failed).
ABOUT_MONEY = frozenset(
    {
        "receipt",
        "refund",
        "refund_failed",
        "refund_failed_studio",
        "dispute_closed",
        "transfer_failed",
        "statement_ready",
        "reversal_held",
        "reversal_settled",
    }
)


def subject_for(event: str, context: Mapping[str, Any]) -> str:
    # Names in subjects are what studios and festivals typed: one line, whatever they hold.
    return one_line(EVENTS[event](context), limit=None)
