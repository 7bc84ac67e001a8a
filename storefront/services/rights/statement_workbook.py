"""A holder's statement (its Shares page) as XLSX, written as the revenue exports are:
openpyxl's write-only mode, times as UTC date-times, amounts as numbers with their
currency's digits, and a Totals sheet that sums the lines."""

from __future__ import annotations

from collections.abc import Iterator

from openpyxl import Workbook

from ...models import Studio
from ..reports.export import file_chunks, safe_title
from ..reports.workbook import Cells
from .statements import Statement, holder_statement

HEADER = (
    "date",
    "title",
    "country",
    "kind",
    "movement",
    "amount",
    "currency",
    "status",
    "sent_amount",
    "sent_currency",
    "exchange_rate",
)
TOTALS_HEADER = ("currency", "status", "lines", "amount")


def write_statement(path: str, statement: Statement) -> None:
    """The lines on a sheet named ``Shares``; per currency and status, their sums on
    ``Totals`` (paid, pending, held, owed: the figures the Shares page shows)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Shares")
    cells = Cells(sheet)
    sheet.append(list(HEADER))
    totals: dict[tuple[str, str], tuple[int, int]] = {}
    for line in statement.lines:
        sheet.append(
            [
                cells.moment(line.when),
                safe_title(line.title_name),
                line.country or "",
                line.kind,
                line.cause,
                cells.amount(line.amount, line.currency),
                line.currency,
                line.status,
                cells.amount(line.sent_amount, line.sent_currency),
                line.sent_currency,
                line.exchange_rate or "",
            ]
        )
        count, amount = totals.get((line.currency, line.status), (0, 0))
        totals[(line.currency, line.status)] = (count + 1, amount + line.amount)
    summary = book.create_sheet("Totals")
    summary_cells = Cells(summary)
    summary.append(list(TOTALS_HEADER))
    for (currency, status), (count, amount) in sorted(totals.items()):
        summary.append([currency, status, count, summary_cells.amount(amount, currency)])
    book.save(path)


def statement_xlsx_chunks(studio: Studio) -> Iterator[bytes]:
    """The download, from the statement read now (inside the request)."""
    statement = holder_statement(studio)
    return file_chunks(lambda path: write_statement(path, statement))
