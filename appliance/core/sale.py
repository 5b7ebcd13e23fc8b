"""The sale in progress and the completed sale: pure code, no I/O, no clock of its own.

A cashier's actions (scan, weigh, discount, void, tender) mutate a :class:`Sale`. Every figure is
derived from those actions by :meth:`Sale.totals`, never stored beside them, so there is no state
to fall out of step. :meth:`Sale.complete` freezes the result into a :class:`CompletedSale`: the
exact record the store writes and the fiscal journal seals.

Returns are sales of kind ``RETURN`` whose lines point at lines of the original sale; see
:mod:`appliance.core.returns` for how much may still be given back.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from appliance.core.discount_rules import Applied, AutoDiscounts, LineContext, choose
from appliance.core.ids import uuid7
from appliance.core.money import allocate, from_cents, round_div, to_cents
from appliance.core.tax import VatAmount, VatRate, breakdown, spread_vat
from appliance.core.text import TextError, reason

MAX_QUANTITY = 9999
MAX_WEIGHT_G = 999_999
#: The most change a till gives: cash tendered beyond what is due by more than this (500.00, the
#: largest note) is a mistyped amount (5000 for 50.00), not a customer's payment.
MAX_CHANGE = 50_000


class SaleError(ValueError):
    """A cashier's action that cannot be done; the message says why and what to do instead."""


def check_change(tendered: int, due: int) -> None:
    """Refuse cash that would give more change than a till gives (see MAX_CHANGE)."""
    if tendered - due > MAX_CHANGE:
        raise SaleError(
            f"{from_cents(tendered)} tendered for {from_cents(due)} would give {from_cents(tendered - due)} change,"
            f" more than a till gives (at most {from_cents(MAX_CHANGE)}): check the amount"
        )


def _check_reason(reason_text: str, empty: str) -> str:
    """A reason is kept in the journal and printed: plain text of a reasonable length, as cleaned
    for every other reason (a cash movement's, a cancelled basket's)."""
    if not reason_text.strip():
        raise SaleError(empty)
    try:
        return reason(reason_text)
    except TextError as exc:
        raise SaleError(str(exc)) from None


class Kind(StrEnum):
    SALE = "sale"
    RETURN = "return"


class PricedBy(StrEnum):
    EACH = "each"
    WEIGHT = "weight"


class DiscountKind(StrEnum):
    PERCENT = "percent"
    AMOUNT = "amount"


@dataclass(frozen=True)
class Item:
    """A variant as the catalogue describes it when it is sold; ``price`` is per kg when weighed."""

    variant_id: int
    name: str
    price: Decimal
    priced_by: PricedBy
    vat: VatRate
    sku: str = ""
    # The hub's fees OFN charges on each unit, included in ``price``: per piece, or per OFN unit of
    # ``fee_unit_grams`` for weighed goods (cents). Shown on a receipt where the hub wants it.
    fee_cents: int = 0
    fee_unit_grams: int | None = None
    # A channel's shelf-only item (its code; ``variant_id`` 0): not in OFN, never sent there.
    shelf: str = ""
    # What a channel's discount rules match besides the variant: OFN's primary taxon and tag list.
    category_id: int | None = None
    tags: frozenset[str] = frozenset()
    cents: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.price < 0:
            raise SaleError(f"{self.name}: a price cannot be negative")
        object.__setattr__(self, "cents", to_cents(self.price))


