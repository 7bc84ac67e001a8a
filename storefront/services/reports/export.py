"""Ledger downloads: CSV and XLSX, streamed so that a million rows never sit in memory.

On PostgreSQL the CSV comes from `COPY (SELECT ...) TO STDOUT`, with the amounts and times
formatted by the database, and is relayed in large blocks: the app does no per-row work. On
SQLite rows are read in keyset batches and formatted here. Both produce the same bytes.
The columns are documented in docs/revenue-exports.md.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from babel.numbers import list_currencies
from sqlalchemy.engine import Engine

from ... import money
from ...models import EntryType, Order
from .filters import LEDGER, ReportFilter, conditions

BOM = "\ufeff".encode()  # lets Excel recognise UTF-8
CHUNK = 256 * 1024
BATCH = 5000
# Excel reads at most 1,048,576 rows per sheet, the header included.
SHEET_ROWS = 1_048_575
# A spreadsheet treats a cell starting with one of these as a formula: titles are typed by
# studios and opened by admins, so such a title is written with a leading apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

C = LEDGER.c
# (header, column) in file order; amounts are in major units of the currency named after them.
COLUMNS = (
    ("entry_id", C.id),
    ("occurred_at", C.occurred_at),
    ("entry_type", C.entry_type),
    ("order_id", C.order_id),
    ("studio_id", C.studio_id),
    ("title_id", C.title_id),
    ("title", C.title_name),
    ("kind", C.kind),
    ("country", C.country),
    ("currency", C.currency),
    ("gross", C.gross),
    ("tax", C.tax),
    ("processor_fee", C.processor_fee),
    ("platform_fee", C.platform_fee),
    ("net", C.net),
    ("settlement_currency", C.settlement_currency),
    ("settlement_amount", C.settlement_amount),
    ("settlement_fee", C.settlement_fee),
    ("settlement_net", C.settlement_net),
    ("exchange_rate", C.exchange_rate),
    ("provider", C.provider),
    ("charge_id", C.charge_id),
    ("balance_transaction_id", C.balance_transaction_id),
    ("refund_id", C.refund_id),
    ("dispute_id", C.dispute_id),
    ("event_id", C.source_event_id),
    ("promo_code", C.promo_code),
    ("discount", C.discount),
    # Text on every database (booleans print as t/f from COPY but True/False from Python).
    ("preorder", sa.case((C.preorder == sa.true(), "yes"), else_="no")),
)
HEADER = [name for name, _ in COLUMNS]
# A party's share of an order another studio sold (a co-producer's, a festival's): the order,
# its charge and code, and the event that paid the share are the selling store's, so that
# party's download leaves them empty; the row's own id, date, film and country identify it.
SHARE_TYPES = (
    EntryType.HOLDER_SHARE,
    EntryType.HOLDER_REFUND,
    EntryType.HOLDER_DISPUTE,
    EntryType.HOLDER_DISPUTE_WON,
    EntryType.FESTIVAL_SHARE,
    EntryType.FESTIVAL_INCOME,
)
SELLERS_ONLY = frozenset({"order_id", "charge_id", "event_id", "promo_code"})
ORDERS = Order.__table__
INDEX = {name: i for i, name in enumerate(HEADER)}
AMOUNTS = ("gross", "tax", "processor_fee", "platform_fee", "net")
TIME, TITLE, CURRENCY = INDEX["occurred_at"], INDEX["title"], INDEX["currency"]
AMOUNT_AT = tuple(INDEX[name] for name in AMOUNTS)
# Amounts of the balance transaction, in major units of the settlement currency.
SETTLEMENT_AMOUNTS = ("settlement_amount", "settlement_fee", "settlement_net")
SETTLEMENT_AT = tuple(INDEX[name] for name in SETTLEMENT_AMOUNTS)
SETTLEMENT_CURRENCY = INDEX["settlement_currency"]
DISCOUNT_AT = INDEX["discount"]  # in `currency`, like the amounts, but not totalled
PG_ISO = 'YYYY-MM-DD"T"HH24:MI:SS"Z"'  # to_char pattern for 2026-03-14T15:09:26Z


def safe_title(title: str) -> str:
    return "'" + title if title.startswith(FORMULA_STARTS) else title


@cache
def major_formatter(currency: str | None) -> Callable[[int], str]:
    """int minor units -> the same text as money.to_major_string, without Decimal per value."""
    digits = money.exponent(currency or "")
    if digits == 0:
        return str
    unit = 10**digits

    def fmt(amount: int) -> str:
        whole, part = divmod(-amount if amount < 0 else amount, unit)
        return f"{'-' if amount < 0 else ''}{whole}.{part:0{digits}d}"

    return fmt


def _sellers_only(column: sa.ColumnElement) -> sa.ColumnElement:
    """``column`` on rows of the reading studio's own orders, empty on its shares of others'.
    Only share rows look the order up (a CASE stops at its first true branch)."""
    sold_here = sa.exists().where(ORDERS.c.id == C.order_id, ORDERS.c.studio_id == C.studio_id)
    return sa.case((C.entry_type.not_in(SHARE_TYPES), column), (sold_here, column), else_=sa.null())


def columns_for(f: ReportFilter) -> tuple[tuple[str, sa.ColumnElement], ...]:
    """The export's columns for a reader: a studio's download (``studio_id`` set) leaves the
    selling store's ids out of its shares of other studios' orders; admins read them all."""
    if f.studio_id is None:
        return COLUMNS
    return tuple(
        (name, _sellers_only(column) if name in SELLERS_ONLY else column)
        for name, column in COLUMNS
    )


def _ordered(stmt: sa.Select) -> sa.Select:
    return stmt.order_by(C.occurred_at, C.id)


# --- CSV -------------------------------------------------------------------------------


def csv_chunks(engine: Engine, f: ReportFilter, batch: int = BATCH) -> Iterator[bytes]:
    """The CSV download, header first, in blocks of about 256 KB."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(HEADER)
    yield BOM + buffer.getvalue().encode()
    if engine.dialect.name == "postgresql":
        yield from _copy_csv(engine, f)
    else:
        yield from _python_csv(engine, f, batch)


