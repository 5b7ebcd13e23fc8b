"""The sandbox answers with OFN's field names, types, auth rules and error bodies (docs/ofn-setup.md).

These are the shapes the box's client reads; if the sandbox drifted from OFN, the sync tests
would prove a client that fails against the real thing.
"""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import validators
from openapi_schema_validator import OAS30Validator

from .ofn_sandbox import Sandbox, running_sandbox

SCHEMAS = json.loads((Path(__file__).parent / "contracts" / "ofn-v1-schemas.json").read_text())
DECIMAL = re.compile(r"^-?\d+\.\d+$")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(tmp_path_factory.mktemp("ofn")) as running:
        yield running


def get(sandbox: Sandbox, path: str, key: str | None = "v0", **params: Any) -> httpx.Response:
    headers = {"X-Spree-Token": sandbox.api_key} if key == "v0" else {"X-Api-Token": sandbox.api_key} if key else {}
    return httpx.get(sandbox.url + path, params=params, headers=headers, timeout=10)


def _is_decimal(checker: Any, instance: Any) -> bool:
    """OFN's generated spec types amounts as "decimal", which OpenAPI lacks; OFN sends them as strings."""
    return isinstance(instance, str) and bool(DECIMAL.match(instance))


VALIDATOR = validators.extend(OAS30Validator, type_checker=OAS30Validator.TYPE_CHECKER.redefine("decimal", _is_decimal))


def v1_valid(schema: str, body: Any) -> None:
    validator = VALIDATOR({**SCHEMAS["components"]["schemas"][schema], "components": SCHEMAS["components"]})
    validator.validate(body)


VARIANT_FIELDS = {
    "id": int, "product_name": str, "sku": str, "options_text": str, "unit_value": float, "unit_description": str,
    "unit_to_display": str, "name_to_display": str, "price": str, "on_demand": bool, "on_hand": int, "fees": dict,
    "fees_name": dict, "price_with_fees": str, "tag_list": list, "thumb_url": str, "unit_price_price": str,
    "unit_price_unit": str, "enterprise": dict, "producer": dict,
}  # fmt: skip


def test_shop_products_is_a_bare_array_of_ten_with_decimal_strings_and_only_sellable_variants(sandbox: Sandbox) -> None:
    response = get(sandbox, f"/api/v0/order_cycles/{sandbox.open_oc}/products", key=None, distributor=sandbox.hub_id)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    products = response.json()
    assert isinstance(products, list) and len(products) == 10
    for product in products:
        assert {"id", "name", "variants", "image", "properties_with_values", "description_html"} <= set(product)
        for variant in product["variants"]:
            for name, kind in VARIANT_FIELDS.items():
                assert isinstance(variant[name], kind), (name, variant[name])
            assert DECIMAL.match(variant["price"]) and DECIMAL.match(variant["unit_price_price"])
            assert variant["on_demand"] or variant["on_hand"] > 0
            assert "tax_category_id" not in variant
    names = [p["name"] for p in products]
    assert names == sorted(names)


def test_a_closed_cycle_answers_404_with_an_empty_object_and_an_unknown_one_422(sandbox: Sandbox) -> None:
    closed = get(sandbox, f"/api/v0/order_cycles/{sandbox.closed_oc}/products", distributor=sandbox.hub_id)
    assert (closed.status_code, closed.json()) == (404, {})
    unknown = get(sandbox, "/api/v0/order_cycles/999/products", distributor=sandbox.hub_id)
    assert unknown.status_code == 422 and "exception" in unknown.json()


def test_bulk_products_carry_tax_categories_and_a_pagination_object(sandbox: Sandbox) -> None:
    body = get(sandbox, "/api/v0/products/bulk_products").json()
    assert set(body) == {"products", "pagination"} and len(body["products"]) == 15
    assert set(body["pagination"]) == {"results", "pages", "page", "per_page"}
    variant = body["products"][0]["variants"][0]
    assert isinstance(variant["tax_category_id"], int) and DECIMAL.match(variant["price"])
    assert get(sandbox, "/api/v0/products/bulk_products", key=None).json()["products"] == []


