"""The Z closure on screen: count the drawer, see the difference, then close for good.

The count comes first and blind (the expected cash is not shown while counting, so nobody counts
towards it); then the difference between what the drawer should hold and what was counted, with
the sums that make the expected cash. Enter closes the shift (the app asks for a manager first),
Backspace goes back to the sheet with its counts to correct one.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from appliance.core.cash_count import CashCount
from appliance.store.shifts import ShiftReport

from ..keymap import binding
from ..widgets.footer import Footer
from ..widgets.panels import BigAmount
from .base import CounterModal, Said
from .count import CountScreen, count_bindings


class CloseCountScreen(CountScreen):
    """The first step of the Z: the sheet; its result is the count (None: the manager went back)."""

    HEADING = "Close the shift: count the cash in the drawer"
    CAPTION = "COUNTED"
    BINDINGS = count_bindings("Difference")

    def done(self, sheet: CashCount) -> None:
        self.dismiss(sheet)

    def leave(self) -> None:
        if not self.count.started or self._leaving:
            self.dismiss(None)
            return
        self._leaving = True
        self.say("Backspace again leaves the closure (the counts are lost); any other key stays", "warn")


class DifferenceScreen(CounterModal[bool]):
    """What the drawer should hold against what was counted; True: close the shift."""

    BINDINGS = [binding("close_shift"), binding("back", label="Count again"), binding("help", show=False)]

    def __init__(self, report: ShiftReport, counted: int):
        super().__init__()
        self.report = report
        self.counted = counted

    @property
    def difference(self) -> int:
        return self.counted - self.report.expected_cash

    def compose(self) -> ComposeResult:
        fmt, report = self.checkout.fmt, self.report
        sums = Table(box=None, show_header=False, pad_edge=False, expand=True)
        sums.add_column()
        sums.add_column(justify="right")
        sums.add_row("Opening float", fmt.money(report.shift.opening_float))
        sums.add_row("Cash payments (net of change and refunds)", fmt.money(report.totals.cash_payments))
        sums.add_row("Cash in", fmt.money(report.cash_in))
        sums.add_row("Cash out", fmt.money(-report.cash_out))
        sums.add_row(Text("Expected in the drawer", style="bold"), Text(fmt.money(report.expected_cash), style="bold"))
        sums.add_row(Text("Counted", style="bold"), Text(fmt.money(self.counted), style="bold"))
        with Vertical(id="dialog"):
            yield Static(Text(f"Close shift {report.shift.id} (Z): the difference", style="bold"), id="dialog-title")
            yield Static(sums, id="sums")
            yield BigAmount(self._caption(), id="difference")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def _caption(self) -> str:
        fmt = self.checkout.fmt
        if self.difference < 0:
            return f"DIFFERENCE: {fmt.money(-self.difference)} SHORT"
        if self.difference > 0:
            return f"DIFFERENCE: {fmt.money(self.difference)} OVER"
        return "DIFFERENCE: none, the count is right"

    def on_mount(self) -> None:
        self.query_one(BigAmount).show(self.checkout.fmt.amount(self.difference))
        self.set_class(self.difference != 0, "off")
        self.say("Enter closes the shift for good and prints the Z report; Backspace counts again")

    def action_close_shift(self) -> None:
        self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)
