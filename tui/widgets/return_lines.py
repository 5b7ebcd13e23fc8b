"""The lines of the sale being returned: what was sold, what can still come back, what comes back now.

One row per line of the original sale, in its order; a line voided on the sale stays, struck, so
the table reads like the receipt in the customer's hand. A line coming back damaged (not back to
stock) says so before its name. Rows are redrawn in place after each
change (a sale has a few dozen lines at most).
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from appliance.core.return_draft import ReturnDraft
from appliance.core.returns import Returned
from appliance.core.sale import CompletedLine, PricedBy
from appliance.reports.formatting import Formatter

COLUMNS = (("sold", "Sold"), ("left", "Left"), ("back", "Back"), ("refund", "Refund"))


class ReturnLines(DataTable[Text]):
    """The screen moves the cursor; the cashier never focuses the table."""

    can_focus = False
    FIGURE = 9

    def __init__(self, fmt: Formatter, *, id: str | None = None):
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.fmt = fmt

    def on_mount(self) -> None:
        self.add_column("Item", key="item", width=20)
        for key, label in COLUMNS:
            self.add_column(Text(label, justify="right"), key=key, width=self.FIGURE)

    def on_resize(self) -> None:
        """The item's name takes the width the figures leave."""
        padding = 2 * self.cell_padding * (len(COLUMNS) + 1)
        width = max(10, self.content_size.width - self.FIGURE * len(COLUMNS) - padding)
        column = self.columns["item"]  # type: ignore[index]
        if column.width != width:
            column.width = width
            column.auto_width = False
            self._require_update_dimensions = True
            self.refresh()

    def show(self, draft: ReturnDraft) -> None:
        for line in draft.lines:
            back = draft.wanted(line.line_no)
            damaged = bool(back.quantity or back.weight_g) and draft.damaged(line.line_no)
            cells = self._cells(line, draft.left(line.line_no), back, damaged)
            key = str(line.line_no)
            if key in self.rows:
                for (column, _), value in zip((("item", ""), *COLUMNS), cells):
                    self.update_cell(key, column, value)
            else:
                self.add_row(*cells, key=key)

    def select(self, line_no: int) -> None:
        key = str(line_no)
        if key in self.rows:
            self.move_cursor(row=self.get_row_index(key), scroll=True)

    @property
    def selected(self) -> int | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        return int(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value or 0)

    def move(self, step: int) -> None:
        if self.row_count:
            self.move_cursor(row=max(0, min(self.row_count - 1, self.cursor_row + step)), scroll=True)

    def _cells(self, line: CompletedLine, left: Returned, back: Returned, damaged: bool) -> tuple[Text, ...]:
        if line.voided:
            style = "strike dim"
            return (Text("VOID " + line.name, style=style, no_wrap=True, overflow="ellipsis"),) + tuple(
                Text(value, justify="right", style=style) for value in (self._amount_of(line), "", "", "")
            )
        refund = self.fmt.amount(back.refunded) if back.refunded or back.quantity or back.weight_g else ""
        figures = (
            self._amount_of(line),
            self._amount(line, left.quantity, left.weight_g),
            self._amount(line, back.quantity, back.weight_g) if back.quantity or back.weight_g else "",
            refund,
        )
        style = "bold" if back.quantity or back.weight_g else ""
        name = f"DAMAGED {line.name}" if damaged else line.name
        return (Text(name, style=style, no_wrap=True, overflow="ellipsis"),) + tuple(
            Text(value, justify="right", style=style) for value in figures
        )

    def _amount_of(self, line: CompletedLine) -> str:
        return self._amount(line, line.quantity, line.weight_g)

    def _amount(self, line: CompletedLine, quantity: int, weight_g: int) -> str:
        if line.priced_by is PricedBy.WEIGHT:
            return self.fmt.weight(weight_g)
        return str(quantity)
