"""Payment: cash (typed amount, or exact), card on the external terminal, other methods, any split.

What is left to pay stays in big type until it reaches zero; then the sale (or the hand-over) is
sealed at once and the screen after payment shows the change. Nothing here waits on the network
or the printer: the drawer kick goes through the print queue.
"""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.widgets import Static

from appliance.core.customer import Customer
from appliance.core.money import from_cents, parse_amount, to_cents
from appliance.core.sale import PaymentMethod

from ..keymap import bindings
from ..payable import Paid, Payable, SalePayment
from ..widgets.entry import Entry
from ..widgets.panels import BigAmount
from .base import TenderScreen
from .choose import Choice, ChooseScreen
from .customer import CustomerScreen
from .prompt import PromptScreen


class PaymentScreen(TenderScreen):
    BINDINGS = bindings("pay_cash", "pay_card", "pay_other", "remove_tender", "back", hidden=("help",))

    def __init__(self, payable: Payable | None = None):
        super().__init__()
        self._payable = payable

    @property
    def payable(self) -> Payable:
        if self._payable is None:
            self._payable = SalePayment(self.checkout.counter)
        return self._payable

    CAPTION = "TO PAY"
    HINT = "cash given, then Enter (nothing typed: exact cash)"

    def show(self) -> None:
        fmt = self.checkout.fmt
        payable = self.payable
        if isinstance(payable, SalePayment):
            self.checkout.counter.keep()  # a tender taken is part of the basket kept across a restart
        self.query_one("#pay-title", Static).update(
            Text(f"{payable.title}: total {fmt.money(payable.total)}", style="bold")
        )
        labels = {method.code: method.label for method in self.checkout.till.payments}
        text = Text()
        for tender in payable.tenders:
            label = labels.get(tender.method.code, tender.method.code)
            text.append(f"  {label}  {fmt.money(to_cents(tender.amount))}\n")
        if payable.tenders:
            text.append(f"Left to pay: {fmt.money(payable.due)}", style="bold")
        self.query_one("#tenders", Static).update(text)
        self.query_one(BigAmount).show(fmt.amount(payable.due), "TO PAY")

    # -- the methods -------------------------------------------------------------------------------

    def action_pay_cash(self) -> None:
        entry = self.query_one(Entry)
        scanned = entry.take_scan(self.checkout.monotonic())
        if scanned is not None:
            self.on_scan(scanned)
            return
        method = self.checkout.cash_method
        if method is None:
            self.say("No cash method is configured on this till: use card or another method", "error")
            return
        text = entry.take()
        if not text and self.payable.tenders and self.payable.due == 0:
            self._finish()  # paid in full, but the sale could not be saved then (the store): try again
            return
        amount = self.attempt(lambda: parse_amount(text) if text else from_cents(self.payable.due))
        if amount is not None:
            self._tender(method, amount)

    def action_pay_card(self) -> None:
        method = self.checkout.card_method
        if method is None:
            self.say("No card method on this till: mark one [[payment]] with card = true", "error")
            return
        if not self.attempted(lambda: self.payable.check_method(method)):
            return
        amount = self._typed_or_due()
        if amount is None:
            return
        fmt = self.checkout.fmt
        question = f"Card: charge {fmt.money(to_cents(amount))} on the terminal. Enter once it is approved"
        self.push(
            PromptScreen(question, lambda text: amount, hint="Backspace if it is refused"),
            lambda approved: self._tender(method, approved) if approved is not None else self.say("Card cancelled"),
        )

    def action_pay_other(self) -> None:
        others = self.checkout.other_methods
        if not others:
            self.say("No other payment methods are configured", "warn")
            return
        amount = self._typed_or_due()
        if amount is None:
            return
        choices = [Choice(method.label, method) for method in others]
        self.push(
            ChooseScreen(f"Pay {self.checkout.fmt.money(to_cents(amount))} with", choices),
            lambda method: self._tender(method, amount) if method is not None else None,
        )

    def action_remove_tender(self) -> None:
        if self.attempted(self.payable.remove_last):
            self.show()
            self.say("Payment taken back", "warn")

    def action_back(self) -> None:
        if self.query_one(Entry).backspace():
            return
        self.app.pop_screen()

    def action_help(self) -> None:
        self.checkout.show_help(self)

    def on_scan(self, code: str) -> None:
        """One more item at the payment step: it goes into the sale, and what is due follows."""
        if not isinstance(self.payable, SalePayment):
            super().on_scan(code)
            return
        self.checkout.ring_on_sale_screen(code)
        self.show()

    # -- helpers -----------------------------------------------------------------------------------

    def _typed_or_due(self) -> Decimal | None:
        text = self.query_one(Entry).take()
        return self.attempt(lambda: parse_amount(text) if text else from_cents(self.payable.due))

    def _tender(self, method: PaymentMethod, amount: Decimal) -> None:
        """Take the payment; a method that needs a customer asks for one first (the customer picker)."""
        if self.payable.needs_customer(method):
            self.push(
                CustomerScreen(f"{method.label} {self.checkout.fmt.money(to_cents(amount))}: which customer?"),
                lambda customer: self._tender_for(method, amount, customer),
            )
            return
        self._take(method, amount)

    def _tender_for(self, method: PaymentMethod, amount: Decimal, customer: Customer | None) -> None:
        if customer is None:
            self.say(f"{method.label} needs a customer: nothing was taken", "warn")
            return
        if customer.ofn_id is None:
            self.say(
                f"{customer.name} is not one of the hub's customers in OFN: {method.label} needs one",
                "error",
                ("pick a customer from the list", "or take another method"),
            )
            return
        self._take(method, amount, customer.ofn_id)

    def _take(self, method: PaymentMethod, amount: Decimal, customer_id: int | None = None) -> None:
        if not self.attempted(lambda: self.payable.tender(method, amount, customer_id)):
            return
        self.show()
        if self.payable.due == 0:
            self._finish()

    def _finish(self) -> None:
        paid: Paid | None = self.attempt(self.payable.complete)
        if paid is None:  # said why; the payments stay: Enter tries again, "-" takes one back
            return
        from .receipt import ReceiptScreen

        self.checkout.after_payment(paid)
        self.app.switch_screen(ReceiptScreen(paid))
