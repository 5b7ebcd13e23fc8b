"""OFN's JSON answers, checked field by field and turned into typed results.

Nothing of an answer reaches the catalogue or the sync engine unchecked. Every field the box uses
is checked for its type (a whole number is never a boolean, a float or a string; a list is a
list) and for a range, and a wrong one raises :class:`UnexpectedAnswer` naming the URL path, the
field and the value. The ranges are wide (any currency OFN runs in, any hub's size) but finite:
they catch a broken OFN, a misbehaving proxy or a slip in OFN's admin (a stock of 10^9), not
business rules. Fields the box does not read are not checked: OFN may add or change them freely.

The shapes are OFN's serializers as docs/sync.md describes them ("What the client checks").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from appliance.core.money import round_div
from appliance.core.sale import PricedBy
from appliance.ofn.errors import MISSING, UnexpectedAnswer
from appliance.store.catalogue import Variant

MAX_ID = 2**63 - 1  # what SQLite's INTEGER holds
MAX_STOCK = 10**7  # a variant's on_hand
MAX_QUANTITY = 10**7  # a line item's quantity: a counter order holds a whole cycle's sales
MAX_PRICE = 10**8  # cents: 1,000,000.00 for one unit (or one kg), in any currency OFN serves
MAX_TOTAL = 10**10  # cents: 100,000,000.00 for an order, a payment, any sum
MAX_UNIT_VALUE = 10**6  # a variant's unit: 1 t in grams, or a million litres or items
MAX_PAGES = 1000  # 100,000 products or orders at 100 a page: beyond, OFN is paging wrong
#: Order (R + 9 digits) and shipment (H + 11 digits) numbers: they go into URL paths, so no "/".
CODE = re.compile(r"[A-Za-z0-9]{1,32}")

SHOPFRONT = "the shopfront"  # where a variant is said to come from when no URL path is known


class Fields:
    """One JSON object of the answer at ``path``; ``where`` names it in a message ("line_items[2]").

    Each reader checks one field; its ``maybe_`` twin also takes an absent or null field as None.
    """

    def __init__(self, value: Any, path: str, where: str):
        if not isinstance(value, dict):
            raise UnexpectedAnswer(path, where or "the answer", value, "an object")
        self.data: dict[str, Any] = value
        self.path = path
        self.where = where

    def named(self, where: str) -> Fields:
        """The same object, named better once its id is known ("variant 34")."""
        return Fields(self.data, self.path, where)

    def name(self, key: str) -> str:
        """A field as a message names it: ``line_items[2].quantity``, ``variant 34.price``."""
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, value: Any, expected: str) -> NoReturn:
        raise UnexpectedAnswer(self.path, self.name(key), value, expected)

    def _value(self, key: str) -> Any:
        return self.data.get(key, MISSING)

    def _given(self, key: str) -> bool:
        return self.data.get(key) is not None

    def integer(self, key: str, low: int, high: int) -> int:
        value = self._value(key)
        if type(value) is not int or not low <= value <= high:  # type(): a boolean is no number
            self.fail(key, value, f"a whole number from {low:,} to {high:,}")
        return value

    def maybe_integer(self, key: str, low: int, high: int) -> int | None:
        return self.integer(key, low, high) if self._given(key) else None

    def id(self, key: str) -> int:
        value = self._value(key)
        if type(value) is not int or not 1 <= value <= MAX_ID:
            self.fail(key, value, "an id (a positive whole number)")
        return value

    def maybe_id(self, key: str) -> int | None:
        return self.id(key) if self._given(key) else None

    def amount(self, key: str, low: int, high: int) -> int:
        """An amount in cents (see :func:`cents`)."""
        return cents(self._value(key), path=self.path, field=self.name(key), low=low, high=high)

    def amount_or_zero(self, key: str, low: int, high: int) -> int:
        """An amount in cents; absent or null counts as zero, as OFN's own sums do."""
        return self.amount(key, low, high) if self._given(key) else 0

    def maybe_positive(self, key: str, high: int) -> float | None:
        """A positive finite number (a float in OFN's JSON), or None when absent or null."""
        if not self._given(key):
            return None
        value = self._value(key)
        if type(value) not in (int, float) or not 0 < value <= high:  # NaN fails the comparison too
            self.fail(key, value, f"a number above 0 and at most {high:,}")
        return float(value)

    def text(self, key: str) -> str:
        value = self._value(key)
        if not isinstance(value, str):
            self.fail(key, value, "text")
        return value

    def maybe_text(self, key: str) -> str | None:
        return self.text(key) if self._given(key) else None

    def code(self, key: str) -> str:
        value = self._value(key)
        if not isinstance(value, str) or not CODE.fullmatch(value):
            self.fail(key, value, "an OFN number such as R123456789")
        return value

    def flag(self, key: str) -> bool:
        value = self._value(key)
        if not isinstance(value, bool):
            self.fail(key, value, "true or false")
        return value

    def each(self, key: str) -> list[Fields]:
        """The objects of a list, each named by its place ("line_items[2]")."""
        items = self._value(key)
        if not isinstance(items, list):
            self.fail(key, items, "a list")
        return [Fields(item, self.path, f"{self.name(key)}[{index}]") for index, item in enumerate(items)]

    def maybe_each(self, key: str) -> list[Fields]:
        return self.each(key) if self._given(key) else []

    def maybe_child(self, key: str) -> Fields | None:
        return Fields(self.data[key], self.path, self.name(key)) if self._given(key) else None


