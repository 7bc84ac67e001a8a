"""The ledger only grows: the ORM refuses updates and deletes, and so does PostgreSQL."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storefront.extensions import db
from storefront.models import LedgerEntry, LedgerImmutableError, Studio, Title


def test_changing_an_entry_through_the_orm_is_refused(ledger):
    entry = ledger.sale(1000)
    entry.gross = 1
    with pytest.raises(LedgerImmutableError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(LedgerEntry, entry.id).gross == 1000


def test_deleting_an_entry_through_the_orm_is_refused(ledger):
    entry = ledger.sale(1000)
    db.session.delete(entry)
    with pytest.raises(LedgerImmutableError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(LedgerEntry, entry.id) is not None


@pytest.mark.parametrize(
    "statement",
    [
        sa.update(LedgerEntry).values(gross=0),
        sa.delete(LedgerEntry),
        sa.update(LedgerEntry.__table__).values(net=0),
        sa.delete(LedgerEntry.__table__).where(LedgerEntry.__table__.c.id > 0),
    ],
    ids=["orm-update", "orm-delete", "table-update", "table-delete"],
)
def test_bulk_statements_through_the_session_are_refused(ledger, statement):
    ledger.sale(1000)
    with pytest.raises(LedgerImmutableError):
        db.session.execute(statement)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.sum(LedgerEntry.gross))) == 1000


def test_a_correction_is_a_new_row(ledger):
    ledger.sale(1000)
    ledger.refund(1000)
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 2


def test_postgresql_refuses_raw_updates_and_deletes(ledger):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; SQLite relies on the ORM guard")
    entry = ledger.sale(1000)
    for sql in ("UPDATE ledger_entries SET gross = 0", "DELETE FROM ledger_entries"):
        with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
            conn.execute(sa.text(sql))
    # Changing only a foreign key to another value is an edit too.
    with db.engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="append-only"):
        conn.execute(sa.text("UPDATE ledger_entries SET studio_id = studio_id + 1"))
    assert db.session.get(LedgerEntry, entry.id).gross == 1000


def test_deleting_a_title_or_studio_detaches_its_rows_and_keeps_them(ledger, studio):
    entry = ledger.sale(1000)
    title_id = ledger.title.id
    db.session.delete(db.session.get(Title, title_id))
    db.session.commit()
    db.session.execute(sa.delete(Studio).where(Studio.id == studio.id))
    db.session.commit()
    db.session.expire_all()
    kept = db.session.get(LedgerEntry, entry.id)
    assert (kept.title_id, kept.studio_id) == (None, None)
    assert (kept.title_name, kept.gross, kept.net) == ("The Long Winter", 1000, 1000)
