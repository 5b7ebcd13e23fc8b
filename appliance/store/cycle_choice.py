"""The order cycle the box follows, and this lane's counter order, when a manager switched them.

The config names a cycle and a counter order for a box's first week. Each new week, a manager
switches the box to the new cycle with ``ofn-checkout cycle use`` (or its screen) instead of
editing the config over SSH; the choice lives in the store, one row, replaced on each switch,
and wins over the config from the next sync pass on.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime

from appliance.core.clock import utc_text
from appliance.store.database import Database, write_transaction


@dataclass(frozen=True)
class Cycle:
    """Where the box's sales and reads go: the shop's cycle, and the lane's counter order in OFN."""

    order_cycle_id: int
    counter_order: str
    other_counter_orders: tuple[str, ...] = ()
    chosen_at: str | None = None  # None: as the config says
    chosen_by: str | None = None


def chosen_cycle(conn: sqlite3.Connection) -> Cycle | None:
    row = conn.execute(
        "SELECT order_cycle_id, counter_order, other_counter_orders, chosen_at, chosen_by FROM cycle_choice"
    ).fetchone()
    if row is None:
        return None
    return Cycle(row[0], row[1], tuple(json.loads(row[2])), row[3], row[4])


def current_cycle(conn: sqlite3.Connection | None, configured: Cycle) -> Cycle:
    """The manager's choice if there is one (and a store to read it from), else what the config says."""
    return (chosen_cycle(conn) if conn is not None else None) or configured


def choose_cycle(db: Database, cycle: Cycle, at: datetime, by: str) -> None:
    with write_transaction(db) as conn:
        conn.execute(
            "INSERT OR REPLACE INTO cycle_choice"
            " (id, order_cycle_id, counter_order, other_counter_orders, chosen_at, chosen_by)"
            " VALUES (1, ?, ?, ?, ?, ?)",
            (cycle.order_cycle_id, cycle.counter_order, json.dumps(list(cycle.other_counter_orders)), utc_text(at), by),
        )
