"""The revenue filter form (GET): period, title, country, kind and chart grouping."""

from __future__ import annotations

from datetime import datetime

from flask import request
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from ..countries import country_choices
from ..i18n import current_locale
from ..models import OfferKind, utcnow
from ..services import reports
from ..services.reports.buckets import bucket_days
from ..services.reports.filters import MAX_BUCKETS, report_days

PERIODS = [
    SelectChoice(reports.Period.TODAY.value, _l("Today")),
    SelectChoice(reports.Period.DAYS_7.value, _l("Last 7 days")),
    SelectChoice(reports.Period.DAYS_30.value, _l("Last 30 days")),
    SelectChoice(reports.Period.MONTH.value, _l("This month")),
    SelectChoice(reports.Period.ALL.value, _l("All time")),
    SelectChoice(reports.Period.CUSTOM.value, _l("Chosen dates")),
]
GROUPS = [
    SelectChoice("", _l("Automatic")),
    SelectChoice(reports.Granularity.DAY.value, _l("Day")),
    SelectChoice(reports.Granularity.WEEK.value, _l("Week")),
    SelectChoice(reports.Granularity.MONTH.value, _l("Month")),
]
KINDS = [
    SelectChoice("", _l("Both")),
    SelectChoice(OfferKind.RENT.value, _l("Rent")),
    SelectChoice(OfferKind.BUY.value, _l("Buy")),
]
FILTER_FIELDS = ("period", "start", "end", "title", "country", "kind", "group", "tz")


class RevenueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    period = SelectField(_l("Period"), choices=PERIODS, default=reports.Period.DAYS_30.value)
    start = DateField(_l("First day"), validators=[Optional()])
    end = DateField(_l("Last day"), validators=[Optional()])
    title = SelectField(_l("Title"), choices=[], default="")
    country = SelectField(_l("Country"), choices=[], default="")
    kind = SelectField(_l("Rent or buy"), choices=KINDS, default="")
    group = SelectField(_l("Chart by"), choices=GROUPS, default="")
    tz = HiddenField()

    def __init__(self, titles: list[tuple[int, str]] | None, default_tz: str) -> None:
        super().__init__(formdata=request.args)
        self.default_tz = default_tz
        if titles is None:  # the platform-wide report has no title filter
            del self.title
        else:
            self.title.choices = [SelectChoice("", _l("All titles"))] + [
                SelectChoice(str(i), n) for i, n in titles
            ]
        self.country.choices = [SelectChoice("", _l("All countries"))] + [
            SelectChoice(code, name) for code, name in country_choices(current_locale())
        ]
        self._bounds: tuple[datetime | None, datetime | None] = (None, None)

    @property
    def zone(self) -> str:
        return self.tz.data or self.default_tz

    def validate_tz(self, field: HiddenField) -> None:
        if field.data and not reports.is_time_zone(field.data):
            raise ValidationError(_l("Unknown time zone."))

    def validate(self, extra_validators=None) -> bool:  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if self.period.data == reports.Period.CUSTOM.value:
            # Checked here: the Optional() validators stop the fields' own chains when empty.
            if self.start.data is None and not self.start.errors:
                self.start.errors = [*self.start.errors, _l("Choose the first day.")]
            if self.end.data is None and not self.end.errors:
                self.end.errors = [*self.end.errors, _l("Choose the last day.")]
            if self.start.data and self.end.data and self.end.data < self.start.data:
                self.end.errors = [*self.end.errors, _l("The last day cannot be before the first.")]
            first, last = report_days(utcnow().date())
            for field in (self.start, self.end):
                if field.data and not first <= field.data <= last:
                    field.errors = [
                        *field.errors,
                        _l(
                            "Choose a day between %(first)s and %(last)s.",
                            first=format_date(first, "long"),
                            last=format_date(last, "long"),
                        ),
                    ]
            valid = valid and not self.start.errors and not self.end.errors
        if not valid:
            return False
        period = reports.Period(self.period.data)
        self._bounds = reports.period_bounds(
            period, self.zone, utcnow(), self.start.data, self.end.data
        )
        start, end = self._bounds
        if start is not None and end is not None:
            granularity = (
                reports.Granularity(self.group.data)
                if self.group.data
                else reports.auto_granularity(start, end)
            )
            if len(bucket_days(start, end, self.zone, granularity)) > MAX_BUCKETS:
                self.group.errors = [
                    _l("Too many points for one chart: choose a coarser grouping.")
                ]
                return False
        return True

    def to_filter(self, studio_id: int | None) -> reports.ReportFilter:
        """The validated form as a report filter (call after validate())."""
        start, end = self._bounds
        f = reports.ReportFilter(
            studio_id=studio_id,
            start=start,
            end=end,
            title_id=int(self.title.data)
            if getattr(self, "title", None) and self.title.data
            else None,
            country=self.country.data or None,
            kind=OfferKind(self.kind.data) if self.kind.data else None,
            tz=self.zone,
        )
        if self.group.data:
            return f.with_(granularity=reports.Granularity(self.group.data))
        range_start, range_end = reports.resolved_range(f)
        return f.with_(granularity=reports.auto_granularity(range_start, range_end))

    def query_args(self) -> dict[str, str]:
        """The filter as query arguments, for download links that match the page."""
        args = {}
        for name in FILTER_FIELDS:
            field = getattr(self, name, None)
            if field is None or not field.data:
                continue
            if name in ("start", "end") and self.period.data != reports.Period.CUSTOM.value:
                continue
            args[name] = field.data.isoformat() if name in ("start", "end") else str(field.data)
        return args
