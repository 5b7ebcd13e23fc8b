"""Counting the drawer on the keypad: the float at the opening, the cash at the Z closure.

The sheet (:class:`appliance.core.cash_count.CashCount`) starts on its total: someone who counted
already types it and presses Enter. Down goes through the coins and notes of the hub's currency
(the config's ``[cash] denominations``): digits type how many of the selected one lie in the
drawer, and the total follows in big digits. ``-`` clears the selected count, Backspace deletes
its last digit. Nothing is sealed here: the screen that uses the count does that.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from appliance.core.cash_count import CashCount, denominations_for

from ..keymap import binding
from ..widgets.count_sheet import CountSheet
from ..widgets.footer import Footer
from ..widgets.panels import BigAmount
from ..widgets.status_bar import StatusBar
from .base import CounterScreen, Said

GUIDE = (
    "Up, Down: pick a row\n"
    "digits: how many of it,\n"
    "  or the total's amount\n"
    "-: clear the row\n"
    "BkSp: delete a digit\n"
    "Enter: the count is done"
)


def count_bindings(done: str, *more: Binding) -> list[BindingType]:
    """The counting keys, Enter labelled with what it does on this screen (Open, Close…)."""
    return [
        binding("count_done", label=done),
        binding("count_clear"),
        binding("back"),
        *more,
        binding("up", show=False),
        binding("down", show=False),
        binding("help", show=False),
    ]


class CountScreen(CounterScreen):
    """The sheet, the total in big digits and what the keys do; subclasses say what Enter does."""

    HEADING = "Count the cash in the drawer"
    CAPTION = "COUNTED"
    INTRO = "Type the total, or press Down and type how many of each coin and note; Enter when done"

    def __init__(self, sheet: CashCount | None = None, *, message: str = ""):
        super().__init__()
        self.sheet = sheet
        self.row = 0
        self.message = message

    def compose(self) -> ComposeResult:
        checkout = self.checkout
        if self.sheet is None:
            cash = checkout.config.cash
            self.sheet = CashCount(denominations_for(checkout.config.currency, cash.get("denominations", ())))
        yield StatusBar(id="status")
        with Horizontal(id="count-main"):
            box = Vertical(id="count-box")
            box.border_title = self.HEADING
            with box:
                yield CountSheet(self.sheet, checkout.fmt, id="sheet")
            with Vertical(id="count-side"):
                yield BigAmount(self.CAPTION, id="counted")
                yield Static(GUIDE, id="count-guide")
        yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.show()
        self.refresh_status()
        self.say(self.message or self.INTRO, "ok" if self.message else "info")

    @property
    def count(self) -> CashCount:
        assert self.sheet is not None
        return self.sheet

    def show(self) -> None:
        sheet = self.count
        self.query_one(CountSheet).show(sheet, self.row)
        if sheet.typed is not None:
            caption = f"{self.CAPTION}, typed"
        elif sheet.started:
            caption = f"{self.CAPTION}, from the counts"
        else:
            caption = self.CAPTION
        self.query_one(BigAmount).show(self.checkout.fmt.amount(sheet.total), caption)

    # -- keys ----------------------------------------------------------------------------------

    def take_key(self, event: events.Key) -> bool:
        char = event.character
        if not char or not (char.isdigit() or char in ".,"):
            return False
        self._leaving = False
        if self.attempted(lambda: self.count.type_char(self.row, char)):
            self.say(self._row_hint())
        self.show()
        return True

    def action_up(self) -> None:
        self._move(-1)

    def action_down(self) -> None:
        self._move(1)

    def _move(self, step: int) -> None:
        self._leaving = False
        self.row = min(max(self.row + step, 0), self.count.rows - 1)
        self.show()
        self.say(self._row_hint())

    def _row_hint(self) -> str:
        sheet, fmt = self.count, self.checkout.fmt
        if self.row == 0:
            return "The total: type it with a point for the cents, or press Down to count coin by coin"
        value = fmt.money(sheet.denominations[self.row - 1])
        if sheet.typed is not None:
            return f"{value}: type how many (a count replaces the typed total)"
        return f"{value}: type how many are in the drawer; Down for the next one"

    def action_count_clear(self) -> None:
        self._leaving = False
        self.count.clear(self.row)
        self.show()

    def action_back(self) -> None:
        if self.count.erase(self.row):
            self._leaving = False
            self.show()
            return
        self.leave()

    def action_count_done(self) -> None:
        self._leaving = False
        if not self.count.started:
            self.say(
                "Nothing is counted yet: type the total (0 for an empty drawer) or the counts, then Enter", "error"
            )
            return
        self.done(self.count)

    _leaving = False

    def leave(self) -> None:
        """Backspace with nothing left to delete on the selected row."""
        self.say("Nothing to delete here", "warn")

    def done(self, sheet: CashCount) -> None:
        raise NotImplementedError
