"""The studio's offers form, and its translation to and from an `OffersPlan`.

Fields only parse what they alone can (dates in the filmmaker's time zone, whole numbers);
prices, currencies, countries and the contradictions between rows are the offers service's
rules, so the service reports them and this module puts each message next to its field.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import get_timezone
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
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

from .. import money
from ..countries import country_choices
from ..i18n import current_locale
from ..models import Offer, OfferKind, TerritoryMode, Title
from ..regions import REGIONS, expand
from ..services import ServiceError
from ..services.catalog import price_suggestions
from ..services.catalog.offers import RENTAL_START_DAYS, RENTAL_WATCH_HOURS, OfferPlan, OffersPlan
from ..services.catalog.offers import TerritoryPlan as RulePlan
from ..services.catalog.pricing import currency_choices, parse_price
from .forms import ChoicesField

SPARE_ROWS = 2
_INPUT_FORMAT = "%Y-%m-%dT%H:%M"


def _zone() -> ZoneInfo:
    tz = get_timezone()
    return ZoneInfo(str(tz)) if tz is not None else ZoneInfo("UTC")


class LocalDateTimeField(Field):
    """A date and time typed in the filmmaker's time zone; `data` is aware UTC."""

    widget = widgets.DateTimeLocalInput()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, datetime):
            return self.data.astimezone(_zone()).strftime(_INPUT_FORMAT)
        return ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not text:
            return
        zone = _zone()
        try:
            naive = datetime.strptime(text[:16], _INPUT_FORMAT)
            utc = naive.replace(tzinfo=zone).astimezone(UTC)
        except (ValueError, OverflowError) as exc:  # overflow: the calendar's ends, in UTC
            raise ValueError(_l("Enter a date and time, for example 2027-03-01 09:00.")) from exc
        if utc.astimezone(zone).replace(tzinfo=None) != naive:
            raise ValueError(_l("This time does not exist in your time zone (the clocks change)."))
        self.data = utc


