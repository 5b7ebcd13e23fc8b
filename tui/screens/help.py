"""Help: every key of the screen the cashier came from, and what the status bar says."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from appliance.config.keys import BY_NAME

from ..keymap import binding, keys_of
from ..widgets.footer import Footer
from .base import CounterModal

STATUS_LEGEND = (
    ("OFN online", "sales reach OFN; a number after it is how many wait, and since when"),
    ("OFN offline", "the till sells as usual; waiting sales go up by themselves when OFN is back"),
    ("after R123...", "an online order was just handed over: the sale in progress is that customer's"),
    ("needs attention", "sync parked something a manager must fix: menu, then What waits"),
    ("Printer no paper", "load paper: the waiting receipts print by themselves"),
    ("Scale unplugged", "check the cable; it reconnects by itself"),
    ("Drawer OPEN", "the drawer has been open too long: close it"),
)


class HelpScreen(CounterModal[None]):
    BINDINGS = [binding("back", label="Close"), binding("help", label="Close", show=False)]

    def __init__(self, screen: Screen[object]):
        super().__init__()
        self.names = [b.action for b in screen.BINDINGS if isinstance(b, Binding) and b.action in BY_NAME]

    def compose(self) -> ComposeResult:
        keys = self.checkout.config.keys
        table = Table(box=None, show_header=False, pad_edge=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        table.add_row("digits .", "build the entry (a code, a quantity, an amount)")
        for name in self.names:
            table.add_row(keys_of(name, keys), BY_NAME[name].doc)
        legend = Table(box=None, show_header=False, pad_edge=False)
        legend.add_column(style="bold", no_wrap=True)
        legend.add_column()
        for sign, meaning in STATUS_LEGEND:
            legend.add_row(sign, meaning)
        with VerticalScroll(id="dialog"):
            yield Static(Text("Keys of this screen", style="bold"), id="dialog-title")
            yield Static(table)
            yield Static(Text("\nThe status bar", style="bold"))
            yield Static(legend)
        yield Footer(show_command_palette=False)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_help(self) -> None:
        self.dismiss(None)
