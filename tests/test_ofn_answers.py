"""Every field the box reads from OFN is checked for type and range (httpx MockTransport, Hypothesis).

Whatever JSON OFN (or a proxy pretending to be it) sends, the client either returns well-typed
results within their ranges or raises UnexpectedAnswer naming the path, the field and the value:
never a KeyError, TypeError, ValueError or InvalidOperation, and nothing unchecked reaches the
catalogue or the sync engine.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.core.sale import PricedBy
from appliance.ofn.answers import (
    CODE,
    MAX_ID,
    MAX_PRICE,
    MAX_QUANTITY,
    MAX_STOCK,
    MAX_TOTAL,
    MAX_UNIT_VALUE,
)
from appliance.ofn.client import OfnClient, Order, UnexpectedAnswer, shop_variant
from appliance.ofn.daemon import Daemon
from appliance.store.catalogue import Variant
from appliance.store.database import open_store
from appliance.store.sync_state import read_status
from appliance.till import Till

SHOP = "/api/v0/order_cycles/12/products"
DROP = object()  # a key the answer leaves out


def answering(routes: dict[str, Any]) -> OfnClient:
    """A client whose OFN answers each path's JSON (raw, so NaN and Infinity get through) on page 1."""

    def handler(request: httpx.Request) -> httpx.Response:
        body = routes.get(request.url.path, {})
        if request.url.params.get("page", "1") != "1":
            body = [] if isinstance(body, list) else {"orders": [], "products": []}
        return httpx.Response(200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})

    return OfnClient("https://ofn.example", "key", transport=httpx.MockTransport(handler), sleep=lambda s: None)


def catalogue(products: Any) -> list[Variant]:
    client = answering({SHOP: products})
    return [shop_variant(data, {}) for page in client.shop_pages(12, 3) for data in page]


def variant(**changes: Any) -> dict[str, Any]:
    data = {
        "id": 34,
        "product_name": "Apples",
        "name_to_display": "Apples",
        "sku": "APL-1KG",
        "unit_value": 1000.0,
        "unit_price_unit": "kg",
        "price": "5.0",
        "price_with_fees": "5.5",
        "on_demand": False,
        "on_hand": 20,
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not DROP}


def order(**changes: Any) -> dict[str, Any]:
    data = {
        "number": "R123456789",
        "state": "complete",
        "payment_state": "balance_due",
        "shipment_state": "pending",
        "order_cycle": {"id": 12},
        "email": "a@example.org",
        "full_name": "Ada L",
        "total": "12.50",
        "payment_total": "0.0",
        "completed_at_utc_iso8601": "2026-03-02T08:00:00Z",
        "line_items": [
            {"id": 1, "quantity": 2, "price": "5.0", "tax_category_id": 1, "variant": variant()},
            {"id": 2, "quantity": 1, "price": "2.5", "tax_category_id": None, "variant": variant(id=35)},
        ],
        "payments": [{"amount": "12.5", "state": "pending"}],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not DROP}


def unexpected(call: Any) -> str:
    with pytest.raises(UnexpectedAnswer) as caught:
        call()
    assert not caught.value.transient
    return str(caught.value)