@dataclass(frozen=True)
class Discount:
    """A percentage (two decimals at most) or an amount off, always with a reason."""

    kind: DiscountKind
    value: Decimal
    reason: str
    hundredths: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reason", _check_reason(self.reason, "A discount needs a reason"))
        if self.kind is DiscountKind.PERCENT:
            if not (0 < self.value <= 100) or self.value != self.value.quantize(Decimal("0.01")):
                raise SaleError("A discount is between 0.01 % and 100 %")
        elif self.value <= 0:
            raise SaleError("A discount amount must be positive")
        object.__setattr__(self, "hundredths", to_cents(self.value))

    def cents_off(self, gross: int) -> int:
        """Discount on ``gross`` cents; an amount larger than what it applies to is refused."""
        if self.kind is DiscountKind.PERCENT:
            return round_div(gross * self.hundredths, 10000)
        if self.hundredths > gross:
            raise SaleError(f"A discount of {self.value} is more than the {from_cents(gross)} it applies to")
        return self.hundredths

    def as_record(self) -> dict[str, str]:
        return {"kind": self.kind.value, "value": str(self.value), "reason": self.reason}


@dataclass(frozen=True)
class PaymentMethod:
    """A way to pay; only cash gives change and is counted in the drawer."""

    code: str
    label: str
    is_cash: bool = False
    is_card: bool = False  # taken on the card terminal; taking one back makes the law want a receipt
    is_ofn_credit: bool = False  # paid from the customer's credit in OFN (needs an OFN customer)


@dataclass(frozen=True)
class LineRef:
    """A line of an earlier sale, which a return line gives back; ``lane_id`` and ``number`` name
    the sale when another lane made it (read from its receipt's hub code), None for this lane's."""

    sale_uuid: str
    line_no: int
    lane_id: int | None = None
    number: int | None = None

    def as_record(self) -> dict[str, object]:
        record: dict[str, object] = {"sale_uuid": self.sale_uuid, "line_no": self.line_no}
        if self.lane_id is not None:
            record["lane_id"] = self.lane_id
            record["number"] = self.number
        return record


@dataclass
class Line:
    line_no: int
    item: Item
    quantity: int = 0
    weight_g: int = 0
    price_override: Decimal | None = None
    override_reason: str = ""
    discount: Discount | None = None
    voided: bool = False
    returns: LineRef | None = None
    refund_cents: int = 0
    refund_vat_cents: int = 0
    damaged: bool = False  # a return line whose goods do not go back on the shelf

    @property
    def unit_price(self) -> Decimal:
        return self.item.price if self.price_override is None else self.price_override

    @property
    def unit_cents(self) -> int:
        return self.item.cents if self.price_override is None else to_cents(self.price_override)

    def gross_cents(self) -> int:
        """Price × quantity, or price per kg × weight, rounded once to the cent."""
        if self.returns is not None:
            return self.refund_cents
        if self.item.priced_by is PricedBy.EACH:
            return self.unit_cents * self.quantity
        return round_div(self.unit_cents * self.weight_g, 1000)

    def figures(self) -> tuple[int, int]:
        """Gross and the cashier's line discount in cents; a voided line costs nothing. The
        channel's automatic discount depends on the sale (its moment, its customer): see
        :meth:`Sale.automatic`."""
        if self.voided:
            return 0, 0
        gross = self.gross_cents()
        return gross, self.discount.cents_off(gross) if self.discount is not None else 0

    def amount_cents(self) -> int:
        """What the line costs before the whole-sale discount and any automatic one."""
        gross, off = self.figures()
        return gross - off


@dataclass(frozen=True)
class Tender:
    method: PaymentMethod
    amount: Decimal
    customer_id: int | None = None  # the OFN customer a credit payment is taken from


@dataclass(frozen=True)
class LineTotal:
    line: Line
    gross: int
    line_discount: int
    sale_discount: int
    amount: int
    vat: int
    rule: Applied | None = None  # the channel's automatic discount in ``line_discount``, if one


@dataclass(frozen=True)
class Totals:
    """Everything the screen and the receipt show, in cents, derived from the cashier's actions."""

    lines: tuple[LineTotal, ...]
    subtotal: int
    sale_discount: int
    total: int
    vat: tuple[VatAmount, ...]
    tendered: int
    non_cash: int
    change: int

    @property
    def due(self) -> int:
        """What remains to be paid (for a return: to be refunded, negative); never below zero."""
        remaining = self.total - self.tendered
        if self.total >= 0:
            return max(remaining, 0)
        return min(remaining, 0)


