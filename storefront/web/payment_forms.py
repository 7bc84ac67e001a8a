"""Forms for buying and refunding (Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Length


class BuyForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired(), AnyOf(["rent", "buy"])])
    # Off by default: the filmmaker gets the address only if the buyer ticks the box.
    share_email = BooleanField(_l("Share my email with the filmmaker"), default=False)


class RefundForm(FlaskForm):
    amount = StringField(
        _l("Amount to refund"),
        validators=[Length(max=20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    refund_part = SubmitField(_l("Refund this amount"))
    refund_all = SubmitField(_l("Refund everything"))


class ConnectForm(FlaskForm):
    """Only the CSRF token: starting onboarding is a POST."""