def test_a_good_page_and_a_good_order_come_through_typed() -> None:
    [apples] = catalogue([{"id": 1, "variants": [variant()]}])
    assert (apples.id, apples.price, apples.fee, apples.priced_by, apples.unit_grams, apples.on_hand) == (
        34,
        550,  # the box sells at OFN's price with the cycle's fees (5.00 + 0.50)
        50,
        PricedBy.WEIGHT,
        1000,
        20,
    )
    read = answering({"/api/v0/orders/R123456789": order()}).order("R123456789")
    assert read.quantities() == {34: 2, 35: 1} and (read.total, read.pending_payment) == (1250, 1250)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"price": "-1.00"}, "variant 34.price, '-1.00'"),
        ({"price": "2000000.00"}, "variant 34.price, '2000000.00'"),
        ({"price": "1.234"}, "variant 34.price, '1.234'"),
        (
            {"price": "500000.0", "price_with_fees": "500000.0", "unit_value": 10.0},
            "variant 34.price_with_fees, '500000.0' (at most 1,000,000.00 a kg",
        ),
        ({"price": DROP}, "variant 34.price, missing"),
        ({"price": True}, "variant 34.price, True"),
        ({"unit_value": 0}, "variant 34.unit_value, 0"),
        ({"unit_value": -500.0}, "variant 34.unit_value, -500.0"),
        ({"unit_value": "500"}, "variant 34.unit_value, '500'"),
        ({"unit_value": float("nan")}, "variant 34.unit_value, nan"),
        ({"unit_value": 10**400}, "variant 34.unit_value, 1000000000"),
        ({"on_hand": 10**8}, "variant 34.on_hand, 100000000"),
        ({"on_hand": -1}, "variant 34.on_hand, -1"),
        ({"on_hand": True}, "variant 34.on_hand, True"),
        ({"on_hand": "20"}, "variant 34.on_hand, '20'"),
        ({"on_hand": 2.5}, "variant 34.on_hand, 2.5"),
        ({"on_demand": 1}, "variant 34.on_demand, 1"),
        ({"id": "34"}, "products[0].variants[0].id, '34'"),
        ({"id": 34.0}, "products[0].variants[0].id, 34.0"),
        ({"id": 0}, "products[0].variants[0].id, 0"),
        ({"sku": 7}, "variant 34.sku, 7"),
        ({"name_to_display": {"en": "Apples"}}, "variant 34.name_to_display, {'en': 'Apples'}"),
    ],
)
def test_a_wrong_variant_field_is_named_with_the_path_and_its_value(changes: dict[str, Any], named: str) -> None:
    message = unexpected(lambda: catalogue([{"id": 1, "variants": [variant(**changes)]}]))
    assert message.startswith(f"OFN answered something unexpected at {SHOP}: {named}")
    assert "sales wait in the box" in message


def test_a_price_with_fees_below_the_price_is_refused() -> None:
    """OFN adds fees; it never takes them off: a shopfront saying so is misbehaving."""
    assert "variant 34.price_with_fees, '4.5'" in unexpected(
        lambda: catalogue([{"id": 1, "variants": [variant(price_with_fees="4.5")]}])
    )


def test_wrong_shapes_of_the_shopfront_are_unexpected_answers() -> None:
    assert "the answer, {'products': []}" in unexpected(lambda: catalogue({"products": []}))
    assert "products[0], 'Apples'" in unexpected(lambda: catalogue(["Apples"]))
    assert "products[0].variants, {'id': 34}" in unexpected(lambda: catalogue([{"variants": {"id": 34}}]))
    assert "products[0].variants, missing" in unexpected(lambda: catalogue([{"id": 1}]))


def test_on_demand_stock_may_be_anything_sane_and_is_not_kept() -> None:
    [bread] = catalogue([{"id": 1, "variants": [variant(on_demand=True, on_hand=-3, unit_price_unit="item")]}])
    assert (bread.on_hand, bread.on_demand, bread.priced_by, bread.price) == (None, True, PricedBy.EACH, 550)
    assert "on_hand" in unexpected(lambda: catalogue([{"id": 1, "variants": [variant(on_demand=True, on_hand=1e300)]}]))


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"line_items": {"0": {}}}, "line_items, {'0': {}}"),
        ({"line_items": DROP}, "line_items, missing"),
        ({"number": "R987654321"}, "number, 'R987654321' (the order asked for, R123456789)"),
        ({"state": None}, "state, None"),
        ({"total": "12.345"}, "total, '12.345'"),
        ({"total": "NaN"}, "total, 'NaN'"),
        ({"total": float("inf")}, "total, inf"),
        ({"payment_total": [1]}, "payment_total, [1]"),
        ({"order_cycle": {"id": "12"}}, "order_cycle.id, '12'"),
        ({"payments": [{"amount": "1e99", "state": "pending"}]}, "payments[0].amount, '1e99'"),
        ({"payments": "none"}, "payments, 'none'"),
    ],
)
def test_a_wrong_order_field_is_named(changes: dict[str, Any], named: str) -> None:
    client = answering({"/api/v0/orders/R123456789": order(**changes)})
    assert f"at /api/v0/orders/R123456789: {named}" in unexpected(lambda: client.order("R123456789"))


