"""Handing over a customer's online order at the counter: what changes on it, and what is paid.

A pickup order was sold online: OFN holds it, prices it and invoices it. At the counter the cashier
may take items off it (not delivered, not wanted: they go back to OFN's stock), put more on it
(the customer takes more of something, at the price OFN charges), and collect what the customer
still owes. None of that is a sale of the till: the goods and their VAT stay on OFN's order, and
the till's journal records the hand-over with the money that went into its drawer, so the cash
count holds and an auditor sees every payment.

OFN orders hold whole units, so only goods sold by the piece change an order here; anything
weighed on the spot is a sale of its own, as at any counter. Pure code: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from appliance.core.ids import uuid7
from appliance.core.money import from_cents, to_cents
from appliance.core.sale import (
    MAX_QUANTITY,
    CompletedPayment,
    Item,
    PaymentMethod,
    PricedBy,
    SaleError,
    Tender,
    applied_payments,
    check_change,
)

#: OFN's payment states in which the order is settled: nothing more to collect.
SETTLED = ("paid", "credit_owed")


class HandoverError(SaleError):
    """A hand-over step the cashier cannot take; the message says why and what to do."""


@dataclass(frozen=True)
class PickupLine:
    variant_id: int
    name: str
    quantity: int
    price: int  # cents, OFN's price on this order


@dataclass(frozen=True)
class PickupOrder:
    """A customer's order as the box last read it from OFN (the pickup list)."""

    number: str
    full_name: str
    email: str
    payment_state: str | None
    shipment_state: str | None
    total: int
    paid: int
    lines: tuple[PickupLine, ...]

    @property
    def balance(self) -> int:
        return self.total - self.paid

    def quantity_of(self, variant_id: int) -> int:
        return sum(line.quantity for line in self.lines if line.variant_id == variant_id)

    def price_of(self, variant_id: int) -> int | None:
        return next((line.price for line in self.lines if line.variant_id == variant_id), None)


@dataclass(frozen=True)
class Change:
    variant_id: int
    name: str
    quantity: int  # signed: more (+) or fewer (-) than the order held
    price: int

    @property
    def amount(self) -> int:
        return self.quantity * self.price

    def as_record(self) -> dict[str, object]:
        return {
            "variant_id": self.variant_id,
            "name": self.name,
            "quantity": self.quantity,
            "price": self.price,
            "amount": self.amount,
        }


@dataclass(frozen=True)
class CompletedHandover:
    """A hand-over as the journal seals it; cents everywhere, times in UTC."""

    uuid: str
    lane_id: int
    channel: str
    cashier: str
    started_at: datetime
    completed_at: datetime
    order: PickupOrder
    changes: tuple[Change, ...]
    due: int
    payments: tuple[CompletedPayment, ...]
    tendered: int
    change: int

    @property
    def credit_owed(self) -> int:
        """What OFN owes the customer after the changes (an online payment to refund there)."""
        return max(-(self.order.balance + sum(c.amount for c in self.changes)), 0)

    def as_record(self) -> dict[str, object]:
        return {
            "uuid": self.uuid,
            "kind": "handover",
            "lane_id": self.lane_id,
            "channel": self.channel,
            "cashier": self.cashier,
            "started_at": self.started_at.isoformat(timespec="microseconds"),
            "completed_at": self.completed_at.isoformat(timespec="microseconds"),
            "order": self.order.number,
            "customer": self.order.full_name,
            "order_total": self.order.total,
            "order_paid": self.order.paid,
            "changes": [change.as_record() for change in self.changes],
            "due": self.due,
            "credit_owed": self.credit_owed,
            "payments": [
                {"method": p.method, "cash": p.cash, "amount": p.amount, "tendered": p.tendered} for p in self.payments
            ],
            "tendered": self.tendered,
            "change": self.change,
        }


