"""The studio's promotion form. The territory picker is the offers editor's own fields
(mode, countries, region groups), so both pages pick countries the same way."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FieldList,
    Form,
    FormField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange, Optional

from ..countries import country_choices
from ..i18n import current_locale
from ..models import Studio, Title
from ..regions import expand
from ..services.catalog.pricing import currency_choices
from ..services.promotion.manage import MAX_BATCH, PromotionPlan
from ..services.promotion.screeners import ScreenerPlan
from .offer_forms import LocalDateTimeField, OfferForm

FIXED_ROWS = 3


class FixedRowForm(Form):
    price = StringField(_l("Amount off"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = SelectField(_l("Currency"), choices=[], validate_choice=False)


class PromotionForm(FlaskForm):
    name = StringField(_l("Name (for you, not shown to viewers)"))
    discount_type = RadioField(
        _l("Discount"),
        choices=[
            SelectChoice("percent", _l("A percentage off (at 100 % the film is free: a comp)")),
            SelectChoice("fixed", _l("An amount off, per currency")),
        ],
        default="percent",
    )
    percent_off = IntegerField(_l("Percent off"), validators=[Optional()])
    fixed = FieldList(FormField(FixedRowForm), min_entries=FIXED_ROWS, max_entries=FIXED_ROWS)
    kind = RadioField(
        _l("Valid to"),
        choices=[
            SelectChoice("", _l("Rent or buy")),
            SelectChoice("rent", _l("Rent only")),
            SelectChoice("buy", _l("Buy only")),
        ],
        default="",
    )
    # Checkboxes the territory picker's script turns into chips (no Ctrl-click on a phone).
    titles = SelectMultipleField(
        _l("Films (none chosen: every film of the studio)"),
        choices=[],
        coerce=int,
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    # The offers editor's territory picker.
    mode = OfferForm.mode
    countries = OfferForm.countries
    groups = OfferForm.groups
    valid_from = LocalDateTimeField(_l("Valid from"))
    valid_until = LocalDateTimeField(_l("Valid until"))
    max_uses = IntegerField(_l("Uses in total"), validators=[Optional(), NumberRange(min=1)])
    per_viewer_limit = IntegerField(
        _l("Uses per viewer"), validators=[Optional(), NumberRange(min=1)], default=1
    )
    code_mode = RadioField(
        _l("Codes"),
        choices=[
            SelectChoice("shared", _l("One code everybody types (for a newsletter)")),
            SelectChoice(
                "batch", _l("A batch of unique codes, each usable once (download as CSV)")
            ),
        ],
        default="shared",
    )
    code = StringField(_l("The code"), render_kw={"autocapitalize": "characters"})
    batch_size = IntegerField(
        _l("How many codes"), validators=[Optional(), NumberRange(min=1, max=MAX_BATCH)]
    )
    batch_prefix = StringField(_l("Start each code with (optional)"))

    def fill_choices(self, studio_titles: list[Title]) -> None:
        locale = current_locale()
        self.titles.choices = [(t.id, t.name) for t in studio_titles]
        self.countries.choices = list(country_choices(locale))
        currencies = [("", "—"), *currency_choices(locale)]
        for row in self.fixed:
            row.form.currency.choices = currencies

    def to_plan(self) -> PromotionPlan:
        countries = sorted(
            {c.strip().upper() for c in self.countries.data or [] if c.strip()}
            | expand(self.groups.data or [])
        )
        batch = self.code_mode.data == "batch"
        return PromotionPlan(
            name=self.name.data or "",
            discount_type=self.discount_type.data or "",
            percent_off=self.percent_off.data,
            fixed_prices=[
                (row.form.currency.data, row.form.price.data or "")
                for row in self.fixed
                if row.form.currency.data
            ],
            kind=self.kind.data or "",
            title_ids=list(self.titles.data or []),
            territory_mode=self.mode.data or "worldwide",
            countries=countries,
            valid_from=self.valid_from.data,
            valid_until=self.valid_until.data,
            max_uses=self.max_uses.data,
            per_viewer_limit=self.per_viewer_limit.data,
            code="" if batch else (self.code.data or ""),
            batch_size=(self.batch_size.data or 0) if batch else None,
            batch_prefix=self.batch_prefix.data or "",
        )

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        targets = {"fixed_prices": "fixed", "title_ids": "titles", "territory_mode": "mode"}
        for name, messages in errors.items():
            field = getattr(self, targets.get(name, name), None)
            target = field if field is not None else None
            if target is None:
                self.form_errors.extend(messages)
                continue
            # The service's reason replaces the field's generic one ("Not a valid integer").
            target.errors = list(messages)


def studio_title_list(studio: Studio) -> list[Title]:
    from ..extensions import db

    return list(
        db.session.scalars(db.select(Title).filter_by(studio_id=studio.id).order_by(Title.name))
    )


class ScreenerForm(FlaskForm):
    title_id = SelectField(_l("Film"), choices=[], coerce=int, validate_choice=False)
    recipient_name = StringField(_l("Recipient's name"))
    recipient_email = StringField(_l("Recipient's email"), render_kw={"type": "email"})
    note = StringField(_l("Note (press, programmer, juror…), for you"))
    days = IntegerField(_l("Valid for (days, 1 to 90)"), default=14, validators=[Optional()])
    max_views = IntegerField(_l("Plays allowed"), default=3, validators=[Optional()])
    # The offers editor's territory picker; worldwide unless the studio restricts it.
    mode = OfferForm.mode
    countries = OfferForm.countries
    groups = OfferForm.groups

    def fill_choices(self, studio_titles: list[Title]) -> None:
        self.title_id.choices = [(t.id, t.name) for t in studio_titles]
        self.countries.choices = list(country_choices(current_locale()))

    def to_plan(self) -> ScreenerPlan:
        countries = sorted(
            {c.strip().upper() for c in self.countries.data or [] if c.strip()}
            | expand(self.groups.data or [])
        )
        return ScreenerPlan(
            title_id=self.title_id.data,
            recipient_name=self.recipient_name.data or "",
            recipient_email=self.recipient_email.data or "",
            note=self.note.data or "",
            days=self.days.data,
            max_views=self.max_views.data,
            territory_mode=self.mode.data or "worldwide",
            countries=countries,
        )

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            field = getattr(self, "mode" if name == "territory_mode" else name, None)
            if field is None:
                self.form_errors.extend(messages)
            else:
                field.errors = [*field.errors, *messages]
