"""The pickup list the box keeps, and writing a completed hand-over.

A completed hand-over is one sealed journal entry (what changed on the order, what was paid) plus
one outbox row telling the sync engine what OFN must learn (the item changes, the payment, the note
and that the goods left). Both are written in the caller's transaction, like a sale: either the
hand-over exists with everything it implies, or nothing does. Completing the same hand-over twice
returns the first and writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

from appliance.core.handover import CompletedHandover, HandoverError, PickupLine, PickupOrder
from appliance.core.pickup_list import PickupEntry
from appliance.core.seal import canonical
from appliance.core.text import folded
from appliance.store import journal as journal_store
from appliance.store.shifts import ShiftError


def pickup_orders(connection: sqlite3.Connection) -> list[PickupOrder]:
    """The customers' orders of the cycle, as the last pickup refresh saw them, in the order of a
    list of names: accents and case set aside ("Léa" before "Lucas", as a French reader looks for
    her), then by order number."""
    orders = [
        _pickup(row)
        for row in connection.execute(
            "SELECT number, full_name, email, payment_state, shipment_state, total, paid, lines FROM pickup_order"
        )
    ]
    return sorted(orders, key=lambda order: (folded(order.full_name), order.full_name, order.number))


def pickup_entries(connection: sqlite3.Connection) -> list[PickupEntry]:
    """The pickup list with this box's own hand-overs: what the counter's pick-up screen shows.

    One read of the journal's hand-overs of the listed orders (by its index on the order number),
    not one per order: the list is redrawn as the cashier types.
    """
    handed: dict[str, tuple[str, str]] = {}
    for number, completed_at, cashier in connection.execute(
        "SELECT order_number, completed_at, cashier FROM handover"
        " WHERE order_number IN (SELECT number FROM pickup_order) ORDER BY id"
    ):
        handed.setdefault(str(number), (str(completed_at), str(cashier)))
    entries = []
    for order in pickup_orders(connection):
        at, by = handed.get(order.number, (None, ""))
        entries.append(PickupEntry(order, at, by))
    return entries


def pickup_read_at(connection: sqlite3.Connection) -> str | None:
    """When the sync daemon last read the pickup list from OFN (UTC text), None before the first read."""
    row = connection.execute("SELECT pickup_at FROM sync_status").fetchone()
    return str(row[0]) if row and row[0] else None


def pickup_order(connection: sqlite3.Connection, number: str) -> PickupOrder:
    """One order of the pickup list; one that is not there is the cashier's to check, not a crash."""
    row = connection.execute(
        "SELECT number, full_name, email, payment_state, shipment_state, total, paid, lines FROM pickup_order"
        " WHERE number = ?",
        (number.strip().upper(),),
    ).fetchone()
    if row is None:
        raise HandoverError(
            f"Order {number} is not in the pickup list: check the number, or wait for the next refresh"
            " (`ofn-checkout sync` keeps it fresh)"
        )
    return _pickup(row)


def handed_over(connection: sqlite3.Connection, number: str) -> tuple[str, str] | None:
    """When and by whom this box handed the order over, if it did."""
    row = connection.execute(
        "SELECT completed_at, cashier FROM handover WHERE order_number = ? ORDER BY id LIMIT 1", (number,)
    ).fetchone()
    return (row[0], row[1]) if row else None


def _utc(text: str) -> str:
    return text[:16].replace("T", " ") + " UTC"


def refuse_second_handover(connection: sqlite3.Connection, number: str, local: Callable[[str], str] = _utc) -> None:
    """An order goes out of the door once: whatever the customer takes later is a sale.

    ``local`` shows the UTC time of the first hand-over as the person reads it (the caller knows
    the hub's time zone).
    """
    if before := handed_over(connection, number):
        raise HandoverError(
            f"Order {number} was already handed over ({local(before[0])}, by {before[1]}):"
            " what the customer takes now is rung up as a sale"
        )


def record_handover(
    connection: sqlite3.Connection,
    key: bytes,
    handover: CompletedHandover,
    shift_id: int | None,
    note: str,
) -> int:
    """Seal a hand-over and queue it for OFN; the caller holds the write transaction.

    Returns the journal sequence of its entry. A second hand-over of the same order is refused.
    """
    existing = connection.execute(
        "SELECT seq FROM journal WHERE ref = ? AND kind = 'handover'", (handover.uuid,)
    ).fetchone()
    if existing:
        return int(existing[0])
    if shift_id is None:
        raise ShiftError("No shift is open: open one before handing over an order")
    refuse_second_handover(connection, handover.order.number)
    record = handover.as_record()
    record["shift_id"] = shift_id
    entry = journal_store.append(
        connection, key, handover.lane_id, "handover", handover.uuid, record, handover.completed_at
    )
    payload = {
        "order": handover.order.number,
        "variants": [
            {"variant_id": change.variant_id, "quantity": change.quantity, "weight_g": 0} for change in handover.changes
        ],
        "due": handover.due,
        "note": note,
    }
    connection.execute(
        "INSERT INTO outbox (journal_seq, kind, payload, created_at, updated_at) VALUES (?, 'pickup', ?, ?, ?)",
        (entry.seq, canonical(payload), entry.created_at, entry.created_at),
    )
    return entry.seq


def _pickup(row: tuple[Any, ...]) -> PickupOrder:
    number, full_name, email, payment_state, shipment_state, total, paid, lines = row
    return PickupOrder(
        number=str(number),
        full_name=str(full_name),
        email=str(email),
        payment_state=payment_state,
        shipment_state=shipment_state,
        total=int(total),
        paid=int(paid),
        lines=tuple(
            PickupLine(int(line["variant_id"]), str(line["name"]), int(line["quantity"]), int(line["price"]))
            for line in json.loads(lines)
        ),
    )
