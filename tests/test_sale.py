"""The sale model's invariants (hypothesis) and the cashier's actions it allows or refuses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from appliance.core.money import from_cents, to_cents
from appliance.core.sale import MAX_CHANGE, Discount, DiscountKind, Kind, Sale, SaleError

from .helpers import CARD, CASH, CHEQUE, item

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def new_sale() -> Sale:
    return Sale(lane_id=1, channel="shop counter", cashier="Alice", started_at=NOW)


prices = st.integers(min_value=0, max_value=20000).map(from_cents)
percent = st.integers(min_value=1, max_value=10000).map(lambda bp: Decimal(bp) / 100)


@st.composite
def baskets(draw: st.DrawFn) -> Sale:
    """A sale built only through the cashier's actions, some of which the model may refuse."""
    sale = new_sale()
    for index in range(draw(st.integers(min_value=1, max_value=12))):
        rate = draw(st.sampled_from("ABCE"))
        if draw(st.booleans()):
            line = sale.add_weighed(
                item(index + 1, str(draw(prices)), rate=rate, weighed=True),
                draw(st.integers(min_value=1, max_value=50000)),
            )
        else:
            line = sale.add(item(index + 1, str(draw(prices)), rate=rate), draw(st.integers(min_value=1, max_value=20)))
        action = draw(st.sampled_from(["none", "none", "void", "percent", "amount", "override"]))
        try:
            if action == "void":
                sale.void(line.line_no)
            elif action == "percent":
                sale.discount_line(line.line_no, Discount(DiscountKind.PERCENT, draw(percent), "damaged"))
            elif action == "amount":
                sale.discount_line(
                    line.line_no, Discount(DiscountKind.AMOUNT, draw(prices.filter(lambda p: p > 0)), "promo")
                )
            elif action == "override":
                sale.override_price(line.line_no, draw(prices), "price match")
        except SaleError:
            pass
    kind = draw(st.sampled_from(["none", "percent", "amount"]))
    try:
        if kind == "percent":
            sale.discount_sale(Discount(DiscountKind.PERCENT, draw(percent), "member"))
        elif kind == "amount":
            sale.discount_sale(Discount(DiscountKind.AMOUNT, draw(prices.filter(lambda p: p > 0)), "voucher"))
    except SaleError:
        pass
    return sale


@given(baskets())
def test_lines_sum_to_the_total(sale: Sale) -> None:
    totals = sale.totals()
    assert sum(line.amount for line in totals.lines) == totals.total
    assert totals.subtotal - totals.sale_discount == totals.total
    assert sum(line.sale_discount for line in totals.lines) == totals.sale_discount
    for line in totals.lines:
        assert line.amount == line.gross - line.line_discount - line.sale_discount
        assert line.amount >= 0
        if line.line.voided:
            assert line.amount == 0


@given(baskets())
def test_vat_breakdown_sums_to_the_total_and_to_the_lines(sale: Sale) -> None:
    totals = sale.totals()
    assert sum(v.gross for v in totals.vat) == totals.total
    assert sum(v.base + v.vat for v in totals.vat) == totals.total
    for rate in totals.vat:
        lines = [t for t in totals.lines if t.line.item.vat.code == rate.code and not t.line.voided]
        assert sum(t.amount for t in lines) == rate.gross
        assert sum(t.vat for t in lines) == rate.vat


@given(baskets(), st.integers(min_value=0, max_value=MAX_CHANGE))
def test_change_is_tendered_minus_due(sale: Sale, extra: int) -> None:
    total = sale.totals().total
    assume(total > 0)
    sale.tender(CASH, from_cents(total + extra))
    completed = sale.complete(NOW)
    assert completed.change == completed.tendered - completed.total == extra
    (cash,) = completed.payments
    assert cash.amount == total and cash.tendered == total + extra


@given(baskets(), st.data())
def test_split_tender_pays_exactly_and_change_comes_from_cash(sale: Sale, data: st.DataObject) -> None:
    total = sale.totals().total
    assume(total > 1)
    card_part = data.draw(st.integers(min_value=1, max_value=total - 1))
    sale.tender(CARD, from_cents(card_part))
    cash_given = data.draw(st.integers(min_value=total - card_part, max_value=total - card_part + 10000))
    sale.tender(CASH, from_cents(cash_given))
    completed = sale.complete(NOW)
    assert sum(p.amount for p in completed.payments) == completed.total
    assert completed.change == card_part + cash_given - total
    assert {p.method: p.amount for p in completed.payments}["card"] == card_part


def test_a_whole_sale_amount_discount_is_spread_to_the_cent() -> None:
    sale = new_sale()
    sale.add(item(1, "3.33", rate="A"))
    sale.add(item(2, "3.33", rate="C"))
    sale.add(item(3, "3.34", rate="C"))
    sale.discount_sale(Discount(DiscountKind.AMOUNT, Decimal("1.00"), "voucher"))
    totals = sale.totals()
    assert [t.sale_discount for t in totals.lines] == [33, 33, 34]
    assert totals.total == 900 and sum(v.gross for v in totals.vat) == 900


