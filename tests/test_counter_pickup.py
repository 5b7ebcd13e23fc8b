"""Handing over online orders on the counter screen, through Textual's Pilot, against the sandbox OFN
over HTTP: the pick-up list (searched as the cashier types), the order screen (items taken off and
put on by scan), payment with the same keys as a sale, the hand-over receipt on the printer twin,
and the sale that follows in one flow. What reached OFN is read through the sandbox's own routes.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from appliance import config as config_module
from appliance.core.barcodes import gtin_check_digit
from appliance.core.handover import PickupOrder
from appliance.core.money import from_cents
from appliance.core.sale import PricedBy
from appliance.reports.handover_receipt import TITLE
from appliance.store.database import write_transaction
from appliance.store.sales import load_sale
from appliance.store.scan_lookup import set_plu
from appliance.till import Till
from tui.app import CheckoutApp
from tui.screens.choose import ChooseScreen
from tui.screens.handover import HandoverScreen
from tui.screens.payment import PaymentScreen
from tui.screens.pickup import PickupScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.sale import SaleScreen

from .counter_kit import (
    APPLES_PLU,
    Kit,
    app_for,
    counter_kit,
    message,
    pay_exact_cash,
    scan,
    screen_text,
    type_keys,
    until,
)
from .ofn_sandbox import Box, Sandbox, expected_counter_lines


@dataclass
class Hub:
    """The sandbox OFN, a box synced with it (catalogue and pickup list read), and the counter's devices."""

    box: Box
    kit: Kit

    @property
    def sandbox(self) -> Sandbox:
        return self.box.sandbox

    @property
    def till(self) -> Till:
        return self.box.till

    def order(self, *, paid: bool, skip: tuple[str, ...] = ()) -> PickupOrder:
        """A customer's order still to hand over, paid online or to pay on pickup."""
        orders = [
            o
            for o in self.till.pickup_orders()
            if o.full_name
            and len(o.lines) > 1
            and (o.balance == 0) == paid
            and o.shipment_state != "shipped"
            and o.number not in skip
        ]
        assert orders, "the demo seed has customers' orders of both kinds"
        return orders[0]

    def piece_barcodes(self, avoid: PickupOrder, count: int = 2) -> list[tuple[int, str]]:
        """Products sold by the piece, with an EAN, in stock, not on ``avoid``: (variant, barcode)."""
        on_order = ",".join(str(line.variant_id) for line in avoid.lines)
        rows = self.till.connection.execute(
            "SELECT id, sku FROM variant WHERE priced_by = ? AND on_hand > 5 AND length(sku) = 13"
            f" AND sku NOT GLOB '*[^0-9]*' AND id NOT IN ({on_order}) ORDER BY id LIMIT ?",
            (PricedBy.EACH.value, count),
        ).fetchall()
        assert len(rows) == count
        return [(int(variant), str(sku)) for variant, sku in rows]

    def give_plu(self, variant_id: int, plu: int) -> None:
        """Number a product for the shop scale's labels, as a hub does for its scale keys."""
        with write_transaction(self.till.db) as connection:
            set_plu(connection, plu, variant_id, self.till.clock.now())

    def ofn(self, number: str) -> dict[str, Any]:
        return self.sandbox.admin("GET", f"orders/{number}")  # type: ignore[no-any-return]

    def handovers(self) -> list[dict[str, Any]]:
        """The hand-overs sealed in the journal, as the journal holds them."""
        rows = self.till.connection.execute("SELECT payload FROM journal WHERE kind = 'handover' ORDER BY seq")
        return [json.loads(row[0]) for row in rows]


@pytest.fixture
def hub(box: Box, tmp_path: Path) -> Iterator[Hub]:
    box.till.open_shift("Alice", Decimal("50"))
    config = config_module.load(box.config_path)
    with counter_kit(box.till, config, tmp_path) as kit:
        yield Hub(box, kit)


async def open_order(pilot: Any, app: CheckoutApp, typed: str) -> None:
    """F6, type the search, Enter: the first order listed opens."""
    await pilot.press("f6")
    assert isinstance(app.screen, PickupScreen)
    await type_keys(pilot, typed)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, HandoverScreen), what="the order screen")


def label(prefix: str, item: int, value: int) -> str:
    """A scale label (the "fr" nomenclature): prefix, item number, weight in g or price in cents."""
    digits = f"{prefix}{item:05d}{value:05d}"
    return digits + str(gtin_check_digit(digits))


