"""Film facts said the way people say them: runtimes, frame rates and file sizes."""

from __future__ import annotations

import re
from fractions import Fraction

from babel.units import format_unit
from flask_babel import format_decimal, get_locale, gettext, ngettext


def runtime_text(seconds: int | float | None) -> str:
    """'30 s', '1 min', '1 h 32 min': a 30-second film is not '0 min' nor '1 min'."""
    if not seconds or seconds <= 0:
        return ""
    seconds = round(seconds)
    if seconds < 60:
        return ngettext("%(num)d s", "%(num)d s", seconds)
    minutes = round(seconds / 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return gettext("%(hours)d h %(minutes)d min", hours=hours, minutes=minutes)
    return ngettext("%(num)d min", "%(num)d min", minutes)


def file_size_text(size: int) -> str:
    """'10.5 MB', '50.0 GB' in the reader's language ('10,5 Mo' in French): decimal units,
    as the uploader counts them."""
    giga = size >= 1000**3
    unit, scale = ("digital-gigabyte", 1000**3) if giga else ("digital-megabyte", 1000**2)
    return format_unit(size / scale, unit, "short", format="#,##0.0", locale=get_locale() or "en")


def frame_rate_text(rate: str | None) -> str:
    """'25/1' -> '25', '30000/1001' -> '29.97' (in the locale's digits)."""
    if not rate:
        return ""
    try:
        value = Fraction(rate)
    except (ValueError, ZeroDivisionError):
        return rate
    if value.denominator == 1:
        return format_decimal(value.numerator)
    return format_decimal(round(float(value), 3), format="#,##0.###")


def paragraphs(text: str | None) -> list[str]:
    """Paragraphs of text typed in a browser: lines end in CRLF, blank lines separate them."""
    if not text:
        return []
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return [p.strip() for p in re.split(r"\n[ \t]*\n", normalised) if p.strip()]