def cents(
    value: Any, *, path: str = "OFN's answer", field: str = "amount", low: int = -MAX_TOTAL, high: int = MAX_TOTAL
) -> int:
    """OFN sends decimals as strings ("12.0", "5.5"); an amount with more than 2 decimals is wrong."""
    expected = f"an amount from {low / 100:,.2f} to {high / 100:,.2f}, with at most two decimals"
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise UnexpectedAnswer(path, field, value, expected)
    try:
        number = Decimal(value if isinstance(value, str) else str(value))
        if (
            not number.is_finite()
            or not Decimal(low).scaleb(-2) <= number <= Decimal(high).scaleb(-2)
            or number != number.quantize(Decimal("0.01"))
        ):
            raise UnexpectedAnswer(path, field, value, expected)
    except ArithmeticError:  # not a number at all (InvalidOperation), or one beyond Decimal's exponents
        raise UnexpectedAnswer(path, field, value, expected) from None
    return int(number.scaleb(2))


def page_of(value: Any, path: str) -> list[Any]:
    """The shopfront answers a bare list of products."""
    if not isinstance(value, list):
        raise UnexpectedAnswer(path, "the answer", value, "a list of products")
    return value


def pages_in(body: Fields) -> int:
    """How many pages OFN says there are (``pagination`` is null when it did not paginate)."""
    pagination = body.maybe_child("pagination")
    pages = None if pagination is None else pagination.maybe_integer("pages", 0, MAX_PAGES)
    return max(1, pages or 1)


# -- the catalogue ----------------------------------------------------------------------------


def shop_variants(products: list[Any], path: str) -> list[dict[str, Any]]:
    """The variants of a shopfront page, each checked by the code that converts it (:func:`shop_variant`)."""
    variants = []
    for index, item in enumerate(products):
        for variant in Fields(item, path, f"products[{index}]").each("variants"):
            shop_variant(variant.data, {}, path, where=variant.where)
            variants.append(variant.data)
    return variants


