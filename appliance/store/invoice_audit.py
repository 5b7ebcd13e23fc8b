"""What ``journal verify`` checks of invoices and credit notes, once the chain is known to be intact.

The seal proves no entry was changed, removed or moved; these checks prove the till wrote the
series right (and that nobody holding the key wrote them wrong): each series runs 1, 2, 3… with no
gap and no number twice, in the journal's order; every invoice is for a sale that came before it
in this journal, with that sale's number, and is the only one for it; every credit note is for a
return of an invoiced sale and names that sale's invoice; every return of an invoiced sale has its
credit note; every duplicate names a document that exists, counted 1, 2, 3…

The migration's triggers refuse all of this at the door; verify checks it again on what is there.
It reads the invoicing entries the chain check kept (few), and looks each sale up by its UUID
through the journal's ``ref`` index: no second pass over the journal.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from appliance.core.invoice import CREDIT_NOTE, INVOICE, label
from appliance.core.seal import Entry, Finding

KINDS = (INVOICE, CREDIT_NOTE, "invoice_copy")


def invoice_findings(connection: sqlite3.Connection, entries: Iterable[Entry]) -> list[Finding]:
    findings: list[Finding] = []
    last = {INVOICE: 0, CREDIT_NOTE: 0}
    invoiced: dict[str, int] = {}  # sale UUID -> invoice number
    credited: set[str] = set()  # return UUIDs
    copies: dict[tuple[str, int], int] = {}
    for entry in sorted(entries, key=lambda e: e.seq):
        record = json.loads(entry.payload)
        problem = None
        if entry.kind in last:
            problem = _series(entry, record, last)
        if problem is None and entry.kind == INVOICE:
            problem = _invoice(connection, entry, record, invoiced)
        elif problem is None and entry.kind == CREDIT_NOTE:
            problem = _credit_note(connection, entry, record, invoiced, credited)
        elif entry.kind == "invoice_copy":
            problem = _copy(record, last, copies)
        if problem is not None:
            findings.append(Finding(entry.lane_id, entry.seq, problem))
    for sale_uuid, number in invoiced.items():
        for seq, return_uuid, return_number in connection.execute(
            "SELECT seq, ref, json_extract(payload, '$.number') FROM journal"
            " WHERE kind = 'return' AND json_extract(payload, '$.original_uuid') = ?",
            (sale_uuid,),
        ):
            if return_uuid not in credited:
                findings.append(
                    Finding(
                        None,
                        seq,
                        f"return No {return_number} of an invoiced sale (invoice {number}) has no credit note",
                    )
                )
    return findings


def _series(entry: Entry, record: dict[str, Any], last: dict[str, int]) -> str | None:
    number = record.get("number")
    expected = last[entry.kind] + 1
    if type(number) is not int:
        return f"this {entry.kind.replace('_', ' ')} has no number"
    last[entry.kind] = max(last[entry.kind], number)
    if number == expected:
        return None
    shown = label(entry.kind, entry.lane_id, number)
    if number < expected:
        return f"{shown} is numbered twice, or out of order (the series had reached {expected - 1})"
    missing = label(entry.kind, entry.lane_id, expected)
    return f"{shown} follows {label(entry.kind, entry.lane_id, expected - 1)}: {missing} is missing from the series"


def _invoice(
    connection: sqlite3.Connection, entry: Entry, record: dict[str, Any], invoiced: dict[str, int]
) -> str | None:
    shown = label(INVOICE, entry.lane_id, record["number"])
    sale = _sale(connection, entry.ref)
    if sale is None or sale[1] != "sale" or sale[0] > entry.seq:
        return f"{shown} is for {entry.ref}, which is no sale of this journal before it"
    if sale[2] != record.get("sale_number") or record.get("sale_uuid") != entry.ref:
        return f"{shown} says sale No {record.get('sale_number')}, the sale it is for is No {sale[2]}"
    if entry.ref in invoiced:
        return f"{shown} is a second invoice for sale No {sale[2]} (invoice {invoiced[entry.ref]} was the first)"
    invoiced[entry.ref] = record["number"]
    return None


def _credit_note(
    connection: sqlite3.Connection, entry: Entry, record: dict[str, Any], invoiced: dict[str, int], credited: set[str]
) -> str | None:
    shown = label(CREDIT_NOTE, entry.lane_id, record["number"])
    returned = _sale(connection, entry.ref)
    if returned is None or returned[1] != "return" or returned[0] > entry.seq:
        return f"{shown} is for {entry.ref}, which is no return of this journal before it"
    invoice = invoiced.get(returned[3] or "")
    if invoice is None or invoice != record.get("invoice_number"):
        return f"{shown} credits return No {returned[2]}, whose sale has no invoice {record.get('invoice_number')}"
    if entry.ref in credited:
        return f"{shown} is a second credit note for return No {returned[2]}"
    credited.add(entry.ref)
    return None


def _copy(record: dict[str, Any], last: dict[str, int], copies: dict[tuple[str, int], int]) -> str | None:
    kind, number = record.get("kind"), record.get("number")
    if kind not in last or type(number) is not int or not 0 < number <= last[kind]:
        return f"a duplicate of {kind} {number}, which does not exist"
    expected = copies.get((kind, number), 0) + 1
    copies[(kind, number)] = expected
    if record.get("duplicate") != expected:
        return f"duplicate {record.get('duplicate')} of {kind} {number} should be duplicate {expected}"
    return None


def _sale(connection: sqlite3.Connection, uuid: str) -> tuple[int, str, int, str | None] | None:
    """(seq, kind, number, original UUID) of the sale or return ``uuid``, found by the ``ref`` index."""
    row = connection.execute(
        "SELECT seq, kind, json_extract(payload, '$.number'), json_extract(payload, '$.original_uuid')"
        " FROM journal WHERE ref = ? AND kind IN ('sale', 'return')",
        (uuid,),
    ).fetchone()
    return (row[0], row[1], row[2], row[3]) if row else None