def plain(name: str) -> str:
    """A name as typed on a keyboard without accents: "Chloé Durand" is "chloe durand"."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()


async def test_a_hand_over_with_changes_paid_in_cash_then_a_sale_in_one_flow_reaches_ofn(hub: Hub) -> None:
    pickup = hub.order(paid=False)
    taken_off = pickup.lines[0]
    (extra, extra_code), (bought, bought_code) = hub.piece_barcodes(pickup)
    due = pickup.balance - taken_off.price + hub.till.item(extra).cents
    given = (due // 100 + 10) * 100  # whole euros, ten more than due
    app = app_for(hub.kit)
    async with app.run_test(size=(80, 25)) as pilot:
        await open_order(pilot, app, pickup.number[1:])  # the keypad types the digits: the R is implied
        assert app.screen.handing.order.number == pickup.number
        await type_keys(pilot, "-")  # the first line is selected
        await scan(pilot, extra_code)
        await type_keys(pilot, "+")
        assert isinstance(app.screen, PaymentScreen)
        assert f"Order {pickup.number}: total {app.fmt.money(due)}" in screen_text(app), "what OFN will be owed"
        await type_keys(pilot, str(given // 100))
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
        text = screen_text(app)
        assert "CHANGE" in text and f"after {pickup.number}" in text, "the status shows whose sale comes next"
        await scan(pilot, bought_code)  # the customer buys more: the sale starts at once
        await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the sale right after")
        assert [line.item.variant_id for line in app.counter.lines] == [bought]
        assert f"after {pickup.number}" in screen_text(app)
        await pay_exact_cash(pilot)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, SaleScreen))
        assert f"after {pickup.number}" not in screen_text(app), "the next customer's sale is nobody's follow-on"
        assert app.unexpected == 0
    (sealed,) = hub.handovers()
    assert sealed["order"] == pickup.number and sealed["due"] == due
    assert (sealed["tendered"], sealed["change"]) == (given, given - due)
    assert {(c["variant_id"], c["quantity"]) for c in sealed["changes"]} == {(taken_off.variant_id, -1), (extra, 1)}
    sale = load_sale(hub.till.connection, number=1).sale
    assert [(line.variant_id, line.quantity) for line in sale.lines] == [(bought, 1)]
    hub.box.drain_until_settled()
    ofn = hub.ofn(pickup.number)
    expected = {str(line.variant_id): line.quantity for line in pickup.lines}
    expected[str(taken_off.variant_id)] -= 1
    expected[str(extra)] = 1
    assert ofn["lines"] == {variant: quantity for variant, quantity in expected.items() if quantity}
    assert (ofn["payment_state"], ofn["shipment_state"]) == ("paid", "shipped")
    assert [p["state"] for p in ofn["payments"]] == ["completed"], "the pending payment captured, once"
    assert f"paid at the counter {from_cents(due)}" in ofn["note"] and "taken off 1 x" in ofn["note"]
    counter = hub.sandbox.counter_lines()
    assert counter == expected_counter_lines(hub.till.connection) and counter.get(bought) == 1


async def test_the_list_is_searched_by_digits_name_and_email_and_works_offline(hub: Hub) -> None:
    pickup = next(o for o in hub.till.pickup_orders() if not o.full_name.isascii())  # "Léa", "Chloé"…
    hub.sandbox.process.terminate()  # OFN out of reach: the list is the box's own
    hub.sandbox.process.wait(timeout=10)
    name = plain(pickup.full_name)
    app = app_for(hub.kit)
    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press("f6")
        screen = app.screen
        assert isinstance(screen, PickupScreen)
        assert len(screen.shown) == len(hub.till.pickup_orders()) > 1
        await type_keys(pilot, pickup.number[3:8])  # digits from the middle of the number
        assert pickup.number in [e.order.number for e in screen.shown]
        assert all(pickup.number[3:8] in e.order.number for e in screen.shown)
        assert pickup.number in screen_text(app)
        for _ in range(5):
            await pilot.press("backspace")
        assert len(screen.shown) == len(hub.till.pickup_orders())
        await type_keys(pilot, name.upper())  # a full keyboard: the name, without its accents
        assert pickup.number in [e.order.number for e in screen.shown]
        assert {plain(e.order.full_name) for e in screen.shown} == {name}
        for _ in range(len(name)):
            await pilot.press("backspace")
        local = pickup.email.split("@")[0]
        await type_keys(pilot, local + "@")
        assert [e.order.number for e in screen.shown] == [pickup.number]
        await type_keys(pilot, "zzqx")
        assert screen.shown == [] and "No order matches" in screen_text(app)
        for _ in range(len(local) + 5):
            await pilot.press("backspace")
        await pilot.press("backspace")  # nothing typed: back to the sale
        assert isinstance(app.screen, SaleScreen)
        assert app.unexpected == 0


async def test_an_order_that_went_out_is_shown_so_and_refused_with_the_reason(hub: Hub) -> None:
    here = hub.order(paid=True)
    elsewhere = hub.order(paid=True, skip=(here.number,))
    handover = hub.till.new_handover(here.number, "Zoé")
    hub.till.complete_handover(handover)
    hub.box.client.ship(elsewhere.number)  # picked up at the hub's other till, or marked in OFN's admin
    hub.box.clock.advance(600)  # the daemon's next pickup refresh is due
    hub.box.daemon.run_once(catalogue=False)
    app = app_for(hub.kit)
    async with app.run_test(size=(80, 25)) as pilot:
        await pilot.press("f6")
        await type_keys(pilot, here.number[1:])
        assert "handed over, Zoé" in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen, PickupScreen)
        assert f"Order {here.number} was already handed over" in message(app) and "by Zoé" in message(app)
        for _ in range(9):
            await pilot.press("backspace")
        await type_keys(pilot, elsewhere.number[1:])
        assert "picked up (OFN)" in screen_text(app)
        await pilot.press("enter")
        assert isinstance(app.screen, PickupScreen)
        assert f"Order {elsewhere.number} was already handed over (OFN shows it shipped)" in message(app)
    assert len(hub.handovers()) == 1, "nothing more was sealed"


async def test_a_paid_order_goes_straight_to_handed_over_and_its_receipt_prints(hub: Hub) -> None:
    pickup = hub.order(paid=True)
    app = app_for(hub.kit)
    async with app.run_test(size=(80, 25)) as pilot:
        await open_order(pilot, app, plain(pickup.full_name))
        assert app.screen.handing.order.number == pickup.number
        assert "NOTHING DUE" in screen_text(app)
        await type_keys(pilot, "+")
        assert isinstance(app.screen, ReceiptScreen), "nothing due: no payment screen"
        assert "No change to give" in screen_text(app)
        await type_keys(pilot, "+")  # the customer asks for a receipt
        await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the sale screen")
        assert f"Order {pickup.number} handed over to {pickup.full_name}" in message(app)
        printer = hub.kit.printer
        assert printer is not None
        await until(pilot, lambda: len(printer.printout().pieces()) == 1, what="the hand-over receipt")
        await pilot.press("backspace")  # the customer buys nothing more
        assert f"after {pickup.number}" not in screen_text(app)
    (paper,) = printer.printout().pieces()
    text = "\n".join(paper)
    for mention in (TITLE, f"Order {pickup.number}", f"Customer: {pickup.full_name}", "Handed over as ordered"):
        assert mention in text, mention
    assert f"Sold by OFN order {pickup.number}" in text and "TRAINING" in paper[0]
    (sealed,) = hub.handovers()
    assert (sealed["order"], sealed["due"], sealed["payments"], sealed["changes"]) == (pickup.number, 0, [], [])
    hub.box.drain_until_settled()
    ofn = hub.ofn(pickup.number)
    assert ofn["shipment_state"] == "shipped"
    assert ofn["lines"] == {str(line.variant_id): line.quantity for line in pickup.lines}
    assert "capture" not in str(hub.sandbox.admin("GET", "stats"))


async def test_weighed_goods_are_refused_and_quantities_put_on_and_taken_off(hub: Hub) -> None:
    pickup = hub.order(paid=False)
    ((extra, extra_code),) = hub.piece_barcodes(pickup, 1)
    app = app_for(hub.kit)
    async with app.run_test(size=(80, 25)) as pilot:
        await open_order(pilot, app, pickup.number[1:])
        handing = app.screen.handing
        await type_keys(pilot, APPLES_PLU)
        await pilot.press("enter")  # apples, by the kg
        assert "sold by weight and an OFN order holds whole units only: ring it up as a sale" in message(app)
        await scan(pilot, label("21", int(APPLES_PLU), 734))  # a shop scale's label: 0.734 kg of apples
        assert "sold by weight and an OFN order holds whole units only: ring it up as a sale" in message(app)
        hub.give_plu(extra, 900)
        await scan(pilot, label("23", 900, 1234))  # a label with its own price (12.34) on a product sold by the piece
        assert "carries its own weight or price" in message(app)
        assert handing.handover.changes == {}
        await type_keys(pilot, "3*")
        await scan(pilot, extra_code)
        assert handing.handover.held(extra) == 3
        await type_keys(pilot, "2-")  # the line put on stays selected: two of it come off
        assert handing.handover.held(extra) == 1
        await type_keys(pilot, "5-")
        assert "holds 1 of that item, not 5" in message(app) and handing.handover.held(extra) == 1
        await pilot.press("backspace")  # something changed: leaving asks first
        assert isinstance(app.screen, ChooseScreen)
        await type_keys(pilot, "2")  # no: stay
        assert isinstance(app.screen, HandoverScreen) and handing.handover.held(extra) == 1
        await pilot.press("backspace")
        await type_keys(pilot, "1")  # yes: leave, nothing is kept
        assert isinstance(app.screen, PickupScreen)
        assert app.unexpected == 0
    assert hub.handovers() == []
