"""The hub's receipt code: it carries any sale's summary exactly, and anything altered, forged or
signed under another key is refused as a whole."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appliance.core.money import from_cents
from appliance.core.receipt_token import (
    MAX_SIGNED_BYTES,
    PREFIX,
    TAG_BYTES,
    ReceiptCodeError,
    as_sale,
    is_hub_code,
    read,
    sign,
    summarize,
)
from appliance.core.returns import Returned, add_return_line, start_return
from appliance.core.sale import CompletedSale, Discount, DiscountKind, PricedBy, Sale

from .helpers import CARD, CASH, item

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

pieces = st.tuples(st.integers(1, 99_999), st.integers(1, 20), st.integers(0, 20_000), st.sampled_from("ABC"))
weighed = st.tuples(st.integers(1, 99_999), st.integers(1, 30_000), st.integers(0, 9_000), st.sampled_from("ABC"))


@st.composite
def sales(draw: st.DrawFn) -> tuple[CompletedSale, int]:
    """Any sale a till makes: pieces and weighed lines, voids, discounts, split payments."""
    lane = draw(st.integers(1, 999))
    sale = Sale(
        lane_id=lane,
        channel=draw(st.sampled_from(["shop counter", "market stall", "Marché du samedi"])),
        cashier="Alice",
        started_at=NOW,
    )
    for variant, quantity, cents, rate in draw(st.lists(pieces, max_size=6)):
        sale.add(item(variant, str(from_cents(cents)), rate=rate), quantity, merge=False)
    for variant, grams, cents, rate in draw(st.lists(weighed, max_size=4)):
        sale.add_weighed(item(variant, str(from_cents(cents)), rate=rate, weighed=True), grams)
    if not sale.lines:
        sale.add(item(1, "2.50"), 1)
    if len(sale.lines) > 1 and draw(st.booleans()):
        sale.void(draw(st.integers(1, len(sale.lines))))
    if draw(st.booleans()) and sale.totals().total > 0:
        sale.discount_sale(Discount(DiscountKind.PERCENT, Decimal(draw(st.sampled_from(["5", "12.5"]))), "member"))
    total = sale.totals().total
    card = draw(st.integers(0, total))
    if card:
        sale.tender(CARD, from_cents(card))
    if total - card:
        sale.tender(CASH, from_cents(total - card))
    completed = sale.complete(NOW + timedelta(seconds=draw(st.integers(0, 10**8))))
    return completed, draw(st.integers(1, 99_999_999))


def sold(*lines: tuple[int, str, int], grams: int = 0) -> CompletedSale:
    sale = Sale(lane_id=2, channel="market stall", cashier="Bruno", started_at=NOW)
    for variant, price, quantity in lines:
        sale.add(item(variant, price), quantity)
    if grams:
        sale.add_weighed(item(9, "12.90", weighed=True), grams)
    sale.tender(CASH, from_cents(sale.totals().total))
    return sale.complete(NOW)


@settings(max_examples=150)
@given(sales())
def test_the_code_carries_any_sale_summary_exactly_and_fits_a_qr_codes_alphanumeric_mode(
    case: tuple[CompletedSale, int],
) -> None:
    sale, number = case
    code = sign(summarize(sale, number), KEY)
    assert code is not None and code.startswith(PREFIX) and is_hub_code(code)
    assert set(code) <= ALPHANUMERIC
    summary = read(code, KEY)
    assert summary == summarize(sale, number)
    assert summary.completed_at == sale.completed_at.replace(microsecond=0)
    live = [line for line in sale.lines if not line.voided]
    assert [(line.line_no, line.amount, line.vat) for line in summary.lines] == [
        (line.line_no, line.amount, line.vat) for line in live
    ]
    assert read(code.lower(), KEY) == summary  # a scanner in lower case reads the same


@settings(max_examples=100)
@given(sales(), st.data())
def test_any_altered_byte_of_the_signed_bytes_is_refused(case: tuple[CompletedSale, int], data: st.DataObject) -> None:
    sale, number = case
    code = sign(summarize(sale, number), KEY)
    assert code is not None
    body = code[len(PREFIX) :]
    raw = bytearray(base64.b32decode(body + "=" * (-len(body) % 8)))
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] ^= data.draw(st.integers(1, 255))
    altered = PREFIX + base64.b32encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(ReceiptCodeError, match="does not check out"):
        read(altered, KEY)


@settings(max_examples=100)
@given(sales(), st.data())
def test_any_altered_character_of_the_printed_code_is_refused(
    case: tuple[CompletedSale, int], data: st.DataObject
) -> None:
    sale, number = case
    code = sign(summarize(sale, number), KEY)
    assert code is not None
    at = data.draw(st.integers(len(PREFIX), len(code) - 1))
    char = data.draw(st.sampled_from(sorted(ALPHANUMERIC - {code[at], code[at].lower()})))
    altered = code[:at] + char + code[at + 1 :]
    with pytest.raises(ReceiptCodeError):
        read(altered, KEY)


@settings(max_examples=50)
@given(sales())
def test_a_code_signed_under_another_key_is_refused(case: tuple[CompletedSale, int]) -> None:
    sale, number = case
    code = sign(summarize(sale, number), OTHER_KEY)
    assert code is not None
    with pytest.raises(ReceiptCodeError, match="printed outside this hub"):
        read(code, KEY)


def test_cut_short_or_padded_codes_are_refused() -> None:
    code = sign(summarize(sold((1, "2.50", 2)), 42), KEY)
    assert code is not None
    for broken in (code[:-1], code[:-8], code + "A", code + "AAAAAAAA", PREFIX + "A" * 20, PREFIX + "18" * 12):
        with pytest.raises(ReceiptCodeError):
            read(broken, KEY)
    with pytest.raises(ReceiptCodeError, match="not a receipt's return code"):
        read("S00000042L1", KEY)


def test_the_tag_is_at_least_96_bits_and_a_short_key_is_never_used() -> None:
    assert TAG_BYTES * 8 >= 96
    with pytest.raises(ValueError, match="at least 16 bytes"):
        sign(summarize(sold((1, "2.50", 1)), 1), b"short")


def test_plain_codes_and_numbers_are_not_hub_codes() -> None:
    assert not is_hub_code("S00000042L1") and not is_hub_code("42") and not is_hub_code("3760000010719")
    assert not is_hub_code("RT1")


def test_a_sale_too_large_for_a_code_gets_none() -> None:
    big = sold(*((variant, "1.00", 1) for variant in range(100_000, 100_200)))
    assert sign(summarize(big, 1), KEY) is None
    small = sign(summarize(sold((1, "2.50", 1)), 1), KEY)
    assert small is not None and len(small) < MAX_SIGNED_BYTES


def test_a_return_gets_no_code() -> None:
    original = sold((1, "2.50", 2))
    back = start_return(original, lane_id=1, channel="shop counter", cashier="Alice", started_at=NOW)
    add_return_line(back, original, 1, Returned(), quantity=1)
    back.tender(CASH, Decimal("-2.50"))
    with pytest.raises(ValueError, match="only a sale"):
        summarize(back.complete(NOW), 3)


def test_the_sale_read_back_gives_back_the_same_cents_as_the_sale_itself() -> None:
    """A return of another lane's sale, made from its code, refunds what the same return made from the
    sealed sale refunds, line by line, to the cent (VAT too), and names the lane and number."""
    original = sold((1, "2.35", 3), (2, "0.99", 7), grams=734)
    summary = read(sign(summarize(original, 42), KEY) or "", KEY)
    rebuilt = as_sale(summary, {1: "Eggs", 9: "Apples"}, {"A": "5.5 %"}, frozenset({"cash"}))
    assert rebuilt.uuid == original.uuid and rebuilt.lane_id == 2 and rebuilt.channel == "market stall"
    assert rebuilt.lines[0].name == "Eggs" and rebuilt.lines[1].name == "Variant 2"
    assert rebuilt.lines[2].priced_by is PricedBy.WEIGHT and rebuilt.lines[2].weight_g == 734
    assert rebuilt.payments[0].cash and rebuilt.total == original.total
    for line_no, quantity, weight in ((1, 2, 0), (2, 7, 0), (3, 0, 500)):
        here = start_return(rebuilt, lane_id=1, channel="shop counter", cashier="Alice", started_at=NOW)
        there = start_return(original, lane_id=1, channel="shop counter", cashier="Alice", started_at=NOW)
        a = add_return_line(here, rebuilt, line_no, Returned(), quantity=quantity, weight_g=weight, number=42)
        b = add_return_line(there, original, line_no, Returned(), quantity=quantity, weight_g=weight)
        assert (a.refund_cents, a.refund_vat_cents) == (b.refund_cents, b.refund_vat_cents)
        assert a.returns is not None and (a.returns.lane_id, a.returns.number) == (2, 42)
        assert a.returns.as_record() == {"sale_uuid": original.uuid, "line_no": line_no, "lane_id": 2, "number": 42}


@pytest.mark.parametrize("lines", [1, 2, 3, 4, 5])
def test_the_last_character_changed_to_any_other_is_refused_even_where_only_unused_bits_change(lines: int) -> None:
    """Base32's last character may hold bits no byte uses: a decoder alone would not notice them."""
    code = sign(summarize(sold(*((variant, "1.00", 1) for variant in range(1, lines + 1))), 1), KEY)
    assert code is not None
    for char in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".replace(code[-1], ""):
        with pytest.raises(ReceiptCodeError):
            read(code[:-1] + char, KEY)
