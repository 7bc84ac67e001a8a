"""Forms shared by the account and studio areas (Flask-WTF: CSRF on every form)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import get_translations
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, Email, EqualTo, Length, Optional, ValidationError

from ..countries import country_choices, is_country
from ..i18n import current_locale
from ..models import StudioRole, row_id
from ..services.accounts.passwords import MIN_PASSWORD_LENGTH
from ..services.reports.filters import time_zones, zone_choices


def at_most(limit: int) -> Length:
    """``Length(max=limit)`` saying so in the store's own words: WTForms' catalogues have no
    Arabic for its "Field cannot be longer than..." message, which showed in English."""
    return Length(max=limit, message=_l("Use at most %(max)d characters."))


def _not_a_choice(count: int) -> str:
    # Left with its %(value)s for WTForms to fill in, hence not flask_babel's ngettext.
    return get_translations().ngettext(
        "'%(value)s' is not one of the choices.", "'%(value)s' are not among the choices.", count
    )


class ChoicesField(SelectMultipleField):
    """A multiple choice refusing unknown values in the store's own words: WTForms'
    catalogues have no German, Norwegian, Japanese or Arabic for its message."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("invalid_choice_message", _not_a_choice)
        super().__init__(*args, **kwargs)


class TimeZoneField(SelectField):
    """A zone picked from today's tz database names; one saved earlier under an older alias
    ("Asia/Calcutta") stays on the list, selected, so the form can be saved unchanged."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        super().__init__(label, choices=[], **kwargs)

    def _offer(self) -> None:
        self.choices = [(zone, zone) for zone in zone_choices(self.data)]

    def iter_choices(self):  # type: ignore[no-untyped-def]  # noqa: ANN201
        self._offer()
        return super().iter_choices()

    def pre_validate(self, form: FlaskForm) -> None:
        self._offer()
        super().pre_validate(form)


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH, max=200, message=_l("Use at least %(min)d characters.")
            ),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_PASSWORD_LENGTH},
    )


class SignupForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[Optional(), at_most(120)])
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email(), at_most(254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
    password = _password_field(_l("Password"))
    # The browser's own zone (static/js/browser-time-zone.js); anything not a zone the store
    # knows leaves the account on UTC rather than refusing the sign-up.
    timezone = HiddenField(render_kw={"data-browser-time-zone": ""})

    def known_time_zone(self) -> str | None:
        return self.timezone.data if self.timezone.data in time_zones() else None


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(), Email()],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField(_l("Remember me"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()], filters=[_strip])


class ResetPasswordForm(FlaskForm):
    password = _password_field(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = _password_field(_l("New password"))


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        _l("New email"), validators=[DataRequired(), Email(), at_most(254)], filters=[_strip]
    )
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class PreferencesForm(FlaskForm):
    display_name = StringField(_l("Your name"), validators=[DataRequired(), at_most(120)])
    locale = SelectField(_l("Language"), choices=[])
    timezone = TimeZoneField(_l("Time zone"))

    def __init__(self, languages: list[str], *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        from babel import Locale

        self.locale.choices = [("", _l("Same as my browser"))] + [
            (code, Locale.parse(code).get_display_name(code).capitalize()) for code in languages
        ]


class CountryField(SelectField):
    """An ISO 3166-1 alpha-2 country picked by its name in the viewer's language."""

    def __init__(self, label: str, **kwargs) -> None:  # noqa: ANN003
        super().__init__(label, choices=[], **kwargs)

    def pre_validate(self, form: FlaskForm) -> None:
        if not is_country(self.data):
            raise ValidationError(_l("Choose a country from the list."))


def fill_country_choices(field: SelectField, blank: bool = True) -> None:
    choices = country_choices(current_locale())
    field.choices = ([("", "—")] if blank else []) + list(choices)


def _web_address(value: str | None) -> str | None:
    """A bare domain ("films.example") as its https address, as people type it; anything
    naming a scheme is left for the URL check."""
    value = (value or "").strip()
    if value and "://" not in value and not value.lower().startswith(("http:", "https:")):
        return f"https://{value}"
    return value


class StudioForm(FlaskForm):
    name = StringField(_l("Studio name"), validators=[DataRequired(), at_most(120)])
    country = CountryField(_l("Country"), validators=[DataRequired()])
    contact_email = EmailField(
        _l("Contact email"), validators=[DataRequired(), Email(), at_most(254)], filters=[_strip]
    )
    website = StringField(
        _l("Website"),
        filters=[_web_address],
        validators=[
            Optional(),
            URL(require_tld=False, message=_l("Enter a full web address, starting with https://.")),
            at_most(255),
        ],
    )
    bio = TextAreaField(_l("Short bio"), validators=[Optional(), at_most(2000)])
    sale_alerts = SelectField(
        _l("Mail about sales"),
        choices=[
            SelectChoice("off", _l("No mail")),
            SelectChoice("each", _l("A mail for each sale")),
            SelectChoice("daily", _l("A daily summary")),
        ],
        default="off",
    )
    timezone = TimeZoneField(_l("Time zone"), default="UTC")

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        fill_country_choices(self.country)


class ActionForm(FlaskForm):
    """A button that changes something: nothing but its CSRF token."""


ROLE_LABELS = {
    StudioRole.OWNER: _l("Owner: everything, including members, payouts and refunds"),
    StudioRole.MANAGER: _l("Manager: titles, media, offers and publishing; reads the figures"),
    StudioRole.FINANCE: _l("Finance: reads titles, orders and revenue, changes nothing"),
}
ROLE_CHOICES = [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()]


class InviteForm(FlaskForm):
    email = EmailField(
        _l("Email of the person to invite"), validators=[DataRequired(), Email()], filters=[_strip]
    )
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default=StudioRole.MANAGER.value)


class HolderInviteForm(FlaskForm):
    """A title's owner invites a co-producer or sales agent (the rights page)."""

    email = EmailField(validators=[DataRequired(), Email(), at_most(254)], filters=[_strip])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class DeleteAccountForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    confirm = BooleanField(
        _l("I understand that my films and my account are gone for good."),
        validators=[DataRequired()],
    )


class SuspendForm(FlaskForm):
    """An admin suspends an account; the reason goes to the audit log."""

    reason = TextAreaField(
        _l("Why (kept in the audit log)"),
        validators=[DataRequired(), Length(max=500)],
        filters=[_strip],
    )


def page_argument() -> int:
    """The ``?page=`` of a paginated list: 1 when missing or no page number a list can reach
    (a number past any offset the database can take, a negative one, a word)."""
    return request.args.get("page", 1, type=row_id) or 1
