"""Shifts: open with a float, move cash in and out, read an X report, close with a Z.

A lane has at most one open shift, and every sale belongs to one, so a Z report accounts for every
sale of its shift and for the cash that should be in the drawer. Opening, cash movements and the
Z closure are journal entries like sales.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from appliance.core.clock import utc_text
from appliance.core.money import from_cents
from appliance.store import journal as journal_store
from appliance.store.closures import perpetual_total
from appliance.store.totals import SalesTotals, sales_totals


class ShiftError(Exception):
    """A shift action that cannot be done now; the message says what to do."""


@dataclass(frozen=True)
class Shift:
    id: int
    lane_id: int
    opened_at: str
    opened_by: str
    opening_float: int
    journal_seq: int


@dataclass(frozen=True)
class ShiftReport:
    """An X report (shift still open) or a Z report (the closure), in cents."""

    kind: str
    shift: Shift
    totals: SalesTotals
    cancelled_sales: int
    cash_in: int
    cash_out: int
    perpetual_total: int
    printed_at: str
    counted_cash: int | None = None
    closed_by: str | None = None

    @property
    def expected_cash(self) -> int:
        return self.shift.opening_float + self.totals.cash_payments + self.cash_in - self.cash_out

    @property
    def cash_difference(self) -> int | None:
        return None if self.counted_cash is None else self.counted_cash - self.expected_cash

    def as_record(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "lane_id": self.shift.lane_id,
            "shift_id": self.shift.id,
            "opened_at": self.shift.opened_at,
            "opened_by": self.shift.opened_by,
            "printed_at": self.printed_at,
            "closed_by": self.closed_by,
            "totals": self.totals.as_record(),
            "cancelled_sales": self.cancelled_sales,
            "cash": {
                "opening_float": self.shift.opening_float,
                "payments": self.totals.cash_payments,
                "cash_in": self.cash_in,
                "cash_out": self.cash_out,
                "expected": self.expected_cash,
                "counted": self.counted_cash,
                "difference": self.cash_difference,
            },
            "perpetual_total": self.perpetual_total,
        }


_SHIFT_COLUMNS = "s.id, s.lane_id, s.opened_at, s.opened_by, s.opening_float, s.journal_seq"


def current_shift(connection: sqlite3.Connection, lane_id: int) -> Shift | None:
    row = connection.execute(
        f"SELECT {_SHIFT_COLUMNS} FROM shift AS s LEFT JOIN shift_close AS c ON c.shift_id = s.id"
        " WHERE s.lane_id = ? AND c.shift_id IS NULL ORDER BY s.id DESC LIMIT 1",
        (lane_id,),
    ).fetchone()
    return Shift(*row) if row else None


def get_shift(connection: sqlite3.Connection, shift_id: int) -> Shift | None:
    row = connection.execute(f"SELECT {_SHIFT_COLUMNS} FROM shift AS s WHERE s.id = ?", (shift_id,)).fetchone()
    return Shift(*row) if row else None


def last_closed_shift(connection: sqlite3.Connection, lane_id: int) -> Shift | None:
    row = connection.execute(
        f"SELECT {_SHIFT_COLUMNS} FROM shift AS s JOIN shift_close AS c ON c.shift_id = s.id"
        " WHERE s.lane_id = ? ORDER BY s.id DESC LIMIT 1",
        (lane_id,),
    ).fetchone()
    return Shift(*row) if row else None


def open_shift(
    connection: sqlite3.Connection, key: bytes, lane_id: int, cashier: str, opening_float: int, at: datetime
) -> Shift:
    """Start a shift; the caller holds the write transaction."""
    if opening_float < 0:
        raise ShiftError("The float cannot be negative")
    if not cashier.strip():
        raise ShiftError("Say who opens the shift")
    already = current_shift(connection, lane_id)
    if already is not None:
        raise ShiftError(
            f"Shift {already.id} is still open (opened by {already.opened_by}): close it with a Z report first"
        )
    shift_id = connection.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM shift").fetchone()[0]
    entry = journal_store.append(
        connection,
        key,
        lane_id,
        "shift_open",
        str(shift_id),
        {"shift_id": shift_id, "opened_by": cashier, "opening_float": opening_float},
        at,
    )
    connection.execute(
        "INSERT INTO shift (id, lane_id, opened_at, opened_by, opening_float, journal_seq) VALUES (?, ?, ?, ?, ?, ?)",
        (shift_id, lane_id, entry.created_at, cashier, opening_float, entry.seq),
    )
    return Shift(shift_id, lane_id, entry.created_at, cashier, opening_float, entry.seq)


def move_cash(
    connection: sqlite3.Connection,
    key: bytes,
    shift: Shift,
    kind: str,
    amount: int,
    reason: str,
    cashier: str,
    at: datetime,
) -> None:
    """Cash put into or taken out of the drawer outside a sale (change, a bank drop, a supplier)."""
    if kind not in ("in", "out"):
        raise ShiftError("Cash moves either in or out")
    if amount <= 0:
        raise ShiftError("The amount must be positive")
    if not reason.strip():
        raise ShiftError("Say why the cash moves")
    if kind == "out":
        in_drawer = shift_report(connection, shift, "X", at).expected_cash
        if amount > in_drawer:
            raise ShiftError(f"Only {from_cents(in_drawer)} should be in the drawer; count it before taking more out")
    entry = journal_store.append(
        connection,
        key,
        shift.lane_id,
        f"cash_{kind}",
        str(shift.id),
        {"shift_id": shift.id, "amount": amount, "reason": reason, "cashier": cashier},
        at,
    )
    connection.execute(
        "INSERT INTO cash_movement (shift_id, kind, amount, reason, cashier, created_at, journal_seq)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (shift.id, kind, amount, reason, cashier, entry.created_at, entry.seq),
    )


def shift_report(connection: sqlite3.Connection, shift: Shift, kind: str, at: datetime) -> ShiftReport:
    """The shift's figures from its opening entry to now: every sale in between belongs to it."""
    cash = dict(
        connection.execute(
            "SELECT kind, SUM(amount) FROM cash_movement WHERE shift_id = ? GROUP BY kind", (shift.id,)
        ).fetchall()
    )
    cancelled = connection.execute(
        "SELECT COUNT(*) FROM journal WHERE seq > ? AND kind = 'cancel'", (shift.journal_seq,)
    ).fetchone()[0]
    return ShiftReport(
        kind=kind,
        shift=shift,
        totals=sales_totals(connection, shift.journal_seq),
        cancelled_sales=cancelled,
        cash_in=cash.get("in", 0),
        cash_out=cash.get("out", 0),
        perpetual_total=perpetual_total(connection),
        printed_at=utc_text(at),
    )


