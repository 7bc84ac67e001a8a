"""How festival pages say times and reasons: a screening's window in the festival's own time
zone and in the viewer's, and why a screening cannot be booked."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from babel.dates import get_date_format, get_datetime_format, get_time_format
from flask import Flask
from flask_babel import format_datetime
from flask_babel import gettext as _

from ..i18n import current_locale, join_list
from ..models import Festival
from ..services.catalog.availability import Availability, Reason
from ..services.promotion.schedule import ScheduleItem
from ..services.reports.filters import zone_choices
from .availability_text import _place


def to_the_minute(locale: str) -> str:
    """The locale's medium date with its short time ("Feb 12, 2027, 8:00 PM"): what the
    browser shows beside it (local-times.js), with no seconds nobody set."""
    both = get_datetime_format("medium", locale=locale)
    time = get_time_format("short", locale=locale).pattern
    date = get_date_format("medium", locale=locale).pattern
    return str(both).replace("{0}", time).replace("{1}", date)


def in_festival_zone(value: datetime, festival: Festival, with_zone: bool = True) -> str:
    """``value`` on the festival's wall clock, e.g. "12 Feb 2027, 20:00 (Europe/Oslo)"; without
    the zone's name where a sentence names it once for several times."""
    locale = current_locale()
    zone = ZoneInfo(festival.timezone)
    text = babel_datetime(value, to_the_minute(locale), tzinfo=zone, locale=locale)
    return f"{text} ({festival.timezone})" if with_zone else text


def in_viewer_zone(value: datetime) -> str:
    """``value`` in the viewer's own time zone (the account's; the browser refines it)."""
    return format_datetime(value, to_the_minute(current_locale()))


def why_not(item: ScheduleItem) -> str:
    """Why the viewer cannot book this screening now (empty when they can)."""
    if item.live_ended:
        return _("Live screening over: the film has ended for everyone")
    return screening_reason(item.availability, item.sold_out)


def screening_reason(a: Availability, sold_out: bool = False) -> str:
    """Why a screening with availability ``a`` cannot be booked (empty when it can)."""
    if a.is_available:
        return _("Sold out.") if sold_out else ""
    if a.reason == Reason.NOT_IN_COUNTRY:
        return _(
            "Not available in %(country)s: this screening is geo-blocked.",
            country=_place(a.country),
        )
    if a.reason == Reason.UNKNOWN_COUNTRY:
        return _("Only for viewers in some countries, and we could not tell where you are.")
    if a.reason == Reason.NOT_YET and a.opens_at:
        return _("Tickets on sale from %(when)s.", when=in_viewer_zone(a.opens_at))
    if a.reason == Reason.ENDED:
        return _("This screening has closed.")
    return _("Not on sale.")


def refused_here(availability: Availability, countries: list[str], *, is_pass: bool) -> str:
    """Why a ticket, pass or booking asked for was refused here and now; a viewer outside its
    countries reads their country and, when it is sold only in some, which ones."""
    if availability.reason == Reason.NOT_IN_COUNTRY:
        said = _("Not available in %(country)s.", country=_place(availability.country))
        if countries:
            said += " " + _(
                "Only for viewers in %(countries)s.", countries=join_list(countries, _place)
            )
        return said
    if is_pass:
        return pass_why_not(availability)
    return screening_reason(availability)


def pass_why_not(availability: Availability) -> str:
    """Why a pass cannot be bought here and now: withdrawn is not the viewer's country."""
    if availability.reason == Reason.NOT_FOR_SALE:
        return _("Withdrawn from sale")
    if availability.reason == Reason.NOT_YET and availability.opens_at:
        return _("On sale from %(when)s.", when=in_viewer_zone(availability.opens_at))
    if availability.reason == Reason.UNKNOWN_COUNTRY:
        return _("Only for viewers in some countries, and we could not tell where you are.")
    return _("Not on sale where you are.")


def init_app(app: Flask) -> None:
    app.jinja_env.filters["festival_time"] = in_festival_zone
    app.jinja_env.filters["viewer_time"] = in_viewer_zone
    app.jinja_env.globals["screening_why_not"] = why_not
    app.jinja_env.globals["pass_why_not"] = pass_why_not
    app.jinja_env.globals["time_zone_choices"] = zone_choices  # the festival forms' picker