def test_orders_are_paginated_only_when_asked_and_keep_ofns_quirks(sandbox: Sandbox) -> None:
    everything = get(sandbox, "/api/v0/orders", **{"q[order_cycle_id_eq]": sandbox.open_oc}).json()
    assert everything["pagination"] is None and len(everything["orders"]) >= 32
    paged = get(sandbox, "/api/v0/orders", per_page=5).json()
    assert paged["pagination"]["per_page"] == 5 and len(paged["orders"]) == 5
    counter = next(o for o in everything["orders"] if o["number"] == sandbox.lanes["1"])
    assert counter["phone"] == "a", "OFN's placeholder when an order has no bill address"
    assert re.match(r"^[A-Z][a-z]+ \d{2}, \d{4}$", counter["completed_at"])
    assert re.match(r"^\d{4}-\d{2}-\d{2}T", counter["completed_at_utc_iso8601"])
    assert counter["display_total"].startswith("<span") and DECIMAL.match(counter["total"])
    assert counter["distributor"] == {"id": sandbox.hub_id} and counter["order_cycle"] == {"id": sandbox.open_oc}
    customer = next(o for o in everything["orders"] if o["item_count"] > 0)
    detail = get(sandbox, f"/api/v0/orders/{customer['number']}").json()
    line = detail["line_items"][0]
    assert set(line) == {"id", "quantity", "max_quantity", "price", "order_id", "tax_category_id", "variant"}
    assert isinstance(line["quantity"], int) and DECIMAL.match(line["price"])
    assert {"shipping_method", "bill_address", "ship_address", "payments", "adjustments", "customer_id"} <= set(detail)


def test_auth_missing_key_is_anonymous_wrong_key_is_401_with_ofns_bodies(sandbox: Sandbox) -> None:
    anonymous = get(sandbox, "/api/v0/orders", key=None)
    assert (anonymous.status_code, anonymous.json()) == (
        401,
        {"error": "You are not authorized to perform that action."},
    )
    wrong_v0 = httpx.get(f"{sandbox.url}/api/v0/orders", headers={"X-Spree-Token": "nope"}, timeout=10)
    assert (wrong_v0.status_code, wrong_v0.json()) == (401, {"error": "Invalid API key (nope) specified."})
    wrong_v1 = httpx.get(f"{sandbox.url}/api/v1/customers", headers={"X-Api-Token": "nope"}, timeout=10)
    assert wrong_v1.json() == {"errors": [{"detail": "Invalid API key (nope) specified."}]}
    v1_valid("error_response", wrong_v1.json())
    by_query = httpx.get(f"{sandbox.url}/api/v0/orders", params={"token": sandbox.api_key, "per_page": 1}, timeout=10)
    assert by_query.status_code == 200
    v1_header_on_v0 = httpx.get(f"{sandbox.url}/api/v0/orders", headers={"X-Api-Token": sandbox.api_key}, timeout=10)
    assert v1_header_on_v0.status_code == 401, "v0 reads X-Spree-Token, not v1's header"


def test_unknown_order_is_ofns_404_body(sandbox: Sandbox) -> None:
    missing = get(sandbox, "/api/v0/orders/R000000000")
    assert (missing.status_code, missing.json()) == (
        404,
        {"error": "The resource you were looking for could not be found."},
    )


