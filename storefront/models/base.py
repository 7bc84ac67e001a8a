"""Declarative base, naming conventions and column types shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names let Alembic alter tables on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The largest value of an INTEGER column on PostgreSQL (ids, counts, caps); SQLite holds more,
# so a number typed into a form is checked against this before it reaches either database.
INT_MAX = 2**31 - 1


def is_row_id(value: object) -> bool:
    """Whether ``value`` could be a row's id: a positive integer an id column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= INT_MAX


def row_id(text: str) -> int:
    """A form's id, for ``request.form.get(name, type=row_id)``: ValueError (so None) for
    anything that cannot name a row, such as a number past the id column's range."""
    value = int(text)
    if not is_row_id(value):
        raise ValueError(text)
    return value


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Store naive UTC, hand back aware UTC, on every database.

    SQLite keeps no time zone, PostgreSQL would convert to the session's; storing naive UTC
    everywhere keeps comparisons identical on both.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def str_enum(enum_cls: type[enum.Enum], length: int = 20) -> sa.Enum:
    """A portable string column restricted to an enum's values (no native DB enum type)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
