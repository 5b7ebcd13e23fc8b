"""An order being handed over: its lines, what was paid online, what is due, and the changes.

Keys, as on the sale screen: a scan puts one more of a product sold by the piece on the order
(``3 *`` then a scan: three), a code typed then Enter does the same; ``-`` takes one of the
selected line off (a quantity typed first: that many); ``+`` goes to payment of what OFN will
still be owed, or, when nothing is due, hands the order over at once. Weighed goods are refused
with the reason: an OFN order holds whole units, so they are rung up as a sale right after.
Backspace goes back to the list (asking first when something was changed or paid).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from appliance.store.catalogue import Variant

from ..handing import HandingOver, Put
from ..keymap import bindings
from ..payable import HandoverPayment, Paid
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from ..widgets.orders import OrderLines
from ..widgets.panels import BigAmount
from ..widgets.status_bar import StatusBar
from .base import RingingScreen, Said, quantity_of
from .choose import Choice, ChooseScreen


class HandoverScreen(RingingScreen):
    EMPTY_ADD = "Scan a product to put it on the order, or type its barcode or PLU, then Enter"

    BINDINGS = bindings("add", "quantity", "take_off", "hand_over", "back", hidden=("up", "down", "help"))

    def __init__(self, handing: HandingOver):
        super().__init__()
        self.handing = handing
        self.payment = HandoverPayment(handing.till, handing.handover)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static(id="order-title")
        with Horizontal(id="main"):
            yield OrderLines(self.checkout.fmt, id="lines")
            with Vertical(id="side"):
                yield BigAmount("DUE", id="due")
                yield Static(id="order-money")
        yield Said(id="said")
        yield Entry(burst=self.checkout.burst, id="entry")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        order = self.handing.order
        title = Text(f"Order {order.number}  ", style="bold")
        title.append(order.full_name or order.email, style="bold")
        if order.full_name and order.email:
            title.append(f"  <{order.email}>")
        self.query_one("#order-title", Static).update(title)
        self.query_one(Entry).hint = "scan to put more on; - takes the selected line off"
        self.show()
        self.refresh_status()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.query_one(Entry).focus()
        self.show()

    # -- what the screen shows -------------------------------------------------------------------

    def show(self, select: int | None = None) -> None:
        fmt = self.checkout.fmt
        handover = self.handing.handover
        lines = self.query_one(OrderLines)
        lines.show(self.handing.rows(), keep=lines.selected_key)
        if select is not None:
            lines.select(select)
        order = self.handing.order
        changes = sum(change.amount for change in handover.changes.values())
        money = Text()  # 23 columns at 80: a label of 13, an amount of 10 (up to 9 999,99 €)
        money.append(f"Order total  {fmt.money(order.total):>10}\n")
        money.append(f"Paid online  {fmt.money(order.paid):>10}\n")
        if changes:
            money.append(f"Changes      {('+' if changes > 0 else '') + fmt.money(changes):>10}\n", style="bold")
        if self.payment.tenders:
            money.append(f"Paid here    {fmt.money(handover.tendered):>10}\n")
        owed = -(order.balance + changes)
        if owed > 0:
            money.append(f"OFN owes back{fmt.money(owed):>10}\n", style="bold")
        self.query_one("#order-money", Static).update(money)
        caption = "DUE" if handover.due else "NOTHING DUE"
        self.query_one(BigAmount).show(fmt.amount(self.payment.due), caption)

    # -- putting on, taking off --------------------------------------------------------------------

    def rung(self, code: str, quantity: int) -> object:
        return self.handing.ring(code, quantity)

    def picked(self, variant: Variant, quantity: int) -> object:
        return self.handing.put_on(variant, quantity)

    def show_rung(self, rung: object) -> None:
        if isinstance(rung, Put):
            self.show(select=rung.change.variant_id)
            change, price = rung.change, self.checkout.fmt.money(rung.change.price)
            self.say(f"Put on: {rung.quantity} × {change.name}, at OFN's price {price}", "ok")

    def action_take_off(self) -> None:
        entry = self.query_one(Entry)
        variant_id = self.query_one(OrderLines).selected
        if variant_id is None:
            self.say("The order has no line to take off", "warn")
            return
        text = entry.take()
        quantity = self.attempt(lambda: quantity_of(text, "to take off, then -") if text else 1)
        if quantity is None:
            return
        change = self.attempt(lambda: self.handing.take_off(variant_id, quantity))
        if change is not None:
            self.show(select=variant_id)
            self.say(f"Taken off: {quantity} × {change.name} (OFN puts it back in stock)", "warn")

    # -- handing over --------------------------------------------------------------------------------

    def action_hand_over(self) -> None:
        if self.query_one(Entry).text:
            self.say("Press Enter to add what you typed, or Backspace to clear it, then +", "warn")
            return
        if self.payment.due:
            from .payment import PaymentScreen

            self.push(PaymentScreen(self.payment))
            return
        paid = self.attempt(self.payment.complete)
        if paid is not None:
            self._handed_over(paid)

    def _handed_over(self, paid: Paid) -> None:
        from .receipt import ReceiptScreen

        self.checkout.after_payment(paid)
        self.app.switch_screen(ReceiptScreen(paid))

    def action_back(self) -> None:
        if self.back_in_entry():
            return
        if not self.handing.changed:
            self.app.pop_screen()
            return
        number = self.handing.order.number
        dropped = "the changes are dropped"
        if self.handing.handover.tenders:
            dropped = "the changes and the payments entered are dropped (give back what was taken)"
        choices = [Choice(f"Yes: leave, {dropped}", True), Choice(f"No: stay on order {number}", False)]
        self.push(ChooseScreen(f"Leave order {number} without handing it over?", choices), self._leave)

    def _leave(self, yes: bool | None) -> None:
        if yes:
            self.app.pop_screen()

    def action_up(self) -> None:
        self.query_one(OrderLines).move(-1)

    def action_down(self) -> None:
        self.query_one(OrderLines).move(1)

    def action_help(self) -> None:
        self.checkout.show_help(self)
