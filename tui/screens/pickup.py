"""The pick-up list: the current cycle's customer orders, found as the cashier types.

It reads the pickup list the sync daemon keeps in the store, never the network, so it works with
OFN out of reach (the title says when the list was last read). On a full keyboard the cashier
types a name, an e-mail or an order number; on a keypad the digits of the order number (the "R"
is implied). The arrows pick a line, Enter opens the order, Backspace deletes a typed character
or, with nothing typed, goes back to the sale. An order that already went out shows as such, and
opening it says why it cannot go out twice.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from appliance.core.pickup_list import PickupEntry, PickupState, search

from ..handing import HandingOver
from ..keymap import bindings
from ..widgets.footer import Footer
from ..widgets.orders import OrderList
from ..widgets.search_entry import SearchEntry
from ..widgets.status_bar import StatusBar
from .base import CounterScreen, Said

HINT = "type a name, an e-mail or the order number's digits"


class PickupScreen(CounterScreen):
    BINDINGS = bindings("open_order", "back", hidden=("up", "down", "help"))

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[PickupEntry] = []
        self.shown: list[PickupEntry] = []

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static(id="pickup-title")
        yield OrderList(self.checkout.fmt, id="orders")
        yield Said(id="said")
        yield SearchEntry(burst=self.checkout.burst, id="entry")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        entry = self.query_one(SearchEntry)
        entry.hint = HINT
        self.watch(entry, "text", self._search, init=False)
        self.reload()
        self.refresh_status()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.query_one(SearchEntry).focus()
        self.reload()  # an order handed over meanwhile (here or by the sync) shows as such

    # -- what the screen shows -------------------------------------------------------------------

    def reload(self) -> None:
        till = self.checkout.till
        self.entries = till.pickup_entries()
        waiting = sum(1 for entry in self.entries if entry.state is PickupState.TO_HAND_OVER)
        read_at = till.pickup_read_at()
        fresh = (
            f"read from OFN {self.checkout.fmt.moment(read_at)}"
            if read_at
            else "not read from OFN yet: is the sync running? (menu, Sync)"
        )
        title = Text(f"Pick-up orders: {waiting} to hand over of {len(self.entries)}", style="bold")
        title.append(f"   ({fresh})")
        self.query_one("#pickup-title", Static).update(title)
        self._search(self.query_one(SearchEntry).text)

    def _search(self, query: str) -> None:
        table = self.query_one(OrderList)
        self.shown = search(self.entries, query)
        table.show(self.shown, keep=table.selected_key if query == "" else None)
        if not self.entries:
            self.say("No pick-up orders on this till: the sync reads them from OFN every few minutes", "warn")
        elif not self.shown:
            self.say(f"No order matches {query!r}: check the spelling, or try the order number", "warn")
        elif query:
            count = len(self.shown)
            self.say(f"{count} order{'s match' if count != 1 else ' matches'}: Enter opens the first")
        else:
            self.say("")

    # -- actions -----------------------------------------------------------------------------------

    def action_open_order(self) -> None:
        number = self.query_one(OrderList).selected_key
        if number is None:
            self.say("No order is selected: type to find one", "warn")
            return
        checkout = self.checkout
        handover = self.attempt(lambda: checkout.till.new_handover(number, checkout.counter.cashier))
        if handover is None:
            return
        from .handover import HandoverScreen

        self.push(HandoverScreen(HandingOver(checkout.till, checkout.counter.lookup, handover)))

    def action_back(self) -> None:
        if self.query_one(SearchEntry).backspace():
            return
        self.app.pop_screen()

    def action_up(self) -> None:
        self.query_one(OrderList).move(-1)

    def action_down(self) -> None:
        self.query_one(OrderList).move(1)

    def action_help(self) -> None:
        self.checkout.show_help(self)