def shop_variant(
    data: Any,
    tax_categories: Mapping[int, int | None],
    path: str = SHOPFRONT,
    *,
    where: str = "variant",
    categories: Mapping[int, int | None] | None = None,
) -> Variant:
    """A shopfront variant as the till sells it: weighed goods are priced per kg, by their unit.

    ``tax_categories`` and ``categories`` (the primary taxon) come from the product admin listing,
    which the shopfront leaves out; the tags are the shopfront's own ``tag_list``.
    """
    fields = Fields(data, path, where)
    variant_id = fields.id("id")
    fields = fields.named(f"variant {variant_id}")
    # OFN charges the cycle's per-item fees on every item put on an order (its own online orders
    # and the box's counter order alike): the counter sells at that price, fees included.
    plain = fields.amount("price", 0, MAX_PRICE)
    price = fields.amount("price_with_fees", plain, MAX_PRICE) if "price_with_fees" in data else plain
    unit_value = fields.maybe_positive("unit_value", MAX_UNIT_VALUE)
    weighed = fields.maybe_text("unit_price_unit") == "kg" and unit_value is not None
    grams = round(unit_value) if weighed and unit_value is not None else 0  # under half a gram: sold by the piece
    per_kg = round_div(price * 1000, grams) if grams else price  # half away from zero, as every amount
    if per_kg > MAX_PRICE:
        sold_at = "price_with_fees" if "price_with_fees" in data else "price"
        fields.fail(sold_at, data[sold_at], f"at most {MAX_PRICE / 100:,.2f} a kg")
    on_demand = fields.flag("on_demand")
    if on_demand:  # OFN does not count stock: on_hand may be anything, even below zero
        fields.maybe_integer("on_hand", -MAX_STOCK, MAX_STOCK)
        on_hand = None
    else:
        on_hand = fields.integer("on_hand", 0, MAX_STOCK)
    return Variant(
        id=variant_id,
        product_id=None,
        name=fields.maybe_text("name_to_display") or fields.maybe_text("product_name") or str(variant_id),
        sku=fields.maybe_text("sku") or "",
        price=per_kg,
        priced_by=PricedBy.WEIGHT if grams else PricedBy.EACH,
        unit_grams=grams or None,
        tax_category_id=tax_categories.get(variant_id),
        on_hand=on_hand,
        on_demand=on_demand,
        fee=price - plain,
        category_id=(categories or {}).get(variant_id),
        tags=tags_of(fields),
    )


MAX_TAGS = 100
MAX_TAG = 255  # the length of a tag's name in OFN's database


def tags_of(fields: Fields) -> tuple[str, ...]:
    """A variant's ``tag_list``: a list of names (absent or null: none)."""
    value = fields.data.get("tag_list")
    if value is None:
        return ()
    if (
        not isinstance(value, list)
        or len(value) > MAX_TAGS
        or not all(isinstance(tag, str) and 0 < len(tag) <= MAX_TAG for tag in value)
    ):
        fields.fail("tag_list", value, f"a list of at most {MAX_TAGS} tags (text)")
    return tuple(value)


def tax_categories_page(value: Any, path: str) -> tuple[dict[int, tuple[int | None, int | None]], int]:
    """Variant id -> (tax category, category) from one page of ``bulk_products``, and the number of
    pages. The category is the variant's primary taxon (``category_id``)."""
    body = Fields(value, path, "")
    found: dict[int, tuple[int | None, int | None]] = {}
    for product in body.each("products"):
        for variant in product.each("variants"):
            variant_id = variant.id("id")
            named = variant.named(f"variant {variant_id}")
            found[variant_id] = (named.maybe_id("tax_category_id"), named.maybe_id("category_id"))
    return found, pages_in(body)


# -- orders -----------------------------------------------------------------------------------


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


#: What the sync engine reads of an order's summary in OFN's listing.
SUMMARY_KEYS = ("number", "state", "payment_state", "shipment_state", "total", "payment_total", "item_count")


