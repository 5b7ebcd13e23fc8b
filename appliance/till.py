"""The till of one lane: what the UI, the CLI and ``simulate`` call to sell, return and report.

It holds the open store, the journal key, the lane and an injected clock, and turns each cashier
action into one write transaction. The functions it calls (the store's :mod:`~appliance.store.sales`,
:mod:`~appliance.store.shifts`, :mod:`~appliance.store.closures`) work on a bare connection, so tests
can use them directly too. After each commit it renews the head witness beside the key
(:mod:`~appliance.store.witness`), so a tail cut off the journal shows even with the anchor gone.

:meth:`Till.create` sets up a new store (``store init``, and ``simulate`` for a training store);
:meth:`Till.open` opens an existing one through the checks of :mod:`~appliance.store.opening`,
read-only for the commands that only read.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlite_utils import Database

from appliance.config import Config
from appliance.core import text
from appliance.core.clock import Clock, SystemClock, utc_text
from appliance.core.handover import CompletedHandover, Handover, PickupOrder
from appliance.core.money import from_cents, to_cents
from appliance.core.returns import Returned, add_return_line, returnable, start_return
from appliance.core.sale import Item, Line, PaymentMethod, Sale, SaleError
from appliance.core.seal import Verdict
from appliance.core.tax import VatRate
from appliance.reports.formatting import Formatter
from appliance.reports.receipt import Receipt, build_receipt
from appliance.store import closures
from appliance.store import journal as journal_store
from appliance.store.audit import verify_store
from appliance.store.catalogue import CatalogueError, as_item, get_variant
from appliance.store.database import StoreError
from appliance.store.handovers import pickup_order, pickup_orders, record_handover, refuse_second_handover
from appliance.store.keys import KeyFile
from appliance.store.opening import create_lane_store, open_lane_store, refuse_changed_schema
from appliance.store.sales import StoredSale, load_sale, record_sale, returned_so_far
from appliance.store.shifts import (
    Shift,
    ShiftError,
    ShiftReport,
    close_shift,
    current_shift,
    move_cash,
    open_shift,
    shift_report,
)
from appliance.store.witness import Witness
from appliance.store.witness_writer import WitnessedWrite, WitnessWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Lane:
    id: int
    name: str
    channel: str


class Till:
    def __init__(
        self,
        db: Database,
        key: bytes,
        lane: Lane,
        *,
        zone: ZoneInfo,
        vat: dict[int | str, VatRate],
        payments: tuple[PaymentMethod, ...],
        clock: Clock | None = None,
        key_file: KeyFile | None = None,
        training: bool = False,
        writable: bool = True,
        warnings: tuple[str, ...] = (),
    ):
        self.db = db
        self.key = key
        self.lane = lane
        self.zone = zone
        self.vat = vat
        self.payments = payments
        self.clock = clock or SystemClock()
        self.key_file = key_file or KeyFile(Path(), key, None)
        self.witness = Witness.for_key(key_file, lane.id) if key_file else None
        self._witness_writer = WitnessWriter(self.witness) if self.witness and writable else None
        self.training = training
        self.writable = writable
        self.warnings = warnings
        self._periods_checked_on: date | None = None

    @classmethod
    def create(
        cls, config: Config, db_path: Path | None = None, *, clock: Clock | None = None, training: bool = False
    ) -> Till:
        """Set up a new store (and its key) at ``db_path`` or the config's path, then open it."""
        path = db_path or config.store_path
        clock = clock or SystemClock()
        key_path = config.key_file_for(path)
        create_lane_store(path, key_path, config.lane_id, clock.now(), training=training, software=_version())
        return cls.open(config, path, clock=clock)

    @classmethod
    def open(
        cls, config: Config, db_path: Path | None = None, *, clock: Clock | None = None, write: bool = True
    ) -> Till:
        """Open the existing store named by ``db_path`` or the config, with its journal key.

        ``write=False`` opens it read-only: nothing is migrated or written, and writing raises.
        """
        path = db_path or config.store_path
        opened = open_lane_store(path, config.key_file_for(path), config.lane_id, write=write)
        return cls(
            opened.db,
            opened.key_file.key,
            Lane(config.lane_id, config.lane_name, config.channel),
            zone=ZoneInfo(config.timezone),
            vat=config.vat,
            payments=config.payments,
            clock=clock,
            key_file=opened.key_file,
            training=opened.training,
            writable=write,
            warnings=tuple(opened.warnings),
        )

    def close(self) -> None:
        if self._witness_writer is not None:
            self._witness_writer.close()
        self.db.close()

    def verify(self) -> Verdict:
        """Check the journal's seal, as ``ofn-checkout journal verify`` does."""
        return verify_store(self.connection, self.key_file, self.lane.id)

    @property
    def connection(self) -> sqlite3.Connection:
        return self.db.conn

    def payment(self, code: str) -> PaymentMethod:
        for method in self.payments:
            if method.code == code:
                return method
        raise SaleError(f"There is no payment method {code!r}")

    # -- shifts ----------------------------------------------------------------------------------

    def current_shift(self) -> Shift | None:
        return current_shift(self.connection, self.lane.id)

    def open_shift(self, cashier: str, opening_float: Decimal) -> Shift:
        cashier = text.name(cashier, "The cashier's name")
        with self._writing() as write:
            connection = write.connection
            return open_shift(connection, self.key, self.lane.id, cashier, to_cents(opening_float), self.clock.now())

    def move_cash(self, kind: str, amount: Decimal, reason: str, cashier: str) -> None:
        cashier = text.name(cashier, "The cashier's name")
        if reason.strip():  # an empty one is refused below, with what to do ("say why")
            reason = text.reason(reason, "The reason")
        with self._writing() as write:
            connection = write.connection
            move_cash(
                connection, self.key, self._open_shift(), kind, to_cents(amount), reason, cashier, self.clock.now()
            )

    def x_report(self) -> ShiftReport:
        return shift_report(self.connection, self._open_shift(), "X", self.clock.now())

    def close_shift(self, counted_cash: Decimal, cashier: str) -> ShiftReport:
        cashier = text.name(cashier, "The cashier's name")
        with self._writing() as write:
            refuse_changed_schema(write.connection)
            return close_shift(
                write.connection, self.key, self._open_shift(), to_cents(counted_cash), cashier, self.clock.now()
            )

    def _open_shift(self) -> Shift:
        shift = self.current_shift()
        if shift is None:
            raise ShiftError("No shift is open: open one with a cash float first")
        return shift

    # -- sales -----------------------------------------------------------------------------------

    def item(self, variant_id: int) -> Item:
        variant = get_variant(self.connection, variant_id)
        if variant is None:
            raise CatalogueError(f"Variant {variant_id} is not in the catalogue: refresh it from OFN")
        return as_item(variant, self.vat)

    def new_sale(self, cashier: str) -> Sale:
        cashier = text.name(cashier, "The cashier's name")
        self._open_shift()
        return Sale(lane_id=self.lane.id, channel=self.lane.channel, cashier=cashier, started_at=self.clock.now())

    def complete(self, sale: Sale) -> StoredSale:
        """Complete and store a sale: once this returns, the sale survives a crash or power cut."""
        completed = sale.complete(self.clock.now())
        with self._writing() as write:
            connection = write.connection
            shift = current_shift(connection, self.lane.id)
            stored = record_sale(
                connection, self.key, completed, shift.id if shift else None, journal_store.tip(connection)
            )
            write.head = stored.entry  # the witness is renewed from it, without reading the tip again
            return stored

    def cancel(self, sale: Sale, reason: str) -> None:
        """Abandon a sale before payment; a basket with items leaves a trace in the journal."""
        reason = text.reason(reason, "The reason")
        if not sale.lines:
            return
        totals = sale.totals()
        record = {
            "uuid": sale.uuid,
            "reason": reason,
            "cashier": sale.cashier,
            "started_at": utc_text(sale.started_at),
            "lines": [
                {
                    "line_no": line.line_no,
                    "variant_id": line.item.variant_id,
                    "name": line.item.name,
                    "quantity": line.quantity,
                    "weight_g": line.weight_g,
                    "amount": total.amount,
                    "voided": line.voided,
                }
                for line, total in zip(sale.lines, totals.lines)
            ],
            "total": totals.total,
        }
        with self._writing() as write:
            connection = write.connection
            shift = current_shift(connection, self.lane.id)
            if shift is None:
                raise ShiftError("No shift is open")
            record["shift_id"] = shift.id
            journal_store.append(connection, self.key, self.lane.id, "cancel", str(shift.id), record, self.clock.now())

    def find_sale(self, *, number: int | None = None, uuid: str | None = None) -> StoredSale | None:
        return load_sale(self.connection, uuid=uuid, number=number)

    def reprint(self, number: int, cashier: str, receipt_config: dict[str, object], fmt: Formatter) -> Receipt:
        """A duplicate of a receipt; each reprint is a journal entry and the copy says which one it is."""
        cashier = text.name(cashier, "The cashier's name")
        stored = self.find_sale(number=number)
        if stored is None:
            raise SaleError(f"There is no sale number {number}")
        with self._writing() as write:
            connection = write.connection
            count = connection.execute(
                "SELECT COUNT(*) FROM journal WHERE kind = 'reprint' AND ref = ?", (stored.sale.uuid,)
            ).fetchone()[0]
            journal_store.append(
                connection,
                self.key,
                self.lane.id,
                "reprint",
                stored.sale.uuid,
                {"number": number, "duplicate": count + 1, "cashier": cashier},
                self.clock.now(),
            )
        return self.receipt(stored, receipt_config, fmt, duplicate=count + 1)

    def receipt(
        self, stored: StoredSale, receipt_config: dict[str, object], fmt: Formatter, *, duplicate: int = 0
    ) -> Receipt:
        original = self.find_sale(uuid=stored.sale.original_uuid) if stored.sale.original_uuid else None
        labels = {method.code: method.label for method in self.payments}
        return build_receipt(
            stored,
            receipt_config,
            self.lane.name,
            fmt,
            labels,
            duplicate=duplicate,
            original_number=original.number if original else None,
            training=self.training,
        )

    # -- hand-over of online orders ------------------------------------------------------------

    def pickup_orders(self) -> list[PickupOrder]:
        return pickup_orders(self.connection)

    def new_handover(self, number: str, cashier: str) -> Handover:
        """Start handing over a customer's order from the pickup list the sync daemon keeps fresh."""
        cashier = text.name(cashier, "The cashier's name")
        self._open_shift()
        order = pickup_order(self.connection, number)
        refuse_second_handover(self.connection, order.number)
        return Handover(
            order=order,
            lane_id=self.lane.id,
            channel=self.lane.channel,
            cashier=cashier,
            started_at=self.clock.now(),
        )

    def complete_handover(self, handover: Handover) -> CompletedHandover:
        """Seal the hand-over; once this returns it survives a crash and will reach OFN."""
        completed = handover.complete(self.clock.now())
        with self._writing() as write:
            connection = write.connection
            shift = current_shift(connection, self.lane.id)
            record_handover(connection, self.key, completed, shift.id if shift else None, self._note(completed))
        return completed

    def _note(self, handover: CompletedHandover) -> str:
        """The line OFN's order note gets: who handed it over, when, and what was paid where."""
        labels = {method.code: method.label for method in self.payments}
        local = handover.completed_at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")
        parts = [f"Handed over at {self.lane.name} on {local} by {handover.cashier}"]
        if handover.due:
            paid = ", ".join(f"{labels.get(p.method, p.method)} {from_cents(p.amount)}" for p in handover.payments)
            parts.append(f"paid at the counter {from_cents(handover.due)} ({paid})")
        for change in handover.changes:
            verb = "added" if change.quantity > 0 else "taken off"
            parts.append(f"{verb} {abs(change.quantity)} x {change.name}")
        if handover.credit_owed:
            parts.append(f"the hub owes the customer {from_cents(handover.credit_owed)}")
        return "; ".join(parts)

    # -- returns ---------------------------------------------------------------------------------

    def returnable(self, original: StoredSale) -> dict[int, Returned]:
        return returnable(original.sale, returned_so_far(self.connection, original.sale.uuid))

    def new_return(self, original: StoredSale, cashier: str) -> Sale:
        cashier = text.name(cashier, "The cashier's name")
        self._open_shift()
        return start_return(
            original.sale, lane_id=self.lane.id, channel=self.lane.channel, cashier=cashier, started_at=self.clock.now()
        )

    def add_return_line(
        self, sale: Sale, original: StoredSale, line_no: int, *, quantity: int = 0, weight_g: int = 0
    ) -> Line:
        already = returned_so_far(self.connection, original.sale.uuid).get(line_no, Returned())
        return add_return_line(sale, original.sale, line_no, already, quantity=quantity, weight_g=weight_g)

    # -- periods ---------------------------------------------------------------------------------

    def close_periods(self) -> list[dict[str, Any]]:
        """Close every finished day, month and year now."""
        now = self.clock.now()
        with self._transaction() as write:
            refuse_changed_schema(write.connection)
            made = closures.close_due_periods(write.connection, self.key, self.lane.id, self.zone, now)
        self._periods_checked_on = now.astimezone(self.zone).date()
        return made

    def _transaction(self) -> WitnessedWrite:
        """One write transaction, checked against the head witness before its COMMIT (a journal cut
        while the till runs refuses the write), the witness renewed once it is committed: it can lag
        behind the journal, never run ahead of it (appliance/store/witness_writer.py)."""
        if not self.writable:
            raise StoreError("This store was opened read-only: nothing was written")
        return WitnessedWrite(self.db, self._witness_writer)

    @contextmanager
    def _writing(self) -> Iterator[WitnessedWrite]:
        """One write transaction; then, on the first write of a new local day, close the days before.

        The closure runs after the write, in its own transaction: a closure that fails must never
        stop a sale. A failure is logged and retried at the next write or by
        ``report close-periods``.
        """
        with self._transaction() as write:
            yield write
        if self._periods_checked_on != self.clock.now().astimezone(self.zone).date():
            try:
                self.close_periods()
            except Exception:
                log.exception("closing the finished periods failed; will retry at the next write")


def _version() -> str:
    try:
        return metadata.version("ofn-checkout")
    except metadata.PackageNotFoundError:
        return "unknown"