class WholeNumberField(IntegerField):
    """A whole number, or None: its bounds and their message are the offers service's."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None


class RuleRowForm(Form):
    """One country's own price and/or dates."""

    country = SelectField(_l("Country"), choices=[], validate_choice=False)
    price = StringField(_l("Price"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = SelectField(_l("Currency"), choices=[], validate_choice=False)
    available_from = LocalDateTimeField(_l("From"))
    available_until = LocalDateTimeField(_l("Until"))

    def is_blank(self) -> bool:
        return not any(
            [
                self.country.data,
                (self.price.data or "").strip(),
                self.available_from.raw_data and self.available_from.raw_data[0].strip(),
                self.available_until.raw_data and self.available_until.raw_data[0].strip(),
            ]
        )


class OfferForm(Form):
    enabled = BooleanField(_l("Offer this"))
    price = StringField(_l("Price"), render_kw={"inputmode": "decimal", "autocomplete": "off"})
    currency = SelectField(_l("Currency"), choices=[], validate_choice=False)
    available_from = LocalDateTimeField(_l("Available from"))
    available_until = LocalDateTimeField(_l("Available until"))
    mode = RadioField(
        _l("Where"),
        choices=[
            SelectChoice(TerritoryMode.WORLDWIDE.value, _l("Worldwide")),
            SelectChoice(TerritoryMode.ALLOW.value, _l("Only in these countries")),
            SelectChoice(TerritoryMode.DENY.value, _l("Worldwide except these countries")),
        ],
        default=TerritoryMode.WORLDWIDE.value,
    )
    # Checkboxes, not a multiple select: a phone cannot Ctrl-click. The territory picker's
    # script turns them into a search box with chips.
    countries = SelectMultipleField(
        _l("Countries"),
        choices=[],
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    groups = ChoicesField(
        _l("Add a group of countries"),
        choices=[SelectChoice(r.key, r.label) for r in REGIONS],
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )
    rules = FieldList(FormField(RuleRowForm), min_entries=0)


class OffersForm(FlaskForm):
    rent = FormField(OfferForm)
    buy = FormField(OfferForm)
    rental_start_days = WholeNumberField(
        _l("Days to start watching after renting"),
        render_kw={"required": True, "min": RENTAL_START_DAYS[0], "max": RENTAL_START_DAYS[1]},
    )
    rental_watch_hours = WholeNumberField(
        _l("Hours to finish once started"),
        render_kw={"required": True, "min": RENTAL_WATCH_HOURS[0], "max": RENTAL_WATCH_HOURS[1]},
    )

    def offer_forms(self) -> list[tuple[OfferKind, OfferForm]]:
        return [(OfferKind.RENT, self.rent.form), (OfferKind.BUY, self.buy.form)]

    def fill_choices(self, spare_rows: int = SPARE_ROWS) -> None:
        """Country and currency lists in the viewer's language, plus empty rows to type into."""
        locale = current_locale()
        countries = list(country_choices(locale))
        currencies = [("", "—"), *currency_choices(locale)]
        for _kind, offer in self.offer_forms():
            offer.currency.choices = currencies
            offer.countries.choices = countries
            for _ in range(spare_rows):
                offer.rules.append_entry()
            for row in offer.rules:
                row.form.country.choices = [("", "—"), *countries]
                row.form.currency.choices = currencies

    def suggest_prices(self, kind: OfferKind, rates: dict) -> int:
        """Fill the offer's country rows with prices converted from its own price (rows
        the studio already priced are left alone); returns how many rows were filled."""
        form = self.rent.form if kind == OfferKind.RENT else self.buy.form
        currency = (form.currency.data or "").upper()
        try:
            amount = parse_price(form.price.data, currency)
        except ServiceError:
            return 0
        rows = {row.form.country.data: row.form for row in form.rules if row.form.country.data}
        wanted = set(c.strip().upper() for c in form.countries.data or [] if c.strip())
        wanted |= expand(form.groups.data or [])
        filled = 0
        for country in sorted(wanted | set(rows)):
            row = rows.get(country)
            if row is not None and (row.price.data or "").strip():
                continue
            found = price_suggestions.suggest(amount, currency, country, rates)
            if found is None:
                continue
            local_amount, local_currency = found
            if row is None:
                row = form.rules.append_entry().form
                row.country.data = country
            row.price.data = money.to_input_string(local_amount, local_currency)
            row.currency.data = local_currency
            filled += 1
        return filled

    def to_plan(self) -> OffersPlan:
        """What the filmmaker asked for (group shortcuts expanded, blank rows dropped)."""
        offers = []
        for kind, form in self.offer_forms():
            countries = sorted(
                set(c.strip().upper() for c in form.countries.data or [] if c.strip())
                | expand(form.groups.data or [])
            )
            rules = [
                RulePlan(
                    country=row.form.country.data or "",
                    price=row.form.price.data,
                    currency=row.form.currency.data or None,
                    available_from=row.form.available_from.data,
                    available_until=row.form.available_until.data,
                    row=i,
                )
                for i, row in enumerate(form.rules)
                if not row.form.is_blank()
            ]
            try:
                mode = TerritoryMode(form.mode.data)
            except ValueError:
                mode = TerritoryMode.WORLDWIDE
            offers.append(
                OfferPlan(
                    kind=kind,
                    enabled=bool(form.enabled.data),
                    price=form.price.data,
                    currency=form.currency.data or None,
                    mode=mode,
                    countries=countries,
                    available_from=form.available_from.data,
                    available_until=form.available_until.data,
                    overrides=rules,
                )
            )
        return OffersPlan(
            offers=offers,
            rental_start_days=self.rental_start_days.data,  # type: ignore[arg-type]
            rental_watch_hours=self.rental_watch_hours.data,  # type: ignore[arg-type]
        )

    def show_errors(self, errors: dict[str, list[str]]) -> None:
        """Put the service's messages ("rent.rules.2.amount") next to their fields."""
        for path, messages in errors.items():
            parts = path.replace(".territories.", ".rules.").split(".")
            if parts[-1] == "amount":
                parts[-1] = "price"
            field = self._field_at(".".join(parts))
            target = field.errors if field is not None else self.form_errors
            if isinstance(target, tuple):
                target = field.errors = list(target)  # type: ignore[union-attr]
            for message in messages:
                if message not in target:
                    target.append(message)

    def _field_at(self, path: str) -> Field | None:
        node: Any = self
        for part in path.split("."):
            if isinstance(node, FormField):
                node = node.form
            if isinstance(node, FieldList):
                node = node.entries[int(part)] if part.isdigit() else None
            else:
                node = node._fields.get(part) if hasattr(node, "_fields") else None
            if node is None:
                return None
        return node if not isinstance(node, FormField | FieldList) else None

    def all_errors(self) -> bool:
        """Any error on any field (wtforms caches `errors`, so walk the fields instead)."""

        def walk(form: Any) -> bool:
            for f in form:
                if isinstance(f, FormField) and walk(f.form):
                    return True
                if isinstance(f, FieldList) and any(walk(e.form) for e in f.entries):
                    return True
                if not isinstance(f, FormField | FieldList) and f.errors:
                    return True
            return False

        return bool(self.form_errors) or walk(self)


def _input_price(amount: int | None, currency: str | None) -> str:
    return money.to_input_string(amount, currency) if amount and currency else ""


def initial_data(title: Title, offers: dict[OfferKind, Offer]) -> dict[str, Any]:
    """The form's values for what is saved now (objects: nested forms read attributes)."""
    data: dict[str, Any] = {
        "rental_start_days": title.rental_start_days,
        "rental_watch_hours": title.rental_watch_hours,
    }
    for kind in (OfferKind.RENT, OfferKind.BUY):
        offer = offers.get(kind)
        if offer is None:
            data[kind.value] = SimpleNamespace(enabled=False, mode=TerritoryMode.WORLDWIDE.value)
            continue
        rows = list(offer.territories)
        blocked = [r.country for r in rows if r.blocked]
        mode = TerritoryMode(offer.territory_mode)
        if mode == TerritoryMode.WORLDWIDE and blocked:
            mode = TerritoryMode.DENY  # the same rule, shown the way the form offers it
        if mode == TerritoryMode.ALLOW:
            listed = [r.country for r in rows if not r.blocked]
        elif mode == TerritoryMode.DENY:
            listed = blocked
        else:
            listed = []
        own = [
            SimpleNamespace(
                country=r.country,
                price=_input_price(r.amount, r.currency),
                currency=r.currency or "",
                available_from=r.available_from,
                available_until=r.available_until,
            )
            for r in rows
            if not r.blocked and (r.amount or r.available_from or r.available_until)
        ]
        data[kind.value] = SimpleNamespace(
            enabled=offer.active,
            price=_input_price(offer.amount, offer.currency),
            currency=offer.currency,
            available_from=offer.available_from,
            available_until=offer.available_until,
            mode=mode.value,
            countries=listed,
            groups=[],
            rules=own,
        )
    return data
