"""What the box reads from OFN: the hub's catalogue and stock, and the customers' pickup orders.

Both are written in small transactions (``CATALOGUE_CHUNK`` rows at a time), so a sale's commit
never waits behind a refresh of a large catalogue.
"""

from __future__ import annotations

import json
import logging

from appliance.core.clock import Clock, utc_text
from appliance.ofn.client import OfnClient, Order, cents, shop_variant
from appliance.store.catalogue import upsert_variants
from appliance.store.database import Database, named, write_transaction

log = logging.getLogger(__name__)

CATALOGUE_CHUNK = 100


def refresh_catalogue(db: Database, client: OfnClient, clock: Clock, order_cycle_id: int, hub_id: int) -> int:
    """Read the cycle's shopfront and write it in small transactions, so a sale never waits on it.

    The catalogue is a copy of OFN's, read again at the next refresh, so its writes skip the fsync
    (``synchronous=NORMAL`` on this connection only): each chunk holds the write lock for
    microseconds, not for a disk flush. Sales keep ``FULL`` on their own connection, and their
    fsync carries whatever catalogue pages came before. After each page the refresh checkpoints
    the WAL itself, so the sale that happens to cross SQLite's auto-checkpoint size does not pay
    for copying the catalogue into the database. Variants that left the shopfront (sold
    out in OFN) keep their row with no stock.
    """
    taxes, categories = client.variant_categories()
    seen: set[int] = set()
    started = clock.now()
    db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        for page in client.shop_pages(order_cycle_id, hub_id):
            variants = [shop_variant(data, taxes, categories=categories) for data in page]
            for start in range(0, len(variants), CATALOGUE_CHUNK):
                with write_transaction(db) as conn:
                    upsert_variants(conn, variants[start : start + CATALOGUE_CHUNK], started)
            seen.update(v.id for v in variants)
            db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # the refresh pays for its pages, not a sale
        stale = [
            row[0]
            for row in named(db.conn).execute("SELECT id FROM variant WHERE updated_at < ?", (utc_text(started),))
        ]
        for start in range(0, len(stale), CATALOGUE_CHUNK):
            with write_transaction(db) as conn:
                conn.executemany(
                    "UPDATE variant SET on_hand = 0, on_demand = 0, updated_at = ? WHERE id = ?",
                    [(utc_text(started), vid) for vid in stale[start : start + CATALOGUE_CHUNK]],
                )
    finally:
        db.conn.execute("PRAGMA synchronous = FULL")
    with write_transaction(db) as conn:
        conn.execute("UPDATE sync_status SET catalogue_at = ?, refresh_requested = 0", (utc_text(clock.now()),))
    return len(seen)


def refresh_pickups(
    db: Database, client: OfnClient, clock: Clock, order_cycle_id: int, hub_id: int, skip: set[str]
) -> int:
    """The cycle's customer orders with their lines, for the hand-over screen.

    One listing request, then a detail read only for orders whose states, total or number of
    lines changed since the last refresh: a quiet cycle costs one request every few minutes.
    """
    summaries = [o for o in client.orders(hub_id, order_cycle_id) if o["number"] not in skip]
    known = {
        row[0]: tuple(row[1:])
        for row in db.conn.execute(
            "SELECT number, state, payment_state, shipment_state, total, paid, json_array_length(lines)"
            " FROM pickup_order"
        )
    }
    at = utc_text(clock.now())
    for summary in summaries:
        seen = (
            summary.get("state"),
            summary.get("payment_state"),
            summary.get("shipment_state"),
            cents(summary.get("total") or "0"),
            cents(summary.get("payment_total") or "0"),
            summary.get("item_count"),
        )
        if known.get(summary["number"]) == seen:
            continue
        store_pickup(db, client.order(summary["number"]), at)
    listed = {summary["number"] for summary in summaries}
    with write_transaction(db) as conn:
        conn.executemany(  # orders of an earlier cycle, or no longer OFN's to list
            "DELETE FROM pickup_order WHERE number = ?", [(number,) for number in known if number not in listed]
        )
        conn.execute("UPDATE sync_status SET pickup_at = ?", (at,))
    return len(summaries)


def store_pickup(db: Database, order: Order, at: str) -> None:
    """Keep one order as the hand-over screen shows it: its lines, what it costs, what was paid."""
    with write_transaction(db) as conn:
        fees = dict(conn.execute("SELECT id, fee FROM variant WHERE fee != 0").fetchall())
        # What the customer pays OFN per unit, fees included: what a hand-over adds or refunds.
        lines = [
            {
                "variant_id": line.variant_id,
                "quantity": line.quantity,
                "price": line.price + fees.get(line.variant_id, 0),
                "name": line.name,
            }
            for line in order.lines
        ]
        conn.execute(
            "INSERT OR REPLACE INTO pickup_order (number, order_cycle_id, full_name, email, state, payment_state,"
            " shipment_state, total, lines, fetched_at, paid, pending_payment)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                order.number,
                order.order_cycle_id,
                order.full_name,
                order.email,
                order.state,
                order.payment_state,
                order.shipment_state,
                order.total,
                json.dumps(lines),
                at,
                order.paid,
                order.pending_payment,
            ),
        )
