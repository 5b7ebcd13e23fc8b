"""The counting sheet: the total typed by hand on top, then a row per coin and note with its count
and what it adds up to; the selected row in reverse, as in the numbered lists.

A list longer than the widget (a hub's own list of 30 denominations) shows the rows around the
selected one, so the arrows always keep it in sight without a scrollbar.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from appliance.core.cash_count import CashCount
from appliance.reports.formatting import Formatter

WIDTH = 48  # every row as wide, so the selected one is one even bar


class CountSheet(Widget):
    def __init__(self, sheet: CashCount, fmt: Formatter, *, id: str | None = None):
        super().__init__(id=id)
        self.sheet = sheet
        self.fmt = fmt
        self.selected = 0

    def show(self, sheet: CashCount, selected: int) -> None:
        self.sheet, self.selected = sheet, selected
        self.refresh()

    def render(self) -> Text:
        lines = [self._total_line(), Text("")] + [self._count_line(row) for row in range(1, self.sheet.rows)]
        rows = [0, None, *range(1, self.sheet.rows)]  # which sheet row each line shows
        height = max(self.size.height, 3)
        if len(lines) > height:
            at = rows.index(self.selected)
            start = min(max(at - height // 2, 0), len(lines) - height)
            lines = lines[start : start + height]
        text = Text()
        for index, line in enumerate(lines):
            text.append_text(line)
            if index < len(lines) - 1:
                text.append("\n")
        return text

    def _style(self, row: int) -> str:
        return "reverse" if row == self.selected else ""

    def _total_line(self) -> Text:
        sheet = self.sheet
        if sheet.typed is None:
            label, value = "Total: type it, or count below", ""
        else:
            label, value = "Total, typed", sheet.typed.replace(".", self._separator())
        return Text(f" {label:<30}{value:>15} ".ljust(WIDTH), style=self._style(0) + " bold")

    def _count_line(self, row: int) -> Text:
        sheet = self.sheet
        count = sheet.counts[row - 1]
        text = f" {self.fmt.money(sheet.denominations[row - 1]):>12}"
        if count is not None:
            text += f"  × {count:>5}  = {self.fmt.amount(sheet.subtotal(row)):>14}"
        unused = sheet.typed is not None and count is not None
        return Text(text.ljust(WIDTH), style=self._style(row) + (" dim" if unused else ""))

    def _separator(self) -> str:
        return self.fmt.amount(0)[1]  # "0,00" or "0.00": how the hub writes its cents
