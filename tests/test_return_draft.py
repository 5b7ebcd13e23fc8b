"""A return prepared at the counter: lines given back and taken off in any order still seal what the
store accepts, the refund goes back the way the sale was paid, and a receipt's code names its lane."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.money import from_cents
from appliance.core.receipt_code import SaleRef, read_sale_ref, receipt_code
from appliance.core.return_draft import ReturnDraft
from appliance.core.returns import Returned, replay, start_return
from appliance.core.sale import CompletedSale, Sale, SaleError

from .helpers import CARD, CASH, CHEQUE, item

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def sold(pieces: list[tuple[int, int]], grams: int, payments: list[tuple[object, int]] | None = None) -> CompletedSale:
    sale = Sale(lane_id=1, channel="shop", cashier="Alice", started_at=NOW)
    for index, (quantity, cents) in enumerate(pieces):
        sale.add(item(index + 1, str(from_cents(cents)), rate="AC"[index % 2]), quantity)
    if grams:
        sale.add_weighed(item(99, "12.90", weighed=True), grams)
    total = sale.totals().total
    for method, cents in payments or [(CASH, total)]:
        sale.tender(method, from_cents(min(cents, sale.totals().due)))  # type: ignore[arg-type]
    return sale.complete(NOW)


def draft(original: CompletedSale, already: dict[int, Returned] | None = None, refunded: dict[str, int] | None = None):  # type: ignore[no-untyped-def]
    sale = start_return(original, lane_id=1, channel="shop", cashier="Bruno", started_at=NOW)
    return ReturnDraft(original, 1, already or {}, refunded or {}, sale)


def sealed(draft_: ReturnDraft) -> CompletedSale:
    draft_.sale.tender(CASH, -from_cents(draft_.to_refund))
    return draft_.sale.complete(NOW)


def returned_by(original: CompletedSale, done: list[CompletedSale]) -> dict[int, Returned]:
    """What sealed returns gave back, as the store adds it up (appliance.store.sales.returned_so_far)."""
    totals: dict[int, Returned] = {}
    for ret in done:
        for line in ret.lines:
            assert line.returns is not None
            before = totals.get(line.returns.line_no, Returned())
            totals[line.returns.line_no] = Returned(
                before.quantity - line.quantity,
                before.weight_g - line.weight_g,
                before.refunded - line.amount,
                before.vat - line.vat,
            )
    return totals


OPERATION = st.tuples(st.sampled_from(["one", "give", "off"]), st.integers(1, 3), st.integers(1, 900))


@given(
    st.lists(st.tuples(st.integers(1, 6), st.integers(1, 2000)), min_size=1, max_size=2),
    st.integers(0, 800),
    st.lists(st.lists(OPERATION, max_size=8), min_size=1, max_size=4),
)
def test_lines_changed_in_any_order_seal_what_the_store_accepts(
    pieces: list[tuple[int, int]], grams: int, returns: list[list[tuple[str, int, int]]]
) -> None:
    """After any mix of give back / take off, the store's re-check (replay) accepts the return, and
    all the returns together never give back more than was sold or paid."""
    original = sold(pieces, grams)
    done: list[CompletedSale] = []
    for operations in returns:
        already = returned_by(original, done)
        current = draft(original, already)
        for kind, line_no, amount in operations:
            line_no = min(line_no, len(original.lines))
            try:
                if kind == "one":
                    current.one_more(line_no)
                elif kind == "give":
                    weighed = original.lines[line_no - 1].weight_g > 0
                    current.give_back(line_no, amount if weighed else amount % 4 + 1)
                else:
                    current.take_off(line_no)
            except SaleError:
                pass  # refused: the draft is as it was
        if current.empty:
            continue
        completed = sealed(current)
        replay(original, already, completed)  # what record_sale checks inside its transaction
        done.append(completed)
    given_back = returned_by(original, done)
    for line in original.lines:
        back = given_back.get(line.line_no, Returned())
        assert back.quantity <= line.quantity and back.weight_g <= line.weight_g
        assert 0 <= back.refunded <= line.amount and 0 <= back.vat <= line.vat


def test_taking_a_line_off_and_giving_it_back_again_refunds_as_a_fresh_return() -> None:
    original = sold([(3, 1000)], 0)
    changed = draft(original)
    changed.one_more(1)
    changed.one_more(1)
    changed.take_off(1)
    changed.one_more(1)
    fresh = draft(original)
    fresh.one_more(1)
    assert changed.to_refund == fresh.to_refund == 1000
    assert [(line.quantity, line.refund_cents) for line in changed.sale.lines] == [(-1, -1000)]


def test_a_voided_line_and_more_than_is_left_are_refused_with_what_to_do() -> None:
    sale = Sale(lane_id=1, channel="shop", cashier="Alice", started_at=NOW)
    sale.add(item(1, "2.00"), 2)
    sale.add(item(2, "3.00"), 1)
    sale.void(2)
    sale.tender(CASH, Decimal("4.00"))
    original = sale.complete(NOW)
    current = draft(original, {1: Returned(1, 0, 200, 10)})
    with pytest.raises(SaleError, match="voided on sale 1: nothing was sold on that line"):
        current.one_more(2)
    with pytest.raises(SaleError, match=r"Only 1 piece of Variant 1 can still be returned \(2 sold, 1 already"):
        current.give_back(1, 2)
    current.one_more(1)
    assert current.left(1) == Returned() and current.left(2) == Returned()
    with pytest.raises(SaleError, match=r"^Nothing more of Variant 1 can be returned \(2 sold, 2 already returned\)$"):
        draft(original, {1: Returned(2, 0, 400, 20)}).one_more(1)
    with pytest.raises(SaleError, match="take it back first"):
        current.sale.tender(CASH, Decimal("-1.00"))
        current.take_off(1)


@given(
    st.integers(1, 20),
    st.integers(100, 5000),
    st.integers(0, 100),
    st.lists(st.integers(1, 20), min_size=1, max_size=6),
)
def test_the_refund_goes_back_the_way_the_sale_was_paid(
    quantity: int, cents: int, cash_share: int, asks: list[int]
) -> None:
    """Each method gets back at most what it took, over every return of the sale, and the parts
    proposed always add up to the refund."""
    total = quantity * cents
    cash = total * cash_share // 100
    payments = [(method, part) for method, part in ((CASH, cash), (CARD, total - cash)) if part]
    original = sold([(quantity, cents)], 0, payments)
    done: list[CompletedSale] = []
    refunded: dict[str, int] = {}
    for ask in asks:
        already = returned_by(original, done)
        current = draft(original, already, dict(refunded))
        left = original.lines[0].quantity - already.get(1, Returned()).quantity
        if left == 0:
            break
        current.give_back(1, min(ask, left))
        ways = current.refund_ways()
        assert sum(way.cents for way in ways) == current.to_refund
        assert all(way.method is not None for way in ways)  # the sale's methods always have room
        for way in ways:
            method = CASH if way.method == "cash" else CARD
            current.sale.tender(method, -from_cents(way.cents))
            assert current.room(method.code) >= 0
        completed = current.sale.complete(NOW)
        done.append(completed)
        for payment in completed.payments:
            refunded[payment.method] = refunded.get(payment.method, 0) - payment.amount
    paid = {payment.method: payment.amount for payment in original.payments}
    assert all(refunded[method] <= paid[method] for method in refunded)


def test_the_proposal_follows_the_order_of_payment_and_skips_what_was_refunded() -> None:
    original = sold([(4, 500)], 0, [(CHEQUE, 500), (CARD, 1500)])
    current = draft(original, {1: Returned(1, 0, 500, 0)}, {"cheque": 500})  # the cheque was refunded
    current.give_back(1, 2)
    ways = current.refund_ways()
    assert [(way.method, way.cents) for way in ways] == [("card", 1000)]
    current.sale.tender(CARD, Decimal("-4.00"))
    assert [(way.method, way.cents) for way in current.refund_ways()] == [("card", 600)]
    assert current.room("card") == 1100 and current.room("cheque") == 0


@given(st.integers(1, 999_999), st.integers(1, 99_999_999))
def test_a_receipt_code_reads_back_as_its_lane_and_number(lane: int, number: int) -> None:
    code = receipt_code(lane, number)
    assert code.isascii() and code.isalnum() and code.isupper()
    assert read_sale_ref(code) == SaleRef(number, lane)
    assert read_sale_ref(f" {code.lower()} ") == SaleRef(number, lane)  # a keyboard's lower case
    assert read_sale_ref(str(number)) == SaleRef(number)  # typed: this lane's


@pytest.mark.parametrize(
    "text", ["", "S", "S1234567", "S00000000L1", "S00000001L", "0", "1e3", "٣", "12.5", "X00000001"]
)
def test_what_is_no_receipt_code_is_refused_with_what_to_do(text: str) -> None:
    with pytest.raises(SaleError, match="receipt|sale number"):
        read_sale_ref(text)


def test_an_older_receipts_code_without_its_lane_still_reads() -> None:
    assert read_sale_ref("S00000042") == SaleRef(42)


def test_what_is_left_is_counted_in_pieces_or_grams() -> None:
    sale = Sale(lane_id=1, channel="shop", cashier="Alice", started_at=NOW)
    sale.add(item(1, "2.00"), 3)
    sale.tender(CASH, Decimal("6.00"))
    with pytest.raises(SaleError, match=r"^Only 3 pieces of Variant 1 can still be returned \(3 sold, 0 already"):
        draft(sale.complete(NOW)).give_back(1, 4)