def test_card_cannot_pay_more_than_is_due() -> None:
    sale = new_sale()
    sale.add(item(1, "4.20"))
    with pytest.raises(SaleError, match="only cash gives change"):
        sale.tender(CARD, Decimal("5.00"))
    sale.tender(CARD, Decimal("4.20"))
    with pytest.raises(SaleError, match="Nothing is left to pay"):
        sale.tender(CASH, Decimal("1.00"))


def test_a_sale_cannot_complete_unpaid_or_empty() -> None:
    sale = new_sale()
    with pytest.raises(SaleError, match="no items"):
        sale.complete(NOW)
    sale.add(item(1, "4.20"))
    sale.tender(CASH, Decimal("2.00"))
    with pytest.raises(SaleError, match="2.20 is still to be paid"):
        sale.complete(NOW)


def test_voiding_after_a_card_payment_is_caught_at_completion() -> None:
    sale = new_sale()
    sale.add(item(1, "4.00"))
    sale.add(item(2, "6.00"))
    sale.tender(CARD, Decimal("10.00"))
    sale.void(2)
    with pytest.raises(SaleError, match="exceed the total"):
        sale.complete(NOW)


def test_weighed_line_price_is_rounded_once() -> None:
    sale = new_sale()
    line = sale.add_weighed(item(1, "3.99", weighed=True), 734)  # 3.99 €/kg × 0.734 kg = 2.92866
    assert line.amount_cents() == 293


def test_a_repeat_scan_adds_to_the_plain_line_but_not_to_a_discounted_one() -> None:
    sale = new_sale()
    apples = item(1, "2.00")
    sale.add(apples)
    sale.add(apples)
    assert [line.quantity for line in sale.lines] == [2]
    sale.discount_line(1, Discount(DiscountKind.PERCENT, Decimal("10"), "bruised"))
    sale.add(apples)
    assert [line.quantity for line in sale.lines] == [2, 1]


def test_weighed_and_piece_items_are_not_mixed_up() -> None:
    sale = new_sale()
    with pytest.raises(SaleError, match="put it on the scale"):
        sale.add(item(1, "3.00", weighed=True))
    with pytest.raises(SaleError, match="not by weight"):
        sale.add_weighed(item(2, "3.00"), 500)
    with pytest.raises(SaleError, match="between 1 g"):
        sale.add_weighed(item(1, "3.00", weighed=True), 0)


def test_an_amount_discount_larger_than_the_line_is_refused_and_leaves_the_sale_as_it_was() -> None:
    sale = new_sale()
    sale.add(item(1, "1.00"))
    with pytest.raises(SaleError, match="more than"):
        sale.discount_line(1, Discount(DiscountKind.AMOUNT, Decimal("1.50"), "promo"))
    assert sale.lines[0].discount is None
    assert sale.totals().total == 100


def test_voiding_a_line_under_an_amount_discount_is_refused() -> None:
    sale = new_sale()
    sale.add(item(1, "1.00"))
    sale.add(item(2, "5.00"))
    sale.discount_sale(Discount(DiscountKind.AMOUNT, Decimal("3.00"), "voucher"))
    with pytest.raises(SaleError):
        sale.void(2)
    assert not sale.lines[1].voided
    assert sale.totals().total == 300


def test_discounts_need_a_reason_and_sane_values() -> None:
    with pytest.raises(SaleError, match="reason"):
        Discount(DiscountKind.PERCENT, Decimal("10"), " ")
    with pytest.raises(SaleError, match="between"):
        Discount(DiscountKind.PERCENT, Decimal("120"), "x")
    with pytest.raises(SaleError, match="positive"):
        Discount(DiscountKind.AMOUNT, Decimal("-1"), "x")


def test_price_override_keeps_the_list_price_on_record() -> None:
    sale = new_sale()
    sale.add(item(1, "5.00"))
    sale.override_price(1, Decimal("4.00"), "price match")
    sale.tender(CHEQUE, Decimal("4.00"))
    (line,) = sale.complete(NOW).lines
    assert (line.unit_price, line.list_price, line.override_reason) == (400, 500, "price match")


def test_completed_sale_records_who_where_and_when() -> None:
    sale = new_sale()
    sale.add(item(1, "5.00"))
    sale.tender(CASH, Decimal("5.00"))
    record = sale.complete(NOW).as_record()
    assert record["uuid"] == sale.uuid and record["lane_id"] == 1
    assert record["channel"] == "shop counter" and record["cashier"] == "Alice"
    assert record["kind"] == Kind.SALE.value
    assert record["completed_at"].startswith("2026-03-02T09:30:00")
    assert to_cents(Decimal("5.00")) == record["total"]


def test_changing_a_quantity_and_removing_a_payment() -> None:
    sale = new_sale()
    sale.add(item(1, "2.00"))
    sale.set_quantity(1, 4)
    assert sale.totals().total == 800
    with pytest.raises(SaleError, match="between 1 and"):
        sale.set_quantity(1, 0)
    sale.tender(CARD, Decimal("3.00"))
    sale.remove_tender(0)
    assert sale.totals().due == 800
    with pytest.raises(SaleError, match="no such payment"):
        sale.remove_tender(0)
