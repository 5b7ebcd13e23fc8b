"""The OFN API as the box uses it: typed results, explicit timeouts, every failure in plain words.

Reads are retried with jittered backoff: repeating a read is harmless. Writes are sent once;
``add`` and ``remove`` are not idempotent in OFN, so the sync engine never repeats one blindly, it
reads the order and decides (see appliance/ofn/sync.py). Each OFN error becomes an :class:`OfnError`
with what happened and what to do; the API key never appears in a message or a log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from appliance.core.sale import PricedBy
from appliance.store.catalogue import Variant

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)
PAGE = 100  # OFN caps its page sizes at 100


class OfnError(Exception):
    """A failure of OFN or of the road to it; ``next_step`` is what a person does about it."""

    transient = False

    def __init__(self, message: str, next_step: str = ""):
        super().__init__(message)
        self.message = message
        self.next_step = next_step

    def __str__(self) -> str:
        return f"{self.message}: {self.next_step}" if self.next_step else self.message


class OfnUnavailable(OfnError):
    """No answer, or OFN's own failure (5xx, 504): try again later; the box keeps selling.

    ``may_apply_later`` says whether a write that failed so may still take effect in OFN after
    this error: yes when its answer was lost (a timeout, a connection dropped after the request
    left) or a proxy answered for OFN (502, 503, 504: the application may still be serving it);
    no when it never reached OFN (no connection) or OFN's application itself answered (500, 408,
    429: the request is over, and a read now shows all it did).
    """

    transient = True

    def __init__(self, message: str, next_step: str = "", *, may_apply_later: bool = True):
        super().__init__(message, next_step)
        self.may_apply_later = may_apply_later


class KeyRejected(OfnError):
    """OFN does not know the API key (cleared, regenerated, or mistyped)."""


class NotAllowed(OfnError):
    """The key's user may not do this: not a manager of the hub."""


class OrderCycleClosed(OfnError):
    """The configured order cycle is closed (or the hub has nothing in it)."""


class NotFound(OfnError):
    """The order, line or variant does not exist in OFN."""


class Refused(OfnError):
    """OFN refused a change (422); the message carries OFN's own words."""


# -- what OFN answers, typed ----------------------------------------------------------------------


@dataclass(frozen=True)
class OrderLine:
    variant_id: int
    quantity: int
    price: int  # cents
    name: str
    tax_category_id: int | None


@dataclass(frozen=True)
class Order:
    number: str
    state: str
    payment_state: str | None
    shipment_state: str | None
    order_cycle_id: int | None
    email: str
    full_name: str
    total: int  # cents
    completed_at: str
    lines: tuple[OrderLine, ...]
    paid: int = 0  # cents: OFN's payment_total, the completed payments
    pending_payment: int | None = None  # cents of the payment ``capture`` would complete, if any

    @property
    def balance(self) -> int:
        """What the customer still owes OFN (negative: OFN owes the customer)."""
        return self.total - self.paid

    def quantities(self) -> dict[int, int]:
        return {line.variant_id: line.quantity for line in self.lines}


def cents(text: Any) -> int:
    """OFN sends decimals as strings ("12.0", "5.5"); an amount with more than 2 decimals is wrong."""
    try:
        value = Decimal(str(text)) * 100
    except InvalidOperation:
        raise OfnError(f"OFN sent {text!r} where an amount was expected") from None
    if not value.is_finite():
        raise OfnError(f"OFN sent {text!r} where an amount was expected")
    if value != value.to_integral_value():
        raise OfnError(f"OFN sent {text!r}: more than two decimals")
    return int(value)


def shop_variant(data: dict[str, Any], tax_categories: dict[int, int | None]) -> Variant:
    """A shopfront variant as the till sells it: weighed goods are priced per kg, by their unit."""
    price = Decimal(str(data["price"]))
    unit_value = data.get("unit_value")
    weighed = data.get("unit_price_unit") == "kg" and unit_value
    grams = int(round(float(unit_value))) if weighed else None
    per_kg = price * 1000 / grams if grams else price
    return Variant(
        id=int(data["id"]),
        product_id=None,
        name=str(data.get("name_to_display") or data.get("product_name") or data["id"]),
        sku=str(data.get("sku") or ""),
        price=int((per_kg * 100).quantize(Decimal(1))),
        priced_by=PricedBy.WEIGHT if grams else PricedBy.EACH,
        unit_grams=grams,
        tax_category_id=tax_categories.get(int(data["id"])),
        on_hand=None if data.get("on_demand") else int(data.get("on_hand") or 0),
        on_demand=bool(data.get("on_demand")),
    )


