"""Writing a completed sale, and reading sales back (for returns, reprints and reports).

A completed sale is one sealed journal entry holding the whole sale, plus one outbox row telling
the sync engine what OFN must learn from it (the change per variant, which is also the local stock
movement). :func:`record_sale` writes both inside the caller's write transaction: either the sale
exists with everything it implies, or nothing does. Completing the same sale twice (a double
press, a retry after a crash) returns the first result and writes nothing.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import field
from typing import Any

from appliance.core.clock import parse_utc
from appliance.core.frozen import frozen
from appliance.core.ofn_scope import left_out_of_ofn
from appliance.core.returns import Returned, replay
from appliance.core.sale import (
    Approval,
    CompletedLine,
    CompletedPayment,
    CompletedSale,
    Kind,
    LineRef,
    PricedBy,
    SaleError,
)
from appliance.core.seal import Entry, canonical
from appliance.core.tax import VatAmount
from appliance.store import journal as journal_store
from appliance.store.schema import SALE_KINDS
from appliance.store.shifts import ShiftError


@frozen
class StoredSale:
    """A sale as the store knows it: the completed sale plus its number and journal entry."""

    sale: CompletedSale
    number: int
    shift_id: int
    journal_seq: int
    #: The journal entry :func:`record_sale` just sealed (None when read back, or recorded before).
    entry: Entry | None = field(default=None, compare=False, repr=False)


def record_sale(
    connection: sqlite3.Connection,
    key: bytes,
    sale: CompletedSale,
    shift_id: int | None,
    after: journal_store.Tip | None,
    credit_methods: frozenset[str] = frozenset(),
    *,
    original: CompletedSale | None = None,
    last: StoredSale | None = None,
) -> StoredSale:
    """Seal a completed sale into the journal and queue it for OFN; the caller holds the transaction.

    ``shift_id`` is the open shift (None: none is open, which refuses a new sale but still lets a
    retry find the sale it already recorded). ``after`` is the journal's tip, read by the caller
    inside the same transaction. ``last`` is the sale the caller recorded last, if it remembers one
    (see :func:`next_number`). A sale already recorded is returned as it was sealed.
    ``credit_methods`` are the codes of payment methods paid from the customer's credit in OFN:
    each such payment queues a posting for the sync daemon, in the same transaction. ``original``
    is another lane's sale a return gives back (as its receipt's hub code proved it): this store
    does not hold it.
    """
    existing = connection.execute(
        f"SELECT seq, payload FROM journal WHERE ref = ? AND kind IN {SALE_KINDS}", (sale.uuid,)
    ).fetchone()
    if existing:
        record = json.loads(existing[1])
        return StoredSale(sale_from_record(record), record["number"], record["shift_id"], existing[0])
    if shift_id is None:
        raise ShiftError("No shift is open: open one before completing the sale")
    if sale.kind is Kind.RETURN:
        _check_still_returnable(connection, sale, original)
    number = next_number(connection, after, last)
    record = sale.as_record()
    record["number"] = number
    record["shift_id"] = shift_id
    entry = journal_store.append(
        connection, key, sale.lane_id, sale.kind.value, sale.uuid, record, sale.completed_at, after=after
    )
    connection.execute(
        "INSERT INTO outbox (journal_seq, kind, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (entry.seq, sale.kind.value, canonical(_outbox_payload(sale.lines)), entry.created_at, entry.created_at),
    )
    for payment in sale.payments:
        if payment.method in credit_methods and payment.customer_id is not None:
            _queue_credit(connection, entry, sale, number, payment)
    return StoredSale(sale, number, shift_id, entry.seq, entry)


def _queue_credit(
    connection: sqlite3.Connection, entry: Entry, sale: CompletedSale, number: int, payment: CompletedPayment
) -> None:
    """A payment by customer credit, for the sync daemon to post to OFN (appliance/ofn/credit.py).

    Paying with credit debits it: OFN gets minus the amount paid (a refund to credit, plus). The
    description names the lane, the number and the UUID, so a person finds the posting in OFN.
    """
    what = "return" if sale.kind is Kind.RETURN else "sale"
    description = f"OFN Checkout lane {sale.lane_id} {what} {number} ({sale.uuid})"
    payload = {"customer_id": payment.customer_id, "amount": -payment.amount, "sale_uuid": sale.uuid}
    cursor = connection.execute(
        "INSERT INTO outbox (journal_seq, kind, payload, created_at, updated_at) VALUES (?, 'credit', ?, ?, ?)",
        (entry.seq, canonical(payload), entry.created_at, entry.created_at),
    )
    connection.execute(
        "INSERT INTO credit_posting (outbox_id, customer_id, amount, description) VALUES (?, ?, ?, ?)",
        (cursor.lastrowid, payment.customer_id, -payment.amount, description),
    )


def _outbox_payload(lines: tuple[CompletedLine, ...]) -> dict[str, object]:
    """What OFN must learn from this sale: the change per variant, in pieces or grams (signed).

    Voided lines, shelf-only items and returned lines marked damaged are left out
    (core/ofn_scope.py, which the export and the audits ask too); the refund of damaged goods is
    in the journal and the accounting export."""
    deltas: dict[int, list[int]] = {}
    for line in lines:
        if left_out_of_ofn(voided=line.voided, shelf=line.shelf, damaged=line.damaged) is None:
            delta = deltas.setdefault(line.variant_id, [0, 0])
            delta[0] += line.quantity
            delta[1] += line.weight_g
    return {
        "variants": [
            {"variant_id": variant_id, "quantity": quantity, "weight_g": weight_g}
            for variant_id, (quantity, weight_g) in sorted(deltas.items())
        ]
    }


def _check_still_returnable(
    connection: sqlite3.Connection, sale: CompletedSale, foreign: CompletedSale | None = None
) -> None:
    """Re-check a return against what is committed now: another return may have landed meanwhile.

    The earlier returns counted are every return this store sealed against the sale, whichever
    lane sold it: a second return of the same lines of another lane's sale is refused here too.
    """
    stored = load_sale(connection, uuid=sale.original_uuid) if sale.original_uuid else None
    if stored is not None:
        original = stored.sale
    elif foreign is not None and foreign.uuid == sale.original_uuid and foreign.lane_id != sale.lane_id:
        original = foreign
    else:
        raise SaleError("The sale being returned is not in this till's records")
    if original.kind is not Kind.SALE:
        raise SaleError("The sale being returned is not in this till's records")
    replay(original, returned_so_far(connection, original.uuid), sale)


def _returns_of(connection: sqlite3.Connection, original_uuid: str) -> list[dict[str, Any]]:
    """The sealed records of every return made against a sale."""
    return [
        json.loads(payload)
        for (payload,) in connection.execute(
            "SELECT payload FROM journal WHERE kind = 'return' AND json_extract(payload, '$.original_uuid') = ?",
            (original_uuid,),
        )
    ]


def returned_so_far(connection: sqlite3.Connection, original_uuid: str) -> dict[int, Returned]:
    """How much of each line of a sale earlier returns gave back (positive figures)."""
    returned: dict[int, Returned] = {}
    for record in _returns_of(connection, original_uuid):
        for line in record["lines"]:
            if line["voided"] or "returns" not in line:
                continue
            line_no = line["returns"]["line_no"]
            before = returned.get(line_no, Returned())
            returned[line_no] = Returned(
                before.quantity - line["quantity"],
                before.weight_g - line["weight_g"],
                before.refunded - line["amount"],
                before.vat - line["vat"],
            )
    return returned


def refunded_so_far(connection: sqlite3.Connection, original_uuid: str) -> dict[str, int]:
    """What earlier returns of a sale refunded, per payment method (positive cents): a refund that
    goes back the way the sale was paid must not give a card more than was charged on it."""
    refunded: dict[str, int] = {}
    for record in _returns_of(connection, original_uuid):
        for payment in record["payments"]:
            refunded[payment["method"]] = refunded.get(payment["method"], 0) - payment["amount"]
    return refunded


def load_sale(
    connection: sqlite3.Connection, *, uuid: str | None = None, number: int | None = None
) -> StoredSale | None:
    """A sale by its UUID, or by its number (what a receipt's barcode carries)."""
    if uuid is not None:
        row = connection.execute(
            f"SELECT seq, payload FROM journal WHERE ref = ? AND kind IN {SALE_KINDS}", (uuid,)
        ).fetchone()
    else:
        row = _find_number(connection, number) if number is not None else None
    if row is None:
        return None
    record = json.loads(row[1])
    return StoredSale(sale_from_record(record), record["number"], record["shift_id"], row[0])


def next_number(connection: sqlite3.Connection, after: journal_store.Tip | None, last: StoredSale | None) -> int:
    """The number the next sale or return takes: one more than the newest one's.

    When the journal's tip, read in this transaction, is the entry ``last`` was sealed into (the
    same hash, which seals its sequence number and its whole payload, number included), that sale
    is the newest and its number is known. Otherwise (another process wrote since, or a credit
    note or a shift entry came after it) the journal is read: :func:`last_number` parses the
    newest sale's payload in SQL, about 60,000 instructions, 5 % of what a sale costs.
    """
    if last is not None and last.entry is not None and after is not None and after.hash == last.entry.hash:
        return last.number + 1
    return last_number(connection) + 1


def last_number(connection: sqlite3.Connection) -> int:
    """The number of the newest sale or return (0 before the first): found scanning back from the
    tail, no index needed."""
    row = connection.execute(
        f"SELECT json_extract(payload, '$.number') FROM journal WHERE kind IN {SALE_KINDS} ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    return row[0] if row else 0


def _find_number(connection: sqlite3.Connection, number: int) -> tuple[int, str] | None:
    """The (seq, payload) of sale ``number``, by a binary search over ``seq``.

    Numbers are given out in the same transaction as ``seq`` and both only grow, so the first sale
    entry at or after any ``seq`` tells which half the number is in. About 17 probes of one row
    each for 100,000 entries; an index would cost every sale a page write instead.
    """
    low, high = 1, connection.execute("SELECT coalesce(max(seq), 0) FROM journal").fetchone()[0]
    while low <= high:
        middle = (low + high) // 2
        probe = connection.execute(
            f"SELECT seq, json_extract(payload, '$.number') FROM journal"
            f" WHERE seq >= ? AND seq <= ? AND kind IN {SALE_KINDS} ORDER BY seq LIMIT 1",
            (middle, high),
        ).fetchone()
        if probe is None:
            high = middle - 1
        elif probe[1] == number:
            return connection.execute("SELECT seq, payload FROM journal WHERE seq = ?", (probe[0],)).fetchone()
        elif probe[1] < number:
            low = probe[0] + 1
        else:
            high = middle - 1
    return None


def sale_from_record(record: dict[str, Any]) -> CompletedSale:
    """Rebuild a completed sale from its sealed record (the inverse of ``CompletedSale.as_record``)."""
    lines = tuple(_line_from_record(line) for line in record["lines"])
    return CompletedSale(
        uuid=record["uuid"],
        kind=Kind(record["kind"]),
        lane_id=record["lane_id"],
        channel=record["channel"],
        cashier=record["cashier"],
        started_at=parse_utc(record["started_at"]),
        completed_at=parse_utc(record["completed_at"]),
        original_uuid=record["original_uuid"],
        lines=lines,
        sale_discount=record["sale_discount"],
        sale_discount_cents=record["sale_discount_cents"],
        total=record["total"],
        vat=tuple(VatAmount(v["code"], v["rate_bp"], v["label"], v["gross"], v["vat"]) for v in record["vat"]),
        payments=tuple(
            CompletedPayment(p["method"], p["cash"], p["amount"], p["tendered"], p.get("customer_id"))
            for p in record["payments"]
        ),
        tendered=record["tendered"],
        change=record["change"],
        started_by=record.get("started_by", ""),
        approvals=tuple(Approval(a["action"], a["by"], a["line_no"]) for a in record.get("approvals", ())),
        rules_digest=record.get("rules", {}).get("digest", ""),
    )


def _line_from_record(line: dict[str, Any]) -> CompletedLine:
    returns = line.get("returns")
    return CompletedLine(
        line_no=line["line_no"],
        variant_id=line["variant_id"],
        name=line["name"],
        sku=line["sku"],
        priced_by=PricedBy(line["priced_by"]),
        quantity=line["quantity"],
        weight_g=line["weight_g"],
        unit_price=line["unit_price"],
        list_price=line["list_price"],
        override_reason=line["override_reason"],
        discount=line["discount"],
        discount_cents=line["discount_cents"],
        sale_discount_cents=line["sale_discount_cents"],
        amount=line["amount"],
        vat_code=line["vat_code"],
        vat_rate_bp=line["vat_rate_bp"],
        vat_label=line["vat_label"],
        vat=line["vat"],
        voided=line["voided"],
        returns=_ref(returns) if returns else None,
        fee_cents=line.get("fee_cents", 0),
        shelf=line.get("shelf", ""),
        damaged=line.get("damaged", False),
    )


def _ref(returns: dict[str, Any]) -> LineRef:
    return LineRef(returns["sale_uuid"], returns["line_no"], returns.get("lane_id"), returns.get("number"))


#: How far back from the journal's tail a cancelled basket is looked for: a basket kept across a
#: restart was started minutes ago, and a till seals nowhere near this many entries meanwhile.
RECENT_ENTRIES = 5000


def ended(connection: sqlite3.Connection, uuid: str) -> bool:
    """Whether the sale ``uuid`` was sealed (completed, through the ref index) or cancelled (a
    recent ``cancel`` entry holding it)."""
    if connection.execute("SELECT 1 FROM journal WHERE ref = ? LIMIT 1", (uuid,)).fetchone():
        return True
    row = connection.execute(
        "SELECT 1 FROM (SELECT kind, payload FROM journal ORDER BY seq DESC LIMIT ?)"
        " WHERE kind = 'cancel' AND json_extract(payload, '$.uuid') = ? LIMIT 1",
        (RECENT_ENTRIES, uuid),
    ).fetchone()
    return row is not None
