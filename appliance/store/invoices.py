"""Invoices, credit notes and their duplicates as journal entries: issued, found, handed out again.

An invoice is one sealed entry (kind ``invoice``, ``ref`` the sale's UUID) holding its number in
the lane's series, the sale it is for, and the customer and seller as printed. A credit note is
the same for a return of an invoiced sale (kind ``credit_note``, ``ref`` the return's UUID), naming
the invoice it corrects. Every function here runs inside the caller's write transaction, so a
number is taken under the write lock: two processes can never take the same one, and a crash
leaves either the whole entry or nothing (the triggers of migration 8 refuse anything else).

A document handed out again is a duplicate: an ``invoice_copy`` entry numbers it, as ``reprint``
numbers receipt duplicates. Asking to invoice a sale again never makes a second invoice.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from appliance.core.clock import parse_utc, utc_text
from appliance.core.customer import Customer, customer_from_record, ready_for_invoice
from appliance.core.invoice import CREDIT_NOTE, INVOICE, InvoiceError, Seller, label
from appliance.core.sale import Kind
from appliance.store import journal as journal_store
from appliance.store.customers import remember
from appliance.store.sales import StoredSale, load_sale


@dataclass(frozen=True)
class SealedDocument:
    """An invoice or a credit note as its journal entry holds it."""

    kind: str
    number: int
    seq: int
    ref: str  # the UUID of the sale (invoice) or of the return (credit note)
    issued_at: datetime
    record: dict[str, Any]

    @property
    def label(self) -> str:
        return str(self.record["label"])

    @property
    def customer(self) -> Customer:
        return customer_from_record(self.record["customer"])


def make_invoice(
    connection: sqlite3.Connection,
    key: bytes,
    sale_number: int,
    customer: Customer,
    seller: Seller,
    cashier: str,
    at: datetime,
) -> tuple[SealedDocument, int]:
    """Invoice sale ``sale_number`` for ``customer``; returns the invoice and its duplicate number.

    The first time, the invoice itself (duplicate 0). Asked again for the same customer (a second
    press, a retry after a crash, a customer back for a copy), a numbered duplicate of the same
    invoice: a sale is invoiced once. Asked for someone else, refused: an invoice is never made
    out again to another customer (the return and a new sale do that, with a credit note).
    """
    stored = load_sale(connection, number=sale_number)
    if stored is None:
        raise InvoiceError(f"There is no sale number {sale_number}: type the number printed on the receipt")
    existing = invoice_of_sale(connection, stored.sale.uuid)
    if existing is not None:
        if not existing.customer.same_as(customer):
            raise InvoiceError(
                f"Sale No {sale_number} was invoiced to {existing.customer.name} ({existing.label}): an invoice"
                " is made once; print a duplicate of it, or refund the sale and sell again to invoice someone else"
            )
        return existing, record_copy(connection, key, stored.sale.lane_id, existing, cashier, at)
    remember(connection, ready_for_invoice(customer), at)  # for the next invoice to the same customer
    return issue_invoice(connection, key, stored, customer, seller, cashier, at), 0


def issue_invoice(
    connection: sqlite3.Connection,
    key: bytes,
    stored: StoredSale,
    customer: Customer,
    seller: Seller,
    cashier: str,
    at: datetime,
) -> SealedDocument:
    """Invoice a sale that has none yet, then credit every return already made of it.

    The caller has checked that the sale has no invoice (:func:`invoice_of_sale`) inside the same
    transaction. Returns made before the invoice get their credit note now, so the rule "every
    return of an invoiced sale has its credit note" holds whatever the order things happened in.
    """
    if stored.sale.kind is not Kind.SALE:
        raise InvoiceError(
            f"Sale No {stored.number} is a return: a return of an invoiced sale gets its credit note by itself"
        )
    number = _last_number(connection, INVOICE) + 1
    record = {
        "number": number,
        "label": label(INVOICE, stored.sale.lane_id, number),
        "sale_uuid": stored.sale.uuid,
        "sale_number": stored.number,
        "sale_seq": stored.journal_seq,
        "customer": ready_for_invoice(customer).as_record(),
        "seller": seller.as_record(),
        "cashier": cashier,
        "total": stored.sale.total,
    }
    entry = journal_store.append(connection, key, stored.sale.lane_id, INVOICE, stored.sale.uuid, record, at)
    invoice = SealedDocument(INVOICE, number, entry.seq, entry.ref, parse_utc(entry.created_at), record)
    for (uuid,) in connection.execute(
        "SELECT ref FROM journal WHERE kind = 'return' AND json_extract(payload, '$.original_uuid') = ? ORDER BY seq",
        (stored.sale.uuid,),
    ).fetchall():
        returned = load_sale(connection, uuid=uuid)
        assert returned is not None  # the index just named it
        issue_credit_note(connection, key, returned, seller, at, invoice=invoice)
    return invoice


def issue_credit_note(
    connection: sqlite3.Connection,
    key: bytes,
    returned: StoredSale,
    seller: Seller | None,
    at: datetime,
    *,
    invoice: SealedDocument | None = None,
) -> SealedDocument | None:
    """The credit note of a return, if the sale it returns was invoiced; None if it was not.

    Idempotent: a return that has its credit note gets it back, nothing is written. ``seller``
    None (the config lost its details since) keeps the invoice's: a return is never refused for it.
    """
    if returned.sale.kind is not Kind.RETURN or returned.sale.original_uuid is None:
        return None
    existing = credit_note_of_return(connection, returned.sale.uuid)
    if existing is not None:
        return existing
    invoice = invoice or invoice_of_sale(connection, returned.sale.original_uuid)
    if invoice is None:
        return None
    number = _last_number(connection, CREDIT_NOTE) + 1
    record = {
        "number": number,
        "label": label(CREDIT_NOTE, returned.sale.lane_id, number),
        "return_uuid": returned.sale.uuid,
        "sale_number": returned.number,
        "sale_seq": returned.journal_seq,
        "invoice_number": invoice.number,
        "invoice_label": invoice.label,
        "invoice_date": utc_text(invoice.issued_at),
        "customer": invoice.record["customer"],
        "seller": seller.as_record() if seller is not None else invoice.record["seller"],
        "cashier": returned.sale.cashier,
        "total": returned.sale.total,
    }
    entry = journal_store.append(connection, key, returned.sale.lane_id, CREDIT_NOTE, returned.sale.uuid, record, at)
    return SealedDocument(CREDIT_NOTE, number, entry.seq, entry.ref, parse_utc(entry.created_at), record)


def record_copy(
    connection: sqlite3.Connection, key: bytes, lane_id: int, document: SealedDocument, cashier: str, at: datetime
) -> int:
    """Journal a duplicate of ``document`` handed out again; returns its number (1 for the first)."""
    count = connection.execute(
        "SELECT count(*) FROM journal WHERE kind = 'invoice_copy' AND ref = ? AND json_extract(payload, '$.kind') = ?",
        (document.ref, document.kind),
    ).fetchone()[0]
    record = {"kind": document.kind, "number": document.number, "duplicate": count + 1, "cashier": cashier}
    journal_store.append(connection, key, lane_id, "invoice_copy", document.ref, record, at)
    return int(count) + 1


_COLUMNS = "SELECT seq, kind, ref, created_at, payload FROM journal"


def copy_of(
    connection: sqlite3.Connection, key: bytes, lane_id: int, document: Any, cashier: str, at: datetime
) -> tuple[SealedDocument, int]:
    """A numbered duplicate of the invoice or credit note ``document`` names (by kind and number)."""
    sealed = find_document(connection, document.kind, document.number)
    if sealed is None:
        raise InvoiceError(f"There is no {label(document.kind, lane_id, document.number)} in this till's journal")
    return sealed, record_copy(connection, key, lane_id, sealed, cashier, at)


def of_sale(connection: sqlite3.Connection, number: int, kind: str) -> SealedDocument | None:
    """The invoice of sale ``number``, or the credit note of return ``number``; None if it has none."""
    stored = load_sale(connection, number=number)
    if stored is None:
        return None
    if kind == INVOICE:
        return invoice_of_sale(connection, stored.sale.uuid)
    return credit_note_of_return(connection, stored.sale.uuid)


def invoice_of_sale(connection: sqlite3.Connection, sale_uuid: str) -> SealedDocument | None:
    return _one(connection, f"{_COLUMNS} WHERE ref = ? AND kind = 'invoice'", (sale_uuid,))


def credit_note_of_return(connection: sqlite3.Connection, return_uuid: str) -> SealedDocument | None:
    return _one(connection, f"{_COLUMNS} WHERE ref = ? AND kind = 'credit_note'", (return_uuid,))


def find_document(connection: sqlite3.Connection, kind: str, number: int) -> SealedDocument | None:
    """Invoice or credit note ``number`` of this lane's series (a partial index finds it)."""
    if kind not in (INVOICE, CREDIT_NOTE):
        raise ValueError(kind)
    # the kind is spelled out in the query, so that SQLite matches the partial index's condition
    return _one(connection, f"{_COLUMNS} WHERE kind = '{kind}' AND json_extract(payload, '$.number') = ?", (number,))


