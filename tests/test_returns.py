"""Returns give back lines of a sale, never more than was sold, to the cent of what was paid."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.money import from_cents
from appliance.core.returns import Returned, add_return_line, returnable, start_return
from appliance.core.sale import CompletedSale, Discount, DiscountKind, Kind, Sale, SaleError
from appliance.store.sales import StoredSale
from appliance.till import Till

from .helpers import CASH, item

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def sold(quantity: int, price: str, grams: int = 0, discount: str | None = None) -> CompletedSale:
    sale = Sale(lane_id=1, channel="shop", cashier="Alice", started_at=NOW)
    sale.add(item(1, price), quantity)
    if grams:
        sale.add_weighed(item(2, "12.90", weighed=True), grams)
    if discount:
        sale.discount_sale(Discount(DiscountKind.PERCENT, Decimal(discount), "member"))
    sale.tender(CASH, from_cents(sale.totals().total))
    return sale.complete(NOW)


def returning(original: CompletedSale) -> Sale:
    return start_return(original, lane_id=1, channel="shop", cashier="Bruno", started_at=NOW)


@given(
    st.integers(min_value=1, max_value=50),
    st.integers(min_value=1, max_value=5000),
    st.sampled_from([None, "7", "33.33"]),
    st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=15),
)
def test_partial_returns_never_exceed_what_was_sold(
    quantity: int, price_cents: int, discount: str | None, asks: list[int]
) -> None:
    original = sold(quantity, str(from_cents(price_cents)), discount=discount)
    paid = original.lines[0].amount
    already = Returned()
    for ask in asks:
        sale = returning(original)
        if already.quantity + ask > quantity:
            left = quantity - already.quantity
            unit = "piece" if left == 1 else "pieces"
            said = "Nothing more of .* can be" if not left else f"Only {left} {unit} of .* can still be"
            with pytest.raises(SaleError, match=f"^{said} returned \\({quantity} sold, {already.quantity} already"):
                add_return_line(sale, original, 1, already, quantity=ask)
            continue
        line = add_return_line(sale, original, 1, already, quantity=ask)
        already = Returned(already.quantity + ask, 0, already.refunded - line.refund_cents)
        assert 0 <= already.refunded <= paid
    if already.quantity == quantity:
        assert already.refunded == paid


@given(st.integers(min_value=1, max_value=30000), st.lists(st.integers(min_value=1, max_value=40000), max_size=8))
def test_weighed_returns_are_bounded_by_the_weight_sold(grams: int, asks: list[int]) -> None:
    original = sold(1, "1.00", grams=grams)
    already = Returned()
    for ask in asks:
        sale = returning(original)
        if already.weight_g + ask > grams:
            with pytest.raises(SaleError):
                add_return_line(sale, original, 2, already, weight_g=ask)
            continue
        line = add_return_line(sale, original, 2, already, weight_g=ask)
        already = Returned(0, already.weight_g + ask, already.refunded - line.refund_cents)
    assert already.refunded <= original.lines[1].amount


@given(
    st.lists(
        st.tuples(st.integers(min_value=1, max_value=9), st.integers(min_value=1, max_value=3000)),
        min_size=1,
        max_size=4,
    ),
    st.data(),
)
def test_returns_give_back_exactly_the_vat_the_lines_carried(lines: list[tuple[int, int]], data: st.DataObject) -> None:
    sale = Sale(lane_id=1, channel="shop", cashier="Alice", started_at=NOW)
    for index, (quantity, cents) in enumerate(lines):
        sale.add(item(index + 1, str(from_cents(cents)), rate="AC"[index % 2]), quantity)
    sale.tender(CASH, from_cents(sale.totals().total))
    original = sale.complete(NOW)
    returned: dict[int, Returned] = {}
    vat_back = 0
    while any(r.quantity < line.quantity for line in original.lines for r in [returned.get(line.line_no, Returned())]):
        ret = returning(original)
        for line in original.lines:
            done = returned.get(line.line_no, Returned())
            left = line.quantity - done.quantity
            if left:
                ask = data.draw(st.integers(min_value=1, max_value=left))
                back = add_return_line(ret, original, line.line_no, done, quantity=ask)
                returned[line.line_no] = Returned(
                    done.quantity + ask, 0, done.refunded - back.refund_cents, done.vat - back.refund_vat_cents
                )
        totals = ret.totals()
        assert sum(v.vat for v in totals.vat) == sum(t.vat for t in totals.lines)
        vat_back -= sum(v.vat for v in totals.vat)
        for line in original.lines:
            assert 0 <= returned.get(line.line_no, Returned()).vat <= line.vat
    assert vat_back == sum(v.vat for v in original.vat)
    assert sum(r.refunded for r in returned.values()) == original.total


def test_a_return_is_a_negative_sale_refunded_exactly() -> None:
    original = sold(3, "2.50")
    sale = returning(original)
    add_return_line(sale, original, 1, Returned(), quantity=2)
    totals = sale.totals()
    assert totals.total == -500 and totals.due == -500
    with pytest.raises(SaleError, match="more than what is owed"):
        sale.tender(CASH, Decimal("-6.00"))
    sale.tender(CASH, Decimal("-5.00"))
    completed = sale.complete(NOW)
    assert completed.kind is Kind.RETURN and completed.original_uuid == original.uuid
    assert completed.lines[0].quantity == -2 and completed.vat[0].gross == -500


def test_the_same_line_twice_in_one_return_still_counts_once() -> None:
    original = sold(2, "1.00")
    sale = returning(original)
    add_return_line(sale, original, 1, Returned(), quantity=2)
    with pytest.raises(SaleError, match="^Nothing more of .* can be returned"):
        add_return_line(sale, original, 1, Returned(), quantity=1)


def test_returnable_lists_what_is_left() -> None:
    original = sold(4, "1.00", grams=500)
    left = returnable(original, {1: Returned(quantity=3, refunded=300, vat=15)})
    assert (left[1].quantity, left[1].weight_g, left[1].refunded) == (1, 0, 100)
    assert left[1].vat == original.lines[0].vat - 15
    assert left[2].weight_g == 500
    assert returnable(original, {1: Returned(4, 0, 400), 2: Returned(0, 500, 645)}) == {}


def test_no_return_of_a_return() -> None:
    original = sold(1, "1.00")
    sale = returning(original)
    add_return_line(sale, original, 1, Returned(), quantity=1)
    sale.tender(CASH, Decimal("-1.00"))
    with pytest.raises(SaleError, match="against a sale"):
        returning(sale.complete(NOW))


def prepared_return(till: Till, original: StoredSale, cashier: str) -> Sale:
    """A return of one piece of line 1, refunded in cash, ready to complete."""
    ret = till.new_return(original, cashier)
    till.add_return_line(ret, original, 1, quantity=1)
    ret.tender(till.payment("cash"), from_cents(ret.totals().total))
    return ret


def test_two_partial_returns_prepared_at_once_cannot_refund_more_than_was_paid(till: Till) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 2)
    price = till.item(1100).cents
    sale.discount_line(1, Discount(DiscountKind.AMOUNT, Decimal("0.01"), "rounding"))
    sale.tender(till.payment("cash"), from_cents(sale.totals().total))
    original = till.complete(sale)
    assert original.sale.total == 2 * price - 1
    first, second = prepared_return(till, original, "Alice"), prepared_return(till, original, "Bruno")
    till.complete(first)
    with pytest.raises(SaleError, match="returned meanwhile: start this return again"):
        till.complete(second)
    till.complete(prepared_return(till, original, "Bruno"))
    refunded = till.connection.execute("SELECT SUM(total) FROM sale WHERE kind = 'return'").fetchone()[0]
    assert refunded == -original.sale.total


def test_two_returns_prepared_at_once_cannot_both_give_back_the_last_item(till: Till) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 1)
    sale.tender(till.payment("cash"), from_cents(sale.totals().total))
    original = till.complete(sale)
    first, second = prepared_return(till, original, "Alice"), prepared_return(till, original, "Bruno")
    till.complete(first)
    with pytest.raises(SaleError, match="returned meanwhile"):
        till.complete(second)
    assert till.connection.execute("SELECT COUNT(*) FROM sale WHERE kind = 'return'").fetchone()[0] == 1
