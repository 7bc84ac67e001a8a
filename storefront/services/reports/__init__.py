"""Revenue reports: everything that reads the append-only ledger.

Totals are per currency (never converted), summed in SQL; a studio's reports leave out the
platform's own application_fee rows; admins see every row.
"""

from ...models import EntryType, OfferKind
from .aggregates import dashboard, recent_refunds_and_disputes, recent_sales, resolved_range
from .export import COLUMNS, HEADER, csv_chunks, xlsx_chunks
from .filters import (
    Granularity,
    Period,
    ReportFilter,
    auto_granularity,
    is_time_zone,
    month_bounds,
    period_bounds,
    report_days,
    studio_zone,
)
from .platform import PlatformFigures, PlatformReport, platform_report
from .totals import CurrencyReport, Dashboard, Slice, Totals

__all__ = [
    "COLUMNS",
    "EntryType",
    "OfferKind",
    "HEADER",
    "CurrencyReport",
    "Dashboard",
    "Granularity",
    "Period",
    "PlatformFigures",
    "PlatformReport",
    "ReportFilter",
    "Slice",
    "Totals",
    "auto_granularity",
    "csv_chunks",
    "dashboard",
    "is_time_zone",
    "month_bounds",
    "studio_zone",
    "period_bounds",
    "platform_report",
    "recent_refunds_and_disputes",
    "report_days",
    "recent_sales",
    "resolved_range",
    "xlsx_chunks",
]
