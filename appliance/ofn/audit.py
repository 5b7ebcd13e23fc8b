"""``sync audit``: what OFN holds, checked against what the sealed journal says it must hold.

The sync engine's own bookkeeping (the outbox's statuses, ``sync_line``'s counts) is what the
audit must not trust: an outbox row marked done by mistake or by hand would otherwise hide a sale
that never reached OFN. So the quantities expected come from the journal itself (sales, returns,
hand-overs), each entry counted into the order its outbox row was folded into, or into the
lane's counter order while it waits. Only what OFN held before the box first touched an order
(``base``) and the people's edits the engine recorded come from the sync tables, and each
difference found is given its likely cause:

- ``ok``: OFN holds what the journal says (a person's edit kept is named, and counts as explained);
- ``person``: OFN changed since the box last read it (a person's edit the next pass will keep);
- ``waiting``, ``parked``, ``in doubt``: the box knows it has not got there yet, and why;
- ``unexplained``: none of those; ``sync audit`` exits 1 and the daemon raises "needs attention".

Money: for each counter order, OFN's total against what the box took for it, broken down to the
cent into what OFN's API cannot carry (counter discounts and price changes, weighed-goods
rounding), people's edits, what is still on its way, and fees and adjustments OFN added.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from appliance.core.ofn_scope import left_out_of_ofn
from appliance.core.text import counted
from appliance.ofn.client import NotFound, OfnClient, Order
from appliance.store.database import named
from appliance.store.sync_state import SALE_KINDS, units_of

NOT_OURS = "not the box's: on the order in OFN only"


@dataclass
class Expected:
    """What the journal puts on one order for one variant."""

    pieces: int = 0
    grams: int = 0
    amount: int = 0  # cents the box took for them (sales minus refunds; 0 for hand-overs)
    open_rows: int = 0  # of those entries, how many the outbox has not marked done
    unfolded_done: int = 0  # entries marked done in the outbox but never folded into an order


@dataclass(frozen=True)
class LineAudit:
    variant_id: int
    expected: int  # what the order must hold, by the journal (and what it held before the box)
    held: int  # what OFN holds
    cause: str
    detail: str
    sold: int = 0  # of ``expected``, what the box's own journal entries put on the order


@dataclass(frozen=True)
class Money:
    """An order's total in OFN against the box's takings for it, in cents; the parts add up exactly."""

    ofn_total: int
    box_took: int
    discounts_and_price_changes: int  # OFN's price for what was sold, minus what the box charged
    weighed_rounding: int  # OFN holds whole units of weighed goods; the box sold grams
    people_edits: int
    not_yet_in_ofn: int  # waiting, parked or in doubt (negative: OFN holds less than the journal)
    before_the_box: int  # what the order held when the box first read it
    fees_and_adjustments: int  # what OFN adds on top of its lines (enterprise fees, shipping, …)
    unexplained: int


@dataclass(frozen=True)
class OrderAudit:
    number: str
    kind: str
    lines: tuple[LineAudit, ...]
    money: Money | None = None

    @property
    def unexplained(self) -> int:
        return sum(line.cause == "unexplained" for line in self.lines) + bool(self.money and self.money.unexplained)


@dataclass(frozen=True)
class StockMove:
    """One variant across every order the box changed: what the box took off the shelf, by its
    journal, against what those orders moved in OFN's stock (OFN moves stock only with the lines
    of its orders, so this is the box's part of OFN's stock movement; people's edits excluded)."""

    variant_id: int
    box: int
    ofn: int


@dataclass(frozen=True)
class Audit:
    orders: tuple[OrderAudit, ...] = field(default_factory=tuple)
    problems: tuple[str, ...] = ()  # orders that could not be read

    @property
    def stock(self) -> tuple[StockMove, ...]:
        moved: dict[int, list[int]] = defaultdict(lambda: [0, 0])
        for order in self.orders:
            for line in order.lines:
                if line.detail == NOT_OURS:
                    continue
                moved[line.variant_id][0] += line.sold
                moved[line.variant_id][1] += line.held - (line.expected - line.sold)
        return tuple(StockMove(variant_id, box, ofn) for variant_id, (box, ofn) in sorted(moved.items()))

    @property
    def unexplained(self) -> int:
        return sum(order.unexplained for order in self.orders) + len(self.problems)

    def as_record(self) -> dict[str, object]:
        record = asdict(self)
        record["unexplained"] = self.unexplained
        record["stock"] = [asdict(move) for move in self.stock]
        return record


