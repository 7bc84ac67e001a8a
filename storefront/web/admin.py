"""The operator's area: outbox and platform overview."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask.typing import ResponseReturnValue

from ..extensions import db
from ..models import Notification, NotificationStatus, OutboxMessage, Studio, User
from ..public_urls import without_secrets
from ..security import admin_required
from .forms import page_argument

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 50


@bp.route("/")
@admin_required
def index() -> ResponseReturnValue:
    counts = {
        "users": db.session.scalar(db.select(db.func.count(User.id))),
        "studios": db.session.scalar(db.select(db.func.count(Studio.id))),
    }
    return render_template("admin/index.html", counts=counts)


@bp.route("/outbox")
@admin_required
def outbox() -> ResponseReturnValue:
    page = page_argument()
    messages = db.paginate(
        db.select(OutboxMessage).order_by(OutboxMessage.id.desc()),
        page=page,
        per_page=PAGE_SIZE,
        error_out=False,
    )
    # Mails that are waiting for a retry, failed for good or were held back by a limit.
    unsent = db.session.scalars(
        db.select(Notification)
        .where(Notification.status != NotificationStatus.SENT)
        .order_by(Notification.id.desc())
        .limit(PAGE_SIZE)
    ).all()
    return render_template("admin/outbox.html", messages=messages, unsent=unsent)


@bp.route("/outbox/<int:message_id>")
@admin_required
def outbox_message(message_id: int) -> ResponseReturnValue:
    message = db.session.get(OutboxMessage, message_id) or abort(404)
    body = message.body
    if current_app.config.get("SMTP_HOST"):
        # Delivered for real: its links are the reader's alone (a reset link would let an
        # admin take the account over). Without SMTP this page is the test install's inbox.
        body = without_secrets(body)
    return render_template("admin/outbox_message.html", message=message, body=body)
