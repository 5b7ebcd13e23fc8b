"""The OFN client's mapping of answers to typed results and plain-worded errors (httpx MockTransport)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.sale import PricedBy
from appliance.ofn.client import (
    KeyRejected,
    NotAllowed,
    NotFound,
    OfnClient,
    OfnError,
    OfnUnavailable,
    OrderCycleClosed,
    Refused,
    cents,
    shop_variant,
)

KEY = "0123456789abcdef0123456789abcdef0123456789abcdef"


def client_answering(*answers: Any, seen: list[httpx.Request] | None = None) -> OfnClient:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status)

    return OfnClient("https://ofn.example", KEY, transport=httpx.MockTransport(handler), sleep=lambda s: None)


def test_a_rejected_key_says_to_reprovision_and_never_shows_the_key() -> None:
    client = client_answering((401, {"error": f"Invalid API key ({KEY}) specified."}))
    with pytest.raises(KeyRejected) as caught:
        client.order("R123456789")
    assert "re-provision" in str(caught.value) and KEY not in str(caught.value)


def test_a_user_who_does_not_manage_the_hub_is_told_so() -> None:
    with pytest.raises(NotAllowed):
        client_answering((401, {"error": "You are not authorized to perform that action."})).order("R1")


def test_a_closed_cycle_names_the_config_key_to_change() -> None:
    client = client_answering((404, {}))
    with pytest.raises(OrderCycleClosed) as caught:
        list(client.shop_pages(12, 3))
    assert "ofn.order_cycle_id" in str(caught.value)


def test_a_422_carries_ofns_own_words() -> None:
    body = {
        "error": "Invalid resource. Please fix errors and try again.",
        "errors": {"quantity": ['"Leeks" is out of stock.']},
    }
    with pytest.raises(Refused) as caught:
        client_answering((422, body)).add("R1", 5, 2, "H12345678901")
    assert '"Leeks" is out of stock.' in str(caught.value)


def test_reads_are_retried_on_5xx_and_dropped_connections_then_succeed() -> None:
    seen: list[httpx.Request] = []
    order = {"number": "R1", "state": "complete", "line_items": [], "total": "0.0"}
    client = client_answering((502, None), httpx.RemoteProtocolError("dropped"), (200, order), seen=seen)
    assert client.order("R1").number == "R1"
    assert len(seen) == 3 and all(r.headers["X-Spree-Token"] == KEY for r in seen)


def test_reads_give_up_after_three_attempts_with_a_transient_error() -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(OfnUnavailable) as caught:
        client_answering((504, None), seen=seen).order("R1")
    assert len(seen) == 3 and caught.value.transient


def test_writes_are_sent_once_even_when_the_answer_is_lost() -> None:
    """add/remove are not idempotent: only the sync engine, after reading the order, may resend."""
    seen: list[httpx.Request] = []
    with pytest.raises(OfnUnavailable):
        client_answering(httpx.ReadTimeout("slow"), seen=seen).add("R1", 5, 1, None)
    assert len(seen) == 1 and seen[0].method == "POST" and seen[0].url.path == "/api/v0/orders/R1/shipments"


def test_not_found_and_other_statuses_are_errors_not_tracebacks() -> None:
    with pytest.raises(NotFound):
        client_answering((404, {"error": "The resource you were looking for could not be found."})).order("R9")
    with pytest.raises(OfnError) as caught:
        client_answering((418, {"error": "teapot"})).order("R9")
    assert "418" in str(caught.value) and "teapot" in str(caught.value)
    with pytest.raises(OfnUnavailable):
        client_answering((200, None)).order("R9")


@given(st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2))
def test_decimal_strings_become_exact_cents(amount: Decimal) -> None:
    assert cents(str(amount)) == int(amount * 100)


@given(st.text(max_size=12))
def test_anything_that_is_not_an_amount_is_a_clear_error(text: str) -> None:
    try:
        value = Decimal(text)
        well_formed = value.is_finite() and value == value.quantize(Decimal("0.01"))
    except ArithmeticError:
        well_formed = False
    if not well_formed:
        with pytest.raises(OfnError):
            cents(text)


def test_weighed_variants_are_priced_per_kg_from_their_unit() -> None:
    data = {
        "id": 7,
        "product_name": "Carrots",
        "sku": "",
        "price": "1.25",
        "unit_value": 500.0,
        "unit_price_unit": "kg",
        "on_demand": False,
        "on_hand": 40,
    }
    variant = shop_variant(data, {7: 1})
    assert (variant.priced_by, variant.unit_grams, variant.price, variant.tax_category_id) == (
        PricedBy.WEIGHT,
        500,
        250,
        1,
    )
    each = shop_variant({**data, "unit_price_unit": "item", "unit_value": 1.0, "on_demand": True}, {})
    assert (each.priced_by, each.price, each.on_hand, each.tax_category_id) == (PricedBy.EACH, 125, None, None)