def order_from(data: dict[str, Any]) -> Order:
    lines = tuple(
        OrderLine(
            variant_id=int(item["variant"]["id"]),
            quantity=int(item["quantity"]),
            price=cents(item["price"]),
            name=str(item["variant"].get("name_to_display") or item["variant"].get("product_name") or ""),
            tax_category_id=item.get("tax_category_id"),
        )
        for item in data.get("line_items", [])
    )
    return Order(
        number=str(data["number"]),
        state=str(data.get("state")),
        payment_state=data.get("payment_state"),
        shipment_state=data.get("shipment_state"),
        order_cycle_id=(data.get("order_cycle") or {}).get("id"),
        email=str(data.get("email") or ""),
        full_name=str(data.get("full_name") or ""),
        total=cents(data.get("total") or "0"),
        completed_at=str(data.get("completed_at_utc_iso8601") or ""),
        lines=lines,
        paid=cents(data.get("payment_total") or "0"),
        pending_payment=_pending_payment(data.get("payments") or []),
    )


#: The payment states OFN's ``capture`` picks from, in the order it looks (``pending_payments``).
CAPTURABLE = ("pending", "requires_authorization", "processing", "checkout")


def _pending_payment(payments: list[dict[str, Any]]) -> int | None:
    for state in CAPTURABLE:
        for payment in payments:
            if payment.get("state") == state:
                return cents(payment.get("amount") or "0")
    return None


# -- the client -----------------------------------------------------------------------------------


class OfnClient:
    """One OFN instance and one API key; the transport and the sleep are injectable for tests."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        read_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._http = httpx.Client(base_url=base_url.rstrip("/"), transport=transport, timeout=timeout)
        self._key = api_key
        self._attempts = read_attempts
        self._sleep = sleep
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OfnClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- catalogue ------------------------------------------------------------------------------

    def shop_pages(self, order_cycle_id: int, hub_id: int) -> Iterator[list[dict[str, Any]]]:
        """The hub's shopfront for the cycle, page by page (OFN gives no page count: read to the end)."""
        page = 1
        while True:
            try:
                products = self._read(
                    f"/api/v0/order_cycles/{order_cycle_id}/products",
                    {"distributor": hub_id, "page": page, "per_page": PAGE},
                )
            except NotFound:
                if page == 1:
                    raise OrderCycleClosed(
                        f"Order cycle {order_cycle_id} is closed in OFN (or offers nothing at hub {hub_id})",
                        "set ofn.order_cycle_id to the open cycle in the config",
                    ) from None
                return
            if not isinstance(products, list):
                raise OfnError(f"OFN answered the catalogue with {type(products).__name__}, not a list")
            variants = [v for product in products for v in product.get("variants", [])]
            if variants:
                yield variants
            if len(products) < PAGE:
                return
            page += 1

    def tax_categories(self) -> dict[int, int | None]:
        """Variant id -> OFN tax category, from the producer-side listing (the shopfront omits it)."""
        found: dict[int, int | None] = {}
        page = 1
        while True:
            body = self._read("/api/v0/products/bulk_products", {"page": page, "per_page": PAGE})
            for product in body.get("products", []):
                for variant in product.get("variants", []):
                    found[int(variant["id"])] = variant.get("tax_category_id")
            pagination = body.get("pagination") or {}
            if page >= int(pagination.get("pages") or 1):
                return found
            page += 1

    # -- orders ---------------------------------------------------------------------------------

    def orders(self, hub_id: int, order_cycle_id: int) -> list[dict[str, Any]]:
        """Summaries of the hub's completed orders in the cycle (all pages)."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self._read(
                "/api/v0/orders",
                {
                    "q[distributor_id_eq]": hub_id,
                    "q[order_cycle_id_eq]": order_cycle_id,
                    "q[state_eq]": "complete",
                    "page": page,
                    "per_page": PAGE,
                },
            )
            found.extend(body.get("orders", []))
            pagination = body.get("pagination") or {}
            if page >= int(pagination.get("pages") or 1):
                return found
            page += 1

    def order(self, number: str) -> Order:
        return order_from(self._read(f"/api/v0/orders/{number}"))

    def add(self, number: str, variant_id: int, quantity: int, shipment: str | None) -> str:
        """Add to the order's shipment; returns the shipment number (learnt from the first add)."""
        body = {"variant_id": variant_id, "quantity": quantity}
        if shipment is None:
            answer = self._write("POST", f"/api/v0/orders/{number}/shipments", body)
        else:
            answer = self._write("PUT", f"/api/v0/orders/{number}/shipments/{shipment}/add", body)
        return str(answer["number"])

    def remove(self, number: str, shipment: str, variant_id: int, quantity: int, *, restock: bool = True) -> None:
        body = {"variant_id": variant_id, "quantity": quantity, "restock_item": "true" if restock else "false"}
        self._write("PUT", f"/api/v0/orders/{number}/shipments/{shipment}/remove", body)

    def set_note(self, number: str, note: str) -> None:
        self._write("PUT", f"/api/v0/orders/{number}", {"note": note})

    def capture(self, number: str) -> None:
        self._write("PUT", f"/api/v0/orders/{number}/capture", {})

    def ship(self, number: str) -> None:
        self._write("PUT", f"/api/v0/orders/{number}/ship", {})

    def check_cycle(self, order_cycle_id: int, hub_id: int) -> None:
        """One product of the hub's shopfront: raises OrderCycleClosed if the cycle is not open there.

        A single small read, cheap enough for every pass; it also proves the key (OFN answers 401
        to any request with a key it does not know).
        """
        try:
            self._read(
                f"/api/v0/order_cycles/{order_cycle_id}/products",
                {"distributor": hub_id, "page": 1, "per_page": 1},
            )
        except NotFound:
            raise OrderCycleClosed(
                f"order cycle {order_cycle_id} is closed in OFN (or not open yet)",
                "switch the box to the open cycle: `ofn-checkout cycle list`, then `ofn-checkout cycle use`",
            ) from None
        except Refused as refused:
            if "open?" not in refused.message:  # OFN's answer for a cycle id it does not have
                raise
            raise OrderCycleClosed(
                f"order cycle {order_cycle_id} does not exist in OFN",
                "switch the box to the open cycle: `ofn-checkout cycle list`, then `ofn-checkout cycle use`",
            ) from None

    def recent_orders(self, hub_id: int, count: int = 100) -> list[dict[str, Any]]:
        """The hub's newest completed orders, newest first: where the open cycles show themselves."""
        body = self._read(
            "/api/v0/orders",
            {"q[distributor_id_eq]": hub_id, "q[state_eq]": "complete", "q[s]": "completed_at desc", "per_page": count},
        )
        return list(body.get("orders", [])) if isinstance(body, dict) else []

    def use_key(self, api_key: str) -> None:
        """A new key, read again from its file after a manager replaced it: no restart needed."""
        self._key = api_key

    def check_key(self) -> None:
        """A cheap request that needs a manager's key: raises KeyRejected / NotAllowed / OfnUnavailable."""
        self._read("/api/v0/orders", {"per_page": 1, "q[number_eq]": "-"})

    # -- plumbing -------------------------------------------------------------------------------

    def _read(self, path: str, params: dict[str, Any] | None = None) -> Any:
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=wait_random_exponential(multiplier=0.5, max=8),
            retry=retry_if_exception_type(OfnUnavailable),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._send, "GET", path, params=params)

    def _write(self, method: str, path: str, body: dict[str, Any]) -> Any:
        return self._send(method, path, json=body)

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        self.requests += 1
        headers = {"X-Api-Token" if path.startswith("/api/v1/") else "X-Spree-Token": self._key}
        try:
            response = self._http.request(method, path, headers=headers, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout):
            raise OfnUnavailable(
                "Cannot reach OFN", "check the network; sales wait in the box", may_apply_later=False
            ) from None
        except httpx.TimeoutException:
            raise OfnUnavailable(f"OFN did not answer in time ({method} {path})", "sales wait in the box") from None
        except httpx.TransportError:
            raise OfnUnavailable(
                f"Cannot reach OFN: the connection broke before its answer ({method} {path})",
                "sales wait in the box",
            ) from None
        return _answer(method, path, response)


