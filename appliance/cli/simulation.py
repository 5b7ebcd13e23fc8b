"""Realistic random trading through the real till: for demos, benchmarks and load and crash tests.

Every sale goes through :class:`~appliance.till.Till` exactly as the UI's would: mixed baskets,
weighed items, discounts, price changes, voided lines, cancelled baskets, returns, split payments,
cash movements, and shifts opened and closed with a Z. A run can be killed at any moment and run
again on the same store: it picks up the clock and the shift where the store left them.

Its sales are made up, so it writes only to a training store: one it sets up itself on a new path,
or one set up with ``store init --training``; never to a lane's real store. Every report and
receipt of a training store says so. ``--channel`` sells as another channel than the config's, as a
box carried to the market for a day would: runs of one store can so fill several channels.

One clock for the whole simulated day: the store's set-up, the shift and every sale run on the
simulated clock, which never goes back before the store's last entry. With ``--until-now`` the
day ends at the real time, so reports printed afterwards (on the real clock) come after every
sale they count.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from appliance.cli.demo import demo_customers, demo_variants
from appliance.cli.options import TEXT, load_config, store_options
from appliance.config import Config
from appliance.core.clock import SteppingClock, parse_utc
from appliance.core.money import from_cents, to_cents
from appliance.core.sale import Discount, DiscountKind, Kind, PricedBy, Sale, SaleError
from appliance.reports.invoice import Invoice
from appliance.store.catalogue import Variant, all_variants, upsert_variants
from appliance.store.database import StoreError, write_transaction
from appliance.store.journal import tip
from appliance.store.sales import StoredSale
from appliance.till import Till

CASHIERS = ("Alice", "Bruno", "Chloé", "Dominique")
NOTES = (500, 1000, 2000, 5000)


@dataclass(frozen=True)
class Plan:
    sales: int
    seed: int
    pace: float = 45.0
    shift_size: int = 250
    close_at_end: bool = True
    until: datetime | None = None
    invoices: float = 0.0  # the share of sales the customer asks an invoice for


def resume_clock(till: Till | None, start: datetime) -> SteppingClock:
    """A clock that goes on from the store's last entry, and not before ``start``.

    With no till yet, the clock a new store is set up with, so that its first entry is dated like
    the trading that follows.
    """
    last = tip(till.connection) if till is not None else None
    if last is None:
        return SteppingClock(start)
    return SteppingClock(max(parse_utc(last.created_at) + timedelta(seconds=1), start))


def ensure_catalogue(till: Till) -> list[Variant]:
    variants = all_variants(till.connection)
    if not variants:
        with write_transaction(till.db) as connection:
            upsert_variants(connection, demo_variants(), till.clock.now())
        variants = all_variants(till.connection)
    return variants


def run(
    till: Till,
    clock: SteppingClock,
    plan: Plan,
    report: Callable[[StoredSale], None],
    documents: Callable[[Invoice], None] = lambda invoice: None,
) -> int:
    """Complete ``plan.sales`` sales (returns count as sales); returns how many were completed.

    With ``plan.invoices``, that share of sales is invoiced right after it (a return of one then
    gets its credit note); ``documents`` hears of each invoice and credit note. Their draws come
    from a random generator of their own: the sales are the same with or without invoices.
    """
    variants = ensure_catalogue(till)
    done_before = till.connection.execute("SELECT COUNT(*) FROM journal WHERE kind IN ('sale', 'return')").fetchone()[0]
    rng = random.Random(f"{plan.seed}:{done_before}")
    invoicing = random.Random(f"{plan.seed}:invoices:{done_before}")
    customers = till.customers("", 50) or demo_customers()
    trader = _Trader(till, clock, rng, variants)
    completed = 0
    in_shift = _sales_in_current_shift(till)
    while completed < plan.sales:
        # A full shift is closed before the next sale, not after its last one: a run that ends on
        # a full shift with --leave-open leaves it open, as asked.
        if in_shift >= plan.shift_size and till.current_shift() is not None:
            trader.close_shift()
        if till.current_shift() is None:
            trader.open_shift()
            in_shift = 0
        clock.advance(_gap(rng.expovariate(1 / plan.pace), clock, plan, plan.sales - completed))
        stored = trader.one_transaction()
        if stored is None:
            continue
        report(stored)
        if stored.sale.kind is Kind.RETURN:
            credit_note = till.credit_note_for(stored.number)
            if credit_note is not None:
                documents(credit_note)
        elif plan.invoices and invoicing.random() < plan.invoices:
            documents(till.invoice(stored.number, invoicing.choice(customers), trader.cashier))
        completed += 1
        in_shift += 1
    if plan.close_at_end and till.current_shift() is not None:
        trader.close_shift()
    return completed


def _gap(gap: float, clock: SteppingClock, plan: Plan, left: int) -> float:
    """The pause before the next sale; with ``plan.until``, short enough for the ``left`` sales to
    come before it (each takes at most its share of the time that remains)."""
    if plan.until is None:
        return gap
    room = (plan.until - clock.now()).total_seconds()
    return min(gap, max(room, 0.0) / (left + 1))


def _sales_in_current_shift(till: Till) -> int:
    shift = till.current_shift()
    if shift is None:
        return 0
    return till.connection.execute(
        "SELECT COUNT(*) FROM journal WHERE seq > ? AND kind IN ('sale', 'return')", (shift.journal_seq,)
    ).fetchone()[0]


class _Trader:
    """The random customer and cashier; only the till's public operations are used."""

    def __init__(self, till: Till, clock: SteppingClock, rng: random.Random, variants: list[Variant]):
        self.till, self.clock, self.rng = till, clock, rng
        self.sellable = [v for v in variants if v.price > 0 and (v.on_demand or (v.on_hand or 0) > 0)]
        self.cashier = rng.choice(CASHIERS)

    def open_shift(self) -> None:
        self.cashier = self.rng.choice(CASHIERS)
        self.till.open_shift(self.cashier, Decimal(self.rng.choice((100, 150, 200))))

    def close_shift(self) -> None:
        expected = self.till.x_report().expected_cash
        error = self.rng.choice((0, 0, 0, 0, 0, 0, 0, -50, 20, -200))
        self.till.close_shift(from_cents(max(expected + error, 0)), self.cashier)

    def one_transaction(self) -> StoredSale | None:
        roll = self.rng.random()
        if roll < 0.02:
            self._cash_movement()
        if roll < 0.05:
            original = self._recent_sale()
            if original is not None:
                return self._return(original)
        sale = self._basket()
        if self.rng.random() < 0.01:
            self.till.cancel(sale, "customer changed their mind")
            return None
        self._pay(sale)
        return self.till.complete(sale)

    def _basket(self) -> Sale:
        sale = self.till.new_sale(self.cashier)
        for _ in range(self.rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8))):
            variant = self.rng.choice(self.sellable)
            item = self.till.item(variant.id)
            if variant.priced_by is PricedBy.WEIGHT:
                line = sale.add_weighed(item, self.rng.randint(80, 3500))
            else:
                line = sale.add(item, self.rng.choice((1, 1, 1, 2, 3)))
            self._maybe_adjust(sale, line.line_no)
        if len([line for line in sale.lines if not line.voided]) == 0:
            variant = self.rng.choice([v for v in self.sellable if v.priced_by is PricedBy.EACH])
            sale.add(self.till.item(variant.id))
        if self.rng.random() < 0.03 and sale.totals().subtotal > 0:
            sale.discount_sale(Discount(DiscountKind.PERCENT, Decimal(self.rng.choice((5, 10))), "member"))
        return sale

    def _maybe_adjust(self, sale: Sale, line_no: int) -> None:
        roll = self.rng.random()
        try:
            if roll < 0.03:
                sale.void(line_no)
            elif roll < 0.07:
                sale.discount_line(
                    line_no, Discount(DiscountKind.PERCENT, Decimal(self.rng.choice((10, 20, 50))), "damaged")
                )
            elif roll < 0.08:
                sale.discount_line(line_no, Discount(DiscountKind.AMOUNT, Decimal("0.50"), "short date"))
            elif roll < 0.10:
                line = next(line for line in sale.lines if line.line_no == line_no)
                cents = to_cents(line.unit_price)
                sale.override_price(line_no, from_cents(max(cents - self.rng.randint(1, 100), 0)), "price match")
        except SaleError:
            pass  # e.g. a 0.50 discount on a line worth less: a cashier would be refused too

    def _pay(self, sale: Sale) -> None:
        due = sale.totals().due
        if due == 0:
            return
        roll = self.rng.random()
        if roll < 0.55:
            sale.tender(self.till.payment("cash"), from_cents(_cash_tendered(due, self.rng)))
        elif roll < 0.90:
            sale.tender(self.till.payment("card"), from_cents(due))
        elif roll < 0.97:
            part = self.rng.randint(1, due) if due > 1 else due
            sale.tender(self.till.payment("card"), from_cents(part))
            rest = sale.totals().due
            if rest:
                sale.tender(self.till.payment("cash"), from_cents(_cash_tendered(rest, self.rng)))
        else:
            sale.tender(self.till.payment(self.rng.choice(("cheque", "voucher"))), from_cents(due))

    def _recent_sale(self) -> StoredSale | None:
        row = self.till.connection.execute(
            "SELECT ref FROM journal WHERE kind = 'sale' ORDER BY seq DESC LIMIT 1 OFFSET ?", (self.rng.randint(0, 30),)
        ).fetchone()
        return self.till.find_sale(uuid=row[0]) if row else None

    def _return(self, original: StoredSale) -> StoredSale | None:
        left = self.till.returnable(original)
        if not left:
            return None
        sale = self.till.new_return(original, self.cashier)
        for line_no, rest in self.rng.sample(sorted(left.items()), k=self.rng.randint(1, len(left))):
            if rest.quantity > 0:
                self.till.add_return_line(sale, original, line_no, quantity=self.rng.randint(1, rest.quantity))
            else:
                self.till.add_return_line(sale, original, line_no, weight_g=self.rng.randint(1, rest.weight_g))
        refund = sale.totals().due
        if refund:
            method = "cash" if self.rng.random() < 0.7 else "card"
            sale.tender(self.till.payment(method), from_cents(refund))
        return self.till.complete(sale)

    def _cash_movement(self) -> None:
        if self.rng.random() < 0.5:
            self.till.move_cash("in", Decimal(self.rng.choice((20, 50))), "change from the bank", self.cashier)
        else:
            in_drawer = self.till.x_report().expected_cash
            if in_drawer > 5000:
                self.till.move_cash("out", Decimal(50), "bank drop", self.cashier)


