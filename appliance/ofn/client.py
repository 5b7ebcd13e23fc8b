"""The OFN API as the box uses it: typed results, checked answers, every failure in plain words.

This module is the client's public face: the sync engine, the daemon and the CLI import from it
alone. Underneath, ``http.py`` is the road (limits, retries, errors in plain words, whether a lost
write may have been applied), ``answers.py`` checks OFN's JSON and types it, and ``errors.py``
holds what can go wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from appliance.core.clock import Clock
from appliance.ofn.answers import (
    MAX_PAGES,
    Order,
    OrderLine,
    cents,
    order_cycles_page,
    order_from,
    orders_page,
    page_of,
    shipment_number,
    shop_variant,
    shop_variants,
    tax_categories_page,
)
from appliance.ofn.credit import PATH as CREDIT
from appliance.ofn.credit import Posted, transaction_answer, transaction_body
from appliance.ofn.customers import PATH as CUSTOMERS
from appliance.ofn.customers import Page, customers_page
from appliance.ofn.errors import (
    KeyRejected,
    NotAllowed,
    NotFound,
    OfnError,
    OfnUnavailable,
    OrderCycleClosed,
    Refused,
    UnexpectedAnswer,
)
from appliance.ofn.http import DEADLINE, MAX_BODY, TIMEOUT, OfnHttp

__all__ = [
    "KeyRejected",
    "NotAllowed",
    "NotFound",
    "OfnClient",
    "OfnError",
    "OfnUnavailable",
    "Order",
    "OrderCycleClosed",
    "OrderLine",
    "Refused",
    "UnexpectedAnswer",
    "cents",
    "order_from",
    "shop_variant",
]

PAGE = 100  # OFN caps its page sizes at 100


class OfnClient:
    """One OFN instance and one API key; the transport, the sleep and the clocks are injectable.

    ``deadline`` bounds a whole request (seconds), ``max_body`` the bytes of an answer; see
    ``appliance/ofn/http.py`` for why and how.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        deadline: float = DEADLINE,
        max_body: int = MAX_BODY,
        read_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Clock | None = None,
    ):
        self._http = OfnHttp(
            base_url,
            api_key,
            transport=transport,
            timeout=timeout,
            deadline=deadline,
            max_body=max_body,
            read_attempts=read_attempts,
            sleep=sleep,
            monotonic=monotonic,
            clock=clock,
        )

    @property
    def requests(self) -> int:
        """HTTP requests sent so far (the benchmark counts them per sale)."""
        return self._http.requests

    @requests.setter
    def requests(self, count: int) -> None:
        self._http.requests = count

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OfnClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- catalogue ------------------------------------------------------------------------------

    def shop_pages(self, order_cycle_id: int, hub_id: int) -> Iterator[list[dict[str, Any]]]:
        """The hub's shopfront for the cycle, page by page, each variant checked (:func:`shop_variant`).

        OFN gives no page count: the pages are read until one is short.
        """
        path = f"/api/v0/order_cycles/{order_cycle_id}/products"
        for page in range(1, MAX_PAGES + 1):
            try:
                products = self._http.read(path, {"distributor": hub_id, "page": page, "per_page": PAGE}, page_of)
            except NotFound:
                if page == 1:
                    raise OrderCycleClosed(
                        f"Order cycle {order_cycle_id} is closed in OFN (or offers nothing at hub {hub_id})",
                        "set ofn.order_cycle_id to the open cycle in the config",
                    ) from None
                return
            variants = shop_variants(products, path)
            if variants:
                yield variants
            if len(products) < PAGE:
                return
        raise UnexpectedAnswer(path, "page", MAX_PAGES + 1, f"at most {MAX_PAGES} pages of {PAGE} products")

    def tax_categories(self) -> dict[int, int | None]:
        """Variant id -> OFN tax category, from the producer-side listing (the shopfront omits it)."""
        return self.variant_categories()[0]

    def variant_categories(self) -> tuple[dict[int, int | None], dict[int, int | None]]:
        """Variant id -> OFN tax category, and variant id -> category (primary taxon), from the
        producer-side listing: the shopfront omits both."""
        path = "/api/v0/products/bulk_products"
        found: dict[int, tuple[int | None, int | None]] = {}
        for page in range(1, MAX_PAGES + 1):
            categories, pages = self._http.read(path, {"page": page, "per_page": PAGE}, tax_categories_page)
            found.update(categories)
            if page >= pages:
                break
        return {vid: tax for vid, (tax, _) in found.items()}, {vid: cat for vid, (_, cat) in found.items()}

    # -- orders ---------------------------------------------------------------------------------

    def orders(self, hub_id: int, order_cycle_id: int) -> list[dict[str, Any]]:
        """Summaries of the hub's completed orders in the cycle (all pages), checked.

        Each is a dict of OFN's own values for the keys in ``answers.SUMMARY_KEYS``.
        """
        found: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES + 1):
            params = {
                "q[distributor_id_eq]": hub_id,
                "q[order_cycle_id_eq]": order_cycle_id,
                "q[state_eq]": "complete",
                "page": page,
                "per_page": PAGE,
            }
            summaries, pages = self._http.read("/api/v0/orders", params, orders_page)
            found.extend(summaries)
            if page >= pages:
                break
        return found

    def order(self, number: str) -> Order:
        return self._http.read(
            f"/api/v0/orders/{number}", None, lambda body, path: order_from(body, path, number=number)
        )

    def add(self, number: str, variant_id: int, quantity: int, shipment: str | None) -> str:
        """Add to the order's shipment; returns the shipment number (learnt from the first add)."""
        body = {"variant_id": variant_id, "quantity": quantity}
        if shipment is None:
            return self._http.write("POST", f"/api/v0/orders/{number}/shipments", body, shipment_number)
        return self._http.write("PUT", f"/api/v0/orders/{number}/shipments/{shipment}/add", body, shipment_number)

    def remove(self, number: str, shipment: str, variant_id: int, quantity: int, *, restock: bool = True) -> None:
        body = {"variant_id": variant_id, "quantity": quantity, "restock_item": "true" if restock else "false"}
        self._http.write("PUT", f"/api/v0/orders/{number}/shipments/{shipment}/remove", body, _unread)

    def set_note(self, number: str, note: str) -> None:
        self._http.write("PUT", f"/api/v0/orders/{number}", {"note": note}, _unread)

    def capture(self, number: str) -> None:
        self._http.write("PUT", f"/api/v0/orders/{number}/capture", {}, _unread)

    def ship(self, number: str) -> None:
        self._http.write("PUT", f"/api/v0/orders/{number}/ship", {}, _unread)

    def check_cycle(self, order_cycle_id: int, hub_id: int) -> None:
        """One product of the hub's shopfront: raises OrderCycleClosed if the cycle is not open there.

        A single small read, cheap enough for every pass; it also proves the key (OFN answers 401
        to any request with a key it does not know). OFN answers 404 for a cycle that is closed
        or not open yet, and a 422 "undefined method 'open?'" for an id it does not have.
        """
        path = f"/api/v0/order_cycles/{order_cycle_id}/products"
        switch = "switch the box to the open cycle: `ofn-checkout cycle list`, then `ofn-checkout cycle use`"
        try:
            self._http.read(path, {"distributor": hub_id, "page": 1, "per_page": 1}, _unread)
        except NotFound:
            raise OrderCycleClosed(f"order cycle {order_cycle_id} is closed in OFN (or not open yet)", switch) from None
        except Refused as refused:
            if "open?" not in refused.message:
                raise
            raise OrderCycleClosed(f"order cycle {order_cycle_id} does not exist in OFN", switch) from None

    def recent_cycles(self, hub_id: int, count: int = 100) -> list[tuple[int, str]]:
        """(order cycle, completed at) of the hub's newest completed orders, newest first."""
        params = {"q[distributor_id_eq]": hub_id, "q[state_eq]": "complete", "q[s]": "completed_at desc"}
        return self._http.read("/api/v0/orders", {**params, "per_page": count}, order_cycles_page)

    # -- customers ------------------------------------------------------------------------------

    def customer_pages(self, hub_id: int) -> Iterator[Page]:
        """The hub's customers, a checked page at a time, until OFN says it has no more.

        ``per_page`` is sent every time: OFN's default page size and the one its answer reports
        are not the same. A page beyond the last is empty, which ends the list too.
        """
        for page in range(1, MAX_PAGES + 1):
            params = {"enterprise_id": hub_id, "page": page, "per_page": PAGE}
            found = self._http.read(CUSTOMERS, params, lambda body, path: customers_page(body, path, hub_id))
            yield found
            if page >= found.pages or not found.listed:
                return
        raise UnexpectedAnswer(CUSTOMERS, "page", MAX_PAGES + 1, f"at most {MAX_PAGES} pages of {PAGE} customers")

    # -- customer credit --------------------------------------------------------------------------

    def post_credit(self, customer_id: int, amount: int, description: str) -> Posted:
        """One transaction on a customer's credit (cents; negative debits it), sent once: OFN has
        no idempotency key, so only the credit poster decides whether to send one again."""
        return self._http.write("POST", CREDIT, transaction_body(customer_id, amount, description), transaction_answer)

    def use_key(self, api_key: str) -> None:
        """A new key, read again from its file after a manager replaced it: no restart needed."""
        self._http.api_key = api_key


def _unread(body: Any, path: str) -> None:
    """An answer the box does not use: that it came, as JSON, is all that matters."""
