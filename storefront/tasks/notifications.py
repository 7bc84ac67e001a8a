"""Mail jobs: send one queued notification (retried on temporary SMTP errors), sweep the
queue for mails whose job was lost, and the periodic reminders and digests."""

from __future__ import annotations

from typing import Any

from flask import Flask
from huey import Huey, crontab

from ..jobs import in_app_context
from ..models.audience import NotificationStatus


class MailNotSentYet(Exception):
    """Raised after the attempt was recorded, so that Huey tries again later."""


def register_tasks(huey: Huey, app: Flask) -> dict[str, Any]:
    from ..services.accounts.notifications import delivery, queue, reminders, studio_mails

    deliver = in_app_context(app, delivery.deliver)
    retries = max(0, app.config["MAIL_MAX_ATTEMPTS"] - 1)

    @huey.task(retries=retries, retry_delay=app.config["MAIL_RETRY_SECONDS"], name=queue.SEND_TASK)
    def send(notification_id: int) -> str | None:
        status = deliver(notification_id)  # committed, attempt and error included
        if status == NotificationStatus.QUEUED:
            raise MailNotSentYet(f"notification {notification_id}")
        return status.value if status else None

    def _sweep() -> int:
        ids = queue.queued_before(app.config["MAIL_RETRY_SECONDS"] * 5)
        for notification_id in ids:
            send(notification_id)
        return len(ids)

    sweep = huey.periodic_task(crontab(minute="*/10"), name="notifications.sweep")(
        in_app_context(app, _sweep)
    )
    expiring = huey.periodic_task(crontab(minute="23"), name="notifications.rentals_expiring")(
        in_app_context(app, reminders.remind_expiring_rentals)
    )
    opening = huey.periodic_task(crontab(minute="*/15"), name="notifications.screenings_opening")(
        in_app_context(app, reminders.remind_opening_screenings)
    )
    released = huey.periodic_task(crontab(minute="*/15"), name="notifications.preorders_released")(
        in_app_context(app, reminders.announce_releases)
    )
    digest = huey.periodic_task(crontab(minute="5"), name="notifications.sales_digest")(
        in_app_context(app, reminders.send_sales_digests)
    )
    statements = huey.periodic_task(
        crontab(minute="15", day="1,2"), name="notifications.statements_ready"
    )(in_app_context(app, studio_mails.statements_ready))
    return {
        queue.SEND_TASK: send,
        "notifications.statements_ready": statements,
        "notifications.sweep": sweep,
        "notifications.rentals_expiring": expiring,
        "notifications.screenings_opening": opening,
        "notifications.preorders_released": released,
        "notifications.sales_digest": digest,
    }
