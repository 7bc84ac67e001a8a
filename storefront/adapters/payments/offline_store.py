"""The offline gateway's objects and events, in a small SQLite file of its own.

Kept apart from the app's database (which may be PostgreSQL) so that, like a real processor,
it is not rolled back with the app's transactions, and shared by the web and worker processes.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import string
import time
from typing import Any

from .base import InvalidPaymentRequest, Obj

_ALPHABET = string.ascii_letters + string.digits
SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, object_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
    id TEXT PRIMARY KEY, body TEXT NOT NULL, created REAL NOT NULL, delivered INTEGER NOT NULL
);
"""


def new_id(prefix: str) -> str:
    return f"{prefix}_offline_" + "".join(secrets.choice(_ALPHABET) for _ in range(20))


def empty_list(url: str, data: list[Obj] | None = None) -> Obj:
    items = data or []
    return {"object": "list", "data": items, "has_more": False, "url": url}


class Store:
    """Object and event access on one SQLite connection."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.emitted: list[str] = []

    def get(self, object_id: str, kind: str | None = None) -> Obj:
        row = self.conn.execute(
            "SELECT kind, body FROM objects WHERE id = ?", (object_id or "",)
        ).fetchone()
        if row is None or (kind is not None and row["kind"] != kind):
            raise InvalidPaymentRequest(f"no such {kind or 'object'}: {object_id}")
        return json.loads(row["body"])

    def all(self, kind: str) -> list[Obj]:
        rows = self.conn.execute(
            "SELECT body FROM objects WHERE kind = ? ORDER BY rowid", (kind,)
        ).fetchall()
        return [json.loads(row["body"]) for row in rows]

    def put(self, obj: Obj) -> Obj:
        self.conn.execute(
            "INSERT INTO objects (id, kind, body) VALUES (?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET body = excluded.body",
            (obj["id"], obj["object"], json.dumps(obj)),
        )
        return obj

    def expand(self, node: Any, parts: list[str]) -> None:
        if not parts or not isinstance(node, dict):
            return
        key, rest = parts[0], parts[1:]
        value = node.get(key)
        if isinstance(value, str):
            value = node[key] = self.get(value)
        self.expand(value, rest)

    def balance_transaction(
        self, amount: int, currency: str, type_: str, source: str, fee: int
    ) -> Obj:
        details = (
            [
                {
                    "amount": fee,
                    "currency": currency,
                    "description": "Offline test fee",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        )
        return self.put(
            {
                "id": new_id("txn"),
                "object": "balance_transaction",
                "amount": amount,
                "created": int(time.time()),
                "currency": currency,
                "fee": fee,
                "fee_details": details,
                "net": amount - fee,
                "reporting_category": type_,
                "source": source,
                "status": "available",
                "type": type_,
            }
        )

    def emit(self, type_: str, obj: Obj) -> None:
        event_id = new_id("evt")
        event = {
            "id": event_id,
            "object": "event",
            "api_version": "offline",
            "created": int(time.time()),
            "data": {"object": public(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": type_,
        }
        self.conn.execute(
            "INSERT INTO events (id, body, created, delivered) VALUES (?, ?, ?, 0)",
            (event_id, json.dumps(event), time.time()),
        )
        self.emitted.append(event_id)


def public(obj: Obj) -> Obj:
    """The object without the page-only fields."""
    return {k: v for k, v in obj.items() if not k.startswith("_")}