@pytest.mark.parametrize(
    ("line", "named"),
    [
        ({"quantity": 1.5}, "line_items[0].quantity, 1.5"),
        ({"quantity": "2"}, "line_items[0].quantity, '2'"),
        ({"quantity": False}, "line_items[0].quantity, False"),
        ({"quantity": -1}, "line_items[0].quantity, -1"),
        ({"quantity": MAX_QUANTITY + 1}, "line_items[0].quantity, 10000001"),
        ({"price": "-5.0"}, "line_items[0].price, '-5.0'"),
        ({"variant": None}, "line_items[0].variant, None"),
        ({"variant": {"name": "x"}}, "line_items[0].variant.id, missing"),
        ({"variant": variant(id=35)}, "line_items[1].variant.id, 35 (one line per variant)"),
        ({"tax_category_id": "1"}, "line_items[0].tax_category_id, '1'"),
    ],
)
def test_a_wrong_line_item_is_named(line: dict[str, Any], named: str) -> None:
    good = {"id": 1, "quantity": 2, "price": "5.0", "tax_category_id": 1, "variant": variant()}
    body = order(line_items=[{**good, **line}, {**good, "variant": variant(id=35)}])
    client = answering({"/api/v0/orders/R123456789": body})
    assert f"at /api/v0/orders/R123456789: {named}" in unexpected(lambda: client.order("R123456789"))


def test_listings_shipments_and_tax_categories_are_checked_too() -> None:
    listing = {"orders": [{"number": "../../products", "state": "complete"}], "pagination": None}
    assert "orders[0].number, '../../products'" in unexpected(
        lambda: answering({"/api/v0/orders": listing}).orders(3, 12)
    )
    runaway = {"orders": [], "pagination": {"pages": 10**9}}
    assert "pagination.pages, 1000000000" in unexpected(lambda: answering({"/api/v0/orders": runaway}).orders(3, 12))
    counted = {"orders": [{"number": "R1", "state": "complete", "item_count": "3"}], "pagination": None}
    assert "orders[0].item_count, '3'" in unexpected(lambda: answering({"/api/v0/orders": counted}).orders(3, 12))
    shipment = {"number": "H1/../../x"}
    client = answering({"/api/v0/orders/R1/shipments": shipment})
    assert "number, 'H1/../../x'" in unexpected(lambda: client.add("R1", 34, 1, None))
    taxes = {"products": [{"variants": [{"id": 34, "tax_category_id": 1.0}]}], "pagination": None}
    client = answering({"/api/v0/products/bulk_products": taxes})
    assert "variant 34.tax_category_id, 1.0" in unexpected(client.tax_categories)


def test_a_listing_that_checks_out_keeps_ofns_values_for_the_pickup_refresh() -> None:
    summary = {"number": "R1", "state": "complete", "total": "12.5", "payment_total": "0.0", "item_count": 2, "x": 1}
    found = answering({"/api/v0/orders": {"orders": [summary], "pagination": None}}).orders(3, 12)
    assert found == [{**{k: v for k, v in summary.items() if k != "x"}, "payment_state": None, "shipment_state": None}]


def test_a_shopfront_that_never_ends_is_an_unexpected_answer() -> None:
    """A full page every time (a proxy ignoring ``page``) would keep a refresh going for ever."""
    full = [{"id": n, "variants": [variant(id=n)]} for n in range(1, 101)]
    seen: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(int(request.url.params["page"]))
        return httpx.Response(200, json=full)

    client = OfnClient("https://ofn.example", "key", transport=httpx.MockTransport(handler), sleep=lambda s: None)
    assert "page, 1001" in unexpected(lambda: list(client.shop_pages(12, 3)))
    assert seen[-1] == 1000


def test_the_daemon_shows_an_unexpected_answer_and_writes_nothing_of_that_page(
    config: Config, till: Till, clock: SteppingClock
) -> None:
    before = till.db.conn.execute("SELECT count(*) FROM variant").fetchone()[0]
    routes = {
        "/api/v0/products/bulk_products": {"products": [], "pagination": None},
        f"/api/v0/order_cycles/{config.order_cycle_id}/products": [
            {"id": 1, "variants": [variant(id=9001), variant(id=9002, on_hand=10**9)]}
        ],
    }
    db = open_store(config.store_path)
    try:
        Daemon(config, db, answering(routes), clock).run_once(catalogue=True)
        status = read_status(db.conn, clock.now())
    finally:
        db.close()
    assert status.state == "attention" and "variant 9002.on_hand, 1000000000" in status.message
    assert till.db.conn.execute("SELECT count(*) FROM variant").fetchone()[0] == before
    assert not till.db.conn.execute("SELECT 1 FROM variant WHERE id = 9001").fetchone()


