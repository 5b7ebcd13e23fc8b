"""The sale screen: the basket, the total, the last item, the entry; where the cashier spends the day.

Keys (the default map; ``docs/cashier-keys.md``): digits build the entry, Enter adds it as a
barcode or PLU, ``*`` makes it the quantity of the next item, ``-`` voids the selected line, ``+``
pays, ``/`` opens the menu, Backspace deletes or goes back. A scan adds at once, whatever the entry
holds. An anonymous sale needs nothing else.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical

from appliance.core.sale import Line, PricedBy, Totals
from appliance.core.text import counted
from appliance.store.catalogue import Variant

from ..counter import Added, NeedsWeight, Rung
from ..keymap import bindings
from ..widgets.basket import Basket
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from ..widgets.panels import BigAmount, LastItem, ScaleReadout
from ..widgets.status_bar import StatusBar
from .base import RingingScreen, Said
from .weigh import WeighScreen


class SaleScreen(RingingScreen):
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
        self.part(Entry).hint = "scan, or type a code and press Enter"
        self.part(ScaleReadout).display = False
        self.show_sale()
        self.refresh_status()
        counter = self.checkout.counter
        if counter.restored and counter.sale is not None:
            lines = sum(1 for line in counter.sale.lines if not line.voided)
            self.say(
                f"The basket in progress when the till stopped is back ({counted(lines, 'line')}): carry on", "warn"
            )

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.part(Entry).focus()
        if self.checkout.counter.sale is None:
            self.part(LastItem).clear_item()
        self.show_sale()

    # -- what the screen shows -------------------------------------------------------------------

    def show_sale(self) -> Totals | None:
        """Show the basket as it is now (and keep it); its totals, for a caller that shows more of
        them (None: no sale in progress)."""
        counter = self.checkout.counter
        counter.keep()  # every change of the basket is shown here, so it is kept from here
        fmt = self.checkout.fmt
        if counter.sale is None:
            self.part(Basket).show(())
            self.part(BigAmount).show(fmt.amount(0), "TOTAL")
            return None
        totals = counter.sale.totals()
        self.part(Basket).show(totals.lines, self.checkout.notes)
        live = sum(1 for line in counter.sale.lines if not line.voided)
        self.part(BigAmount).show(fmt.amount(totals.total), f"TOTAL  ({counted(live, 'line')})")
        return totals

    def show_added(self, added: Added) -> None:
        fmt = self.checkout.fmt
        line = added.line
        if added.note:
            self.checkout.notes[line.line_no] = added.note
        totals = self.show_sale()
        assert totals is not None  # a line was just added: the sale is in progress
        basket = self.part(Basket)
        basket.select(line.line_no)
        if line.item.priced_by is PricedBy.WEIGHT:
            detail = f"{fmt.weight(line.weight_g)} × {fmt.money(line.item.cents)}/kg"
        else:
            detail = f"{line.quantity} × {fmt.money(line.unit_cents)}"
        total = next(t for t in totals.lines if t.line is line)
        if total.rule is not None:
            detail += f"  {', '.join(total.rule.names)} -{fmt.money(total.rule.cents)}"
        self.part(LastItem).show(line.item.name, detail, fmt.money(total.amount + total.sale_discount), added.note)
        if added.note:
            self.say(f"{line.item.name}: {added.note}", "warn")
        else:
            self.say(f"Added {line.item.name}", "ok")

    # -- ringing up --------------------------------------------------------------------------------

    def rung(self, code: str, quantity: int) -> Rung:
        return self.checkout.counter.ring(code, quantity)

    def picked(self, variant: Variant, quantity: int) -> Rung:
        return self.checkout.counter.ring_variant(variant, quantity)

    def show_rung(self, rung: object) -> None:
        if isinstance(rung, Added):
            self.show_added(rung)
        elif isinstance(rung, NeedsWeight):
            if self.checkout.devices.scale is None:
                self.say(f"{rung.item.name} is sold by the kg, and this till has no scale", "error")
                return
            self.push(WeighScreen(rung), self._weighed)

    def _weighed(self, added: Added | None) -> None:
        if added is None:
            self.say("Weighing cancelled: nothing was added", "warn")
        else:
            self.show_added(added)

    # -- actions -----------------------------------------------------------------------------------

    def selected_line(self) -> Line | None:
        """The line the highlight is on, else the last line not voided (None: there is none)."""
        live = [line for line in self.checkout.counter.lines if not line.voided]
        selected = self.part(Basket).selected
        return next((line for line in live if line.line_no == selected), live[-1] if live else None)

    def action_void(self) -> None:
        counter = self.checkout.counter
        target = self.selected_line()
        if target is None:
            self.say("There is no line to void", "warn")
            return
        if counter.sale is not None and counter.sale.payment_started:  # money was taken: a manager decides
            what = f"void {target.item.name} (a payment was taken)"
            self.checkout.approve(what, lambda by: self._void(target.line_no, by))
        else:
            self._void(target.line_no, "")

    def _void(self, line_no: int, allowed_by: str) -> None:
        counter = self.checkout.counter
        line = self.attempt(lambda: counter.void(line_no))
        if line is not None:
            if allowed_by:
                counter.basket().approve("void", allowed_by, line_no)
            self.show_sale()
            self.part(LastItem).clear_item()
            self.say(f"Voided {line.item.name}" + (f", allowed by {allowed_by}" if allowed_by else ""), "warn")

    def action_pay(self) -> None:
        counter = self.checkout.counter
        if not counter.selling:
            self.say("The basket is empty: scan a product first", "warn")
            return
        if self.part(Entry).text:
            self.say("Press Enter to add what you typed, or Backspace to clear it, then pay", "warn")
            return
        from .payment import PaymentScreen

        self.push(PaymentScreen())

    def action_menu(self) -> None:
        self.checkout.open_menu()

    def action_back(self) -> None:
        if self.back_in_entry():
            return
        counter = self.checkout.counter
        if counter.follows is not None and counter.sale is None:  # the customer bought nothing more
            counter.follows = None
            self.refresh_status()
            self.say("Ready for the next customer")
            return
        self.say("")

    def action_up(self) -> None:
        self.part(Basket).move(-1)

    def action_down(self) -> None:
        self.part(Basket).move(1)

    def action_help(self) -> None:
        self.checkout.show_help(self)

    def action_pickup(self) -> None:
        self.checkout.open_pickup()

    def action_refund(self) -> None:
        self.checkout.open_return()
