"""Transactional mail: one entry point to queue a templated mail for an event.

Call :func:`notify` from any service when something happened that someone should hear
about by mail::

    from storefront.services.accounts.notifications import notify

    notify(
        "receipt",                       # a template pair templates/mail/receipt.{txt,html}
        f"receipt:{order.id}",           # idempotency key: the same key is mailed once, ever
        user=order.user,                 # recipient (their language and time zone), or to=...
        context={"title_name": ..., ...},  # JSON values the template shows
        studio_id=None,                  # the studio on whose behalf it goes, for its limit
    )

The mail is sent by a job after the caller's transaction commits (never inside the request),
retried on temporary SMTP errors, rendered in the recipient's language as HTML with a plain
text part, and its links are built under PUBLIC_URL. Events are listed in ``events.EVENTS``;
add a template pair and an entry there for a new one.
"""

from .queue import notify

__all__ = ["notify"]