@dataclass(frozen=True)
class CompletedLine:
    line_no: int
    variant_id: int
    name: str
    sku: str
    priced_by: PricedBy
    quantity: int
    weight_g: int
    unit_price: int
    list_price: int
    override_reason: str
    discount: dict[str, object] | None
    discount_cents: int
    sale_discount_cents: int
    amount: int
    vat_code: str
    vat_rate_bp: int
    vat_label: str
    vat: int
    voided: bool
    returns: LineRef | None
    fee_cents: int = 0  # the hub's fees OFN charges on this line, included in its list price
    shelf: str = ""  # a shelf-only item's code: the line never reaches OFN (docs/channels.md)
    damaged: bool = False  # returned goods that do not go back to stock (nor into OFN's counter order)

    def as_record(self) -> dict[str, object]:
        record: dict[str, object] = {
            "line_no": self.line_no,
            "variant_id": self.variant_id,
            "name": self.name,
            "sku": self.sku,
            "priced_by": self.priced_by.value,
            "quantity": self.quantity,
            "weight_g": self.weight_g,
            "unit_price": self.unit_price,
            "list_price": self.list_price,
            "override_reason": self.override_reason,
            "discount": self.discount,
            "discount_cents": self.discount_cents,
            "sale_discount_cents": self.sale_discount_cents,
            "amount": self.amount,
            "vat_code": self.vat_code,
            "vat_rate_bp": self.vat_rate_bp,
            "vat_label": self.vat_label,
            "vat": self.vat,
            "voided": self.voided,
        }
        if self.returns is not None:
            record["returns"] = self.returns.as_record()
        if self.fee_cents:  # absent when none, so a sale without fees seals as it always did
            record["fee_cents"] = self.fee_cents
        if self.shelf:
            record["shelf"] = self.shelf
        if self.damaged:  # absent when back to stock, so a return seals as it always did
            record["damaged"] = True
        return record


@dataclass(frozen=True)
class Approval:
    """A manager allowed what a cashier may not do alone (docs/people.md): sealed with the sale.

    ``action`` is ``price`` (a price changed), ``discount`` (above the hub's limit), ``void`` (a line
    voided once payment had started), ``cancel`` (a basket cancelled once payment had started) or
    ``refund`` (above the hub's limit); ``line_no`` the line it was about, if one.
    """

    action: str
    by: str
    line_no: int | None = None

    def as_record(self) -> dict[str, object]:
        return {"action": self.action, "by": self.by, "line_no": self.line_no}


@dataclass(frozen=True)
class CompletedPayment:
    method: str
    cash: bool
    amount: int
    tendered: int
    customer_id: int | None = None

    def as_record(self) -> dict[str, object]:
        """``customer_id`` only when set, so a payment without one seals as it always did."""
        record: dict[str, object] = {"method": self.method, "cash": self.cash, "amount": self.amount}
        record["tendered"] = self.tendered
        if self.customer_id is not None:
            record["customer_id"] = self.customer_id
        return record


