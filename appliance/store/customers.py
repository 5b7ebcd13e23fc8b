"""The customers an invoice can be made out to: the hub's OFN customers and those typed here.

The sync daemon copies the hub's OFN customers into ``customer`` (``ofn_id`` set), a page at a
time in small transactions, so the counter can pick one with OFN out of reach. A customer typed at
the counter is kept too (``ofn_id`` NULL, ``local_key`` its printed fields folded), for the next
invoice: it stays on the box and is never sent to OFN.

Search matches every word typed anywhere in the name, e-mail or OFN code, without regard to case
or accents; a scan of the ``search`` column, which bench/customer_search.py measures on 10,000
customers.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from appliance.core.clock import utc_text
from appliance.core.customer import Customer, search_key
from appliance.core.text import folded
from appliance.store.word_search import STARTS_FIRST, every_word, starting_with

SEARCH_LIMIT_MAX = 200
_COLUMNS = "id, ofn_id, code, email, name, address, vat_number, company_id, tags"


def upsert_ofn_customers(connection: sqlite3.Connection, customers: Iterable[Customer], at: datetime) -> int:
    """Insert or refresh OFN customers (by ``ofn_id``); the caller holds a short write transaction."""
    rows = [
        (c.ofn_id, c.code, c.email, c.name, json.dumps(list(c.address)), c.vat_number, c.company_id, search_key(c))
        + (json.dumps(list(c.tags), ensure_ascii=False),)
        for c in customers
    ]
    connection.executemany(
        "INSERT INTO customer (ofn_id, code, email, name, address, vat_number, company_id, search, tags, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ofn_id) DO UPDATE SET code = excluded.code,"
        " email = excluded.email, name = excluded.name, address = excluded.address,"
        " vat_number = excluded.vat_number, company_id = excluded.company_id, search = excluded.search,"
        " tags = excluded.tags, seen_at = excluded.seen_at",
        [(*row, utc_text(at)) for row in rows],
    )
    return len(rows)


def stale_ofn_customers(connection: sqlite3.Connection, started: datetime) -> list[int]:
    """OFN customers a complete refresh begun at ``started`` did not see: gone from OFN."""
    rows = connection.execute(
        "SELECT id FROM customer WHERE ofn_id IS NOT NULL AND seen_at < ?", (utc_text(started),)
    ).fetchall()
    return [row[0] for row in rows]


def forget(connection: sqlite3.Connection, ids: list[int]) -> None:
    connection.executemany("DELETE FROM customer WHERE id = ?", [(row_id,) for row_id in ids])


def remember(connection: sqlite3.Connection, customer: Customer, at: datetime) -> Customer:
    """Keep a customer typed (or completed) at the counter for the next time; returns it with its row id.

    A customer exactly as cached from OFN is not copied. The same printed fields typed twice are
    one row, whose ``seen_at`` says when it was last used (the list shows recent ones first).
    """
    if customer.ofn_id is not None:
        cached = by_ofn_id(connection, customer.ofn_id)
        if cached is not None and cached.same_as(customer):
            return cached
    key = folded(json.dumps(customer.as_record() | {"ofn_id": None}, sort_keys=True, ensure_ascii=False))
    connection.execute(
        "INSERT INTO customer (local_key, code, email, name, address, vat_number, company_id, search, seen_at)"
        " VALUES (?, '', ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (local_key) DO UPDATE SET seen_at = excluded.seen_at",
        (
            key,
            customer.email,
            customer.name,
            json.dumps(list(customer.address)),
            customer.vat_number,
            customer.company_id,
            search_key(customer),
            utc_text(at),
        ),
    )
    row = connection.execute(f"SELECT {_COLUMNS} FROM customer WHERE local_key = ?", (key,)).fetchone()
    return _customer(row)


def by_id(connection: sqlite3.Connection, row_id: int) -> Customer | None:
    row = connection.execute(f"SELECT {_COLUMNS} FROM customer WHERE id = ?", (row_id,)).fetchone()
    return _customer(row) if row else None


def by_ofn_id(connection: sqlite3.Connection, ofn_id: int) -> Customer | None:
    row = connection.execute(f"SELECT {_COLUMNS} FROM customer WHERE ofn_id = ?", (ofn_id,)).fetchone()
    return _customer(row) if row else None


def search(connection: sqlite3.Connection, text: str, limit: int = 20) -> list[Customer]:
    """Customers whose name, e-mail or code hold every word of ``text``; names starting with it first.

    An empty ``text`` lists the customers used most recently at the counter, then the others by name.
    """
    limit = max(1, min(limit, SEARCH_LIMIT_MAX))
    words = folded(text).split()
    if not words:
        rows = connection.execute(
            f"SELECT {_COLUMNS} FROM customer ORDER BY local_key IS NULL, seen_at DESC, name LIMIT ?", (limit,)
        ).fetchall()
        return [_customer(row) for row in rows]
    where, patterns = every_word(words)
    rows = connection.execute(
        f"SELECT {_COLUMNS} FROM customer WHERE {where}"  # noqa: S608 - only placeholders are built
        f" ORDER BY {STARTS_FIRST}, code != ?, name, id LIMIT ?",
        (*patterns, starting_with(words[0]), text.strip(), limit),
    ).fetchall()
    return [_customer(row) for row in rows]


def count(connection: sqlite3.Connection) -> tuple[int, int]:
    """(OFN customers cached, customers typed here)."""
    row = connection.execute("SELECT count(ofn_id), count(local_key) FROM customer").fetchone()
    return int(row[0]), int(row[1])


def _customer(row: tuple[object, ...]) -> Customer:
    row_id, ofn_id, code, email, name, address, vat_number, company_id, tags = row
    return Customer(
        name=str(name),
        address=tuple(json.loads(str(address))),
        vat_number=str(vat_number),
        email=str(email),
        company_id=str(company_id),
        code=str(code),
        ofn_id=ofn_id if isinstance(ofn_id, int) else None,
        id=row_id if isinstance(row_id, int) else None,
        tags=tuple(json.loads(str(tags))),
    )
