"""The sale screen: the basket, the total, the last item, the entry; where the cashier spends the day.

Keys (the default map; ``docs/cashier-keys.md``): digits build the entry, Enter adds it as a
barcode or PLU, ``*`` makes it the quantity of the next item, ``-`` voids the selected line, ``+``
pays, ``/`` opens the menu, Backspace deletes or goes back. A scan adds at once, whatever the entry
holds. An anonymous sale needs nothing else.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from appliance.core.sale import MAX_QUANTITY, PricedBy
from appliance.store.catalogue import Variant

from ..counter import Added, Choose, NeedsWeight, Rung, Unknown
from ..keymap import bindings
from ..widgets.basket import Basket
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from ..widgets.panels import BigAmount, LastItem, ScaleReadout
from ..widgets.status_bar import StatusBar
from .base import CounterScreen, Said
from .choose import Choice, ChooseScreen
from .weigh import WeighScreen


class SaleScreen(CounterScreen):
    BINDINGS = bindings(
        "add", "quantity", "void", "pay", "menu", "back", hidden=("up", "down", "help", "pickup", "refund")
    )

    def compose(self) -> ComposeResult:
        checkout = self.checkout
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            yield Basket(checkout.fmt, id="basket")
            with Vertical(id="side"):
                yield BigAmount("TOTAL", id="total")
                yield LastItem(id="last")
                yield ScaleReadout(id="scale")
        yield Said(id="said")
        yield Entry(burst=checkout.burst, id="entry")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(Entry).hint = "scan, or type a code and press Enter"
        self.query_one(ScaleReadout).display = False
        self.show_sale()
        self.refresh_status()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.query_one(Entry).focus()
        self.show_sale()

    # -- what the screen shows -------------------------------------------------------------------

    def show_sale(self) -> None:
        counter = self.checkout.counter
        fmt = self.checkout.fmt
        if counter.sale is None:
            self.query_one(Basket).show(())
            self.query_one(BigAmount).show(fmt.amount(0), "TOTAL")
            return
        totals = counter.sale.totals()
        self.query_one(Basket).show(totals.lines, self.checkout.notes)
        live = sum(1 for line in counter.sale.lines if not line.voided)
        self.query_one(BigAmount).show(fmt.amount(totals.total), f"TOTAL  ({live} line{'s' if live != 1 else ''})")

    def show_added(self, added: Added) -> None:
        fmt = self.checkout.fmt
        line = added.line
        if added.note:
            self.checkout.notes[line.line_no] = added.note
        self.show_sale()
        basket = self.query_one(Basket)
        basket.select(line.line_no)
        if line.item.priced_by is PricedBy.WEIGHT:
            detail = f"{fmt.weight(line.weight_g)} × {fmt.money(line.item.cents)}/kg"
        else:
            detail = f"{line.quantity} × {fmt.money(line.unit_cents)}"
        self.query_one(LastItem).show(line.item.name, detail, fmt.money(line.amount_cents()), added.note)
        if added.note:
            self.say(f"{line.item.name}: {added.note}", "warn")
        else:
            self.say(f"Added {line.item.name}", "ok")

    # -- ringing up --------------------------------------------------------------------------------

    def on_scan(self, code: str) -> None:
        self.ring(code)

    def ring(self, code: str) -> None:
        entry = self.query_one(Entry)
        quantity = entry.multiplier or 1
        entry.multiplier = None
        rung = self.attempt(lambda: self.checkout.counter.ring(code, quantity))
        if rung is not None:
            self.handle(rung)

    def handle(self, rung: Rung) -> None:
        if isinstance(rung, Added):
            self.show_added(rung)
        elif isinstance(rung, NeedsWeight):
            if self.checkout.devices.scale is None:
                self.say(f"{rung.item.name} is sold by the kg, and this till has no scale", "error")
                return
            self.push(WeighScreen(rung), self._weighed)
        elif isinstance(rung, Choose):
            choices = [Choice(f"{v.name}  {self.checkout.fmt.money(v.price)}", v) for v in rung.ambiguous.variants]
            self.push(ChooseScreen(rung.ambiguous.message, choices), self._chosen)
        elif isinstance(rung, Unknown):
            self.checkout.beep()
            self.say(rung.message, "error", rung.hints)

    def _weighed(self, added: Added | None) -> None:
        if added is None:
            self.say("Weighing cancelled: nothing was added", "warn")
        else:
            self.show_added(added)

    def _chosen(self, variant: Variant | None) -> None:
        if variant is not None:
            rung = self.attempt(lambda: self.checkout.counter.ring_variant(variant))
            if rung is not None:
                self.handle(rung)

    # -- actions -----------------------------------------------------------------------------------

    def action_add(self) -> None:
        entry = self.query_one(Entry)
        scanned = entry.take_scan(self.checkout.now())
        if scanned is not None:
            self.ring(scanned)
            return
        code = entry.take()
        if not code:
            self.say("Scan a product, or type its barcode or PLU, then press Enter")
            return
        self.ring(code)

    def action_quantity(self) -> None:
        entry = self.query_one(Entry)
        text = entry.take()
        if not text.isdigit() or not 0 < int(text) <= MAX_QUANTITY:
            self.say(f"Type a quantity (1 to {MAX_QUANTITY}) and then *, then scan the product", "error")
            return
        entry.multiplier = int(text)
        self.say(f"{int(text)} × the next product: scan it or type its code")

    def action_void(self) -> None:
        counter = self.checkout.counter
        live = [line for line in counter.lines if not line.voided]
        if not live:
            self.say("There is no line to void", "warn")
            return
        selected = self.query_one(Basket).selected
        target = next((line for line in live if line.line_no == selected), live[-1])
        line = self.attempt(lambda: counter.void(target.line_no))
        if line is not None:
            self.show_sale()
            self.query_one(LastItem).clear_item()
            self.say(f"Voided {line.item.name}", "warn")

    def action_pay(self) -> None:
        counter = self.checkout.counter
        if counter.sale is None or not any(not line.voided for line in counter.sale.lines):
            self.say("The basket is empty: scan a product first", "warn")
            return
        if self.query_one(Entry).text:
            self.say("Press Enter to add what you typed, or Backspace to clear it, then pay", "warn")
            return
        from .payment import PaymentScreen

        self.push(PaymentScreen())

    def action_menu(self) -> None:
        self.checkout.open_menu()

    def action_back(self) -> None:
        entry = self.query_one(Entry)
        if entry.backspace():
            return
        if entry.multiplier is not None:
            entry.multiplier = None
            self.say("Quantity cleared")
            return
        self.say("")

    def action_up(self) -> None:
        self.query_one(Basket).move(-1)

    def action_down(self) -> None:
        self.query_one(Basket).move(1)

    def action_help(self) -> None:
        self.checkout.show_help(self)

    def action_pickup(self) -> None:
        self.checkout.open_pickup()

    def action_refund(self) -> None:
        self.checkout.open_return()
