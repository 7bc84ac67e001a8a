"""The one rule for the language a mail is written in, and the one for the time zone its
times are stated in (always named)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask import current_app, has_request_context
from flask_login import current_user

from ....models import User
from ...reports.filters import is_time_zone


def mail_locale(
    reader: User | None = None, address: str | None = None, asked: str | None = None
) -> str:
    """The language of a mail to ``reader`` (or to ``address``, read as its account's).

    1. the language the reader's account chose, whoever caused the mail;
    2. ``asked``: the language the caller knows for the recipient (a studio's, for its
       contact address);
    3. the language of the page that caused the mail, when it is the reader's own (signed
       in as them, or not signed in: a reset, a sign-up) or when the address has no account
       (an invitation is read in the inviter's language);
    4. the store's default.
    """
    supported = current_app.config["LANGUAGES"]
    if reader is None and address:
        from ..users import find_user_by_email  # accounts mails through this package

        reader = find_user_by_email(address)
    if reader is not None and reader.locale and reader.locale in supported:
        return reader.locale
    if asked is not None and asked in supported:
        return asked
    if has_request_context() and (reader is None or _own_request(reader)):
        from ....i18n import current_locale

        page = current_locale()
        if page in supported:
            return page
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _own_request(reader: User) -> bool:
    signed_in = current_user and current_user.is_authenticated
    return not signed_in or current_user.id == reader.id


def mail_zone(
    reader: User | None = None, address: str | None = None, sender_zone: str | None = None
) -> str:
    """The time zone a mail to ``reader`` (or to ``address``) states its times in.

    1. the zone of the reader's account (or of the account with that address);
    2. ``sender_zone``: the zone of the studio or festival the mail comes from or is about,
       for an address with no account (an invitee, a screener's recipient, a contact address);
    3. UTC.
    """
    if reader is None and address:
        from ..users import find_user_by_email

        reader = find_user_by_email(address)
    if reader is not None:
        # A zone saved before the list of usable ones was narrowed reads as UTC.
        return reader.timezone if is_time_zone(reader.timezone) else "UTC"
    if is_time_zone(sender_zone):
        return sender_zone  # type: ignore[return-value]
    return "UTC"


def zoned_time(moment: datetime, zone: str, locale: str | None, fmt: str = "medium") -> str:
    """``moment`` on the clock of ``zone``, followed by the zone's name: a mail is read far
    from where it was written, so a time never goes out without its zone."""
    tz = ZoneInfo(zone if is_time_zone(zone) else "UTC")
    # The zone is named after the time: a format that adds its own would say it twice.
    return format_datetime(moment, fmt, tzinfo=tz, locale=locale) + f" ({tz.key})"
