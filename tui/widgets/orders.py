"""The pick-up screens' tables: the cycle's orders, and the lines of the order being handed over.

Both are drawn from plain values (:class:`appliance.core.pickup_list.PickupEntry`,
:class:`tui.handing.OrderRow`); the screen moves the cursor with the arrows, the cashier never
focuses a table. The first column takes whatever width the others leave, as in the basket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.widgets import DataTable

from appliance.core.pickup_list import PickupEntry, PickupState
from appliance.reports.formatting import Formatter

from ..handing import OrderRow


class _Table(DataTable[Text]):
    """A table whose first column is as wide as the others leave, with a row cursor the screen moves."""

    can_focus = False
    #: (key, heading, width, justify) of the columns after the flexible first one
    WIDTHS: tuple[tuple[str, str, int, str], ...] = ()
    FIRST = ("name", "")

    def __init__(self, fmt: Formatter, *, id: str | None = None):
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.fmt = fmt

    def on_mount(self) -> None:
        self.add_column(self.FIRST[1], key=self.FIRST[0], width=20)
        for key, heading, width, justify in self.WIDTHS:
            self.add_column(Text(heading, justify=justify), key=key, width=width)  # type: ignore[arg-type]

    def on_resize(self) -> None:
        padding = 2 * self.cell_padding * (len(self.WIDTHS) + 1)
        width = max(10, self.content_size.width - sum(w for _, _, w, _ in self.WIDTHS) - padding)
        column = self.columns[self.FIRST[0]]  # type: ignore[index]
        if column.width != width:
            column.width = width
            column.auto_width = False
            self._require_update_dimensions = True
            self.refresh()

    @property
    def selected_key(self) -> str | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        return self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value

    def move(self, step: int) -> None:
        if self.row_count:
            self.move_cursor(row=max(0, min(self.row_count - 1, self.cursor_row + step)), scroll=True)

    def refill(self, rows: Sequence[tuple[str, tuple[Text, ...]]], keep: str | None) -> None:
        """Show ``rows`` (key, cells); the cursor stays on ``keep`` when it is still listed, else the top."""
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        keys = [key for key, _ in rows]
        self.move_cursor(row=keys.index(keep) if keep in keys else 0, scroll=True)


class OrderList(_Table):
    """The cycle's customer orders: number, customer, items, and where each stands."""

    FIRST = ("customer", "Customer")
    WIDTHS = (("number", "Order", 10, "left"), ("items", "Items", 5, "right"), ("state", "", 22, "left"))

    def show(self, entries: Sequence[PickupEntry], keep: str | None = None) -> None:
        self.refill([(entry.order.number, self._cells(entry)) for entry in entries], keep)

    def _cells(self, entry: PickupEntry) -> tuple[Text, ...]:
        order = entry.order
        done = entry.state is not PickupState.TO_HAND_OVER
        style = "dim" if done else ""
        return (
            Text(order.full_name or order.email, style=style, overflow="ellipsis", no_wrap=True),
            Text(order.number, style=style),
            Text(str(entry.items), justify="right", style=style),
            Text(state_text(entry, self.fmt.money), style="dim" if done else "bold", overflow="ellipsis", no_wrap=True),
        )


class OrderLines(_Table):
    """The order's products: how many were ordered, how many go out now, OFN's price for one."""

    FIRST = ("item", "Item")
    WIDTHS = (("ordered", "Ord", 4, "right"), ("held", "Now", 4, "right"), ("price", "Each", 9, "right"))

    def show(self, rows: Sequence[OrderRow], keep: str | None = None) -> None:
        self.refill([(str(row.variant_id), self._cells(row)) for row in rows], keep)

    def select(self, variant_id: int) -> None:
        key = str(variant_id)
        for index, row_key in enumerate(self.rows):
            if row_key.value == key:
                self.move_cursor(row=index, scroll=True)
                return

    @property
    def selected(self) -> int | None:
        key = self.selected_key
        return int(key) if key is not None else None

    def _cells(self, row: OrderRow) -> tuple[Text, ...]:
        style = "bold yellow" if row.changed else ""
        return (
            Text(row.name, style=style, overflow="ellipsis", no_wrap=True),
            Text(str(row.ordered), justify="right", style=style),
            Text(str(row.held), justify="right", style=style),
            Text(self.fmt.amount(row.price), justify="right", style=style),
        )


def state_text(entry: PickupEntry, money: Callable[[int], str]) -> str:
    """Where an order stands, in a few words: what is due, or that it went out already."""
    if entry.state is PickupState.HANDED_OVER:
        return f"handed over, {entry.handed_over_by}"
    if entry.state is PickupState.PICKED_UP:
        return "picked up (OFN)"
    return f"due {money(entry.to_pay)}" if entry.to_pay else "paid online"