def close_shift(
    connection: sqlite3.Connection, key: bytes, shift: Shift, counted_cash: int, cashier: str, at: datetime
) -> ShiftReport:
    """The Z closure: seal the shift's totals with the cash counted; the caller holds the transaction."""
    if counted_cash < 0:
        raise ShiftError("Counted cash cannot be negative")
    if connection.execute("SELECT 1 FROM shift_close WHERE shift_id = ?", (shift.id,)).fetchone():
        raise ShiftError(f"Shift {shift.id} is already closed")
    report = shift_report(connection, shift, "Z", at)
    report = replace(report, counted_cash=counted_cash, closed_by=cashier)
    record = report.as_record()
    entry = journal_store.append(connection, key, shift.lane_id, "shift_close", str(shift.id), record, at)
    connection.execute(
        "INSERT INTO shift_close (shift_id, closed_at, closed_by, counted_cash, expected_cash, journal_seq)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (shift.id, entry.created_at, cashier, counted_cash, report.expected_cash, entry.seq),
    )
    return report


def z_entry(connection: sqlite3.Connection, shift_id: int) -> tuple[int, str] | None:
    """The journal entry that seals shift ``shift_id``'s Z report, and its chain hash.

    A printed Z carries both: a paper witness, outside the box, of how far the journal went (a
    store rolled back to an older copy cannot show that entry with that hash).
    """
    row = connection.execute(
        "SELECT j.seq, j.hash FROM shift_close AS c JOIN journal AS j ON j.seq = c.journal_seq"
        " WHERE c.shift_id = ? AND j.kind = 'shift_close'",
        (shift_id,),
    ).fetchone()
    return (row[0], row[1]) if row else None


def stored_z_report(connection: sqlite3.Connection, shift_id: int) -> dict[str, Any] | None:
    """A Z report exactly as it was sealed, for a reprint: read from the journal, not from a copy."""
    row = connection.execute(
        "SELECT j.payload FROM shift_close AS c JOIN journal AS j ON j.seq = c.journal_seq"
        " WHERE c.shift_id = ? AND j.kind = 'shift_close' AND j.ref = ?",
        (shift_id, str(shift_id)),
    ).fetchone()
    return json.loads(row[0]) if row else None
