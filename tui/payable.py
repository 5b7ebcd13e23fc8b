"""What the payment screen takes payment for: a sale, or a customer's online order at hand-over.

Both take cash (with change), card and the other methods, in any split; the payment screen does
not care which it holds. Completing one seals it in the journal and returns what the screen
after payment shows (:class:`Paid`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from appliance.core.handover import CompletedHandover, Handover, HandoverError
from appliance.core.sale import PaymentMethod, Tender
from appliance.store.sales import StoredSale
from appliance.till import Till

from .counter import Counter
from .handing import follow_on


@dataclass(frozen=True)
class Paid:
    """A finished payment: what the cashier and the customer see next."""

    title: str  # "Sale 42", "Order R123456789"
    total: int
    change: int
    cash_taken: bool
    stored: StoredSale | None = None
    handover: CompletedHandover | None = None
    card_taken_back: bool = False
    verb: str = "paid"  # "refunded" after a return
    change_caption: str = "CHANGE"  # what the big amount is: change, or the cash handed back
    then: str = ""  # what the sale screen says once the customer is done, if anything


@dataclass(frozen=True)
class PrintNote:
    """What became of a receipt asked for after payment, in the words the cashier reads."""

    printed: bool  # sent to the print queue (it may still wait for paper)
    problem: str = ""  # why it waits, or why there is none, for the cashier; "": it is coming out now


class Payable(Protocol):
    title: str

    @property
    def total(self) -> int: ...

    @property
    def due(self) -> int: ...

    @property
    def tenders(self) -> list[Tender]: ...

    def tender(self, method: PaymentMethod, amount: Decimal, customer_id: int | None = None) -> None: ...

    def needs_customer(self, method: PaymentMethod) -> bool: ...

    def check_method(self, method: PaymentMethod) -> None: ...

    def remove_last(self) -> None: ...

    def complete(self) -> Paid: ...


class SalePayment:
    """The counter's sale in progress."""

    def __init__(self, counter: Counter):
        self.counter = counter
        self.title = "Sale"

    @property
    def total(self) -> int:
        return self.counter.basket().totals().total

    @property
    def due(self) -> int:
        return self.counter.basket().totals().due

    @property
    def tenders(self) -> list[Tender]:
        return self.counter.basket().tenders

    def tender(self, method: PaymentMethod, amount: Decimal, customer_id: int | None = None) -> None:
        """Under the channel's payment rules: a method it does not take, cash over its limit, a
        method that needs a customer without one, are refused with the reason (SaleError)."""
        self.counter.till.tender(self.counter.basket(), method, amount, customer_id)

    def needs_customer(self, method: PaymentMethod) -> bool:
        return self.counter.till.needs_customer(method, self.counter.basket())

    def check_method(self, method: PaymentMethod) -> None:
        """Refuse a method the channel does not take before the card terminal is even asked."""
        till, sale = self.counter.till, self.counter.basket()
        rules = till.rules_of(sale)
        rules.payment.check_method(method, rules.label)

    def remove_last(self) -> None:
        self.counter.remove_tender()

    def complete(self) -> Paid:
        card_back = self.counter.card_taken_back
        stored = self.counter.complete()
        sale = stored.sale
        return Paid(
            title=f"Sale {stored.number}",
            total=sale.total,
            change=sale.change,
            cash_taken=any(payment.cash for payment in sale.payments),
            stored=stored,
            card_taken_back=card_back,
        )


class HandoverPayment:
    """A customer's online order: what OFN says is still due after the changes at the counter."""

    def __init__(self, till: Till, handover: Handover):
        self.till = till
        self.handover = handover
        self.title = f"Order {handover.order.number}"
        self.card_taken_back = False

    @property
    def total(self) -> int:
        return self.handover.due

    @property
    def due(self) -> int:
        return max(self.handover.due - self.handover.tendered, 0)

    @property
    def tenders(self) -> list[Tender]:
        return self.handover.tenders

    def tender(self, method: PaymentMethod, amount: Decimal, customer_id: int | None = None) -> None:
        """The channel's methods only; an online order is the customer's already, so no method that
        needs one (customer credit) is taken for it here."""
        self.till.check_method(method)
        if customer_id is not None or method.is_ofn_credit:
            raise HandoverError(f"{method.label} is not taken at a hand-over: the order is paid in OFN's own way")
        self.handover.tender(method, amount)

    def needs_customer(self, method: PaymentMethod) -> bool:
        return False

    def check_method(self, method: PaymentMethod) -> None:
        self.till.check_method(method)

    def remove_last(self) -> None:
        if not self.handover.tenders:
            raise HandoverError("No payment has been entered yet")
        if self.handover.tenders[-1].method.is_card:
            self.card_taken_back = True
        self.handover.tenders.pop()

    def complete(self) -> Paid:
        done = self.till.complete_handover(self.handover)
        return Paid(
            title=f"Order {done.order.number} handed over",
            total=done.due,
            change=done.change,
            cash_taken=any(payment.cash for payment in done.payments),
            handover=done,
            card_taken_back=self.card_taken_back,
            then=follow_on(done),
        )
