"""The OFN API subset the box uses, answered the way OFN answers it.

Routes, field names, decimals as strings, localized dates, pagination and error bodies follow
OFN's controllers and serializers; docs/ofn-setup.md describes each and where it matters to the
box. ``Api.handle`` is plain data in, plain data out, so tests can call it without sockets.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .state import HUB_ID, NotFound, Refused, Store, decimal_text

NOT_FOUND = {"error": "The resource you were looking for could not be found."}
NOT_AUTHORIZED = {"error": "You are not authorized to perform that action."}
INVALID = "Invalid resource. Please fix errors and try again."


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    headers: dict[str, str]
    anonymous: bool = False


@dataclass(frozen=True)
class Response:
    status: int
    body: Any
    changed: bool = False  # the request changed OFN's state (what a dropped answer loses)


Handler = Callable[["Api", Request, re.Match[str]], Response]
ROUTES: list[tuple[str, re.Pattern[str], str, Handler]] = []


def route(method: str, pattern: str, name: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES.append((method, re.compile(f"^{pattern}$"), name, handler))
        return handler

    return register


def route_name(method: str, path: str) -> str | None:
    """The name fault switches use for a route (``orders.show``, ``shipments.add``...)."""
    for verb, pattern, name, _ in ROUTES:
        if verb == method and pattern.match(path):
            return name
    return None


class Api:
    def __init__(self, store: Store, *, legacy_add: bool = False):
        self.store = store
        self.legacy_add = legacy_add

    def handle(self, request: Request) -> Response:
        for verb, pattern, _, handler in ROUTES:
            match = pattern.match(request.path)
            if match and verb == request.method:
                family = "v1" if request.path.startswith("/api/v1/") else "v0"
                key = request.headers.get("x-api-token" if family == "v1" else "x-spree-token")
                key = key or request.query.get("token")
                if key is not None and key != self.store.api_key:
                    message = f"Invalid API key ({key}) specified."
                    return Response(401, {"errors": [{"detail": message}]} if family == "v1" else {"error": message})
                request = replace(request, anonymous=key is None)
                try:
                    with self.store.lock:
                        return handler(self, request, match)
                except NotFound:
                    return Response(404, {"errors": [{"detail": NOT_FOUND["error"]}]} if family == "v1" else NOT_FOUND)
                except Refused as refused:
                    return _refusal(refused, family)
        return Response(404, NOT_FOUND)


def _refusal(refused: Refused, family: str) -> Response:
    """A 422 in the shape of the API family (v0: ``error`` + ``errors``, or no body; v1: JSON:API)."""
    if family == "v1":
        return Response(422, {"errors": [{"detail": str(refused)}]})
    if not str(refused):
        return Response(422, None)
    body: dict[str, Any] = {"error": str(refused)}
    if refused.errors is not None:
        body["errors"] = refused.errors
    return Response(422, body)


def anonymous(request: Request) -> bool:
    """OFN's rule: no key is an anonymous user (public reads work), not a 401."""
    return request.anonymous


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def _page(request: Request, default_size: int, limit: int | None = None) -> tuple[int, int]:
    size = max(1, _int(request.query.get("per_page"), default_size))
    return max(1, _int(request.query.get("page"), 1)), min(size, limit) if limit else size


def _pagination(total: int, page: int, per_page: int) -> dict[str, int]:
    return {"results": total, "pages": max(1, math.ceil(total / per_page)), "page": page, "per_page": per_page}


def _long_date(text: str | None) -> str:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").strftime("%B %d, %Y") if text else ""


# -- catalogue ------------------------------------------------------------------------------------