@cache
def _exponent_groups() -> dict[int, tuple[str, ...]]:
    """Currencies whose exponent is not 2, by exponent, in both letter cases."""
    groups: dict[int, list[str]] = {}
    for code in list_currencies():
        digits = money.exponent(code)
        if digits != 2:
            groups.setdefault(digits, []).extend((code, code.lower()))
    return {digits: tuple(sorted(codes)) for digits, codes in sorted(groups.items())}


def _sql_major(amount: sa.ColumnElement, currency: sa.ColumnElement) -> sa.ColumnElement:
    """Minor units -> numeric with exactly the currency's digits (text '19.99', '-0.05', '500').

    Most rows are in two-digit currencies, so that test comes first: one hashed IN per value.
    """
    groups = _exponent_groups()
    others = [code for codes in groups.values() for code in codes]
    whens = [(currency.not_in(others), amount * sa.literal(Decimal("0.01")))]
    whens += [
        (
            currency.in_(codes),
            amount * sa.literal(Decimal(1).scaleb(-digits))
            if digits
            else sa.cast(amount, sa.Numeric),
        )
        for digits, codes in groups.items()
    ]
    return sa.case(*whens, else_=amount * sa.literal(Decimal("0.01")))


def copy_select(f: ReportFilter) -> sa.Select:
    """The export as one SELECT whose rows PostgreSQL's COPY writes exactly as we would."""
    title = sa.case(
        (sa.func.ascii(C.title_name).in_([ord(c) for c in FORMULA_STARTS]), "'" + C.title_name),
        else_=C.title_name,
    )
    columns = []
    for name, column in columns_for(f):
        if name == "occurred_at":
            column = sa.func.to_char(column, sa.literal_column(f"'{PG_ISO}'"))
        elif name == "title":
            column = title
        elif name in AMOUNTS or name == "discount":
            column = _sql_major(column, C.currency)
        elif name in SETTLEMENT_AMOUNTS:
            column = _sql_major(column, C.settlement_currency)
        columns.append(column.label(name))
    return _ordered(sa.select(*columns).where(*conditions(f)))


def copy_sql(engine: Engine, f: ReportFilter) -> str:
    # Every value in the filter is an int, a validated code or a datetime, and SQLAlchemy
    # quotes literals; COPY cannot take bound parameters.
    compiled = copy_select(f).compile(
        dialect=engine.dialect, compile_kwargs={"literal_binds": True}
    )
    return f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv)"