# -- properties: arbitrary JSON in, typed results or UnexpectedAnswer out -------------------------

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**400), max_value=10**400)  # beyond a float, within Python's json
    | st.floats()  # NaN and infinities included: Python's json reads them
    | st.text(max_size=12)
    | st.sampled_from(["5.0", "1.25", "-1", "1e3", "NaN", "Infinity", "0.001", "R1", "kg", "", "H12345678901"])
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)


@st.composite
def near(draw: st.DrawFn, good: dict[str, Any]) -> dict[str, Any]:
    """A good object with some fields dropped or replaced by any JSON at all."""
    result = dict(good)
    for key in draw(st.lists(st.sampled_from(sorted(good)), max_size=4, unique=True)):
        if draw(st.booleans()):
            del result[key]
        else:
            result[key] = draw(json_values)
    return result


def sane_variant(v: Variant) -> None:
    assert type(v.id) is int and 1 <= v.id <= MAX_ID
    assert type(v.price) is int and 0 <= v.price <= MAX_PRICE
    assert isinstance(v.name, str) and isinstance(v.sku, str) and v.tax_category_id is None
    assert type(v.on_demand) is bool and (v.on_hand is None) == v.on_demand
    assert v.on_hand is None or (type(v.on_hand) is int and 0 <= v.on_hand <= MAX_STOCK)
    if v.priced_by is PricedBy.WEIGHT:
        assert type(v.unit_grams) is int and 1 <= v.unit_grams <= MAX_UNIT_VALUE
    else:
        assert v.priced_by is PricedBy.EACH and v.unit_grams is None


def sane_order(o: Order) -> None:
    assert CODE.fullmatch(o.number) and isinstance(o.state, str)
    assert all(s is None or isinstance(s, str) for s in (o.payment_state, o.shipment_state))
    assert o.order_cycle_id is None or (type(o.order_cycle_id) is int and o.order_cycle_id >= 1)
    assert all(isinstance(s, str) for s in (o.email, o.full_name, o.completed_at))
    assert all(type(a) is int and -MAX_TOTAL <= a <= MAX_TOTAL for a in (o.total, o.paid))
    assert o.pending_payment is None or (type(o.pending_payment) is int and abs(o.pending_payment) <= MAX_TOTAL)
    assert len({line.variant_id for line in o.lines}) == len(o.lines)
    for line in o.lines:
        assert type(line.variant_id) is int and 1 <= line.variant_id <= MAX_ID
        assert type(line.quantity) is int and 0 <= line.quantity <= MAX_QUANTITY
        assert type(line.price) is int and 0 <= line.price <= MAX_PRICE
        assert isinstance(line.name, str)
        assert line.tax_category_id is None or type(line.tax_category_id) is int


def page_or_unexpected(products: Any) -> None:
    try:
        variants = catalogue(products)
    except UnexpectedAnswer:
        return
    for v in variants:
        sane_variant(v)


def order_or_unexpected(body: Any) -> None:
    try:
        read = answering({"/api/v0/orders/R123456789": body}).order("R123456789")
    except UnexpectedAnswer:
        return
    sane_order(read)


@given(json_values)
def test_any_json_as_a_shopfront_page_is_typed_or_unexpected(products: Any) -> None:
    page_or_unexpected(products)


@given(st.lists(st.fixed_dictionaries({"id": st.integers(1, 9), "variants": st.lists(near(variant()), max_size=3)})))
def test_a_page_of_nearly_right_variants_is_typed_or_unexpected(products: list[dict[str, Any]]) -> None:
    page_or_unexpected(products)


@given(json_values)
def test_any_json_as_an_order_is_typed_or_unexpected(body: Any) -> None:
    order_or_unexpected(body)


@given(near(order()), st.lists(near(order()["line_items"][0]), max_size=3), st.lists(near({"amount": "1.0"})))
def test_a_nearly_right_order_is_typed_or_unexpected(
    body: dict[str, Any], lines: list[dict[str, Any]], payments: list[dict[str, Any]]
) -> None:
    order_or_unexpected({**body, "line_items": lines, "payments": payments})
    order_or_unexpected(body)


def test_a_price_per_kg_is_rounded_half_away_from_zero_as_every_amount() -> None:
    """One cent for 400 g is 2.5 cents a kg: the till's rule says 3, where banker's rounding says 2."""
    item = variant(price="0.01", price_with_fees="0.01", unit_value=400.0)  # 1 cent for 400 g: 2.5 cents a kg
    [weighed] = catalogue([{"id": 1, "variants": [item]}])
    assert weighed.price == 3
