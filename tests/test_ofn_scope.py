"""Which lines change what OFN holds (core/ofn_scope.py), and the outbox asking it."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.core.ofn_scope import LeftOut, left_out_of_ofn
from appliance.core.sale import CompletedLine, PricedBy
from appliance.store.sales import _outbox_payload

BAG = "2000000000015"


@pytest.mark.parametrize(
    ("voided", "shelf", "damaged", "why"),
    [
        (False, "", False, None),
        (False, None, False, None),  # a line the view read without a shelf code
        (True, "", False, LeftOut.VOIDED),
        (False, BAG, False, LeftOut.SHELF),
        (False, "", True, LeftOut.DAMAGED),
        (True, BAG, False, LeftOut.VOIDED),  # a void says first that it was never sold
        (True, "", True, LeftOut.VOIDED),
    ],
)
def test_a_line_reaches_ofn_unless_voided_shelf_only_or_damaged(
    voided: bool, shelf: str | None, damaged: bool, why: LeftOut | None
) -> None:
    assert left_out_of_ofn(voided=voided, shelf=shelf, damaged=damaged) is why


def test_the_reasons_are_the_export_s_words() -> None:
    """``not_in_ofn`` in the accounting export, which report hub reads back (docs/channels.md)."""
    assert [reason.value for reason in LeftOut] == ["voided", "shelf", "damaged"]


PLAIN = CompletedLine(
    line_no=1,
    variant_id=10,
    name="Eggs",
    sku="",
    priced_by=PricedBy.EACH,
    quantity=3,
    weight_g=0,
    unit_price=100,
    list_price=100,
    override_reason="",
    discount=None,
    discount_cents=0,
    sale_discount_cents=0,
    amount=300,
    vat_code="A",
    vat_rate_bp=550,
    vat_label="5.5 %",
    vat=16,
    voided=False,
    returns=None,
)


def test_the_outbox_tells_ofn_only_of_the_lines_that_reach_it() -> None:
    lines = (
        PLAIN,
        replace(PLAIN, line_no=2, quantity=5, voided=True),
        replace(PLAIN, line_no=3, variant_id=0, sku=BAG, shelf=BAG, quantity=2),
        replace(PLAIN, line_no=4, variant_id=20, quantity=-1, damaged=True),
        replace(PLAIN, line_no=5, variant_id=20, quantity=-2),
        replace(PLAIN, line_no=6, variant_id=30, priced_by=PricedBy.WEIGHT, quantity=1, weight_g=-600, damaged=True),
    )
    assert _outbox_payload(lines) == {
        "variants": [
            {"variant_id": 10, "quantity": 3, "weight_g": 0},
            {"variant_id": 20, "quantity": -2, "weight_g": 0},
        ]
    }