def test_v1_customers_validate_against_ofns_openapi_and_upsert_by_email(sandbox: Sandbox) -> None:
    headers = {"X-Api-Token": sandbox.api_key}
    listing = httpx.get(f"{sandbox.url}/api/v1/customers", headers=headers, params={"per_page": 5}, timeout=10).json()
    v1_valid("customers_collection", listing)
    assert listing["links"]["prev"] is None and listing["meta"]["pagination"]["per_page"] == 5
    payload = {"customer": {"email": "New@Example.org", "enterprise_id": sandbox.hub_id, "first_name": "Zoé"}}
    first = httpx.post(f"{sandbox.url}/api/v1/customers", headers=headers, json=payload, timeout=10)
    again = httpx.post(f"{sandbox.url}/api/v1/customers", headers=headers, json=payload, timeout=10)
    assert first.status_code == again.status_code == 201
    v1_valid("customer", first.json())
    assert first.json()["data"]["id"] == again.json()["data"]["id"]
    bad = httpx.post(f"{sandbox.url}/api/v1/customers", headers=headers, json={"customer": {"id": 3}}, timeout=10)
    assert bad.status_code == 422 and bad.json()["errors"][0]["detail"] == "Parameters not allowed in this request: id"
    v1_valid("error_response", bad.json())


def test_customer_credit_is_prefixed_and_keeps_a_running_balance(sandbox: Sandbox) -> None:
    headers = {"X-Api-Token": sandbox.api_key}
    customer_id = httpx.get(f"{sandbox.url}/api/v1/customers", headers=headers, timeout=10).json()["data"][0]["id"]
    body = {"customer_account_transaction": {"customer_id": int(customer_id), "amount": "10.25", "description": "POS"}}
    first = httpx.post(f"{sandbox.url}/api/v1/customer_account_transaction", headers=headers, json=body, timeout=10)
    second = httpx.post(f"{sandbox.url}/api/v1/customer_account_transaction", headers=headers, json=body, timeout=10)
    assert first.status_code == 201
    v1_valid("customer_account_transaction", first.json())
    attributes = second.json()["data"]["attributes"]
    assert attributes["description"] == "API credit: POS"
    assert (
        DECIMAL.match(attributes["balance"])
        and float(attributes["balance"]) - float(first.json()["data"]["attributes"]["balance"]) == 10.25
    )


def test_customer_credit_answers_as_ofns_controller_does(sandbox: Sandbox) -> None:
    """OFN's spec (spec/requests/api/v1/customer_account_transaction_spec.rb): 404 for an unknown
    customer, 422 for a missing amount (with the validation error), an unpermitted key or no body,
    401 for a customer of an enterprise the key's user does not manage; a negative amount debits."""
    headers = {"X-Api-Token": sandbox.api_key}
    url = f"{sandbox.url}/api/v1/customer_account_transaction"
    (foreign,) = sandbox.admin("POST", "customers", {"customers": [{"email": "x@elsewhere.org", "enterprise_id": 99}]})[
        "added"
    ]
    (mine,) = sandbox.admin("POST", "customers", {"customers": [{"email": "debit@example.org"}]})["added"]

    def post(fields: dict[str, object]) -> httpx.Response:
        return httpx.post(url, headers=headers, json={"customer_account_transaction": fields}, timeout=10)

    unknown = post({"customer_id": 999999, "amount": "1.00"})
    assert unknown.status_code == 404
    assert unknown.json() == {"errors": [{"detail": "The resource you were looking for could not be found."}]}
    missing = post({"customer_id": mine})
    assert missing.status_code == 422 and missing.json()["meta"] == {"validation_errors": ["Amount can't be blank"]}
    extra = post({"customer_id": mine, "amount": "1", "id": 3})
    assert (
        extra.status_code == 422 and extra.json()["errors"][0]["detail"] == "Parameters not allowed in this request: id"
    )
    empty = httpx.post(url, headers=headers, json={}, timeout=10)
    assert empty.json() == {
        "errors": [{"detail": "A required parameter is missing or empty: customer_account_transaction"}]
    }
    assert post({"customer_id": foreign, "amount": "1.00"}).status_code == 401
    debit = post({"customer_id": mine, "amount": "-4.50", "description": "sale"})
    assert debit.status_code == 201
    assert debit.json()["data"]["attributes"]["balance"] == debit.json()["data"]["attributes"]["amount"]
    assert Decimal(debit.json()["data"]["attributes"]["balance"]) == Decimal("-4.5")
    zero = post({"customer_id": mine, "amount": "0", "description": "read"})
    assert zero.status_code == 201 and Decimal(zero.json()["data"]["attributes"]["balance"]) == Decimal("-4.5")


