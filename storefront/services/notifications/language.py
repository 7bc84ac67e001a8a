"""The one rule for the language a mail is written in."""

from __future__ import annotations

from flask import current_app, has_request_context
from flask_login import current_user

from ...models import User


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
        from ..accounts.users import find_user_by_email  # accounts mails through this package

        reader = find_user_by_email(address)
    if reader is not None and reader.locale and reader.locale in supported:
        return reader.locale
    if asked is not None and asked in supported:
        return asked
    if has_request_context() and (reader is None or _own_request(reader)):
        from ...i18n import current_locale

        page = current_locale()
        if page in supported:
            return page
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _own_request(reader: User) -> bool:
    signed_in = current_user and current_user.is_authenticated
    return not signed_in or current_user.id == reader.id