@dataclass(frozen=True)
class CompletedSale:
    """A sale as it is written once and never changed; cents everywhere, times in UTC."""

    uuid: str
    kind: Kind
    lane_id: int
    channel: str
    cashier: str
    started_at: datetime
    completed_at: datetime
    original_uuid: str | None
    lines: tuple[CompletedLine, ...]
    sale_discount: dict[str, str] | None
    sale_discount_cents: int
    total: int
    vat: tuple[VatAmount, ...]
    payments: tuple[CompletedPayment, ...]
    tendered: int
    change: int
    # Who rang the first items, when another cashier completed the sale (a switch mid-basket).
    started_by: str = ""
    approvals: tuple[Approval, ...] = ()
    # The sha256 of the channel rules in force when the sale started (docs/channels.md).
    rules_digest: str = ""

    def as_record(self) -> dict[str, object]:
        """The sale as the journal seals it: plain JSON types, amounts in cents.

        ``started_by``, ``approvals`` and ``rules`` are there only when set, so a sale without them
        seals as it always did.
        """
        record = self._record()
        if self.rules_digest:
            record["rules"] = {"digest": self.rules_digest}
        if self.started_by:
            record["started_by"] = self.started_by
        if self.approvals:
            record["approvals"] = [approval.as_record() for approval in self.approvals]
        return record

    def _record(self) -> dict[str, object]:
        return {
            "uuid": self.uuid,
            "kind": self.kind.value,
            "lane_id": self.lane_id,
            "channel": self.channel,
            "cashier": self.cashier,
            "started_at": _iso(self.started_at),
            "completed_at": _iso(self.completed_at),
            "original_uuid": self.original_uuid,
            "lines": [line.as_record() for line in self.lines],
            "sale_discount": self.sale_discount,
            "sale_discount_cents": self.sale_discount_cents,
            "total": self.total,
            "vat": [
                {"code": v.code, "rate_bp": v.rate_bp, "label": v.label, "gross": v.gross, "vat": v.vat, "base": v.base}
                for v in self.vat
            ],
            "payments": [payment.as_record() for payment in self.payments],
            "tendered": self.tendered,
            "change": self.change,
        }


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.isoformat(timespec="microseconds")