def _cash_tendered(due: int, rng: random.Random) -> int:
    """Exact money, or the next note up: what customers hand over."""
    if rng.random() < 0.3:
        return due
    for note in NOTES:
        if note >= due:
            return note
    return (due // 5000 + 1) * 5000


@click.command("simulate")
@store_options
@click.option("--sales", type=click.IntRange(min=1, max=10**7), required=True, help="How many sales to complete")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--start",
    type=click.DateTime(["%Y-%m-%dT%H:%M", "%Y-%m-%d"]),
    help="Local time of the first sale; a store with later entries carries on from them [default: today 08:00]",
)
@click.option(
    "--pace",
    type=click.FloatRange(min=0.1),
    default=45.0,
    show_default=True,
    help="Mean seconds between sales (simulated time)",
)
@click.option(
    "--shift-size", type=click.IntRange(min=1), default=250, show_default=True, help="Sales per shift before a Z"
)
@click.option("--leave-open", is_flag=True, help="Leave the last shift open")
@click.option(
    "--invoices",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of sales invoiced (returns of those get credit notes), one line each",
)
@click.option(
    "--channel",
    type=TEXT,
    help="Sell as the channel NAME instead of the config's [lane] channel (a box moved to the market for a day)",
)
@click.option(
    "--until-now",
    is_flag=True,
    help="End the simulated day at the real time (it starts early enough, today): reports come after its sales",
)
def simulate(
    config_path: Path | None,
    db_path: Path | None,
    sales: int,
    seed: int,
    start: datetime | None,
    pace: float,
    shift_size: int,
    leave_open: bool,
    invoices: float,
    channel: str | None,
    until_now: bool,
) -> int:
    """Fill a training store with realistic random sales through the real till, one line per sale.

    A new path becomes a training store; an existing store must be one (`store init --training`).
    """
    config = load_config(config_path)
    if channel is not None:
        config = replace(config, channel=channel)
    zone = ZoneInfo(config.timezone)
    if start is not None and not 2000 <= start.year <= 2999:
        raise click.BadParameter("--start must be between 2000 and 2999")
    now = datetime.now(zone)
    if start is not None:
        begin = start.replace(tzinfo=zone)
    elif until_now:
        begin = max(now - timedelta(seconds=sales * pace), now.replace(hour=0, minute=0, second=0, microsecond=0))
    else:
        begin = now.replace(hour=8, minute=0, second=0, microsecond=0)
    if until_now and begin > now:
        raise click.BadParameter("--start is after the real time: with --until-now it must be in the past")
    till = _training_till(config, db_path or config.store_path, resume_clock(None, begin))
    try:
        till.clock = clock = resume_clock(till, begin)
        plan = Plan(sales, seed, pace, shift_size, not leave_open, now if until_now else None, invoices)
        run(till, clock, plan, _print_sale, _print_document)
    finally:
        till.close()
    return 0


def _training_till(config: Config, path: Path, clock: SteppingClock) -> Till:
    """The till of a training store: set up here on a new path, or one that is marked as such."""
    if not path.exists():
        return Till.create(config, path, clock=clock, training=True)
    probe = Till.open(config, path, write=False)  # read-only: a real store is refused untouched
    training = probe.training
    probe.close()
    if not training:
        raise StoreError(
            f"{path} is a lane's real store: simulate writes only to a training store; give --db a new file"
            " (simulate sets up a training store there) or set one up with `ofn-checkout store init --training`;"
            " nothing was written"
        )
    return Till.open(config, path, clock=clock)


def _print_sale(stored: Any) -> None:
    print(f"{stored.sale.kind.value} {stored.number} {from_cents(stored.sale.total)}", flush=True)


def _print_document(invoice: Invoice) -> None:
    print(f"{invoice.kind} {invoice.label} {invoice.sale_number}", flush=True)