def variant_json(v: sqlite3.Row, fees: Sequence[tuple[sqlite3.Row, Decimal]] = ()) -> dict[str, Any]:
    """A variant as the shopfront shows it; ``fees``: the cycle's per-item fees on one unit."""
    weighed = v["variant_unit"] == "weight"
    price = Decimal(v["price"])
    grams = v["unit_value"]
    per_unit = price / (Decimal(str(grams)) / 1000) if weighed else price / Decimal(str(v["unit_value"]))
    shown = (f"{grams / 1000:g}kg" if grams >= 1000 else f"{grams:g}g") if weighed else "1 item"
    return {
        "id": v["id"],
        "product_name": v["product_name"],
        "sku": v["sku"],
        "options_text": shown,
        "unit_value": v["unit_value"],
        "unit_description": "",
        "unit_to_display": shown,
        "display_as": None,
        "display_name": None,
        "name_to_display": v["product_name"],
        "price": v["price"],
        "on_demand": bool(v["on_demand"]),
        "on_hand": v["on_hand"],
        "fees": {fee["fee_type"]: decimal_text(amount) for fee, amount in fees},
        "fees_name": {fee["fee_type"]: fee["name"] for fee, _ in fees},
        "price_with_fees": decimal_text(price + sum((amount for _, amount in fees), Decimal(0))),
        "tag_list": json.loads(v["tags"]),
        "thumb_url": "/noimage/mini.png",
        "unit_price_price": decimal_text(per_unit.quantize(Decimal("0.01"))),
        "unit_price_unit": "kg" if weighed else "item",
        "enterprise": {"id": v["supplier_id"]},
        "producer": {"id": v["supplier_id"]},
    }


def _product_json(store: Store, oc_id: int, variants: list[sqlite3.Row]) -> dict[str, Any]:
    first = variants[0]
    return {
        "id": first["product_id"],
        "name": first["product_name"],
        "meta_keywords": None,
        "group_buy": False,
        "notes": None,
        "description": "",
        "description_html": "",
        "properties_with_values": [],
        "variants": [variant_json(v, store.unit_fees(oc_id, Decimal(v["price"]))) for v in variants],
        "image": None,
    }


def _by_product(rows: list[sqlite3.Row]) -> list[list[sqlite3.Row]]:
    products: dict[int, list[sqlite3.Row]] = {}
    for row in rows:
        products.setdefault(row["product_id"], []).append(row)
    return list(products.values())


@route("GET", r"/api/v0/order_cycles/(?P<oc>\d+)/products", "products")
def shop_products(api: Api, request: Request, match: re.Match[str]) -> Response:
    oc = api.store.order_cycle(int(match["oc"]))
    if oc is None:
        return Response(422, {"exception": "undefined method `open?' for nil:NilClass"})
    if not api.store.is_open(oc) or _int(request.query.get("distributor"), 0) != HUB_ID:
        return Response(404, {})
    if not api.store.has_shop_products(oc["id"]):
        return Response(404, {})
    page, size = _page(request, 10)
    products = _by_product(api.store.shop_page(oc["id"], page, size))
    return Response(200, [_product_json(api.store, oc["id"], p) for p in products])


@route("GET", r"/api/v0/products/bulk_products", "bulk_products")
def bulk_products(api: Api, request: Request, match: re.Match[str]) -> Response:
    page, size = _page(request, 15, 100)
    rows, total = ([], 0) if anonymous(request) else api.store.product_page(page, size)
    chunk = _by_product(rows)
    body = [
        {
            "id": p[0]["product_id"],
            "name": p[0]["product_name"],
            "sku": "",
            "inherits_properties": True,
            "price": p[0]["price"],
            "import_date": None,
            "image_url": None,
            "thumb_url": None,
            "variants": [_admin_variant(v) for v in p],
        }
        for p in chunk
    ]
    return Response(200, {"products": body, "pagination": _pagination(total, page, size)})