@dataclass
class Sale:
    """A sale in progress on one lane; the UI drives it, the store receives what it completes to."""

    lane_id: int
    channel: str
    cashier: str
    started_at: datetime
    kind: Kind = Kind.SALE
    original_uuid: str | None = None
    uuid: str = field(default_factory=uuid7)
    lines: list[Line] = field(default_factory=list)
    discount: Discount | None = None
    tenders: list[Tender] = field(default_factory=list)
    started_by: str = ""  # who started the basket, when another cashier took it over
    approvals: list[Approval] = field(default_factory=list)
    rules_digest: str = ""  # the channel rules it started under (the till sets it)
    # The channel's automatic discounts, fixed for the sale's life, and the customer's OFN tags
    # (rules for members, say): every line's automatic discount is derived from them in totals().
    auto_discounts: AutoDiscounts = field(default_factory=AutoDiscounts)
    customer_tags: frozenset[str] = frozenset()

    # -- who ---------------------------------------------------------------------------------------

    def hand_to(self, cashier: str) -> None:
        """Another cashier takes the basket over (a switch mid-basket): the sale is sealed with the
        one who completes it, and names the one who started it."""
        if cashier == self.cashier:
            return
        first = self.started_by or self.cashier
        self.started_by = "" if first == cashier else first
        self.cashier = cashier

    def approve(self, action: str, by: str, line_no: int | None = None) -> None:
        """Record that manager ``by`` allowed ``action`` (done just now) on this sale."""
        self.approvals.append(Approval(action, by, line_no))

    def set_customer_tags(self, tags: frozenset[str]) -> None:
        """The customer is known (or no longer): rules for their tags apply, or stop applying."""
        self._require_sale()
        if self.payment_started:
            raise SaleError("A payment was taken: name the customer before taking payment")
        with self._checked():
            self.customer_tags = frozenset(tags)

    @property
    def payment_started(self) -> bool:
        """A payment was taken: voiding a line or cancelling the basket now needs a manager."""
        return bool(self.tenders)

    # -- building the basket -------------------------------------------------------------------

    def add(self, item: Item, quantity: int = 1, *, merge: bool = True) -> Line:
        """Add ``quantity`` of an item sold by the piece; a repeat scan adds to the same plain line.

        ``merge=False`` gives the item a line of its own (a label with its own price).
        """
        self._require_sale()
        if item.priced_by is not PricedBy.EACH:
            raise SaleError(f"{item.name} is sold by weight: put it on the scale")
        _check_quantity(quantity)
        for line in self.lines if merge else ():
            if line.item == item and not line.voided and line.discount is None and line.price_override is None:
                _check_quantity(line.quantity + quantity)
                line.quantity += quantity
                return line
        return self._append(Line(line_no=self._next_line_no(), item=item, quantity=quantity))

    def add_weighed(self, item: Item, weight_g: int) -> Line:
        """Add a weighed item; each weighing is its own line, as on the scale ticket."""
        self._require_sale()
        if item.priced_by is not PricedBy.WEIGHT:
            raise SaleError(f"{item.name} is sold by the piece, not by weight")
        if not (0 < weight_g <= MAX_WEIGHT_G):
            raise SaleError(f"A weight must be between 1 g and {MAX_WEIGHT_G} g, not {weight_g} g")
        return self._append(Line(line_no=self._next_line_no(), item=item, weight_g=weight_g))

    def set_quantity(self, line_no: int, quantity: int) -> None:
        line = self._live_line(line_no)
        if line.item.priced_by is not PricedBy.EACH or line.returns is not None:
            raise SaleError("Only a line sold by the piece has a quantity to change")
        _check_quantity(quantity)
        with self._checked():
            self._live_line(line_no).quantity = quantity

    def void(self, line_no: int) -> None:
        """Strike a line; it stays on the record as voided, so the Z report can count it."""
        with self._checked():
            self._live_line(line_no).voided = True

    def override_price(self, line_no: int, price: Decimal, reason: str) -> None:
        self._require_sale()
        reason = _check_reason(reason, "A price change needs a reason")
        if price < 0:
            raise SaleError("A price cannot be negative")
        to_cents(price)
        with self._checked():
            line = self._live_line(line_no)
            line.price_override, line.override_reason = price, reason

    def discount_line(self, line_no: int, discount: Discount | None) -> None:
        """A discount by hand replaces the automatic one on the line; None gives the line back to
        the channel's rules."""
        self._require_sale()
        with self._checked():
            self._live_line(line_no).discount = discount

    def discount_sale(self, discount: Discount | None) -> None:
        self._require_sale()
        with self._checked():
            self.discount = discount

    # -- paying --------------------------------------------------------------------------------

    def tender(self, method: PaymentMethod, amount: Decimal, customer_id: int | None = None) -> None:
        """Take a payment. Only cash may exceed what is due (the excess is change)."""
        cents = to_cents(amount)
        totals = self.totals()
        if self.kind is Kind.RETURN:
            if cents >= 0:
                raise SaleError("A refund is entered as a negative amount")
            if cents < totals.due:
                raise SaleError(f"Refund more than what is owed ({from_cents(-totals.due)})")
        else:
            if cents <= 0:
                raise SaleError("A payment must be positive")
            if totals.due == 0:
                raise SaleError("Nothing is left to pay")
            if not method.is_cash and cents > totals.due:
                raise SaleError(
                    f"{method.label} cannot pay more than is due ({from_cents(totals.due)}); only cash gives change"
                )
            check_change(cents, totals.due)
        self.tenders.append(Tender(method, amount, customer_id))

    def remove_tender(self, index: int) -> None:
        try:
            del self.tenders[index]
        except IndexError:
            raise SaleError("There is no such payment") from None

    # -- figures -------------------------------------------------------------------------------

    def automatic(self, line: Line) -> Applied | None:
        """The channel's rules that apply to the line, if any: never on a line discounted by hand,
        a voided line or a return, and judged at the moment the sale started (local time)."""
        auto = self.auto_discounts
        if not auto.rules or self.kind is not Kind.SALE or line.voided or line.discount is not None:
            return None
        context = LineContext(
            variant_id=line.item.variant_id,
            unit_cents=line.unit_cents,
            quantity=line.quantity,
            weight_g=line.weight_g,
            category=line.item.category_id,
            tags=line.item.tags,
            moment=auto.local(self.started_at),
            customer_tags=self.customer_tags,
        )
        return choose(auto.rules, auto.policy, context)

    def totals(self) -> Totals:
        figures = [line.figures() for line in self.lines]
        rules = [self.automatic(line) for line in self.lines]
        grosses = [gross for gross, _ in figures]
        line_discounts = [off + (rule.cents if rule else 0) for (_, off), rule in zip(figures, rules)]
        amounts = [gross - off for gross, off in zip(grosses, line_discounts)]
        subtotal = sum(amounts)
        sale_discount = self.discount.cents_off(subtotal) if self.discount else 0
        shares = allocate(sale_discount, amounts) if sale_discount else [0] * len(amounts)
        finals = [amount - share for amount, share in zip(amounts, shares)]
        if self.kind is Kind.RETURN:
            line_vat = [0 if line.voided else line.refund_vat_cents for line in self.lines]
            vat = _given_back(self.lines, finals, line_vat)
        else:
            vat = breakdown((line.item.vat, final) for line, final in zip(self.lines, finals) if not line.voided)
            line_vat = spread_vat(vat, [(line.item.vat.code, final) for line, final in zip(self.lines, finals)])
        total = subtotal - sale_discount
        tendered = sum(to_cents(t.amount) for t in self.tenders)
        non_cash = sum(to_cents(t.amount) for t in self.tenders if not t.method.is_cash)
        change = tendered - total if self.kind is Kind.SALE and tendered > total else 0
        line_totals = tuple(
            LineTotal(line, gross, off, share, final, vat_cents, rule)
            for line, gross, off, share, final, vat_cents, rule in zip(
                self.lines, grosses, line_discounts, shares, finals, line_vat, rules
            )
        )
        return Totals(
            lines=line_totals,
            subtotal=subtotal,
            sale_discount=sale_discount,
            total=total,
            vat=tuple(vat),
            tendered=tendered,
            non_cash=non_cash,
            change=change,
        )

    def complete(self, now: datetime) -> CompletedSale:
        """Freeze the sale; refuses an empty or unpaid sale with a message for the cashier."""
        if not self._live_lines():
            raise SaleError("The sale has no items: void it instead")
        totals = self.totals()
        if self.kind is Kind.SALE:
            if totals.tendered < totals.total:
                raise SaleError(f"{from_cents(totals.due)} is still to be paid")
            if totals.non_cash > totals.total:
                raise SaleError("Card and other payments exceed the total: remove one and take cash")
        elif totals.tendered != totals.total:
            raise SaleError(f"Refund {from_cents(-totals.due)} more before completing the return")
        return CompletedSale(
            uuid=self.uuid,
            kind=self.kind,
            lane_id=self.lane_id,
            channel=self.channel,
            cashier=self.cashier,
            started_at=self.started_at,
            completed_at=now,
            original_uuid=self.original_uuid,
            lines=tuple(_complete_line(t) for t in totals.lines),
            sale_discount=self.discount.as_record() if self.discount else None,
            sale_discount_cents=totals.sale_discount,
            total=totals.total,
            vat=totals.vat,
            payments=applied_payments(self.tenders, totals.change),
            tendered=totals.tendered,
            change=totals.change,
            started_by=self.started_by,
            approvals=tuple(self.approvals),
            rules_digest=self.rules_digest,
        )

    # -- helpers -------------------------------------------------------------------------------

    def _append(self, line: Line) -> Line:
        self.lines.append(line)
        return line

    def _next_line_no(self) -> int:
        return len(self.lines) + 1

    def _live_lines(self) -> list[Line]:
        return [line for line in self.lines if not line.voided]

    def _live_line(self, line_no: int) -> Line:
        for line in self.lines:
            if line.line_no == line_no:
                if line.voided:
                    raise SaleError(f"Line {line_no} is voided")
                return line
        raise SaleError(f"There is no line {line_no}")

    def _require_sale(self) -> None:
        if self.kind is not Kind.SALE:
            raise SaleError("A return only gives back lines of the original sale")

    @contextmanager
    def _checked(self) -> Iterator[None]:
        """Apply a change only if every figure can still be computed; otherwise undo it.

        This is what keeps, say, an amount discount from outliving the lines it was taken on.
        """
        saved = (copy.deepcopy(self.lines), self.discount, list(self.tenders), self.customer_tags)
        try:
            yield
            self.totals()
        except SaleError:
            self.lines, self.discount, self.tenders, self.customer_tags = saved
            raise


