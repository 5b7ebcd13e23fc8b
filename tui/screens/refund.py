"""The refund of a return: back the way the sale was paid with Enter, or in cash, or another way.

The screen proposes the first part of the refund as it goes back the way the sale was paid
(:meth:`~appliance.core.return_draft.ReturnDraft.refund_ways`: a card gets back at most what was
charged on it); Enter takes it. ``*`` refunds in cash, ``/`` by a method picked from the list; a
typed amount refunds that much, nothing typed all that is left. A card refund is made on the card
terminal and confirmed with Enter once it is approved, as a card payment is. ``-`` takes back the
last refund entered. When nothing is left to refund the return is sealed, the drawer opens if cash
went out, and the receipt choice follows.

The core records a refund as a negative tender and refuses one larger than what is owed; the
cashier types positive amounts, the screen turns them round.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from appliance.core.money import from_cents, parse_amount, to_cents
from appliance.core.return_draft import RefundWay, ReturnDraft
from appliance.core.sale import PaymentMethod, SaleError

from ..keymap import bindings
from ..payable import Paid
from ..widgets.entry import Entry
from ..widgets.panels import BigAmount
from .base import TenderScreen
from .choose import Choice, ChooseScreen
from .prompt import PromptScreen


class RefundScreen(TenderScreen):
    BINDINGS = bindings("refund_as_paid", "refund_cash", "refund_other", "remove_refund", "back", hidden=("help",))

    def __init__(self, draft: ReturnDraft):
        super().__init__()
        self.draft = draft

    CAPTION = "TO REFUND"
    HINT = "an amount, then a key (nothing typed: all that is left)"

    def show(self) -> None:
        fmt = self.checkout.fmt
        draft = self.draft
        total = -draft.sale.totals().total
        self.query_one("#pay-title", Static).update(
            Text(f"Return of sale {draft.number}{self._lane()}: refund {fmt.money(total)}", style="bold")
        )
        text = Text()
        for tender in draft.sale.tenders:
            text.append(f"  {tender.method.label}  {fmt.money(-to_cents(tender.amount))} back\n")
        if draft.sale.tenders:
            text.append(f"Left to refund: {fmt.money(draft.to_refund)}", style="bold")
        self.query_one("#tenders", Static).update(text)
        self.query_one("#proposal", Static).update(self._proposal())
        self.query_one(BigAmount).show(fmt.amount(draft.to_refund), "TO REFUND")

    def _proposal(self) -> Text:
        ways = self.draft.refund_ways()
        if not ways:
            return Text()
        way = ways[0]
        label = self._label(way)
        text = Text("\nEnter: ", style="bold")
        text.append(f"back by {label} {self.checkout.fmt.money(way.cents)} (as the sale was paid)")
        text.append("\n  * : in cash    / : another way    - : undo the last refund")
        return text

    def _label(self, way: RefundWay) -> str:
        if way.method is None:
            return "cash"
        labels = {method.code: method.label for method in self.checkout.till.payments}
        return labels.get(way.method, way.method)

    # -- the methods -------------------------------------------------------------------------------

    def action_refund_as_paid(self) -> None:
        ways = self.draft.refund_ways()
        typed = self.query_one(Entry).take()
        if not ways:
            return
        way = ways[0]
        method = self.attempt(lambda: self._method_of(way))
        if method is None:
            return
        cents = self.attempt(lambda: self._as_paid_amount(typed, method, way))
        if cents is not None:
            self._refund(method, cents)

    def action_refund_cash(self) -> None:
        method = self.checkout.cash_method
        if method is None:
            self.say("No cash method is configured on this till: refund another way (/)", "error")
            return
        cents = self._typed_or_left()
        if cents is not None:
            self._refund(method, cents)

    def action_refund_other(self) -> None:
        others = [method for method in self.checkout.till.payments if not method.is_cash]
        if not others:
            self.say("No other refund methods are configured: refund in cash (*)", "warn")
            return
        cents = self._typed_or_left()
        if cents is None:
            return
        choices = [Choice(method.label, method) for method in others]
        self.push(
            ChooseScreen(f"Refund {self.checkout.fmt.money(cents)} by", choices),
            lambda method: self._refund(method, cents) if method is not None else None,
        )

    def action_remove_refund(self) -> None:
        sale = self.draft.sale
        if not sale.tenders:
            self.say("No refund has been entered yet", "warn")
            return
        last = sale.tenders[-1]
        sale.remove_tender(len(sale.tenders) - 1)
        self.show()
        also = ": cancel it on the card terminal too" if last.method.is_card else ""
        self.say(f"Refund of {self.checkout.fmt.money(-to_cents(last.amount))} by {last.method.label} taken back{also}")

    def action_back(self) -> None:
        if self.query_one(Entry).backspace():
            return
        if self.draft.sale.tenders:
            self.say("A refund is entered: take it back with - first, then go back to the lines", "warn")
            return
        self.dismiss(None)

    def action_help(self) -> None:
        self.checkout.show_help(self)

    # -- helpers -----------------------------------------------------------------------------------

    def _method_of(self, way: RefundWay) -> PaymentMethod:
        if way.method is None:
            cash = self.checkout.cash_method
            if cash is None:
                raise SaleError("No cash method is configured on this till: refund another way (/)")
            return cash
        try:
            return self.checkout.till.payment(way.method)
        except SaleError:
            raise SaleError(
                f"The sale was paid by {way.method!r}, which this till no longer takes: refund in cash (*)"
                " or another way (/)"
            ) from None

    def _as_paid_amount(self, typed: str, method: PaymentMethod, way: RefundWay) -> int:
        """The typed amount, or the proposed part; never more back by a method than it took."""
        if not typed:
            return way.cents
        cents = to_cents(parse_amount(typed))
        room = self.draft.room(method.code) if way.method is not None else self.draft.to_refund
        if cents > room:
            raise SaleError(
                f"{method.label} took {self.checkout.fmt.money(room)} of this sale that can still go back:"
                " refund the rest in cash (*) or another way (/)"
            )
        return cents

    def _typed_or_left(self) -> int | None:
        typed = self.query_one(Entry).take()
        return self.attempt(lambda: to_cents(parse_amount(typed)) if typed else self.draft.to_refund)

    def _refund(self, method: PaymentMethod, cents: int) -> None:
        if not method.is_card:
            self._tender(method, cents)
            return
        fmt = self.checkout.fmt
        question = f"Card: refund {fmt.money(cents)} on the terminal (a refund, not a sale). Enter once approved"

        def approved(answer: int | None) -> None:
            if answer is None:
                self.say("Card refund cancelled: nothing was refunded", "warn")
            else:
                self._tender(method, answer)

        self.push(PromptScreen(question, lambda text: cents, hint="Backspace if it is refused"), approved)

    def _tender(self, method: PaymentMethod, cents: int) -> None:
        if cents <= 0:
            self.say("Type an amount above zero", "error")
            return
        if not self.attempted(lambda: self.draft.sale.tender(method, -from_cents(cents))):
            return
        self.show()
        if self.draft.to_refund == 0:
            self._finish()

    def _lane(self) -> str:
        return f" of lane {self.draft.original.lane_id}" if self.draft.foreign else ""

    def _finish(self) -> None:
        checkout = self.checkout
        original = self.draft.original if self.draft.foreign else None  # another lane's sale, from its code
        stored = self.attempt(lambda: checkout.till.complete(self.draft.sale, original=original))
        if stored is None:
            return
        checkout.counter.last_completed = stored
        sale = stored.sale
        cash_back = -sum(payment.amount for payment in sale.payments if payment.cash)
        paid = Paid(
            title=f"Return {stored.number} (of sale {self.draft.number}{self._lane()})",
            total=-sale.total,
            change=cash_back,
            cash_taken=cash_back > 0,
            stored=stored,
            verb="refunded",
            change_caption="CASH BACK",
        )
        checkout.after_payment(paid)
        self.dismiss(paid)