def _answer(method: str, path: str, response: httpx.Response) -> Any:
    status = response.status_code
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    if 200 <= status < 300:
        if body is None:
            raise OfnUnavailable(f"OFN answered {method} {path} with an empty or non-JSON body")
        return body
    words = _ofn_words(body)
    if status == 401:
        if "Invalid API key" in words:
            raise KeyRejected("OFN rejected the API key", "re-provision the key (docs/ofn-setup.md)")
        raise NotAllowed("OFN refused: the key's user does not manage this hub", "use a hub manager's API key")
    if status == 404:
        raise NotFound(f"Not found in OFN: {method} {path}" + (f" ({words})" if words else ""))
    if status == 422 and "ran for longer than" in words:
        # OFN's v0 API answers its own request timeout (rack-timeout) as a 422 "exception". The
        # request is over, but it may have committed part of its work: a read shows what it did.
        raise OfnUnavailable(
            f"OFN gave up on {method} {path}: it took too long", "sales wait in the box", may_apply_later=False
        )
    if status == 422:
        raise Refused(f"OFN refused {method} {path}: {words or 'no reason given'}")
    if status >= 500 or status in (408, 429):
        raise OfnUnavailable(
            f"OFN is failing ({status} on {method} {path})",
            "sales wait in the box; it retries",
            may_apply_later=status in (502, 503, 504),
        )
    raise OfnError(f"OFN answered {status} to {method} {path}" + (f": {words}" if words else ""))


def _ofn_words(body: Any) -> str:
    """OFN's own message, from whichever of its error shapes the endpoint uses."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    if isinstance(body.get("error"), str):
        parts.append(body["error"])
    if isinstance(body.get("exception"), str):
        parts.append(body["exception"])
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts.extend(
            f"{field} {message}" if field != "base" else message
            for field, messages in errors.items()
            for message in messages
        )
    elif isinstance(errors, list):
        parts.extend(str(e.get("detail")) for e in errors if isinstance(e, dict))
    meta = body.get("meta") or {}
    parts.extend(meta.get("validation_errors") or [])
    return "; ".join(parts)
