"""No shift is open: the till sells only once one is opened with the float counted in the drawer.

The counting sheet (:mod:`.count`) gives the float: the total typed (``150`` then Enter, as before),
or a count of each coin and note. ``/`` opens the manager's menu (the closures, the last Z,
diagnostics, leaving the till), which needs no open shift.
"""

from __future__ import annotations

from appliance.core.cash_count import CashCount

from ..keymap import binding
from .count import CountScreen, count_bindings


class OpenShiftScreen(CountScreen):
    HEADING = "No shift is open: count the float"
    CAPTION = "FLOAT"
    INTRO = (
        "Count the cash float in the drawer: type the total, or press Down and type how many of each"
        " coin and note; Enter opens the shift"
    )
    BINDINGS = count_bindings("Open", binding("menu", label="Manager"))

    def done(self, sheet: CashCount) -> None:
        checkout = self.checkout
        shift = self.attempt(lambda: checkout.till.open_shift(checkout.counter.cashier, sheet.amount))
        if shift is not None:
            checkout.pop_screen()  # to the sale screen
            checkout.say(f"Shift {shift.id} open with a float of {checkout.fmt.money(shift.opening_float)}", "ok")

    def action_menu(self) -> None:
        from ..manager import open_manager_menu

        open_manager_menu(self.checkout)