@dataclass(frozen=True)
class _Summary:
    """The fields a listed order and a detailed one share."""

    number: str
    state: str
    payment_state: str | None
    shipment_state: str | None
    total: int
    paid: int

    @classmethod
    def read(cls, order: Fields) -> _Summary:
        return cls(
            number=order.code("number"),
            state=order.text("state"),
            payment_state=order.maybe_text("payment_state"),
            shipment_state=order.maybe_text("shipment_state"),
            total=order.amount_or_zero("total", -MAX_TOTAL, MAX_TOTAL),
            paid=order.amount_or_zero("payment_total", -MAX_TOTAL, MAX_TOTAL),
        )


def orders_page(value: Any, path: str) -> tuple[list[dict[str, Any]], int]:
    """One page of ``GET /api/v0/orders``: the orders' summaries (checked) and the number of pages.

    The summaries stay dicts of OFN's own values (amounts as decimal strings), limited to
    ``SUMMARY_KEYS``: what the pickup refresh compares with what it stored.
    """
    body = Fields(value, path, "")
    summaries = []
    for order in body.each("orders"):
        _Summary.read(order)
        order.maybe_integer("item_count", 0, MAX_QUANTITY)
        summaries.append({key: order.data.get(key) for key in SUMMARY_KEYS})
    return summaries, pages_in(body)


def order_cycles_page(value: Any, path: str) -> list[tuple[int, str]]:
    """The hub's newest orders as (order cycle id, completed at): where its open cycles show."""
    body = Fields(value, path, "")
    seen = []
    for order in body.each("orders"):
        cycle = order.maybe_child("order_cycle")
        cycle_id = cycle.maybe_id("id") if cycle is not None else None
        if cycle_id is not None:
            seen.append((cycle_id, order.maybe_text("completed_at") or ""))
    return seen


def order_from(data: Any, path: str = "an order", number: str | None = None) -> Order:
    """A detailed order; ``number`` is the one asked for, which the answer must be about.

    Each variant has one line: OFN merges adds into it, and the sync engine counts by variant, so
    a second line would be miscounted.
    """
    order = Fields(data, path, "")
    summary = _Summary.read(order)
    if number is not None and summary.number != number:
        order.fail("number", summary.number, f"the order asked for, {number}")
    lines: dict[int, OrderLine] = {}
    for item in order.each("line_items"):
        variant = Fields(item.data.get("variant", MISSING), path, item.name("variant"))
        variant_id = variant.id("id")
        if variant_id in lines:
            variant.fail("id", variant_id, "one line per variant")
        lines[variant_id] = OrderLine(
            variant_id=variant_id,
            quantity=item.integer("quantity", 0, MAX_QUANTITY),
            price=item.amount("price", 0, MAX_PRICE),
            name=variant.maybe_text("name_to_display") or variant.maybe_text("product_name") or "",
            tax_category_id=item.maybe_id("tax_category_id"),
        )
    cycle = order.maybe_child("order_cycle")
    return Order(
        number=summary.number,
        state=summary.state,
        payment_state=summary.payment_state,
        shipment_state=summary.shipment_state,
        order_cycle_id=None if cycle is None else cycle.maybe_id("id"),
        email=order.maybe_text("email") or "",
        full_name=order.maybe_text("full_name") or "",
        total=summary.total,
        completed_at=order.maybe_text("completed_at_utc_iso8601") or "",
        lines=tuple(lines.values()),
        paid=summary.paid,
        pending_payment=_pending_payment(order.maybe_each("payments")),
    )


#: The payment states OFN's ``capture`` picks from, in the order it looks (``pending_payments``).
CAPTURABLE = ("pending", "requires_authorization", "processing", "checkout")


def _pending_payment(payments: list[Fields]) -> int | None:
    read = [
        (payment.maybe_text("state"), payment.amount_or_zero("amount", -MAX_TOTAL, MAX_TOTAL)) for payment in payments
    ]
    for wanted in CAPTURABLE:
        for state, amount in read:
            if state == wanted:
                return amount
    return None


def shipment_number(value: Any, path: str) -> str:
    """An add answers the order's shipment; its number is where the next adds and removes go."""
    return Fields(value, path, "").code("number")