def audit(conn: sqlite3.Connection, client: OfnClient, counter_order: str) -> Audit:
    """Read every order the box has changed and compare it, variant by variant, with the journal."""
    expected = journal_expectations(conn, counter_order)
    kinds = dict(conn.execute("SELECT number, kind FROM sync_order").fetchall())
    if counter_order:
        kinds.setdefault(counter_order, "counter")
    orders, problems = [], []
    for number in sorted(set(expected) | set(kinds)):
        try:
            ofn = client.order(number)
        except NotFound as missing:  # one order gone must not hide the others
            problems.append(f"order {number} is not in OFN ({missing.message}): every sale on it is missing there")
            continue
        orders.append(_order_audit(conn, number, kinds.get(number, "counter"), expected.get(number, {}), ofn))
    return Audit(tuple(orders), tuple(problems))


def journal_expectations(conn: sqlite3.Connection, counter_order: str) -> dict[str, dict[int, Expected]]:
    """Order -> variant -> what the sealed journal puts on it (the outbox only says which order)."""
    found: dict[str, dict[int, Expected]] = defaultdict(lambda: defaultdict(Expected))
    # Only the lines that change what OFN holds, as the outbox counted them (core/ofn_scope.py): not a
    # shelf-only item, nor damaged goods given back (they stay sold in the counter order). Each line
    # through its sale's own outbox row: a sale paid by customer credit has a second, the posting.
    lines = conn.execute(
        "SELECT o.folded_into, o.status, l.variant_id, l.quantity, l.weight_g, l.amount, l.voided, l.shelf,"
        " l.damaged FROM sale_line AS l JOIN outbox AS o ON o.journal_seq = l.sale_id"
        f" WHERE o.kind IN {SALE_KINDS}"
    )
    sales = [row[:6] for row in lines if left_out_of_ofn(voided=row[6], shelf=row[7], damaged=row[8]) is None]
    handovers = conn.execute(
        "SELECT o.folded_into, o.status, json_extract(c.value, '$.variant_id'), json_extract(c.value, '$.quantity'),"
        " 0, 0, json_extract(j.payload, '$.order')"
        " FROM journal AS j JOIN outbox AS o ON o.journal_seq = j.seq, json_each(j.payload, '$.changes') AS c"
        " WHERE j.kind = 'handover'"
    )
    rows = [(*row, None) for row in sales] + list(handovers)
    for folded_into, status, variant_id, quantity, grams, amount, pickup in rows:
        number = folded_into or pickup or counter_order
        line = found[number][int(variant_id)]
        line.pieces += 0 if grams else int(quantity)
        line.grams += int(grams or 0)
        line.amount += int(amount or 0)
        line.open_rows += status != "done"
        line.unfolded_done += folded_into is None and status == "done"
    return found


def _order_audit(
    conn: sqlite3.Connection, number: str, kind: str, expected: dict[int, Expected], ofn: Order
) -> OrderAudit:
    held = ofn.quantities()
    prices = {line.variant_id: line.price for line in ofn.lines}
    sync = {
        row["variant_id"]: row
        for row in named(conn).execute("SELECT * FROM sync_line WHERE order_number = ?", (number,))
    }
    drifts = dict(
        conn.execute(
            "SELECT variant_id, sum(drift) FROM sync_event WHERE order_number = ? AND kind = 'rebased'"
            " GROUP BY variant_id",
            (number,),
        ).fetchall()
    )
    units = dict(conn.execute("SELECT id, unit_grams FROM variant").fetchall())
    fees = dict(conn.execute("SELECT id, fee FROM variant WHERE fee != 0").fetchall())
    lines = []
    money = _MoneyParts()
    for variant_id in sorted(set(expected) | set(sync)):
        wanted = expected.get(variant_id, Expected())
        line = sync.get(variant_id)
        drift = int(drifts.get(variant_id) or 0)
        base = int(line["base"]) if line is not None and line["base"] is not None else 0
        unit = (line["unit_grams"] if line is not None else None) or units.get(variant_id)
        sold = wanted.pieces + units_of(wanted.grams, unit)
        must = base + sold
        now = held.get(variant_id, 0)
        cause, detail = _cause(line, wanted, must, now, drift)
        lines.append(LineAudit(variant_id, must, now, cause, detail, sold))
        fee = fees.get(variant_id, 0)
        price = prices[variant_id] + fee if variant_id in prices else _catalogue_price(conn, variant_id, unit)
        money.add(price, fee if variant_id in prices else 0, wanted, unit, sold, base - drift, drift, now - must)
    for variant_id in sorted(set(held) - set(expected) - set(sync)):
        lines.append(LineAudit(variant_id, held[variant_id], held[variant_id], "ok", NOT_OURS))
        money.before += Decimal(prices.get(variant_id, 0)) * held[variant_id]
    return OrderAudit(number, kind, tuple(lines), money.result(ofn) if kind == "counter" else None)


