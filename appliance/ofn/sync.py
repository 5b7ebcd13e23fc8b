"""The sync engine: every sale reaches OFN exactly once in effect, by reconciling orders by state.

OFN's ``add``/``remove`` are not idempotent and an answer can be lost after the change was
applied, so the engine never repeats a change blindly. For each order it changes and each variant,
it keeps what the order must hold (``base`` + the box's own changes) and what OFN was last seen to
hold (``acked``); a pass reads the order, sends only the difference, and reads again. A change
whose answer was lost is recognised on the next read (applied, or not). A person's edit in OFN is
neither overwritten nor counted twice: the engine rebases on it and records it. docs/sync.md tells
the whole story, with the states a manager sees.

Every local step is its own short transaction, so a sale commit never waits on the network, and a
kill at any point leaves a state the next pass finishes from.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from appliance.core.clock import Clock, parse_utc, utc_text
from appliance.core.handover import SETTLED
from appliance.core.money import from_cents
from appliance.ofn.client import NotFound, OfnClient, OfnError, OfnUnavailable, Order, Refused
from appliance.ofn.refresh import store_pickup
from appliance.store.database import Database, named, write_transaction
from appliance.store.sync_state import FOLDED_KINDS, OPEN_ROWS, folded_up_to, settled, target_of

log = logging.getLogger(__name__)

FOLD_BATCH = 500
NOTHING_ADDED = "OFN answered but added nothing (out of stock in OFN?): correct the stock, then `sync retry`"
GIVE_UP_AFTER = 3  # consecutive failed sends before a pass stops talking to an OFN that is down


@dataclass
class PassResult:
    """What one pass did, for the status row, the CLI and the benchmark."""

    folded: int = 0
    sent: int = 0
    done: int = 0
    parked: int = 0
    rebased: int = 0
    errors: list[str] = field(default_factory=list)


class SyncEngine:
    def __init__(self, db: Database, client: OfnClient, clock: Clock, counter_order: str, *, in_doubt_s: int = 240):
        self.db = db
        self.client = client
        self.clock = clock
        self.counter_order = counter_order
        self.in_doubt = timedelta(seconds=in_doubt_s)

    # -- outbox -> lines -----------------------------------------------------------------------

    def fold(self) -> int:
        """Move committed sales and hand-overs into their orders' targets, a batch at a time.

        Sales and returns go to the lane's counter order, a hand-over to the customer's order.
        Folding and marking the rows folded happen in one transaction: a row is counted once.
        """
        folded = 0
        last = self.db.conn.execute("SELECT max(id) FROM outbox").fetchone()[0] or 0
        while True:  # up to the rows committed when the pass began: a busy till cannot hold it here
            with write_transaction(self.db) as conn:
                rows = (
                    named(conn)
                    .execute(
                        "SELECT id, kind, payload FROM outbox WHERE id > ? AND id <= ? AND folded_into IS NULL"
                        f" AND status = 'pending' AND kind IN {FOLDED_KINDS} ORDER BY id LIMIT ?",
                        (folded_up_to(conn), last, FOLD_BATCH),
                    )
                    .fetchall()
                )
                if not rows:
                    return folded
                orders: dict[str, str] = {}
                deltas: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0])
                marks = []
                for row in rows:
                    payload = json.loads(row["payload"])
                    number = payload["order"] if row["kind"] == "pickup" else self.counter_order
                    orders[number] = "pickup" if row["kind"] == "pickup" else "counter"
                    marks.append((number, row["id"]))
                    for change in payload["variants"]:
                        delta = deltas[(number, change["variant_id"])]
                        delta[0] += change["quantity"] if not change["weight_g"] else 0
                        delta[1] += change["weight_g"]
                conn.executemany("INSERT OR IGNORE INTO sync_order (number, kind) VALUES (?, ?)", list(orders.items()))
                for (number, variant_id), (units, grams) in deltas.items():
                    unit = named(conn).execute("SELECT unit_grams FROM variant WHERE id = ?", (variant_id,)).fetchone()
                    conn.execute(
                        "INSERT INTO sync_line (order_number, variant_id, unit_grams, own_units, own_grams)"
                        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (order_number, variant_id) DO UPDATE SET"
                        " own_units = own_units + excluded.own_units, own_grams = own_grams + excluded.own_grams",
                        (number, variant_id, unit[0] if unit else None, units, grams),
                    )
                conn.executemany("UPDATE outbox SET folded_into = ? WHERE id = ?", marks)
                folded += len(rows)

    # -- one order, by state -------------------------------------------------------------------

    def reconcile(self, number: str, kind: str, result: PassResult) -> None:
        if not self._needs_pass(number):
            return
        order = self.client.order(number)
        self._observe(number, order.quantities(), result)
        to_send = self._plan(number, result)
        answered: set[int] = set()
        unsent = {variant_id for variant_id, _ in to_send}  # known not to have reached OFN
        shipment = self._shipment(number)
        failures = 0
        for variant_id, delta in to_send:
            unsent.discard(variant_id)
            try:
                if delta > 0:
                    shipment = self.client.add(number, variant_id, delta, shipment)
                    self._learn_shipment(number, shipment)
                else:
                    if shipment is None:
                        shipment = self._discover_shipment(number, variant_id, delta)
                        delta -= 1
                    self.client.remove(number, shipment, variant_id, -delta, restock=True)
                answered.add(variant_id)
                result.sent += 1
            except Refused as refused:
                self._park(number, variant_id, f"{refused.message}: correct it in OFN, then run `sync retry`")
                result.parked += 1
            except NotFound as missing:
                if delta > 0:
                    self._park(number, variant_id, f"OFN does not know variant {variant_id} ({missing.message})")
                    result.parked += 1
                answered.add(variant_id)
            except OfnError as error:
                if not error.transient:
                    raise
                if isinstance(error, OfnUnavailable) and not error.may_apply_later:
                    unsent.add(variant_id)  # over, or never arrived: the read below tells which
                result.errors.append(str(error))
                failures += 1
                if failures >= GIVE_UP_AFTER:
                    break  # the road is down: the next read tells what arrived
                continue
            failures = 0
        if to_send:
            order = self.client.order(number)
            self._observe(number, order.quantities(), result, answered, unsent)
        finished = self._finish_pickup(order, result) if kind == "pickup" else True
        result.done += self._mark_done(number, finished)

    def _needs_pass(self, number: str) -> bool:
        for line in (
            named(self.db.conn)
            .execute("SELECT * FROM sync_line WHERE order_number = ? AND attention IS NULL", (number,))
            .fetchall()
        ):
            if line["base"] is None or not settled(line):
                return True
        return (
            named(self.db.conn)
            .execute(
                f"SELECT 1 FROM outbox WHERE folded_into = ? AND {OPEN_ROWS} AND status = 'pending' LIMIT 1", (number,)
            )
            .fetchone()
            is not None
        )

    def _observe(
        self,
        number: str,
        held: dict[int, int],
        result: PassResult,
        answered: frozenset[int] | set[int] = frozenset(),
        unsent: frozenset[int] | set[int] = frozenset(),
    ) -> None:
        """Record what OFN holds; tell our own changes, applied or not, from a person's edit.

        ``answered``: variants whose change OFN answered in this pass; ``unsent``: variants whose
        change is known not to be pending anywhere (never sent, or OFN's application answered).
        Any other change with ``inflight`` is *in doubt*: OFN may still apply it until
        ``in_doubt_s`` after it was sent, so a read that does not show it yet decides nothing.
        """
        now = self.clock.now()
        at = utc_text(now)
        with write_transaction(self.db) as conn:
            for line in named(conn).execute("SELECT * FROM sync_line WHERE order_number = ?", (number,)).fetchall():
                variant_id, now_held = line["variant_id"], held.get(line["variant_id"], 0)
                if line["base"] is None:
                    conn.execute(
                        "UPDATE sync_line SET base = ?, acked = ? WHERE order_number = ? AND variant_id = ?",
                        (now_held, now_held, number, variant_id),
                    )
                    continue
                if line["inflight"] > 0 and now_held == line["acked"] and variant_id in answered:
                    _set_attention(conn, at, number, variant_id, NOTHING_ADDED)  # OFN said yes, did nothing
                    result.parked += 1
                    continue
                expected = self._expected(line, now_held, variant_id in answered or variant_id in unsent, now)
                if expected is None:
                    continue  # in doubt: neither resent nor taken for a person's edit, until settled
                if now_held != expected:
                    drift = now_held - expected
                    conn.execute(
                        "UPDATE sync_line SET base = base + ? WHERE order_number = ? AND variant_id = ?",
                        (drift, number, variant_id),
                    )
                    detail = (
                        f"OFN holds {now_held}, the box expected {expected}: someone changed the order by hand;"
                        f" kept their change ({drift:+d})"
                    )
                    _event(conn, at, number, variant_id, "rebased", detail, drift)
                    result.rebased += 1
                conn.execute(
                    "UPDATE sync_line SET acked = ?, inflight = 0, sent_at = NULL"
                    " WHERE order_number = ? AND variant_id = ?",
                    (now_held, number, variant_id),
                )

    def _expected(self, line: sqlite3.Row, held: int, over: bool, now: datetime) -> int | None:
        """What OFN should hold given our own changes; None while that cannot be known yet.

        Our change is in OFN when the read shows it. When it does not, and the request is ``over``
        (OFN answered it, or it never left), what the read shows is all it did. Otherwise it is in
        doubt: it may still land, so nothing is decided until its window has passed. Past the
        window OFN can no longer apply it; a difference that is not exactly our change is then a
        person's, counted from what OFN held after our change if it plainly landed, else before.
        """
        acked, inflight = line["acked"], line["inflight"]
        if not inflight or held == acked + inflight:
            return acked + inflight
        if over:
            return acked
        if line["sent_at"] is None or now < parse_utc(line["sent_at"]) + self.in_doubt:
            return None
        landed = (held - acked) * inflight > 0 and abs(held - acked) >= abs(inflight)
        return acked + inflight if landed else acked

    def _plan(self, number: str, result: PassResult) -> list[tuple[int, int]]:
        """Decide each difference and write it down as in flight before anything is sent.

        A line whose last change is still in doubt gets nothing new: one change at a time per
        line, so that a read can always tell ours from a person's.
        """
        plan = []
        sent_at = utc_text(self.clock.now())
        with write_transaction(self.db) as conn:
            for line in (
                named(conn)
                .execute(
                    "SELECT * FROM sync_line WHERE order_number = ? AND attention IS NULL ORDER BY variant_id",
                    (number,),
                )
                .fetchall()
            ):
                target = target_of(line)
                if target < 0:
                    reason = (
                        f"the box would take off more than order {number} holds (it would hold {target}):"
                        " it changed in OFN meanwhile, or returns exceed the sales; correct it in OFN,"
                        " then `sync retry`"
                    )
                    _set_attention(conn, utc_text(self.clock.now()), number, line["variant_id"], reason)
                    result.parked += 1
                    continue
                if line["inflight"]:
                    continue  # in doubt (see _expected): settled by a later read
                delta = target - line["acked"]
                if delta:
                    conn.execute(
                        "UPDATE sync_line SET inflight = ?, sent_at = ? WHERE order_number = ? AND variant_id = ?",
                        (delta, sent_at, number, line["variant_id"]),
                    )
                    plan.append((line["variant_id"], delta))
        return plan

    def _park(self, number: str, variant_id: int, reason: str) -> None:
        with write_transaction(self.db) as conn:
            _set_attention(conn, utc_text(self.clock.now()), number, variant_id, reason)

    def _mark_done(self, number: str, finished: bool) -> int:
        """Rows are done only when a read showed every variant they touch at its target.

        A hand-over's row also waits for ``finished``: OFN shows the order paid and shipped.
        """
        with write_transaction(self.db) as conn:
            lines = named(conn).execute("SELECT * FROM sync_line WHERE order_number = ?", (number,)).fetchall()
            at_target = {line["variant_id"] for line in lines if settled(line)}
            parked = {line["variant_id"]: line["attention"] for line in lines if line["attention"] is not None}
            done = 0
            now = utc_text(self.clock.now())
            for row in (
                named(conn)
                .execute(
                    f"SELECT id, kind, payload, status FROM outbox WHERE folded_into = ? AND {OPEN_ROWS}",
                    (number,),
                )
                .fetchall()
            ):
                variants = {change["variant_id"] for change in json.loads(row["payload"])["variants"]}
                if variants <= at_target and (finished or row["kind"] != "pickup"):
                    conn.execute("UPDATE outbox SET status = 'done', updated_at = ? WHERE id = ?", (now, row["id"]))
                    done += 1
                elif reasons := [parked[v] for v in sorted(variants) if v in parked]:
                    conn.execute(
                        "UPDATE outbox SET status = 'attention', last_error = ?, updated_at = ? WHERE id = ?",
                        (reasons[0], now, row["id"]),
                    )
            return done

    # -- a hand-over: payment, note and "picked up", each done by reading OFN's state first --------

    def _finish_pickup(self, order: Order, result: PassResult) -> bool:
        """Bring a handed-over order to paid, noted and shipped; True once a read shows it so.

        None of the three calls is a blind repeat: capture only while OFN shows a pending payment
        that what the counter collected covers, ship only a ready shipment, and the note is set
        (not appended) to the same text. A lost answer is settled by the next read. What the API
        cannot do (record a payment) is parked for the manager with the amount to enter.
        """
        rows = [
            json.loads(row[0])
            for row in self.db.conn.execute(
                f"SELECT payload FROM outbox WHERE folded_into = ? AND {OPEN_ROWS} AND kind = 'pickup'"
                " AND status = 'pending' ORDER BY id",
                (order.number,),
            )
        ]
        lines = named(self.db.conn).execute("SELECT * FROM sync_line WHERE order_number = ?", (order.number,))
        if not rows or not all(settled(line) for line in lines):
            return False
        if order.state == "canceled":
            self._park_rows(order.number, f"order {order.number} was canceled in OFN after it was handed over")
            result.parked += 1
            return False
        due = sum(row["due"] for row in rows)
        self._write_note(order.number, "; ".join(row["note"] for row in rows))
        if due and order.payment_state not in SETTLED and order.pending_payment is not None:
            if order.pending_payment <= due:
                try:
                    self.client.capture(order.number)
                except Refused as refused:
                    log.info("capture of %s refused: %s", order.number, refused.message)
                order = self.client.order(order.number)
        if order.payment_state not in SETTLED:
            self._park_rows(
                order.number,
                f"OFN shows {from_cents(order.balance)} still due on order {order.number}, and the customer"
                f" paid {from_cents(due)} at the counter (see the order's note): record the payment in OFN"
                " (the order's Payments), then `sync retry`",
            )
            result.parked += 1
            return False
        if order.shipment_state == "ready":
            self.client.ship(order.number)
            order = self.client.order(order.number)
        store_pickup(self.db, order, utc_text(self.clock.now()))
        return order.shipment_state == "shipped"

    def _write_note(self, number: str, note: str) -> None:
        """OFN never returns an order's note, so the box remembers the one it wrote last."""
        if self.db.conn.execute("SELECT note FROM sync_order WHERE number = ?", (number,)).fetchone()[0] == note:
            return
        self.client.set_note(number, note)
        with write_transaction(self.db) as conn:
            conn.execute("UPDATE sync_order SET note = ? WHERE number = ?", (note, number))

    def _park_rows(self, number: str, reason: str) -> None:
        at = utc_text(self.clock.now())
        with write_transaction(self.db) as conn:
            conn.execute(
                "UPDATE outbox SET status = 'attention', last_error = ?, updated_at = ?"
                f" WHERE folded_into = ? AND {OPEN_ROWS} AND kind = 'pickup' AND status = 'pending'",
                (reason, at, number),
            )
            _event(conn, at, number, None, "parked", reason)

    # -- shipments: OFN's orders have one, known by its number -----------------------------------

    def _shipment(self, number: str) -> str | None:
        row = named(self.db.conn).execute("SELECT shipment FROM sync_order WHERE number = ?", (number,)).fetchone()
        return row[0] if row else None

    def _learn_shipment(self, number: str, shipment: str) -> None:
        with write_transaction(self.db) as conn:
            conn.execute("UPDATE sync_order SET shipment = ? WHERE number = ?", (shipment, number))

    def _discover_shipment(self, number: str, variant_id: int, delta: int) -> str:
        """OFN shows an order's shipment number only in the answer to an add.

        A removal that comes first adds one piece, learns the number, and takes the piece back
        with the rest. The piece is in flight on its own, so a crash in between is settled by the
        next read like any other change.
        """
        with write_transaction(self.db) as conn:
            conn.execute(
                "UPDATE sync_line SET inflight = 1 WHERE order_number = ? AND variant_id = ?", (number, variant_id)
            )
        shipment = self.client.add(number, variant_id, 1, None)
        self._learn_shipment(number, shipment)
        with write_transaction(self.db) as conn:
            conn.execute(
                "UPDATE sync_line SET acked = acked + 1, inflight = ? WHERE order_number = ? AND variant_id = ?",
                (delta - 1, number, variant_id),
            )
        return shipment

    # -- a pass ---------------------------------------------------------------------------------

    def drain(self) -> PassResult:
        result = PassResult()
        result.folded = self.fold()
        orders = self.db.conn.execute("SELECT number, kind FROM sync_order ORDER BY kind, number").fetchall()
        for number, kind in orders:
            self.reconcile(number, kind, result)
        self.settle_retired(result)
        return result

    def settle_retired(self, result: PassResult) -> None:
        """Settle in OFN each counter order the box no longer sells into, once its last sale is in.

        OFN keeps an order's first pending payment equal to its balance, so the payment a manager
        adds once to a new counter order follows the takings; capturing it when the box has moved
        to the next counter order settles the old one exactly. Only a read decides: capture while
        a read shows that payment pending and equal to the balance, and count the order settled
        when a read shows it paid. Without such a payment, the manager records it in OFN.
        """
        retired = self.db.conn.execute(
            "SELECT number FROM sync_order WHERE kind = 'counter' AND number != ? AND settled_at IS NULL"
            " ORDER BY number",
            (self.counter_order,),
        ).fetchall()
        for (number,) in retired:
            if self._needs_pass(number):
                continue  # its last sales are still on their way
            try:
                order = self.client.order(number)
                if order.payment_state not in SETTLED and order.balance > 0 and order.pending_payment == order.balance:
                    self.client.capture(number)
                    order = self.client.order(number)
            except OfnError as error:
                if not error.transient:
                    raise
                result.errors.append(str(error))
                continue  # the next pass reads it again
            if order.payment_state in SETTLED:
                detail = f"order {number} is paid in OFN ({from_cents(order.paid)}): the box has moved on from it"
                kind = "settled"
            else:
                detail = (
                    f"OFN shows {from_cents(order.balance)} still due on the old counter order {number}, with no"
                    " pending payment that equals it: record its payment in OFN (the order's Payments)"
                )
                kind = "parked"
                result.parked += 1
            with write_transaction(self.db) as conn:
                conn.execute(
                    "UPDATE sync_order SET settled_at = ? WHERE number = ?", (utc_text(self.clock.now()), number)
                )
                _event(conn, utc_text(self.clock.now()), number, None, kind, detail)


def _event(
    conn: sqlite3.Connection,
    at: str,
    number: str,
    variant_id: int | None,
    kind: str,
    detail: str,
    drift: int | None = None,
) -> None:
    conn.execute(
        "INSERT INTO sync_event (at, order_number, variant_id, kind, detail, drift) VALUES (?, ?, ?, ?, ?, ?)",
        (at, number, variant_id, kind, detail, drift),
    )


def _set_attention(conn: sqlite3.Connection, at: str, number: str, variant_id: int, reason: str) -> None:
    """Park one variant of one order: nothing more is sent for it until a manager retries."""
    conn.execute(
        "UPDATE sync_line SET inflight = 0, attention = ? WHERE order_number = ? AND variant_id = ?",
        (reason, number, variant_id),
    )
    _event(conn, at, number, variant_id, "parked", reason)
