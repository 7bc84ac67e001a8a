"""What the selling tools tell viewers by mail. Every message goes through `_send`, the one
place that hands it to the mail queue (``accounts.mail.send_mail``, which writes it in the
reader's language and queues it on the notification service: sent after the request commits,
kept in the outbox)."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _

from ...models import Notification, Order, Screener, Studio, Title, User
from ...public_urls import public_url_for
from ..accounts.mail import Writer, send_mail
from ..accounts.notifications.events import one_line
from ..accounts.notifications.language import mail_zone, zoned_time
from ..reports.filters import studio_zone


def _send(
    to: str, write: Writer, *, reader: User | None = None, studio_id: int | None = None
) -> Notification:
    """``studio_id``: the studio the mail is sent for (screeners), for its daily limit."""
    return send_mail(to, write, reader=reader, studio_id=studio_id)


def release_changed(order: Order, release_at: datetime | None) -> None:
    """A pre-order's release moved or was cancelled: say so, and offer keep or refund."""
    from ...extensions import db

    user = db.session.get(User, order.user_id)
    if user is None:
        return
    link = public_url_for("preorders.choose", public_id=order.public_id)

    def write() -> tuple[str, str]:
        if release_at is None:
            subject = _("The release of %(title)s is cancelled", title=order.title_name)
            news = _(
                "The studio has cancelled the release of %(title)s for now.",
                title=order.title_name,
            )
        else:
            subject = _("The release of %(title)s has moved", title=order.title_name)
            news = _(
                "%(title)s will now be released on %(when)s.",
                title=order.title_name,
                when=zoned_time(release_at, mail_zone(user), str(get_locale())),
            )
        body = "\n\n".join(
            [
                news,
                _(
                    "You can keep your pre-order for the new date, or have your payment "
                    "refunded in full. Choose here:"
                ),
                link,
            ]
        )
        return subject, body

    _send(user.email, write, reader=user)


def released(order: Order) -> None:
    """A pre-order's release was brought forward to now: the film plays at once."""
    from ...extensions import db

    user = db.session.get(User, order.user_id)
    if user is None or order.title is None:
        return
    link = public_url_for("watch.title", slug=order.title.slug)

    def write() -> tuple[str, str]:
        subject = _("%(title)s is out", title=order.title_name)
        body = "\n\n".join(
            [
                _(
                    "The studio has released %(title)s earlier than planned: your pre-order "
                    "can be watched now.",
                    title=order.title_name,
                ),
                link,
            ]
        )
        return subject, body

    _send(user.email, write, reader=user)


def screener_sent(screener: Screener, title: Title, studio: Studio, token: str) -> Notification:
    """The recipient's personal link, its limits and its expiry (the queued mail: kept back
    when over a mail limit).

    Anyone may open a studio and address a screener to anyone, so the mail opens with the
    store's own words (subject included); the names the studio typed come last, on one line
    each, as in studio invitations.
    """
    link = public_url_for("screeners.watch", token=token)
    site = current_app.config["SITE_NAME"]
    zone = mail_zone(address=screener.recipient_email, sender_zone=studio_zone(studio))

    def write() -> tuple[str, str]:
        subject = _("A screener for you on %(site)s", site=site)
        body = "\n\n".join(
            [
                _(
                    "A studio on %(site)s sends you a personal link to watch one of its films. "
                    "No account is needed: this link is yours alone, and your name is shown on "
                    "the picture while it plays.",
                    site=site,
                ),
                link,
                ngettext(
                    "It can be played %(num)d time, on one screen at a time, until %(until)s.",
                    "It can be played %(num)d times, on one screen at a time, until %(until)s.",
                    screener.max_views,
                    # The recipient may have no account: the studio's clock, named.
                    until=zoned_time(screener.expires_at, zone, str(get_locale())),
                ),
                _(
                    "Details given by the studio:\nFor: %(name)s\nStudio: %(studio)s\n"
                    "Film: %(title)s",
                    name=one_line(screener.recipient_name),
                    studio=one_line(studio.name),
                    title=one_line(title.name),
                ),
            ]
        )
        return subject, body

    return _send(screener.recipient_email, write, studio_id=studio.id)