def test_shipment_add_beyond_stock_is_a_422_with_ofns_words_and_changes_nothing(sandbox: Sandbox) -> None:
    headers = {"X-Spree-Token": sandbox.api_key}
    number = sandbox.lanes["2"]
    stock = sandbox.stock()
    variant = next(v for v, n in sorted(stock.items()) if 0 < n < 1000)
    add = httpx.post(
        f"{sandbox.url}/api/v0/orders/{number}/shipments",
        headers=headers,
        json={"variant_id": variant, "quantity": stock[variant] + 1},
        timeout=10,
    )
    assert add.status_code == 422
    assert add.json()["error"] == "Invalid resource. Please fix errors and try again."
    assert "out of stock" in add.json()["errors"]["quantity"][0]
    assert sandbox.stock()[variant] == stock[variant] and str(variant) not in sandbox.state()["orders"][number]
    ok = httpx.post(
        f"{sandbox.url}/api/v0/orders/{number}/shipments",
        headers=headers,
        json={"variant_id": variant, "quantity": 1},
        timeout=10,
    )
    assert ok.status_code == 200 and set(ok.json()) == {
        "id",
        "tracking",
        "number",
        "order_id",
        "cost",
        "shipped_at",
        "state",
    }
    assert re.match(r"^H\d{11}$", ok.json()["number"]) and ok.json()["order_id"] == number
    assert sandbox.stock()[variant] == stock[variant] - 1, "a completed order moves stock at once"
    shipment = ok.json()["number"]
    removed = httpx.put(
        f"{sandbox.url}/api/v0/orders/{number}/shipments/{shipment}/remove",
        headers=headers,
        json={"variant_id": variant, "quantity": 1, "restock_item": "true"},
        timeout=10,
    )
    assert removed.status_code == 200 and sandbox.stock()[variant] == stock[variant]
    gone = httpx.put(
        f"{sandbox.url}/api/v0/orders/{number}/shipments/{shipment}/remove",
        headers=headers,
        json={"variant_id": variant, "quantity": 1},
        timeout=10,
    )
    assert gone.status_code == 404


def test_adding_a_variant_ofn_does_not_have_is_a_404(sandbox: Sandbox) -> None:
    """OFN looks the variant up with ``Spree::Variant.find``: RecordNotFound is its 404."""
    headers = {"X-Spree-Token": sandbox.api_key}
    unknown = httpx.post(
        f"{sandbox.url}/api/v0/orders/{sandbox.lanes['2']}/shipments",
        headers=headers,
        json={"variant_id": 424242, "quantity": 1},
        timeout=10,
    )
    assert unknown.status_code == 404


def test_capture_without_a_pending_payment_is_ofns_422(sandbox: Sandbox) -> None:
    headers = {"X-Spree-Token": sandbox.api_key}
    response = httpx.put(f"{sandbox.url}/api/v0/orders/{sandbox.lanes['1']}/capture", headers=headers, timeout=10)
    assert response.status_code == 422
    assert response.json() == {"error": "Payment could not be processed, please check the details you entered"}


def test_state_survives_a_restart(tmp_path: Path) -> None:
    with running_sandbox(tmp_path) as first:
        first.admin("POST", "stock", {"variant_id": 1001, "on_hand": 7})
        key = first.api_key
    with running_sandbox(tmp_path) as second:
        assert second.api_key == key and second.stock()[1001] == 7 and second.lanes == first.lanes


def ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_the_sandbox_serves_on_the_ipv6_loopback_it_offers(tmp_path: Path) -> None:
    """``--host ::1`` is one of the two addresses the command offers; it once died binding an IPv4
    socket to it, and the URL it printed had no brackets."""
    with running_sandbox(tmp_path, "--host", "::1", "--port", "0") as running:
        assert re.fullmatch(r"http://\[::1\]:\d+", running.url), running.url
        assert get(running, "/api/v0/orders/" + running.lanes["1"]).status_code == 200