def _admin_variant(v: sqlite3.Row) -> dict[str, Any]:
    shown = variant_json(v)
    return {
        "id": v["id"],
        "name": v["product_name"],
        "producer_name": f"Producer {v['supplier_id']}",
        "image": None,
        "sku": v["sku"],
        "import_date": None,
        "tax_category_id": v["tax_category_id"],
        "options_text": shown["options_text"],
        "unit_value": v["unit_value"],
        "unit_description": "",
        "unit_to_display": shown["unit_to_display"],
        "display_as": None,
        "display_name": None,
        "name_to_display": v["product_name"],
        "variant_overrides_count": 0,
        "price": v["price"],
        "on_demand": bool(v["on_demand"]),
        "on_hand": v["on_hand"],
        "in_stock": bool(v["on_demand"] or v["on_hand"] > 0),
        "variant_unit": v["variant_unit"],
        "variant_unit_scale": 1000.0 if v["variant_unit"] == "weight" else None,
        "variant_unit_name": None if v["variant_unit"] == "weight" else "item",
        "variant_unit_with_scale": "weight_1000" if v["variant_unit"] == "weight" else "items",
        "category_id": v["category_id"],
        "producer_id": v["supplier_id"],
    }


# -- orders ---------------------------------------------------------------------------------------

_ORDER_FILTERS: dict[str, Callable[[sqlite3.Row, str], bool]] = {
    "q[distributor_id_eq]": lambda o, v: str(o["distributor_id"]) == v,
    "q[order_cycle_id_eq]": lambda o, v: str(o["order_cycle_id"]) == v,
    "q[state_eq]": lambda o, v: o["state"] == v,
    "q[payment_state_eq]": lambda o, v: (o["payment_state"] or "") == v,
    "q[shipment_state_eq]": lambda o, v: o["shipment_state"] == v,
    "q[number_eq]": lambda o, v: o["number"] == v,
    "q[email_cont]": lambda o, v: v.lower() in o["email"].lower(),
    "q[completed_at_gt]": lambda o, v: (o["completed_at"] or "") > _as_utc(v),
    "q[completed_at_lt]": lambda o, v: (o["completed_at"] or "") < _as_utc(v),
    "q[updated_at_gt]": lambda o, v: o["updated_at"] > _as_utc(v),
}