def _given_back(lines: list[Line], finals: list[int], line_vat: list[int]) -> list[VatAmount]:
    """A return's VAT table: the VAT its lines give back, summed per rate (not recomputed)."""
    gross: dict[str, int] = {}
    vat: dict[str, int] = {}
    rates: dict[str, VatRate] = {}
    for line, final, line_vat_cents in zip(lines, finals, line_vat):
        if not line.voided:
            code = line.item.vat.code
            rates[code] = line.item.vat
            gross[code] = gross.get(code, 0) + final
            vat[code] = vat.get(code, 0) + line_vat_cents
    amounts = [VatAmount(code, rates[code].basis_points, rates[code].label, gross[code], vat[code]) for code in rates]
    return sorted(amounts, key=lambda amount: (amount.rate_bp, amount.code))


def _check_quantity(quantity: int) -> None:
    if not (0 < quantity <= MAX_QUANTITY):
        raise SaleError(f"A quantity must be between 1 and {MAX_QUANTITY}, not {quantity}")


def _complete_line(total: LineTotal) -> CompletedLine:
    line = total.line
    return CompletedLine(
        line_no=line.line_no,
        variant_id=line.item.variant_id,
        name=line.item.name,
        sku=line.item.sku,
        priced_by=line.item.priced_by,
        quantity=line.quantity,
        weight_g=line.weight_g,
        unit_price=line.unit_cents,
        list_price=line.item.cents,
        override_reason=line.override_reason,
        discount=_discount_record(total),
        discount_cents=total.line_discount,
        sale_discount_cents=total.sale_discount,
        amount=total.amount,
        vat_code=line.item.vat.code,
        vat_rate_bp=line.item.vat.basis_points,
        vat_label=line.item.vat.label,
        vat=total.vat,
        voided=line.voided,
        returns=line.returns,
        fee_cents=_line_fee(line),
        shelf=line.item.shelf,
        damaged=line.damaged,
    )