@dataclass
class Handover:
    """A hand-over in progress; the UI drives it like a sale, the store receives what it completes to."""

    order: PickupOrder
    lane_id: int
    channel: str
    cashier: str
    started_at: datetime
    uuid: str = field(default_factory=uuid7)
    changes: dict[int, Change] = field(default_factory=dict)
    tenders: list[Tender] = field(default_factory=list)

    def add(self, item: Item, quantity: int = 1) -> Change:
        """The customer takes ``quantity`` more of an item, at the price OFN charges on this order."""
        if item.priced_by is not PricedBy.EACH:
            raise HandoverError(
                f"{item.name} is sold by weight and an OFN order holds whole units only: ring it up as a sale"
            )
        _check_quantity(quantity)
        price = self.order.price_of(item.variant_id)
        return self._change(item.variant_id, item.name, quantity, item.cents if price is None else price)

    def remove(self, variant_id: int, quantity: int = 1) -> Change:
        """The customer leaves ``quantity`` of a line behind; OFN takes it back into stock."""
        _check_quantity(quantity)
        held = self.held(variant_id)
        if quantity > held:
            raise HandoverError(f"Order {self.order.number} holds {held} of that item, not {quantity}")
        known = self.changes.get(variant_id)
        on_order = next((line for line in self.order.lines if line.variant_id == variant_id), None)
        if on_order is not None:
            return self._change(variant_id, on_order.name, -quantity, on_order.price)
        assert known is not None  # held > 0 and not on the order: it was put on in this hand-over
        return self._change(variant_id, known.name, -quantity, known.price)

    def held(self, variant_id: int) -> int:
        """How many the order will hold once this hand-over reaches OFN."""
        change = self.changes.get(variant_id)
        return self.order.quantity_of(variant_id) + (change.quantity if change else 0)

    @property
    def due(self) -> int:
        """What the customer pays at the counter: OFN's balance after the changes, never a refund.

        An order paid online that shrinks leaves OFN owing the customer: that money went through
        OFN's payment and goes back the same way, not out of the drawer.
        """
        return max(self.order.balance + sum(change.amount for change in self.changes.values()), 0)

    @property
    def tendered(self) -> int:
        return sum(to_cents(tender.amount) for tender in self.tenders)

    def tender(self, method: PaymentMethod, amount: Decimal) -> None:
        cents = to_cents(amount)
        remaining = self.due - self.tendered
        if cents <= 0:
            raise HandoverError("A payment must be positive")
        if remaining <= 0:
            raise HandoverError("Nothing is left to pay")
        if not method.is_cash and cents > remaining:
            raise HandoverError(
                f"{method.label} cannot pay more than is due ({from_cents(remaining)}); only cash gives change"
            )
        check_change(cents, remaining)
        self.tenders.append(Tender(method, amount))

    def complete(self, now: datetime) -> CompletedHandover:
        refuse_shipped(self.order)
        due, tendered = self.due, self.tendered
        if tendered < due:
            raise HandoverError(f"{from_cents(due - tendered)} is still to be paid")
        non_cash = sum(to_cents(t.amount) for t in self.tenders if not t.method.is_cash)
        if non_cash > due:
            raise HandoverError("Card and other payments exceed what is due: remove one and take cash")
        change = tendered - due
        return CompletedHandover(
            uuid=self.uuid,
            lane_id=self.lane_id,
            channel=self.channel,
            cashier=self.cashier,
            started_at=self.started_at,
            completed_at=now,
            order=self.order,
            changes=tuple(c for _, c in sorted(self.changes.items()) if c.quantity),
            due=due,
            payments=applied_payments(self.tenders, change),
            tendered=tendered,
            change=change,
        )

    def _change(self, variant_id: int, name: str, quantity: int, price: int) -> Change:
        before = self.changes.get(variant_id)
        change = Change(variant_id, name, (before.quantity if before else 0) + quantity, price)
        self.changes[variant_id] = change
        return change


def refuse_shipped(order: PickupOrder) -> None:
    """An order OFN shows shipped has left the hub (from this box or another): it goes out once."""
    if order.shipment_state == "shipped":
        raise HandoverError(f"Order {order.number} was already handed over (OFN shows it shipped)")


def _check_quantity(quantity: int) -> None:
    if not (0 < quantity <= MAX_QUANTITY):
        raise HandoverError(f"A quantity must be between 1 and {MAX_QUANTITY}, not {quantity}")
