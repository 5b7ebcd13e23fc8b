"""What sync left for a person, read from the store with the names a manager knows.

``sync_state.parked`` gives the engine's own view (order, variant id, reason), enough for a
script. A manager fixing OFN by hand needs more: the product's name, how many pieces OFN must
still take, since when it waits, and after a retry, whether the change has reached OFN. These
are plain reads of the sync's tables and the catalogue; nothing here talks to OFN.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from appliance.store.credit_postings import ParkedPosting, parked_postings
from appliance.store.database import named
from appliance.store.sync_state import OPEN_ROWS, settled, target_of

#: An order and one of its variants; a hand-over's payment or shipping is the whole order (None);
#: a posting to a customer's credit is (CREDIT, its outbox id).
Key = tuple[str, int | None]
CREDIT = "credit posting"


@dataclass(frozen=True)
class Parked:
    """One thing sync parked: a variant of an order, or (``variant_id`` None) a hand-over's order,
    or a posting to a customer's credit (``credit``; ``order`` then names the customer)."""

    order: str
    variant_id: int | None
    product: str  # the catalogue's name, "" when the box does not know the variant
    reason: str  # the engine's words
    since: str | None  # UTC text: when it was parked
    missing: int = 0  # pieces (OFN units) the box still has to put on the order; negative: take off
    credit: ParkedPosting | None = None


@dataclass(frozen=True)
class Finding:
    """Something the sync found and dealt with, that a manager may want to check in OFN."""

    order: str
    variant_id: int | None
    product: str
    kind: str  # "rebased": a person's edit kept; "parked": an old counter order left to pay
    detail: str
    at: str


@dataclass(frozen=True)
class LineState:
    """Where one retried change is: ``waiting`` for a pass, ``in OFN``, or ``parked`` again."""

    key: Key
    state: str
    held: int | None = None  # what a read last showed the order holding of the variant
    reason: str = ""


def parked_items(conn: sqlite3.Connection) -> list[Parked]:
    """Everything parked now, by order then variant (a hand-over's order after its lines), then the
    postings to customers' credit."""
    lines = named(conn).execute(
        "SELECT l.*, v.name AS product,"
        " (SELECT max(e.at) FROM sync_event e WHERE e.order_number = l.order_number"
        "  AND e.variant_id = l.variant_id AND e.kind = 'parked') AS since"
        " FROM sync_line l LEFT JOIN variant v ON v.id = l.variant_id"
        " WHERE l.attention IS NOT NULL ORDER BY l.order_number, l.variant_id"
    )
    items = [
        Parked(
            line["order_number"],
            line["variant_id"],
            line["product"] or "",
            line["attention"],
            line["since"],
            target_of(line) - (line["acked"] if line["acked"] is not None else (line["base"] or 0)),
        )
        for line in lines.fetchall()
    ]
    handovers = named(conn).execute(
        "SELECT json_extract(payload, '$.order') AS order_number, max(last_error) AS reason,"
        f" max(updated_at) AS since FROM outbox WHERE {OPEN_ROWS} AND status = 'attention' AND kind = 'pickup'"
        " GROUP BY order_number ORDER BY order_number"
    )
    items += [Parked(row["order_number"], None, "", row["reason"], row["since"]) for row in handovers.fetchall()]
    items += [Parked(p.who, None, "", p.reason, p.since, credit=p) for p in parked_postings(conn)]
    return items


def parked_record(item: Parked) -> dict[str, object]:
    """One parked thing as ``sync status --json`` gives it: the same items, in the same order, as
    the text (a posting to a customer's credit with the number ``sync credit-done`` takes)."""
    record: dict[str, object] = {
        "order_number": None if item.credit else item.order,
        "variant_id": item.variant_id,
        "product": item.product,
        "attention": item.reason,
        "since": item.since,
        "missing": item.missing,
    }
    if item.credit is not None:
        record |= {
            "credit_posting": item.credit.posting,
            "customer_id": item.credit.customer_id,
            "in_doubt": item.credit.in_doubt,
        }
    return record


def findings(conn: sqlite3.Connection, since: str, limit: int = 10) -> list[Finding]:
    """People's edits the sync kept, and old counter orders left to pay in OFN, newest first.

    Nothing waits on them: they are for a manager to check, so only the recent ones are shown.
    """
    rows = named(conn).execute(
        "SELECT e.*, v.name AS product FROM sync_event e LEFT JOIN variant v ON v.id = e.variant_id"
        " WHERE e.at >= ? AND (e.kind = 'rebased' OR (e.kind = 'parked' AND e.variant_id IS NULL"
        "  AND e.order_number IN (SELECT number FROM sync_order WHERE kind = 'counter' AND settled_at IS NOT NULL)))"
        " ORDER BY e.id DESC LIMIT ?",
        (since, limit),
    )
    return [
        Finding(row["order_number"], row["variant_id"], row["product"] or "", row["kind"], row["detail"], row["at"])
        for row in rows.fetchall()
    ]


def line_states(conn: sqlite3.Connection, keys: Iterable[Key]) -> list[LineState]:
    """Where each of these changes is now: a manager's retry, followed until it reaches OFN."""
    states = []
    for order, variant_id in keys:
        if order == CREDIT and variant_id is not None:
            states.append(_credit_state(conn, variant_id))
            continue
        if variant_id is None:
            states.append(_handover_state(conn, order))
            continue
        line = (
            named(conn)
            .execute("SELECT * FROM sync_line WHERE order_number = ? AND variant_id = ?", (order, variant_id))
            .fetchone()
        )
        if line is None:
            states.append(LineState((order, variant_id), "waiting"))
        elif line["attention"] is not None:
            states.append(LineState((order, variant_id), "parked", line["acked"], line["attention"]))
        elif settled(line):
            states.append(LineState((order, variant_id), "in OFN", line["acked"]))
        else:
            states.append(LineState((order, variant_id), "waiting", line["acked"]))
    return states


def _handover_state(conn: sqlite3.Connection, order: str) -> LineState:
    rows = conn.execute(
        "SELECT status, last_error FROM outbox WHERE kind = 'pickup' AND folded_into = ?", (order,)
    ).fetchall()
    parked = [error for status, error in rows if status == "attention"]
    if parked:
        return LineState((order, None), "parked", reason=parked[0] or "")
    if rows and all(status == "done" for status, _ in rows):
        return LineState((order, None), "in OFN")
    return LineState((order, None), "waiting")


def _credit_state(conn: sqlite3.Connection, posting: int) -> LineState:
    row = conn.execute("SELECT status, last_error FROM outbox WHERE id = ? AND kind = 'credit'", (posting,)).fetchone()
    if row is not None and row[0] == "attention":
        return LineState((CREDIT, posting), "parked", reason=row[1] or "")
    if row is not None and row[0] == "done":
        return LineState((CREDIT, posting), "in OFN")
    return LineState((CREDIT, posting), "waiting")