def _discount_record(total: LineTotal) -> dict[str, object] | None:
    """The cashier's discount as always, or the channel's rule that applied (``rule`` names it)."""
    if total.line.discount is not None:
        return dict(total.line.discount.as_record())
    return total.rule.as_record() if total.rule is not None else None


def _line_fee(line: Line) -> int:
    """The fees OFN charges on the line's pieces or grams (for weighed goods, by OFN's unit)."""
    item = line.item
    if not item.fee_cents:
        return 0
    if item.priced_by is PricedBy.WEIGHT:
        return round_div(item.fee_cents * line.weight_g, item.fee_unit_grams or 1000)
    return item.fee_cents * line.quantity


def applied_payments(tenders: list[Tender], change: int) -> tuple[CompletedPayment, ...]:
    """One payment per method, in order of first use; the change comes off the cash tendered.

    The config allows one cash method, so there is one place for the change to come from.
    """
    tendered: dict[tuple[PaymentMethod, int | None], int] = {}
    for tender in tenders:
        key = (tender.method, tender.customer_id)
        tendered[key] = tendered.get(key, 0) + to_cents(tender.amount)
    return tuple(
        CompletedPayment(
            method=method.code,
            cash=method.is_cash,
            amount=cents - change if method.is_cash else cents,
            tendered=cents,
            customer_id=customer_id,
        )
        for (method, customer_id), cents in tendered.items()
    )