def _copy_csv(engine: Engine, f: ReportFilter) -> Iterator[bytes]:
    sql = copy_sql(engine, f)
    with engine.connect() as conn:
        # JIT-compiling this wide SELECT costs more than it saves on a single pass.
        conn.execute(sa.text("SET LOCAL jit = off"))
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
            block = bytearray()
            for data in copy:  # one row per message: gather them into large blocks
                block += data
                if len(block) >= CHUNK:
                    yield bytes(block)
                    block.clear()
            if block:
                yield bytes(block)


def _plain_select(dialect: str, f: ReportFilter) -> sa.Select:
    """The export's columns as stored, with the time already as ISO 8601 text."""
    columns = [sa.type_coerce(column, sa.String) if name in ("entry_type", "kind") else column
               for name, column in columns_for(f)]  # fmt: skip
    if dialect == "postgresql":
        columns[TIME] = sa.func.to_char(C.occurred_at, sa.literal_column(f"'{PG_ISO}'"))
        return sa.select(*columns)
    columns[TIME] = sa.func.strftime("%Y-%m-%dT%H:%M:%SZ", C.occurred_at)
    # The stored text of the time, for the keyset of the next batch.
    return sa.select(*columns, sa.type_coerce(C.occurred_at, sa.String).label("_at"))


def sqlite_batches(engine: Engine, f: ReportFilter, batch: int) -> Iterator[list[sa.Row]]:
    """Rows in keyset batches. Rows are never updated and only appended, so stopping at the
    highest id seen at the start gives the same snapshot a single long query would."""
    with engine.connect() as conn:
        last_id = conn.scalar(sa.select(sa.func.max(C.id))) or 0
    after: tuple[str, int] | None = None
    while True:
        stmt = _plain_select("sqlite", f).where(*conditions(f), C.id <= last_id)
        if after is not None:
            stmt = stmt.where(
                sa.tuple_(sa.type_coerce(C.occurred_at, sa.String), C.id) > sa.tuple_(*after)
            )
        with engine.connect() as conn:
            rows = conn.execute(_ordered(stmt).limit(batch)).all()
        if not rows:
            return
        yield rows
        after = (rows[-1]._at, rows[-1][0])


def _python_csv(engine: Engine, f: ReportFilter, batch: int) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    width = len(HEADER)
    for rows in sqlite_batches(engine, f, batch):
        for row in rows:
            values = list(row[:width])
            fmt = major_formatter(values[CURRENCY])
            for i in AMOUNT_AT:
                values[i] = fmt(values[i])
            values[DISCOUNT_AT] = fmt(values[DISCOUNT_AT])
            for i in SETTLEMENT_AT:
                if values[i] is not None:
                    values[i] = major_formatter(values[SETTLEMENT_CURRENCY])(values[i])
            values[TITLE] = safe_title(values[TITLE])
            writer.writerow(values)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


# --- XLSX ------------------------------------------------------------------------------


def entry_rows(engine: Engine, f: ReportFilter, batch: int = BATCH) -> Iterator[tuple]:
    """Every exported row as stored values (time as ISO text), streamed from the database."""
    if engine.dialect.name == "postgresql":
        select = _ordered(_plain_select("postgresql", f).where(*conditions(f)))
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(select)
            for row in result:
                yield tuple(row)
        return
    width = len(HEADER)
    for rows in sqlite_batches(engine, f, batch):
        for row in rows:
            yield tuple(row[:width])


def xlsx_chunks(engine: Engine, f: ReportFilter, batch: int = BATCH) -> Iterator[bytes]:
    """The XLSX download: entries sheet(s) and a Totals sheet, built in a temporary file."""
    from .workbook import write_workbook

    return file_chunks(lambda path: write_workbook(path, entry_rows(engine, f, batch)))


def file_chunks(write: Callable[[str], None], suffix: str = ".xlsx") -> Iterator[bytes]:
    """What ``write`` puts in a temporary file, streamed in blocks; the file is removed after."""
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115
    handle.close()
    try:
        write(handle.name)
        with open(handle.name, "rb") as data:
            while block := data.read(CHUNK):
                yield block
    finally:
        os.unlink(handle.name)