def _cause(line: sqlite3.Row | None, wanted: Expected, must: int, now: int, drift: int) -> tuple[str, str]:
    if wanted.unfolded_done:
        return (
            "unexplained",
            f"{wanted.unfolded_done} journal entr(y/ies) marked done in the outbox but never sent to OFN"
            " (the outbox was changed by hand?): mark them pending again and run `sync retry`",
        )
    if now == must:
        return ("ok", f"a person's edit kept ({drift:+d})" if drift else "")
    if line is not None and line["attention"] is not None:
        return ("parked", line["attention"])
    if line is not None and line["inflight"]:
        return ("in doubt", f"a change of {line['inflight']:+d} was sent without an answer; the next reads settle it")
    if wanted.open_rows:
        return ("waiting", f"{counted(wanted.open_rows, 'sale')} not yet in OFN: the daemon sends them")
    if line is not None and line["acked"] is not None and now != line["acked"]:
        return ("person", f"OFN changed since the box last read it ({now - line['acked']:+d}): a person's edit?")
    return ("unexplained", f"OFN holds {now}, the journal says {must}: nothing the box knows explains it")


def _catalogue_price(conn: sqlite3.Connection, variant_id: int, unit: int | None) -> int:
    """OFN's price for one unit, when the order has no line of it: the catalogue's (per kg for weighed)."""
    row = conn.execute("SELECT price FROM variant WHERE id = ?", (variant_id,)).fetchone()
    if row is None:
        return 0
    return int(Decimal(row[0]) * unit / 1000) if unit else int(row[0])


@dataclass
class _MoneyParts:
    """Exact (fractional-cent) sums, rounded once at the end so that the parts add up."""

    took: int = 0
    line_fees: int = 0  # the per-item fees the box's prices include, on what OFN holds
    discounts: Decimal = Decimal(0)
    rounding: Decimal = Decimal(0)
    people: Decimal = Decimal(0)
    waiting: Decimal = Decimal(0)
    before: Decimal = Decimal(0)

    def add(
        self, price: int, fee: int, wanted: Expected, unit: int | None, sold: int, before: int, drift: int, gap: int
    ) -> None:
        """One variant; ``price`` is per OFN unit with fees, ``fee`` the part of it that is fees."""
        self.line_fees += fee * (before + drift + sold + gap)
        exact_units = Decimal(wanted.pieces) + (Decimal(wanted.grams) / (unit or 1000) if wanted.grams else 0)
        self.took += wanted.amount
        self.discounts += price * exact_units - wanted.amount
        self.rounding += price * (sold - exact_units)
        self.people += Decimal(price * drift)
        self.waiting += Decimal(price * gap)
        self.before += Decimal(price * before)

    def result(self, ofn: Order) -> Money:
        """Discounts and rounding are fractions of a cent each, but their sum is whole: round once."""
        lines_value = sum(line.price * line.quantity for line in ofn.lines) + self.line_fees
        discounts = _cents(self.discounts)
        rounding = _cents(self.discounts + self.rounding) - discounts
        people, waiting, before = (_cents(v) for v in (self.people, self.waiting, self.before))
        fees = ofn.total - lines_value
        unexplained = ofn.total - self.took - discounts - rounding - people - waiting - before - fees
        return Money(ofn.total, self.took, discounts, rounding, people, waiting, before, fees, unexplained)


def _cents(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), ROUND_HALF_UP))
