"""Handing over an online order: what the customer pays at the counter, and what the box refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.handover import Handover, HandoverError, PickupLine, PickupOrder
from appliance.core.money import from_cents
from appliance.core.sale import Item, PaymentMethod, PricedBy
from appliance.core.tax import VatRate

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CASH = PaymentMethod("cash", "Cash", is_cash=True)
CARD = PaymentMethod("card", "Card")
VAT = VatRate("R", Decimal("5.5"), "5.5%")


def order(*lines: tuple[int, int, int], paid: int = 0, shipment: str = "pending") -> PickupOrder:
    """An order of (variant, quantity, price in cents) lines; ``paid`` of it already paid online."""
    total = sum(quantity * price for _, quantity, price in lines)
    return PickupOrder(
        number="R123456789",
        full_name="Alice Martin",
        email="alice@example.org",
        payment_state="paid" if paid == total else "balance_due",
        shipment_state=shipment,
        total=total,
        paid=paid,
        lines=tuple(PickupLine(v, f"Item {v}", q, p) for v, q, p in lines),
    )


def item(variant_id: int, cents: int, priced_by: PricedBy = PricedBy.EACH) -> Item:
    return Item(variant_id, f"Item {variant_id}", Decimal(cents) / 100, priced_by, VAT)


def start(pickup: PickupOrder) -> Handover:
    return Handover(pickup, lane_id=1, channel="pickup point", cashier="Zoé", started_at=NOW)


def test_an_unpaid_order_is_paid_at_the_counter_with_what_was_added_and_taken_off() -> None:
    handover = start(order((1, 2, 350), (2, 1, 1200)))
    handover.add(item(3, 250), 2)
    handover.remove(2)
    assert handover.due == 2 * 350 + 2 * 250
    handover.tender(CASH, Decimal("20"))
    done = handover.complete(NOW)
    assert (done.due, done.change) == (1200, 800)
    assert [(c.variant_id, c.quantity, c.amount) for c in done.changes] == [(2, -1, -1200), (3, 2, 500)]
    assert done.payments[0].amount == 1200, "the drawer keeps what was due, the rest went back as change"


def test_an_item_already_on_the_order_is_added_at_the_orders_price_not_todays() -> None:
    handover = start(order((1, 1, 300), paid=300))
    handover.add(item(1, 999))
    assert handover.due == 300


def test_an_order_paid_online_that_shrinks_is_refunded_by_ofn_not_the_drawer() -> None:
    handover = start(order((1, 2, 400), paid=800))
    handover.remove(1)
    assert handover.due == 0
    done = handover.complete(NOW)
    assert (done.credit_owed, done.payments) == (400, ())


def test_what_the_box_refuses_is_said_plainly() -> None:
    handover = start(order((1, 1, 300)))
    with pytest.raises(HandoverError, match="holds 1 of that item, not 2"):
        handover.remove(1, 2)
    with pytest.raises(HandoverError, match="sold by weight"):
        handover.add(item(5, 400, PricedBy.WEIGHT))
    with pytest.raises(HandoverError, match="still to be paid"):
        handover.complete(NOW)
    with pytest.raises(HandoverError, match="only cash gives change"):
        handover.tender(CARD, Decimal("5"))
    shipped = start(order((1, 1, 300), paid=300, shipment="shipped"))
    with pytest.raises(HandoverError, match="already handed over"):
        shipped.complete(NOW)


def test_an_item_put_on_then_partly_taken_back_keeps_its_price() -> None:
    handover = start(order((1, 1, 300), paid=300))
    handover.add(item(7, 250), 2)
    handover.remove(7, 1)
    assert (handover.held(7), handover.due) == (1, 250)


def test_a_line_taken_off_can_be_put_back() -> None:
    handover = start(order((1, 3, 300)))
    handover.remove(1, 3)
    assert handover.held(1) == 0
    handover.add(item(1, 300), 1)
    assert (handover.held(1), handover.due) == (1, 300)


lines = st.lists(
    st.tuples(st.integers(1, 40), st.integers(1, 20), st.integers(1, 5000)),
    min_size=1,
    max_size=6,
    unique_by=lambda t: t[0],
)


@given(lines, st.data())
def test_due_is_ofns_balance_after_the_changes_and_the_drawer_gets_exactly_it(
    spec: list[tuple[int, int, int]], data: st.DataObject
) -> None:
    paid_share = data.draw(st.sampled_from([0, 1]))
    pickup = order(*spec, paid=paid_share * sum(q * p for _, q, p in spec))
    handover = start(pickup)
    for variant_id, quantity, _ in spec:
        taken = data.draw(st.integers(0, quantity))
        if taken:
            handover.remove(variant_id, taken)
    extra = data.draw(st.integers(0, 5))
    if extra:
        handover.add(item(99, 123), extra)
    after = sum(handover.held(v) * p for v, _, p in spec) + handover.held(99) * 123
    assert handover.due == max(after - pickup.paid, 0)
    if handover.due:
        handover.tender(CARD, from_cents(handover.due // 2) if handover.due > 1 else from_cents(handover.due))
        if handover.due - handover.tendered > 0:
            handover.tender(CASH, from_cents(handover.due - handover.tendered + 55))
    done = handover.complete(NOW)
    assert sum(p.amount for p in done.payments) == done.due
    assert done.tendered - done.change == done.due
    assert done.credit_owed == max(pickup.paid - after, 0)
