"""The XLSX export, written with openpyxl's write-only mode (rows go straight to disk)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ... import money
from .export import (
    AMOUNT_AT,
    AMOUNTS,
    CURRENCY,
    DISCOUNT_AT,
    HEADER,
    SETTLEMENT_AT,
    SETTLEMENT_CURRENCY,
    SHEET_ROWS,
    TIME,
    TITLE,
    safe_title,
)

ENTRY_TYPE = HEADER.index("entry_type")
TOTALS_HEADER = ["currency", "entry_type", "entries", *AMOUNTS]
TIME_FORMAT = "yyyy-mm-dd hh:mm:ss"


def _number_format(currency: str | None) -> str:
    digits = money.exponent(currency or "")
    return "0." + "0" * digits if digits else "0"


class Cells:
    """Styled write-only cells, one style per currency exponent."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self.sheet = sheet

    def time(self, text: str) -> WriteOnlyCell:
        return self.moment(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))

    def moment(self, when: datetime) -> WriteOnlyCell:
        """A UTC date-time (Excel cells hold no zone), to the second."""
        if when.tzinfo is not None:
            when = when.astimezone(UTC).replace(tzinfo=None)
        cell = WriteOnlyCell(self.sheet, when.replace(microsecond=0))
        cell.number_format = TIME_FORMAT
        return cell

    def amount(self, minor: int, currency: str | None) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, money.to_decimal(minor, currency or ""))
        cell.number_format = _number_format(currency)
        return cell


def _entries_sheet(book: Workbook, number: int) -> tuple[WriteOnlyWorksheet, Cells]:
    sheet = book.create_sheet("Entries" if number == 1 else f"Entries {number}")
    sheet.append(HEADER)
    return sheet, Cells(sheet)


def write_workbook(path: str, rows: Iterable[tuple]) -> None:
    """Entries (times as UTC date-times, amounts as numbers in major units) and Totals."""
    book = Workbook(write_only=True)
    sheets = 1
    sheet, cells = _entries_sheet(book, sheets)
    written = 0
    totals: dict[tuple[str, str], list[int]] = {}
    for row in rows:
        if written == SHEET_ROWS:
            sheets += 1
            sheet, cells = _entries_sheet(book, sheets)
            written = 0
        values: list[object] = list(row)
        currency = row[CURRENCY]
        sums = totals.setdefault((currency, row[ENTRY_TYPE]), [0] * (1 + len(AMOUNT_AT)))
        sums[0] += 1
        for n, i in enumerate(AMOUNT_AT, start=1):
            sums[n] += row[i]
            values[i] = cells.amount(row[i], currency)
        values[DISCOUNT_AT] = cells.amount(row[DISCOUNT_AT], currency)
        for i in SETTLEMENT_AT:
            if row[i] is not None:
                values[i] = cells.amount(row[i], row[SETTLEMENT_CURRENCY])
        values[TIME] = cells.time(row[TIME])
        values[TITLE] = safe_title(row[TITLE])
        sheet.append(values)
        written += 1
    _totals_sheet(book, totals)
    book.save(path)


def _totals_sheet(book: Workbook, totals: dict[tuple[str, str], list[int]]) -> None:
    """Sums of the entries' amount columns per currency and entry type, then per currency."""
    sheet = book.create_sheet("Totals")
    cells = Cells(sheet)
    sheet.append(TOTALS_HEADER)
    for currency in sorted({c for c, _ in totals}):
        overall = [0] * (1 + len(AMOUNT_AT))
        for (c, entry_type), sums in sorted(totals.items()):
            if c != currency:
                continue
            overall = [a + b for a, b in zip(overall, sums, strict=True)]
            sheet.append([currency, entry_type, sums[0], *(cells.amount(v, c) for v in sums[1:])])
        sheet.append(
            [currency, "all", overall[0], *(cells.amount(v, currency) for v in overall[1:])]
        )