def recent_documents(connection: sqlite3.Connection, limit: int) -> list[SealedDocument]:
    """The newest invoices and credit notes, newest first (two partial indexes, never the whole journal)."""
    rows = connection.execute(
        "SELECT * FROM (SELECT seq, kind, ref, created_at, payload FROM journal WHERE kind = 'invoice'"
        " ORDER BY json_extract(payload, '$.number') DESC LIMIT ?1)"
        " UNION ALL SELECT * FROM (SELECT seq, kind, ref, created_at, payload FROM journal WHERE kind = 'credit_note'"
        " ORDER BY json_extract(payload, '$.number') DESC LIMIT ?1) ORDER BY seq DESC LIMIT ?1",
        (limit,),
    ).fetchall()
    return [_sealed(row) for row in rows]


def _last_number(connection: sqlite3.Connection, kind: str) -> int:
    row = connection.execute(
        f"SELECT max(json_extract(payload, '$.number')) FROM journal WHERE kind = '{kind}'"  # noqa: S608 - a constant
    ).fetchone()
    return int(row[0] or 0)


def _one(connection: sqlite3.Connection, query: str, params: tuple[Any, ...]) -> SealedDocument | None:
    row = connection.execute(query, params).fetchone()
    return _sealed(row) if row else None


def _sealed(row: tuple[Any, ...]) -> SealedDocument:
    seq, kind, ref, created_at, payload = row
    record = json.loads(payload)
    return SealedDocument(kind, record["number"], seq, ref, parse_utc(created_at), record)
