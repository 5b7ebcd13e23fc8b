"""The till of one lane: what the UI, the CLI and ``simulate`` call to sell, return and report.

It holds the open store, the journal key, the lane and an injected clock, and turns each cashier
action into one write transaction. The functions it calls (the store's :mod:`~appliance.store.sales`,
:mod:`~appliance.store.shifts`, :mod:`~appliance.store.closures`) work on a bare connection, so tests
can use them directly too. After each commit it renews the head witness beside the key
(:mod:`~appliance.store.witness`), so a tail cut off the journal shows even with the anchor gone.

:meth:`Till.create` sets up a new store (``store init``, and ``simulate`` for a training store);
:meth:`Till.open` opens an existing one through the checks of :mod:`~appliance.store.opening`,
read-only for the commands that only read.

What the sale in progress and its sealing use is imported here; what only a later task uses
(returns, hand-overs, invoices and credit notes, receipts as documents, the attention list, verify) is imported by
the method that does it: the counter's first frame waits for every module it imports, and a
dataclass costs about half a millisecond to define (docs/benchmarks.md, "bench/counter_start.py").
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo

from appliance.config import Config, ConfigError
from appliance.config.channels import ChannelRules, default_rules
from appliance.config.channels.source import RulesSource
from appliance.core import text
from appliance.core.clock import Clock, SystemClock, parse_utc, utc_text
from appliance.core.discount_rules import AutoDiscounts
from appliance.core.money import from_cents, to_cents
from appliance.core.receipt_token import as_sale, is_hub_code, sign, summarize
from appliance.core.receipt_token import read as read_hub_code
from appliance.core.sale import CompletedSale, Item, Kind, Line, PaymentMethod, Sale, SaleError
from appliance.core.sale_draft import DraftError, draft_record, sale_from_draft
from appliance.core.tax import VatRate
from appliance.reports.formatting import Formatter
from appliance.store import basket_file, closures, people
from appliance.store import journal as journal_store
from appliance.store.basket_file import basket_path
from appliance.store.catalogue import CatalogueError, Variant, as_item, get_variant, shelf_item, variant_names
from appliance.store.database import Database, StoreError, StoreUnreadable, connect, explain, is_busy, write_transaction
from appliance.store.keys import KeyFile
from appliance.store.opening import REFUSED, absence_problem, create_lane_store, open_lane_store, refuse_changed_schema
from appliance.store.people import CHANGE_THE_PIN
from appliance.store.sales import (
    StoredSale,
    ended,
    last_number,
    load_sale,
    record_sale,
    refunded_so_far,
    returned_so_far,
)
from appliance.store.scan_lookup import set_plu
from appliance.store.shifts import (
    Shift,
    ShiftError,
    ShiftReport,
    close_shift,
    current_shift,
    last_closed_shift,
    move_cash,
    open_shift,
    shift_report,
    stored_z_report,
    z_entry,
)
from appliance.store.sync_state import Status, outbox_state, read_status, retry_parked
from appliance.store.witness import Witness
from appliance.store.witness_writer import WitnessedWrite, WitnessWriter

if TYPE_CHECKING:
    from appliance.core.customer import Customer
    from appliance.core.document import Document
    from appliance.core.handover import CompletedHandover, Handover, PickupOrder
    from appliance.core.lockout import Tick
    from appliance.core.pickup_list import PickupEntry
    from appliance.core.return_draft import ReturnDraft
    from appliance.core.return_rules import ReturnRules
    from appliance.core.returns import Returned
    from appliance.core.seal import Verdict
    from appliance.reports.attention import AttentionList
    from appliance.reports.handover_receipt import HandoverReceipt
    from appliance.reports.invoice import Invoice
    from appliance.reports.receipt import Receipt
    from appliance.store.invoices import SealedDocument
    from appliance.store.people import Person
    from appliance.store.sync_attention import Key, LineState

T = TypeVar("T")
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
        receipt: dict[str, Any] | None = None,
        fmt: Formatter | None = None,
        rules: ChannelRules | None = None,
        rules_source: RulesSource | None = None,
    ):
        self.db = db
        self.key = key
        self.lane = lane
        self.zone = zone
        self.vat = vat
        self.payments = payments
        # the codes of the methods paid from the customer's credit in OFN (posted by the daemon)
        self.credit_methods = frozenset(method.code for method in payments if method.is_ofn_credit)
        self.clock = clock or SystemClock()
        self.key_file = key_file or KeyFile(Path(), key, None)
        self.witness = Witness.for_key(key_file, lane.id) if key_file else None
        self._witness_writer = WitnessWriter(self.witness, db.conn) if self.witness and writable else None
        self._basket_keeper: basket_file.Keeper | None = None  # started with the first basket kept
        self.training = training
        self.writable = writable
        self.warnings = warnings
        self.receipt_config = receipt or {}  # the config's [receipt]: the seller on invoices
        self.fmt = fmt or Formatter("EUR", "fr_FR", zone)
        self._periods_checked_on: date | None = None
        self._last_sale: StoredSale | None = None  # the sale this till recorded last (record_sale's ``last``)
        self.path = Path(db.conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:")
        self._file_identity = file_identity(self.path)  # the file this till's connection opened
        #: Why the store cannot be used any more (emptied, replaced or damaged under the till), as
        #: the status reader last found it; every write is refused while it is set.
        self.store_trouble: str | None = None
        self._rules_source = rules_source
        self._earlier_rules: dict[str, ChannelRules] = {}
        #: Why a changed channel file was not taken up (the status bar says it), or None.
        self.rules_problem: str | None = None
        # The hub's receipt key (channels.toml's [hub] receipt_key_file), read with the rules.
        self.receipt_key: bytes | None = None
        self.no_hub_code = "no channels file sets [hub] receipt_key_file"  # why receipts carry no hub code
        self.rules = rules or default_rules(lane.channel, [method.code for method in payments])

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
        cls,
        config: Config,
        db_path: Path | None = None,
        *,
        clock: Clock | None = None,
        write: bool = True,
        sells: bool | None = None,
    ) -> Till:
        """Open the existing store named by ``db_path`` or the config, with its journal key.

        ``write=False`` opens it read-only: nothing is migrated or written, and writing raises.
        ``sells`` (by default, a till opened to write): the channel file's rules are read, and a
        broken file stops the till before anything is opened. A till that does not sell (reports,
        verify, the sync daemon) runs on the default rules, so a broken channel file never keeps
        sealed sales from OFN nor the reports from a manager.
        """
        path = db_path or config.store_path
        sells = write if sells is None else sells
        source = RulesSource(config) if sells else None
        rules = source.read() if source is not None else None
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
            receipt=config.receipt,
            fmt=Formatter(config.currency, config.language, ZoneInfo(config.timezone)),
            rules=rules,
            rules_source=source,
        )

    def renew_witness_later(self, later: Callable[[Callable[[], None]], object]) -> None:
        """Renew the head witness after each write once the call has returned, through ``later`` (the
        counter's next idle moment; any thread may call it), not inside the call: what a sale's wait
        holds of the witness is its check alone (appliance/store/witness_writer.py)."""
        if self._witness_writer is not None:
            self._witness_writer.renew_later(later)

    def close(self) -> None:
        if self._basket_keeper is not None:
            self._basket_keeper.close()
        if self._witness_writer is not None:
            self._witness_writer.close()
        self.db.close()

    def verify(self) -> Verdict:
        """Check the journal's seal, as ``ofn-checkout journal verify`` does."""
        from appliance.store.audit import verify_store

        return verify_store(self.connection, self.key_file, self.lane.id)

    @property
    def connection(self) -> sqlite3.Connection:
        return self.db.conn

    def sync_status_reader(self) -> Callable[[], Status]:
        """What the sync daemon last recorded, read from another thread (a screen's poller).

        The reader opens its own read-only connection on first use, in the thread that calls it,
        so polling never shares the till's connection nor takes a write lock. It is also how the
        till learns that its store went bad under it: the file missing, emptied, overwritten,
        replaced by another (the till would go on writing into the one it opened, lost at the next
        restart), or unreadable by SQLite twice in a row (once may be a passing lock or I/O error).
        That raises StoreUnreadable, saying what to do, and sets ``store_trouble`` for good: every
        write is refused until the till restarts, even if the file reads again. The till's own
        connection still holds the old file's pages and its ``-wal``: writing through it into a
        store put back from a backup would mix the two (a damaged file). A restart opens and
        checks the file in place. Another writer's lock raises as it came.
        """
        path, clock, opened = self.path, self.clock, threading.local()
        key_path, lane_id, identity = self.key_file.path, self.lane.id, self._file_identity
        doubt: list[str] = []  # what the last read could not do, if it failed at SQLite's level

        def close() -> None:
            if getattr(opened, "db", None) is not None:
                opened.db.close()
                opened.db = None

        def unreadable(problem: str) -> StoreUnreadable:
            if self.store_trouble is None:
                self.store_trouble = problem
            return StoreUnreadable(self.store_trouble)

        def read() -> Status:
            if self.store_trouble is not None:
                raise unreadable(self.store_trouble)
            if identity is not None:  # a file (not an in-memory store): is it still the one opened?
                gone = absence_problem(path, key_path, lane_id) or replaced(path, identity) or overwritten(path)
                if gone is not None:
                    close()
                    raise unreadable(gone)
            try:
                if getattr(opened, "db", None) is None:
                    opened.db = connect(path, write=False)
                status = read_status(opened.db.conn, clock.now())
            except (sqlite3.DatabaseError, StoreError) as exc:
                close()
                problem = str(exc) if isinstance(exc, StoreError) else f"{path} {explain(exc, opening=True)}"
                if is_busy(exc) or not doubt:
                    doubt[:] = [] if is_busy(exc) else [problem]
                    raise
                raise unreadable(problem) from exc
            doubt.clear()
            return status

        return read

    def attention(self, attention_after_s: int) -> AttentionList:
        """What sync parked or found, each with what to do in OFN (the needs-attention screen)."""
        from appliance.reports.attention import attention_list

        return attention_list(self.connection, self.clock.now(), attention_after_s)

    def retry_parked(self, wait_s: float = 30.0) -> int:
        """A manager fixed OFN: what sync parked goes back in the queue, for the next pass to send."""
        return self._between_passes(retry_parked, "retried", wait_s)

    def answer_credit(self, posting: int, *, found: bool, wait_s: float = 30.0) -> None:
        """A manager looked on the customer's credit page in OFN for a posting in doubt: ``found``,
        it landed and is never sent again; not found, the next pass sends it again."""
        from appliance.store import credit_postings

        self._between_passes(lambda db: credit_postings.answer(db, posting, found=found), "answered", wait_s)

    def _between_passes(self, change: Callable[[Database], T], what: str, wait_s: float) -> T:
        """Change the sync's state under its pass lock, as ``sync retry`` does, so never under a
        running pass (SyncBusy after ``wait_s``), on a connection of its own: a screen calls it from
        a worker thread while the till goes on selling."""
        from appliance.store.sync_lock import sync_pass

        if not self.writable:
            raise StoreError(f"{self.path} is open read-only: nothing can be {what} from here")
        self._refuse_if_troubled()
        db = connect(self.path, write=True)
        try:
            with sync_pass(db, wait_s=wait_s):
                return change(db)
        finally:
            db.close()

    def retried(self, keys: list[Key]) -> list[LineState]:
        """Where each retried change is now: waiting for a pass, in OFN, or parked again."""
        from appliance.store.sync_attention import line_states

        return line_states(self.connection, keys)

    # -- the basket in progress, kept across a restart (store/basket_file.py) --------------------

    def keep_basket(self, sale: Sale | None) -> None:
        """Keep the basket in progress beside the store (None: there is none any more).

        Returns at once: the file is written on a thread of its own (basket_file.Keeper), from a
        record of the basket as it is now."""
        if self._basket_keeper is None:
            self._basket_keeper = basket_file.Keeper(basket_path(self.path))
        self._basket_keeper.keep(None if sale is None or not sale.lines else draft_record(sale))

    def kept_basket(self) -> Sale | None:
        """The basket in progress when the till last stopped, if it was neither sealed nor cancelled."""
        if self._basket_keeper is not None:
            self._basket_keeper.flush()
        path = basket_path(self.path)
        try:
            record = basket_file.kept(path)
            if record is None:
                return None
            sale = sale_from_draft(record, {method.code: method for method in self.payments})
        except (ValueError, DraftError) as exc:
            aside = basket_file.set_aside(path)
            log.warning("the kept basket could not be read back (%s): set aside as %s", exc, aside)
            return None
        if ended(self.connection, sale.uuid) or sale.lane_id != self.lane.id:
            basket_file.drop(path)  # completed or cancelled before the stop: nothing is in progress
            return None
        sale.rules_digest = self.rules.digest  # it goes on under the rules the till started with
        return sale

    def set_plus(self, plus: dict[int, int]) -> None:
        """Give variants the PLUs a cashier types for them (PLU → variant id), in one transaction."""
        self._refuse_if_troubled()
        with write_transaction(self.db) as connection:
            for plu, variant_id in plus.items():
                set_plu(connection, plu, variant_id, self.clock.now())

    @property
    def now(self) -> datetime:
        return self.clock.now()

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

    def z_seal(self, shift_id: int) -> tuple[int, str] | None:
        """The journal entry and chain hash that seal shift ``shift_id``'s Z: printed at its foot."""
        return z_entry(self.connection, shift_id)

    def last_z_report(self) -> dict[str, Any] | None:
        """The newest Z report exactly as it was sealed (None before the first closure)."""
        last = last_closed_shift(self.connection, self.lane.id)
        return stored_z_report(self.connection, last.id) if last else None

    def closures(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The day, month and year closures as sealed, oldest first (``report closures``)."""
        return closures.closures(self.connection, kind)

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
        return self.sellable(variant)

    def sellable(self, variant: Variant) -> Item:
        """The variant as a sale line needs it, if this lane's channel may sell it (SaleError: why not)."""
        self.rules.assortment.check(variant.id, variant.name, variant.category_id, variant.tags, self.rules.label)
        return as_item(variant, self.vat)

    def shelf_item(self, code: str) -> Item | None:
        """The channel's shelf-only item scanned or typed as ``code``, if there is one."""
        shelf = self.rules.assortment.shelf_item(code)
        return shelf_item(shelf, self.vat) if shelf is not None else None

    def new_sale(self, cashier: str) -> Sale:
        cashier = text.name(cashier, "The cashier's name")
        self._open_shift()
        self.reload_rules()  # a sale starts: the moment a changed channel file takes effect
        # The channel's automatic discounts, fixed for the sale's life: a change never reaches a basket.
        auto = AutoDiscounts(self.rules.discounts, self.rules.discount_policy, self.zone)
        return Sale(
            lane_id=self.lane.id,
            channel=self.lane.channel,
            cashier=cashier,
            started_at=self.clock.now(),
            rules_digest=self.rules.digest,
            auto_discounts=auto,
        )

    def reload_rules(self) -> bool:
        """Take up the channel file if it changed since it was read; True if the rules changed.

        Called when a sale starts, never in the middle of a basket. A changed file that cannot be
        used leaves the rules in force as they are: ``rules_problem`` says why (the status bar shows
        it) and the log has every problem; the next sale looks again.
        """
        source = self._rules_source
        if source is None or not source.changed():
            return False
        try:
            rules = source.read()
        except ConfigError as exc:
            self.rules_problem = (
                f"The channel file changed but cannot be used ({text.counted(len(exc.problems), 'problem')}):"
                " the till keeps the rules it had; run `ofn-checkout config check`"
            )
            log.warning("channel file not taken up, the rules in force stay: %s", exc)
            return False
        self.rules_problem = None
        if rules == self.rules:
            return False
        self._earlier_rules[self.rules.digest] = self.rules
        log.info("channel rules changed: %s now (were %s)", rules.digest[:12], self.rules.digest[:12])
        self.rules = rules
        return True

    @property
    def rules(self) -> ChannelRules:
        """The channel's rules in force (docs/channels.md), taken up again when a sale starts."""
        return self._rules

    @rules.setter
    def rules(self, rules: ChannelRules) -> None:
        """Put ``rules`` in force with the hub's receipt key they name: the key never lags the rules."""
        self._rules = rules
        self._read_receipt_key()

    def rules_of(self, sale: Sale) -> ChannelRules:
        """The rules a sale started under: a basket ends under the rules it began with."""
        if sale.rules_digest and sale.rules_digest != self.rules.digest:
            return self._earlier_rules.get(sale.rules_digest, self.rules)
        return self.rules

    def check_tender(self, sale: Sale, method: PaymentMethod, amount: Decimal, customer_id: int | None = None) -> None:
        """Whether the channel's payment rules let ``method`` pay ``amount`` now (SaleError: why not)."""
        if sale.kind is not Kind.SALE:
            return
        rules = self.rules_of(sale)
        totals = sale.totals()
        cash = sum(to_cents(tender.amount) for tender in sale.tenders if tender.method.is_cash)
        rules.payment.check_tender(
            method,
            to_cents(amount),
            due=totals.due,
            cash_so_far=cash,
            has_customer=customer_id is not None,
            channel_label=rules.label,
        )

    def tender(self, sale: Sale, method: PaymentMethod, amount: Decimal, customer_id: int | None = None) -> None:
        """Take a payment on the sale, under the channel's payment rules."""
        self.check_tender(sale, method, amount, customer_id)
        sale.tender(method, amount, customer_id)

    def check_method(self, method: PaymentMethod) -> None:
        """Whether the lane's channel takes ``method`` at all (a hand-over's payment)."""
        self.rules.payment.check_method(method, self.rules.label)

    def payment_methods(self, sale: Sale | None = None) -> tuple[PaymentMethod, ...]:
        """The methods this lane's channel takes, in the channel's order (the payment screen's list)."""
        rules = self.rules_of(sale) if sale is not None else self.rules
        return rules.payment.allowed(self.payments)

    def needs_customer(self, method: PaymentMethod, sale: Sale | None = None) -> bool:
        rules = self.rules_of(sale) if sale is not None else self.rules
        return rules.payment.needs_a_customer(method)

    @property
    def return_rules(self) -> ReturnRules:
        """What the channel takes back, how late, with what proof, and below what no PIN is asked."""
        return self.rules.returns

    def _read_receipt_key(self) -> None:
        """The hub's receipt key of the rules in force.

        A key that cannot be read leaves receipts without the hub code and cross-lane returns
        refused with the reason; the sale goes on (the reason is logged, never the key).
        """
        from appliance.config.channels.returns import read_receipt_key

        self.receipt_key = None
        if self.rules.receipt_key_file is None:
            self.no_hub_code = "no channels file sets [hub] receipt_key_file"
            return
        try:
            self.receipt_key = read_receipt_key(self.rules.receipt_key_file)
        except ValueError as exc:
            self.no_hub_code = str(exc)
            log.warning("receipts carry no hub code: %s", exc)

    def complete(self, sale: Sale, *, original: CompletedSale | None = None) -> StoredSale:
        """Complete and store a sale: once this returns, the sale survives a crash or power cut.

        A return of an invoiced sale gets its credit note in the same transaction (credit_note_for).
        The channel's rules are checked once more first: no sale they refuse is sealed.
        ``original``: for a return of another lane's sale, that sale as its receipt's hub code proved it.
        """
        completed = self.check_rules(sale)
        credit = self.credit_methods
        with self._writing() as write:
            connection = write.connection
            shift = current_shift(connection, self.lane.id)
            stored = record_sale(
                connection,
                self.key,
                completed,
                shift.id if shift else None,
                journal_store.tip(connection),
                credit,
                original=original,
                last=self._last_sale,
            )
            if completed.kind is Kind.RETURN:  # may seal a credit note after it: the witness reads the tip
                from appliance.core.invoice import seller_if_set
                from appliance.store import invoices

                invoices.issue_credit_note(
                    connection, self.key, stored, seller_if_set(self.receipt_config), completed.completed_at
                )
            else:
                write.head = stored.entry  # the witness is renewed from it, without reading the tip again
        self._last_sale = stored  # committed: the next sale's number follows it if it is still the tip
        return stored

    def check_rules(self, sale: Sale) -> CompletedSale:
        """The sale frozen, if the channel rules it started under let it be sealed (SaleError: why not)."""
        rules = self.rules_of(sale)
        if sale.kind is Kind.SALE:
            self._check_assortment(sale, rules)
        completed = sale.complete(self.clock.now())
        if completed.kind is Kind.SALE:
            rules.payment.check_payments(completed.payments, self.payments, rules.label)
        elif any(p.method in self.credit_methods and p.customer_id is None for p in completed.payments):
            raise SaleError("A refund to customer credit needs the customer: refund another way")
        return completed

    def _check_assortment(self, sale: Sale, rules: ChannelRules) -> None:
        """Every live line against the channel's assortment, on the category and tags its item carries.

        The item took them from the catalogue at the scan, with its price, and the discount rules
        read them there too: the seal judges the line the basket holds, reading no catalogue row.
        """
        if rules.assortment.sells_everything:
            return
        for line in sale.lines:
            item = line.item
            if line.voided or item.shelf:
                continue
            if (reason := rules.assortment.refusal(item.variant_id, item.category_id, item.tags)) is not None:
                raise SaleError(
                    f"{line.item.name} (line {line.line_no}) is not sold at {rules.label} ({reason}): void the line"
                )

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
        if sale.started_by:
            record["started_by"] = sale.started_by
        if sale.approvals:
            record["approvals"] = [approval.as_record() for approval in sale.approvals]
        with self._writing() as write:
            connection = write.connection
            shift = current_shift(connection, self.lane.id)
            if shift is None:
                raise ShiftError("No shift is open")
            record["shift_id"] = shift.id
            journal_store.append(connection, self.key, self.lane.id, "cancel", str(shift.id), record, self.clock.now())

    def find_sale(self, *, number: int | None = None, uuid: str | None = None) -> StoredSale | None:
        return load_sale(self.connection, uuid=uuid, number=number)

    def sale_by_code(self, text: str) -> StoredSale:
        """A sale of this lane by its receipt's code or square code (scanned) or its number (typed).

        A code names its lane: another till's receipt is refused rather than read as this till's
        sale of the same number (a return takes another lane's sale by its square code instead:
        :meth:`return_draft`).
        """
        from appliance.core.receipt_code import SaleRef, read_sale_ref

        uuid = None
        if is_hub_code(text) and self.receipt_key is not None:  # the receipt's square code
            summary = read_hub_code(text, self.receipt_key)
            ref, uuid = SaleRef(summary.number, summary.lane_id), summary.uuid
        else:
            ref = read_sale_ref(text)
        if ref.lane_id is not None and ref.lane_id != self.lane.id:
            square = ", or scan the square code on the receipt" if self.receipt_key is not None else ""
            raise SaleError(
                f"This receipt is from lane {ref.lane_id}, and this till is lane {self.lane.id} ({self.lane.name}):"
                f" sale {ref.number} is kept at lane {ref.lane_id}; take it back or reprint it there{square}"
            )
        stored = self.find_sale(number=ref.number)
        if stored is None:
            raise SaleError(
                f"There is no sale number {ref.number} on this till ({self.lane.name}): check the number after No"
                " on the receipt"
            )
        if uuid is not None and stored.sale.uuid != uuid:
            raise SaleError(
                f"This receipt's code names sale {ref.number} of this lane, but not the sale this till holds under"
                " that number (was the store replaced?): tell the manager"
            )
        return stored

    def last_sale_number(self) -> int:
        """The newest sale's or return's number (0 before the first): numbers are gap-less per lane,
        so the sales made after a moment are the numbers above what this said then."""
        return last_number(self.connection)

    def sync_state_of(self, stored: StoredSale) -> str:
        """``done`` once OFN was read holding the sale, else ``pending`` or ``attention``."""
        return outbox_state(self.connection, stored.journal_seq)

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
        from appliance.reports.receipt import build_receipt

        original = self.find_sale(uuid=stored.sale.original_uuid) if stored.sale.original_uuid else None
        number, lane = (original.number, None) if original else _other_lanes_sale(stored.sale)
        labels = {method.code: method.label for method in self.payments}
        return build_receipt(
            stored,
            receipt_config,
            self.lane.name,
            fmt,
            labels,
            duplicate=duplicate,
            original_number=number,
            original_lane=lane,
            training=self.training,
            hub_code=self.hub_code(stored),
        )

    def hub_code(self, stored: StoredSale) -> str | None:
        """The signed code a sale's receipt carries, for a return at any lane of the hub (docs/channels.md);
        None for a return, without the hub's key, or for a sale too large to carry one."""
        if self.receipt_key is None or stored.sale.kind is not Kind.SALE:
            return None
        return sign(summarize(stored.sale, stored.number), self.receipt_key)

    # -- hand-over of online orders ------------------------------------------------------------

    def pickup_orders(self) -> list[PickupOrder]:
        from appliance.store.handovers import pickup_orders

        return pickup_orders(self.connection)

    def pickup_entries(self) -> list[PickupEntry]:
        """The pickup list with what this box handed over: the counter's pick-up screen."""
        from appliance.store.handovers import pickup_entries

        return pickup_entries(self.connection)

    def pickup_read_at(self) -> str | None:
        """When the pickup list was last read from OFN (UTC text): how fresh the list on screen is."""
        from appliance.store.handovers import pickup_read_at

        return pickup_read_at(self.connection)

    def new_handover(self, number: str, cashier: str) -> Handover:
        """Start handing over a customer's order from the pickup list the sync daemon keeps fresh.

        An order that already went out (from this box, or OFN shows it shipped) is refused here,
        before the cashier changes anything on it.
        """
        from appliance.core.handover import Handover, refuse_shipped
        from appliance.store.handovers import pickup_order, refuse_second_handover

        cashier = text.name(cashier, "The cashier's name")
        self._open_shift()
        order = pickup_order(self.connection, number)
        refuse_second_handover(self.connection, order.number, self._local)
        refuse_shipped(order)
        return Handover(
            order=order,
            lane_id=self.lane.id,
            channel=self.lane.channel,
            cashier=cashier,
            started_at=self.clock.now(),
        )

    def complete_handover(self, handover: Handover) -> CompletedHandover:
        """Seal the hand-over; once this returns it survives a crash and will reach OFN."""
        from appliance.store.handovers import record_handover

        completed = handover.complete(self.clock.now())
        with self._writing() as write:
            connection = write.connection
            shift = current_shift(connection, self.lane.id)
            record_handover(connection, self.key, completed, shift.id if shift else None, self._note(completed))
        return completed

    def handover_receipt(
        self, handover: CompletedHandover, receipt_config: dict[str, object], fmt: Formatter
    ) -> HandoverReceipt:
        """What the customer takes away on request: what changed and what was paid at the counter."""
        from appliance.reports.handover_receipt import build_handover_receipt

        labels = {method.code: method.label for method in self.payments}
        return build_handover_receipt(handover, receipt_config, self.lane.name, fmt, labels, training=self.training)

    def _local(self, utc: str) -> str:
        return parse_utc(utc).astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

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

    def return_draft(self, text: str, cashier: str, *, receipt_shown: bool | None = None) -> ReturnDraft:
        """Start taking goods back against the sale a receipt's code or number names.

        The channel's return rules decide first (docs/channels.md, "Returns"): whose sales, how old,
        and whether the receipt is needed. A code is the receipt itself; for a typed number the
        screen asks whether the customer shows it (``receipt_shown``; None: not asked). No basket is
        in progress when a return starts, so a changed channel file is taken up here, as at a sale.
        """
        from appliance.core.return_draft import ReturnDraft
        from appliance.core.returns import returnable

        self.reload_rules()
        original, number = self._original_of(text)
        rules = self.return_rules
        rules.check_channel(original.channel, self.lane.channel)
        rules.check_age(original.completed_at, self.clock.now(), self.zone)
        rules.check_receipt(bool(receipt_shown) if self.asks_for_receipt(text) else True)
        already = returned_so_far(self.connection, original.uuid)
        if not returnable(original, already):
            of = f" of lane {original.lane_id}" if original.lane_id != self.lane.id else ""
            raise SaleError(f"Everything sold on sale {number}{of} has been returned already")
        sale = self._start_return(original, cashier)
        refunded = refunded_so_far(self.connection, original.uuid)
        return ReturnDraft(original, number, already, refunded, sale, restock=rules.restock)

    def asks_for_receipt(self, text: str) -> bool:
        """Whether the cashier must say if the customer shows the receipt: a typed number, where
        the channel's returns need it (a scanned code is the receipt)."""
        return self.return_rules.receipt_required and text.strip().isdigit()

    def _original_of(self, text: str) -> tuple[CompletedSale, int]:
        """The sale a return gives back, and its number: this lane's by code or number, or another
        lane's from its receipt's hub code (checked under the hub's key, offline)."""
        if is_hub_code(text):
            if self.receipt_key is None:
                raise SaleError(
                    f"This till cannot read the hub's receipt codes ({self.no_hub_code}):"
                    " take the goods back at the lane that sold them"
                )
            summary = read_hub_code(text, self.receipt_key)
            if summary.lane_id != self.lane.id:
                names = variant_names(self.connection, (line.variant_id for line in summary.lines))
                labels = {rate.code: rate.label for rate in self.vat.values()}
                cash = frozenset(method.code for method in self.payments if method.is_cash)
                return as_sale(summary, names, labels, cash), summary.number
        stored = self.sale_by_code(text)  # this lane's: by its code, its square code or its number
        if stored.sale.kind is Kind.RETURN:
            first = self.find_sale(uuid=stored.sale.original_uuid) if stored.sale.original_uuid else None
            of = f" (of sale {first.number})" if first else ""
            raise SaleError(f"No {stored.number} is a return{of}, not a sale: scan the receipt of the sale itself")
        return stored.sale, stored.number

    def returnable(self, original: StoredSale) -> dict[int, Returned]:
        from appliance.core.returns import returnable

        return returnable(original.sale, returned_so_far(self.connection, original.sale.uuid))

    def new_return(self, original: StoredSale, cashier: str) -> Sale:
        self.reload_rules()
        return self._start_return(original.sale, cashier)

    def _start_return(self, original: CompletedSale, cashier: str) -> Sale:
        """A return of ``original`` in the open shift, sealed with the rules in force (as a sale)."""
        from appliance.core.returns import start_return

        cashier = text.name(cashier, "The cashier's name")
        self._open_shift()
        sale = start_return(
            original, lane_id=self.lane.id, channel=self.lane.channel, cashier=cashier, started_at=self.clock.now()
        )
        sale.rules_digest = self.rules.digest
        return sale

    def add_return_line(
        self, sale: Sale, original: StoredSale, line_no: int, *, quantity: int = 0, weight_g: int = 0
    ) -> Line:
        from appliance.core.returns import Returned, add_return_line

        already = returned_so_far(self.connection, original.sale.uuid).get(line_no, Returned())
        return add_return_line(sale, original.sale, line_no, already, quantity=quantity, weight_g=weight_g)

    # -- invoices and credit notes (the logic: store/invoices.py, reports/invoice*.py) ------------

    def customers(self, search: str = "", limit: int = 20) -> list[Customer]:
        """The hub's OFN customers and those typed here whose name, e-mail or code hold every word."""
        from appliance.store import customers as customer_list

        return customer_list.search(self.connection, search, limit)

    def invoice(self, sale_number: int, customer: Customer, cashier: str) -> Invoice:
        """Invoice a completed sale, now or later; asked again for the same customer: a numbered duplicate."""
        from appliance.core.invoice import seller_from_config
        from appliance.store import invoices

        cashier, seller = text.name(cashier, "The cashier's name"), seller_from_config(self.receipt_config)
        with self._writing() as write:
            connection = write.connection
            sealed, copy = invoices.make_invoice(connection, self.key, sale_number, customer, seller, cashier, self.now)
        return self._presented(sealed, copy)

    def invoice_for(self, sale_number: int) -> Invoice | None:
        """The invoice of a sale, if it has one (a return of it then gets a credit note)."""
        from appliance.core.invoice import INVOICE
        from appliance.store import invoices

        return self._maybe(invoices.of_sale(self.connection, sale_number, INVOICE))

    def credit_note_for(self, return_number: int) -> Invoice | None:
        """The credit note a return of an invoiced sale got when it was completed."""
        from appliance.core.invoice import CREDIT_NOTE
        from appliance.store import invoices

        return self._maybe(invoices.of_sale(self.connection, return_number, CREDIT_NOTE))

    def find_invoice(self, number: str) -> Invoice | None:
        """An invoice or credit note by its printed number (``INV-1-000042``, ``CN-1-000003``) or ``42``."""
        from appliance.core.invoice import INVOICE, parse_label
        from appliance.store import invoices

        kind, value = parse_label(number, self.lane.id)
        return self._maybe(invoices.find_document(self.connection, kind or INVOICE, value))

    def duplicate_invoice(self, invoice: Invoice, cashier: str) -> Invoice:
        """The same invoice or credit note handed out again, marked and numbered as a duplicate."""
        from appliance.store import invoices

        cashier = text.name(cashier, "The cashier's name")
        with self._writing() as write:
            connection = write.connection
            sealed, copy = invoices.copy_of(connection, self.key, self.lane.id, invoice, cashier, self.now)
        return self._presented(sealed, copy)

    def invoices(self, limit: int = 50) -> list[Invoice]:
        """The newest invoices and credit notes, newest first."""
        from appliance.store import invoices as documents

        return [self._presented(sealed) for sealed in documents.recent_documents(self.connection, limit)]

    def invoice_document(self, invoice: Invoice, columns: int = 42) -> Document:
        from appliance.reports.invoice_document import invoice_document

        return invoice_document(invoice, self.fmt, columns)

    def invoice_pdf(self, invoice: Invoice) -> bytes:
        from appliance.reports.invoice_pdf import invoice_pdf

        return invoice_pdf(invoice, self.fmt)

    def _presented(self, sealed: SealedDocument, duplicate: int = 0) -> Invoice:
        from appliance.reports.invoice import present

        labels = {method.code: method.label for method in self.payments}
        return present(self.connection, sealed, self.lane.name, labels, duplicate=duplicate, training=self.training)

    def _maybe(self, sealed: SealedDocument | None) -> Invoice | None:
        return self._presented(sealed) if sealed is not None else None

    # -- people and PINs (the logic: store/people.py, core/pins.py, core/lockout.py) ---------------

    def people(self) -> list[Person]:
        return people.everyone(self.connection)

    def has_people(self) -> bool:
        """Whether anyone can log in; until the first manager is added the till asks no PIN."""
        return people.has_people(self.connection)

    def new_person_name(self, name: str, instead: str = CHANGE_THE_PIN) -> str:
        """``name`` as a new person's name, checked before their role and PIN are asked: refused when
        someone active has it already, whatever the case of its letters (``add_person`` refuses it too)."""
        name = text.name(name, "The name")
        people.refuse_active(people.find(self.connection, name), instead)
        return name

    def add_person(self, name: str, role: str, pin: str, by: str) -> Person:
        """Add someone who may use the till (or bring back someone disabled) with their PIN."""
        people.refuse_taken_pin(self.connection, self.key, pin, name)
        pin_hash = people.new_hash(pin)  # scrypt outside the write transaction
        with self._writing() as write:
            connection = write.connection
            return people.add_person(connection, self.key, self.lane.id, name, role, pin_hash, by, self.clock.now())

    def disable_person(self, name: str, by: str) -> Person:
        with self._writing() as write:
            connection = write.connection
            return people.disable_person(connection, self.key, self.lane.id, name, by, self.clock.now())

    def change_pin(self, name: str, pin: str, by: str) -> Person:
        people.refuse_taken_pin(self.connection, self.key, pin, name)
        pin_hash = people.new_hash(pin)
        with self._writing() as write:
            connection = write.connection
            return people.change_pin(connection, self.key, self.lane.id, name, pin_hash, by, self.clock.now())

    def log_in(self, pin: str, now: Tick, *, manager: bool = False) -> Person:
        """Who this PIN is (PinLocked, PinRefused, PinError otherwise): the PIN screen's one call."""
        return people.log_in(self.db, self.key, pin, now, manager=manager)

    def pin_lock_left(self, now: Tick) -> float:
        return people.lock_left(self.db, now)

    def record_no_sale(self, cashier: str, allowed_by: str) -> None:
        """The drawer opened without a sale, as a manager allowed: a journal entry (``no_sale``)."""
        cashier = text.name(cashier, "The cashier's name")
        with self._writing() as write:
            connection = write.connection
            shift = current_shift(connection, self.lane.id)
            record = {"shift_id": shift.id if shift else None, "cashier": cashier, "allowed_by": allowed_by}
            ref = str(shift.id) if shift else ""
            journal_store.append(connection, self.key, self.lane.id, "no_sale", ref, record, self.clock.now())

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
        self._refuse_if_troubled()
        return WitnessedWrite(self.db, self._witness_writer)

    def _refuse_if_troubled(self) -> None:
        if self.store_trouble is not None:
            raise StoreError(
                f"Nothing was saved: {self.path.name} went bad while the till ran; call support, then restart the till"
            )

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


def _other_lanes_sale(sale: CompletedSale) -> tuple[int | None, int | None]:
    """The number and lane of another lane's sale a return gave back, as its lines name it."""
    for line in sale.lines:
        if line.returns is not None and line.returns.lane_id is not None:
            return line.returns.number, line.returns.lane_id
    return None, None


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("ofn-checkout")
    except metadata.PackageNotFoundError:
        return "unknown"


SQLITE_HEADER = b"SQLite format 3\x00"


def file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of the store's file, to tell it from a file put in its place later."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


def overwritten(path: Path) -> str | None:
    """Why the file at ``path`` no longer starts as an SQLite database, or None. SQLite itself would
    not say so while the pages it needs are in its cache and no other writer committed."""
    try:
        with path.open("rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError:
        return None  # said by the read that follows
    if header == SQLITE_HEADER:
        return None
    return f"{path} is no longer an SQLite database (its first bytes were overwritten): {REFUSED}"


def replaced(path: Path, identity: tuple[int, int] | None) -> str | None:
    """Why the file at ``path`` is no longer the one the till opened, or None."""
    now = file_identity(path)
    if identity is None or now is None or now == identity:
        return None
    return (
        f"{path} was replaced by another file while the till had it open: restart the till, which opens"
        " and checks the file now in place"
    )
