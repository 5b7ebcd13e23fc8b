"""The basket: one row per line, voided lines marked, the selected line highlighted.

Rows are updated in place as the sale changes (a line is never removed, a void only marks it), so
a basket of many lines costs one row's work per scan, not a redraw of the table.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from appliance.core.sale import LineTotal, PricedBy
from appliance.reports.formatting import Formatter

VOID = "VOID "


class Basket(DataTable[Text]):
    """The lines of the sale in progress; the screen moves the cursor, the cashier never focuses it."""

    can_focus = False

    def __init__(self, fmt: Formatter, *, id: str | None = None):
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.fmt = fmt
        self._shown: dict[int, tuple[object, ...]] = {}

    QTY, AMOUNT = 8, 9

    def on_mount(self) -> None:
        self.add_column("Item", key="item", width=20)
        self.add_column(Text("Qty".rjust(self.QTY)), key="qty", width=self.QTY)
        self.add_column(Text("Amount".rjust(self.AMOUNT)), key="amount", width=self.AMOUNT)

    def on_resize(self) -> None:
        self.fit_columns()

    def fit_columns(self) -> None:
        """The item's name takes the width the quantity and the amount leave."""
        padding = 2 * self.cell_padding * 3
        width = max(10, self.content_size.width - self.QTY - self.AMOUNT - padding)
        column = self.columns["item"]  # type: ignore[index]
        if column.width != width:
            column.width = width
            column.auto_width = False
            self._require_update_dimensions = True
            self._clear_caches()
            self.refresh()

    def show(self, lines: tuple[LineTotal, ...], notes: dict[int, str] | None = None) -> None:
        """Bring the rows in step with the sale's lines (in order); an empty tuple clears the table."""
        notes = notes or {}
        if not lines and self._shown:
            self.clear()
            self._shown = {}
            return
        for total in lines:
            line = total.line
            key = line.line_no
            cells = self._cells(total, notes.get(key, ""))
            if self._shown.get(key) == cells:
                continue
            if key in self._shown:
                for column, value in zip(("item", "qty", "amount"), self._render(cells)):
                    self.update_cell(str(key), column, value)
            else:
                self.add_row(*self._render(cells), key=str(key))
            self._shown[key] = cells

    def select(self, line_no: int) -> None:
        if line_no in self._shown:
            self.move_cursor(row=self.get_row_index(str(line_no)), scroll=True)

    @property
    def selected(self) -> int | None:
        if not self._shown or self.cursor_row < 0:
            return None
        return int(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value or 0)

    def move(self, step: int) -> None:
        if self._shown:
            self.move_cursor(row=max(0, min(self.row_count - 1, self.cursor_row + step)), scroll=True)

    def _cells(self, total: LineTotal, note: str) -> tuple[object, ...]:
        line = total.line
        if line.item.priced_by is PricedBy.WEIGHT:
            qty = self.fmt.weight(abs(line.weight_g))
        else:
            qty = str(abs(line.quantity))
        name = ("! " if note else "") + line.item.name
        suffix = ""  # kept in sight when the name is cut: what changed the price
        if total.rule is not None:  # the channel's rule that applied, by its name
            suffix = f" (-{self.fmt.amount(total.line_discount)} {' + '.join(total.rule.names)})"
        elif total.line_discount:
            suffix = f" (-{self.fmt.amount(total.line_discount)})"
        if line.price_override is not None:
            suffix += " (price changed)"
        amount = total.amount if not line.voided else total.gross or line.gross_cents()
        width = self.columns["item"].width if "item" in self.columns else 0  # type: ignore[operator]
        return (line.voided, name, suffix, qty, amount, width)

    def _render(self, cells: tuple[object, ...]) -> tuple[Text, Text, Text]:
        voided, name, suffix, qty, amount, width = cells
        style = "strike dim" if voided else ""
        item = Text((VOID if voided else "") + str(name), style=style, overflow="ellipsis", no_wrap=True)
        room = int(width) - len(str(suffix))  # type: ignore[call-overload]
        if suffix and room > 8:
            item.truncate(room, overflow="ellipsis")
        item.append(str(suffix), style=style)
        return (
            item,
            Text(str(qty).rjust(self.QTY), style=style),
            Text(self.fmt.amount(int(amount)).rjust(self.AMOUNT), style=style),  # type: ignore[call-overload]
        )