def _as_utc(text: str) -> str:
    """Ransack compares times; a time without a zone is taken as UTC here."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _money_html(amount: Decimal) -> str:
    return f"<span style='white-space: nowrap;'>€{amount:.2f}</span>"


def order_json(api: Api, order: sqlite3.Row) -> dict[str, Any]:
    store = api.store
    items = store.item_total(order["id"])
    fees = store.order_fees(order["id"])
    total = items + sum((amount for _, amount in fees), Decimal(0))
    paid = sum((Decimal(p["amount"]) for p in store.payments(order["id"]) if p["state"] == "completed"), Decimal(0))
    has_bill_address = order["customer_id"] is not None
    full_name = f"{order['first_name']} {order['last_name']}".strip() if has_bill_address else ""
    outstanding = total - paid
    return {
        "id": order["id"],
        "number": order["number"],
        "user_id": None,
        "full_name": full_name,
        "full_name_for_sorting": f"{order['last_name']}, {order['first_name']}" if has_bill_address else "",
        "email": order["email"],
        "phone": order["phone"] if has_bill_address else "a",
        "completed_at": _long_date(order["completed_at"]),
        "completed_at_utc_iso8601": order["completed_at"] or "",
        "display_total": _money_html(total),
        "edit_path": f"/admin/orders/{order['number']}/edit",
        "state": order["state"],
        "payment_state": order["payment_state"],
        "shipment_state": order["shipment_state"],
        "payments_path": f"/admin/orders/{order['number']}/payments",
        "ready_to_ship": order["shipment_state"] == "ready",
        "ready_to_capture": order["payment_state"] == "balance_due"
        and any(p["state"] == "pending" for p in store.payments(order["id"])),
        "created_at": _long_date(order["created_at"]),
        "distributor_name": "La Ruche du Centre",
        "special_instructions": order["special_instructions"],
        "display_outstanding_balance": "" if outstanding == 0 else _money_html(outstanding),
        "item_total": decimal_text(items),
        "adjustment_total": decimal_text(total - items),
        "payment_total": decimal_text(paid),
        "total": decimal_text(total),
        "item_count": len(store.line_items(order["id"])),
        "distributor": {"id": order["distributor_id"]},
        "order_cycle": {"id": order["order_cycle_id"]},
    }


def _address(order: sqlite3.Row) -> dict[str, Any] | None:
    if order["customer_id"] is None:
        return None
    return {
        "id": order["id"] * 10,
        "zipcode": "69001",
        "city": "Lyon",
        "state_name": "ARA",
        "state_id": 1,
        "phone": order["phone"],
        "firstname": order["first_name"],
        "lastname": order["last_name"],
        "address1": "1 rue de la Paix",
        "address2": "",
        "country_id": 75,
        "country_name": "France",
    }


def detailed_order_json(api: Api, order: sqlite3.Row) -> dict[str, Any]:
    body = order_json(api, order)
    store = api.store
    body.update(
        shipping_method={
            "id": 1,
            "require_ship_address": False,
            "name": order["shipping_method"],
            "description": None,
            "price": "0.0",
        },
        ship_address=_address(order),
        bill_address=_address(order),
        line_items=[
            {
                "id": line["id"],
                "quantity": line["quantity"],
                "max_quantity": None,
                "price": line["price"],
                "order_id": order["id"],
                "tax_category_id": line["tax_category_id"],
                "variant": variant_json(store.variant(line["variant_id"])),
            }
            for line in store.line_items(order["id"])
        ],
        payments=[
            {
                "amount": p["amount"],
                "updated_at": datetime.strptime(p["updated_at"], "%Y-%m-%dT%H:%M:%SZ").strftime("%b %d, %Y %H:%M"),
                "payment_method": p["method"],
                "state": p["state"],
                "redirect_auth_url": None,
            }
            for p in store.payments(order["id"])
        ],
        adjustments=[
            {"label": label, "amount": decimal_text(amount)} for label, amount in store.order_fees(order["id"])
        ],
        customer_id=order["customer_id"],
    )
    return body


def _managers_only(request: Request) -> Response | None:
    return Response(401, NOT_AUTHORIZED) if anonymous(request) else None


@route("GET", r"/api/v0/orders", "orders.index")
def orders_index(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    orders = [
        o
        for o in api.store.orders()
        if all(f(o, request.query[k]) for k, f in _ORDER_FILTERS.items() if k in request.query)
    ]
    if request.query.get("q[s]", "").startswith("completed_at desc"):
        orders.reverse()
    if "page" not in request.query and "per_page" not in request.query:
        return Response(200, {"orders": [order_json(api, o) for o in orders], "pagination": None})
    page, size = _page(request, 100, 100)
    chunk = orders[(page - 1) * size : page * size]
    return Response(
        200, {"orders": [order_json(api, o) for o in chunk], "pagination": _pagination(len(orders), page, size)}
    )


@route("GET", r"/api/v0/orders/(?P<number>[^/]+)", "orders.show")
def orders_show(api: Api, request: Request, match: re.Match[str]) -> Response:
    order = api.store.order(match["number"])
    if anonymous(request):
        return Response(401, NOT_AUTHORIZED)
    return Response(200, detailed_order_json(api, order))


@route("PUT", r"/api/v0/orders/(?P<number>[^/]+)", "orders.update")
def orders_update(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    api.store.set_note(match["number"], str(request.body.get("note", "")))
    return Response(200, detailed_order_json(api, api.store.order(match["number"])), changed=True)


@route("PUT", r"/api/v0/orders/(?P<number>[^/]+)/capture", "orders.capture")
def orders_capture(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    api.store.capture(match["number"])
    return Response(200, order_json(api, api.store.order(match["number"])), changed=True)


@route("PUT", r"/api/v0/orders/(?P<number>[^/]+)/ship", "orders.ship")
def orders_ship(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    api.store.ship(match["number"])
    return Response(200, order_json(api, api.store.order(match["number"])), changed=True)


# -- shipments: the only way to change an order's items -------------------------------------------


def _shipment_json(api: Api, number: str) -> dict[str, Any]:
    order = api.store.order(number)
    return {
        "id": order["id"],
        "tracking": None,
        "number": order["shipment_number"],
        "order_id": order["number"],
        "cost": "0.0",
        "shipped_at": None,
        "state": order["shipment_state"],
    }


def _item_params(request: Request) -> tuple[int, int]:
    try:
        return int(request.body.get("variant_id") or request.query.get("variant_id") or 0), int(
            request.body.get("quantity") or request.query.get("quantity") or 0
        )
    except (TypeError, ValueError):
        return 0, 0


@route("POST", r"/api/v0/orders/(?P<number>[^/]+)/shipments", "shipments.create")
def shipments_create(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    variant_id, quantity = _item_params(request)
    api.store.add_item(match["number"], None, variant_id, quantity, legacy=api.legacy_add)
    return Response(200, _shipment_json(api, match["number"]), changed=True)


@route("PUT", r"/api/v0/orders/(?P<number>[^/]+)/shipments/(?P<shipment>[^/]+)/add", "shipments.add")
def shipments_add(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    variant_id, quantity = _item_params(request)
    api.store.add_item(match["number"], match["shipment"], variant_id, quantity, legacy=api.legacy_add)
    return Response(200, _shipment_json(api, match["number"]), changed=True)


@route("PUT", r"/api/v0/orders/(?P<number>[^/]+)/shipments/(?P<shipment>[^/]+)/remove", "shipments.remove")
def shipments_remove(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    variant_id, quantity = _item_params(request)
    restock = str(request.body.get("restock_item", request.query.get("restock_item", "false"))).lower() == "true"
    api.store.remove_item(match["number"], match["shipment"], variant_id, quantity, restock)
    return Response(200, _shipment_json(api, match["number"]), changed=True)


@route("PUT", r"/api/v0/orders/(?P<number>[^/]+)/shipments/(?P<shipment>[^/]+)/ready", "shipments.ready")
def shipments_ready(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    api.store.set_shipment_state(match["number"], match["shipment"], "ready")
    return Response(200, _shipment_json(api, match["number"]), changed=True)


@route("PUT", r"/api/v0/orders/(?P<number>[^/]+)/shipments/(?P<shipment>[^/]+)/ship", "shipments.ship")
def shipments_ship(api: Api, request: Request, match: re.Match[str]) -> Response:
    if (denied := _managers_only(request)) is not None:
        return denied
    api.store.set_shipment_state(match["number"], match["shipment"], "shipped")
    return Response(200, _shipment_json(api, match["number"]), changed=True)


# -- v1: customers and customer credit (JSON:API) -------------------------------------------------

_CUSTOMER_KEYS = {
    "email",
    "enterprise_id",
    "code",
    "first_name",
    "last_name",
    "billing_address",
    "shipping_address",
    "tags",
}


def customer_json(row: sqlite3.Row, base: str, addresses: dict[str, Any], balance: bool = False) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "id": row["id"],
        "enterprise_id": row["enterprise_id"],
        "first_name": row["first_name"],
        "last_name": row["last_name"],
        "code": row["code"],
        "email": row["email"],
        "allow_charges": False,
        "terms_and_conditions_accepted_at": None,
        "tags": json.loads(row["tags"]),
        "billing_address": addresses.get("billing"),
        "shipping_address": addresses.get("shipping"),
    }
    if balance:
        attributes["balance"] = float(Decimal(row["balance"]))
    return {
        "id": str(row["id"]),
        "type": "customer",
        "attributes": attributes,
        "relationships": {
            "enterprise": {
                "data": {"id": str(row["enterprise_id"]), "type": "enterprise"},
                "links": {"related": f"{base}/api/v1/enterprises/{row['enterprise_id']}"},
            }
        },
    }


@route("GET", r"/api/v1/customers", "customers.index")
def customers_index(api: Api, request: Request, match: re.Match[str]) -> Response:
    base = request.headers.get("x-base-url", "")
    page = _int(request.query.get("page"), 1)
    if page < 1:
        return Response(422, {"errors": [{"detail": f"expected :page >= 1; got {page}"}]})
    size = min(max(_int(request.query.get("per_page"), 50), 1), 200)
    rows = [] if anonymous(request) else api.store.customers(_int(request.query.get("enterprise_id"), 0) or None)
    pages = max(1, math.ceil(len(rows) / size))
    chunk = rows[(page - 1) * size : page * size]

    def link(number: int | None) -> str | None:
        return None if number is None else f"{base}/api/v1/customers?page={number}&per_page={size}"

    return Response(
        200,
        {
            "data": [customer_json(row, base, api.store.customer_addresses(row["id"])) for row in chunk],
            "meta": {"pagination": {"results": len(rows), "pages": pages, "page": page, "per_page": size}},
            "links": {
                "self": link(page),
                "first": link(1),
                "prev": link(page - 1 if page > 1 else None),
                "next": link(page + 1 if page < pages else None),
                "last": link(pages),
            },
        },
    )


@route("POST", r"/api/v1/customers", "customers.create")
def customers_create(api: Api, request: Request, match: re.Match[str]) -> Response:
    fields = request.body.get("customer", request.body)
    if not isinstance(fields, dict) or not fields:
        return Response(422, {"errors": [{"detail": "A required parameter is missing or empty: customer"}]})
    unknown = sorted(set(fields) - _CUSTOMER_KEYS)
    if unknown:
        return Response(422, {"errors": [{"detail": f"Parameters not allowed in this request: {', '.join(unknown)}"}]})
    if anonymous(request):
        return Response(401, {"errors": [{"detail": NOT_AUTHORIZED["error"]}]})
    problems = [
        f"{k.replace('_', ' ').capitalize()} can't be blank" for k in ("email", "enterprise_id") if not fields.get(k)
    ]
    if problems:
        return Response(422, {"errors": [{"detail": INVALID}], "meta": {"validation_errors": problems}})
    row = api.store.upsert_customer(fields)
    body = customer_json(row, request.headers.get("x-base-url", ""), api.store.customer_addresses(row["id"]))
    return Response(201, {"data": body}, changed=True)


_TRANSACTION_KEYS = {"customer_id", "amount", "description"}


@route("POST", r"/api/v1/customer_account_transaction", "customer_account_transaction")
def account_transaction(api: Api, request: Request, match: re.Match[str]) -> Response:
    """OFN's customer credit (``CustomerAccountTransactionController#create``): no idempotency key,
    any amount (negative debits the credit), the running balance in the answer."""
    if anonymous(request):
        return Response(401, {"errors": [{"detail": NOT_AUTHORIZED["error"]}]})
    fields = request.body.get("customer_account_transaction", request.body)
    if not isinstance(fields, dict) or not fields:
        detail = "A required parameter is missing or empty: customer_account_transaction"
        return Response(422, {"errors": [{"detail": detail}]})
    unknown = [key for key in fields if key not in _TRANSACTION_KEYS]
    if unknown:
        return Response(422, {"errors": [{"detail": f"Parameters not allowed in this request: {', '.join(unknown)}"}]})
    customer = api.store.customer(_int(str(fields.get("customer_id", "")), 0))  # NotFound: 404
    if customer["enterprise_id"] != HUB_ID:
        return Response(401, {"errors": [{"detail": NOT_AUTHORIZED["error"]}]})
    try:
        amount = Decimal(str(fields["amount"]))
        if not amount.is_finite():
            raise InvalidOperation
    except (KeyError, InvalidOperation):
        blank = {"errors": [{"detail": INVALID}], "meta": {"validation_errors": ["Amount can't be blank"]}}
        return Response(422, blank)
    row = api.store.credit(customer["id"], amount, str(fields.get("description") or ""))
    return Response(
        201,
        {
            "data": {
                "id": str(row["id"]),
                "type": "customer_account_transaction",
                "attributes": {
                    "id": row["id"],
                    "customer_id": customer["id"],
                    "amount": row["amount"],
                    "currency": "EUR",
                    "description": row["description"],
                    "balance": row["balance"],
                },
            }
        },
        changed=True,
    )
