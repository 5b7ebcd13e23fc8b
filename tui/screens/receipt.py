"""After payment: the change in big type, and the customer's choice of a receipt.

Enter: no receipt (the default; French law has forbidden printing one unasked since August
2023). ``+``: print one. ``*``: an invoice made out to the customer. A scan starts the next sale
at once (no receipt), so a queue moves with no extra key. Where the law still wants a receipt
(``[receipt]`` rules), it is printed by itself and the screen says why.
"""

from __future__ import annotations

from functools import cached_property

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Vertical
from textual.widgets import Static

from appliance.core.sale import Kind

from ..keymap import bindings
from ..payable import Paid, PrintNote
from ..widgets.footer import Footer
from ..widgets.panels import BigAmount
from ..widgets.status_bar import StatusBar
from .base import CounterScreen, Said


class ReceiptScreen(CounterScreen):
    BINDINGS = bindings("no_receipt", "print_receipt", "invoice", hidden=("help", "back"))

    def __init__(self, paid: Paid):
        super().__init__()
        self.paid = paid
        self.printed = False

    def compose(self) -> ComposeResult:
        fmt = self.checkout.fmt
        paid = self.paid
        yield StatusBar(id="status")
        with Vertical(id="done"):
            yield Static(Text(f"{paid.title}: {fmt.money(paid.total)} {paid.verb}", style="bold"), id="done-title")
            if paid.change:
                yield BigAmount(paid.change_caption, id="change")
            else:
                yield Static(Text("No change to give", style="bold"), id="no-change")
            yield Static(f"Receipt?  Enter: no   + : print one{self._star}", id="choice")
        yield Said(id="said")
        yield Footer(show_command_palette=False)

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer offers ``*`` only where the line above does: not after a return of a sale never
        invoiced (the key still says why, when pressed)."""
        active = super().active_bindings
        if self._star:
            return active
        return {key: shown for key, shown in active.items() if shown.binding.action != "invoice"}

    @cached_property
    def _star(self) -> str:
        """What ``*`` gives: an invoice after a sale; after a return, its credit note if it has one
        (a return is never invoiced). Looked up once: the footer asks on every change of keys."""
        stored = self.paid.stored
        if stored is None or stored.sale.kind is not Kind.RETURN:
            return "   * : invoice"
        return "   * : credit note" if self.checkout.till.credit_note_for(stored.number) else ""

    def on_mount(self) -> None:
        if self.paid.change:
            self.query_one(BigAmount).show(self.checkout.fmt.amount(self.paid.change), self.paid.change_caption)
        self.refresh_status()
        reason = self.checkout.auto_print_reason(self.paid)
        if reason:
            note = self.checkout.print_paid(self.paid)
            self.printed = note.printed
            if note.problem:
                self.say(note.problem, "warn")
            else:
                self.say(f"Receipt printed by itself: {reason}", "ok")

    def _next(self, note: PrintNote | None = None) -> None:
        """Back to the sale screen: just below after a sale, under the order's screens after a hand-over.
        The message line says the sale is done (and why its receipt waits, if it does), so the last
        sale's "Added …" never reads as this one's."""
        sale = self.checkout.sale_screen
        while self.app.screen is not sale:
            self.app.pop_screen()
        self.checkout.collector.sale_done()
        paid = self.paid
        done = paid.then or f"{paid.title}: {self.checkout.fmt.money(paid.total)} {paid.verb}. Next customer"
        if note is not None and note.problem:  # a receipt that waits (no paper…) is said first
            self.checkout.sale_screen.say(f"{note.problem}. {done}", "warn")
        else:  # the receipt coming out of the printer says the rest
            self.checkout.sale_screen.say(done, "ok")

    def action_no_receipt(self) -> None:
        self._next()

    def action_print_receipt(self) -> None:
        if self.printed:
            self.say("The receipt is already printing: reprint from the menu if it is needed again", "warn")
            return
        note = self.checkout.print_paid(self.paid)
        if note.printed:
            self._next(note)
        else:
            self.say(note.problem, "warn")  # the cashier may still give an invoice

    def action_invoice(self) -> None:
        self.checkout.open_invoice(self.paid)

    def action_back(self) -> None:
        self._next()

    def action_help(self) -> None:
        self.checkout.show_help(self)

    def on_scan(self, code: str) -> None:
        self._next()
        self.checkout.ring_on_sale_screen(code)
