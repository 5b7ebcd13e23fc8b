"""No shift is open: the till sells only once one is opened with the cash float in the drawer."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from appliance.core.money import parse_amount

from ..keymap import binding
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from ..widgets.status_bar import StatusBar
from .base import CounterScreen, Said


class OpenShiftScreen(CounterScreen):
    BINDINGS = [binding("add", label="Open"), binding("back", show=False)]

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Vertical(id="dialog"):
            yield Static(Text("No shift is open", style="bold"), id="dialog-title")
            yield Static("Count the cash float in the drawer, type it and press Enter to open the shift.")
            yield Entry(allow_letters=False, id="entry")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        entry = self.query_one(Entry)
        entry.hint = "the float, e.g. 150"
        entry.focus()
        self.refresh_status()

    def action_add(self) -> None:
        text = self.query_one(Entry).take()
        amount: Decimal | None = self.attempt(lambda: parse_amount(text or "x"))
        if amount is None:
            return
        checkout = self.checkout
        shift = self.attempt(lambda: checkout.till.open_shift(checkout.counter.cashier, amount))
        if shift is not None:
            checkout.shift_opened()

    def action_back(self) -> None:
        self.query_one(Entry).backspace()
