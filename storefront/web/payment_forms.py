"""Forms for buying and refunding (Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, SubmitField
from wtforms.validators import AnyOf, DataRequired, Optional

from .forms import at_most


class BuyForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired(), AnyOf(["rent", "buy"])])
    code = HiddenField(validators=[Optional(), at_most(60)])
    amount = StringField(validators=[Optional(), at_most(20)])  # pay what you want
    # Off by default: the filmmaker gets the address only if the buyer ticks the box.
    share_email = BooleanField(_l("Share my email with the filmmaker"), default=False)


class RefundForm(FlaskForm):
    amount = StringField(
        _l("Amount to refund"),
        validators=[at_most(20)],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    refund_part = SubmitField(_l("Refund this amount"))
    refund_all = SubmitField(_l("Refund everything"))
    # "Refund everything" asks first; the confirming form sends this back as "yes".
    confirm_all = HiddenField()


class ConnectForm(FlaskForm):
    """Only the CSRF token: starting onboarding is a POST."""
