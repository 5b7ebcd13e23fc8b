"""The basket: one row per line, voided lines marked, the selected line highlighted.

A line widget of its own rather than Textual's DataTable: the DataTable keys every cache of its
rendered rows and cells on a counter that any change bumps and on the cursor's place, so each scan
(a row added, the cursor moved to it) rendered every visible row and cell again through Rich: 4.2
of the 8 ms of CPU a scan's frame cost (docs/benchmarks.md, bench/counter_scan.py). Here each row is
rendered once per content, width and highlight, and kept: a scan renders the new row and the one
the highlight left (1.1 ms a frame). It looks as the DataTable did: a header, a blank cell either
side of each column, the name cut with an ellipsis, the highlighted line in the cursor colours.

Rows are updated in place as the sale changes (a line is never removed, a void only marks it).
"""

from __future__ import annotations

from typing import cast

from rich.cells import set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from appliance.core.sale import LineTotal, PricedBy
from appliance.reports.formatting import Formatter

from .kept_styles import KeptStyles
from .repaint import ScreenRepaint

VOID = "VOID "
STRUCK = Style(strike=True, dim=True)  # a voided line's texts
CELLS = tuple(Style.from_meta({"basket_column": column}) for column in range(3))

Cells = tuple[bool, str, str, str, int]  # voided, name, what changed the price, quantity, amount in cents


class Basket(ScrollView, ScreenRepaint, KeptStyles, can_focus=False):  # ScrollView first (see ScreenRepaint)
    """The lines of the sale in progress, under a header; the screen moves the highlight."""

    COMPONENT_CLASSES = {"basket--header", "basket--cursor"}

    QTY, AMOUNT = 9, 9  # "12,345 kg" and "12 345,67" fit
    PADDING = 1  # blank cells either side of each column, as the DataTable had
    MIN_ITEM = 10  # the item's name never narrower, however narrow the basket

    def __init__(self, fmt: Formatter, *, id: str | None = None):
        super().__init__(id=id)
        self.fmt = fmt
        self._keys: list[int] = []  # line numbers, in the order shown
        self._cells: dict[int, Cells] = {}
        self.cursor_row = -1
        self._strips: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._styles: tuple[Style, ...] = (Style(), Style(), Style())  # base, highlighted row, header: per pass

    # -- what the screens call ---------------------------------------------------------------------

    def show(self, lines: tuple[LineTotal, ...], notes: dict[int, str] | None = None) -> None:
        """Bring the rows in step with the sale's lines (in order); an empty tuple clears the table."""
        notes = notes or {}
        if not lines:
            if self._keys:
                self._keys, self._cells, self.cursor_row = [], {}, -1
                self._resized()
                self.refresh()
            return
        added = False
        for total in lines:
            key = total.line.line_no
            cells = self._cells_of(total, notes.get(key, ""))
            if self._cells.get(key) == cells:
                continue
            if key not in self._cells:
                self._keys.append(key)
                added = True
            self._cells[key] = cells
            self._refresh_row(self._keys.index(key))
        if added:
            self._resized()

    def select(self, line_no: int) -> None:
        if line_no in self._cells:
            self._move_to(self._keys.index(line_no))

    @property
    def selected(self) -> int | None:
        if not self._keys or self.cursor_row < 0:
            return None
        return self._keys[self.cursor_row]

    def move(self, step: int) -> None:
        if self._keys:
            self._move_to(max(0, min(len(self._keys) - 1, self.cursor_row + step)))

    # -- drawing -------------------------------------------------------------------------------------

    def render_lines(self, crop: Region) -> list[Strip]:
        self._styles = self.kept_styles()  # the styles of this pass, looked up once rather than once a line
        return super().render_lines(crop)

    def _look_up_styles(self) -> tuple[Style, ...]:
        base = self.rich_style
        header = self.get_component_rich_style("basket--header")
        return (base, base + self.get_component_rich_style("basket--cursor"), header)

    def render_line(self, y: int) -> Strip:
        base, cursor, header = self._styles
        width = self.scrollable_content_region.width
        if y == 0:
            return self._strip(("header",), width, header)
        row = int(self.scroll_offset.y) + y - 1
        if row >= len(self._keys):
            return Strip.blank(width, base)
        return self._strip(self._cells[self._keys[row]], width, cursor if row == self.cursor_row else base)

    def on_resize(self) -> None:
        self._resized()

    # -- helpers -------------------------------------------------------------------------------------

    def _strip(self, cells: tuple[object, ...], width: int, style: Style) -> Strip:
        key = (cells, width, style)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(cells, width, style)
            self._strips[key] = strip
        return strip

    def _render_row(self, cells: tuple[object, ...], width: int, style: Style) -> Strip:
        """One row as the DataTable drew it, segment for segment (the screen's SVG snapshots are the
        same): a blank cell either side of each column, the name cut with an ellipsis, quantity and
        amount padded to the right; a voided line's texts struck through and dim.

        The item's name takes the width the quantity and the amount leave, so a resize refits it
        (the width is part of the row's cache key).
        """
        name_width = max(self.MIN_ITEM, width - self.QTY - self.AMOUNT - 6 * self.PADDING)
        suffix = ""
        if cells == ("header",):
            name, qty, amount, struck = "Item", "Qty", "Amount", None
        else:
            voided, label, suffix, qty, cents = cast(Cells, cells)
            name = (VOID if voided else "") + label
            amount = self.fmt.amount(cents)
            struck = STRUCK if voided else None
        item = Text(str(name).partition("\n")[0].expandtabs(), no_wrap=True)  # a cell shows one line
        if suffix:  # what changed the price stays in sight: the name is cut first, to 4 cells at least
            item.truncate(max(4, name_width - len(suffix)), overflow="ellipsis")
        item.append(suffix)
        item.rstrip_end(name_width)
        item.truncate(name_width, overflow="ellipsis")
        pad = " " * self.PADDING
        segments: list[Segment] = []
        for column, (text, filler) in enumerate(
            (
                (item.plain, name_width - item.cell_len),  # as Rich cuts and pads a cell's Text
                (set_cell_size(str(qty).rjust(self.QTY), self.QTY), 0),
                (set_cell_size(str(amount).rjust(self.AMOUNT), self.AMOUNT), 0),
            )
        ):
            # a cell's own meta, as the DataTable's: Textual merges runs of one style, not across cells
            cell = style + CELLS[column]
            if struck is None:
                segments.append(Segment(pad + text + " " * filler + pad, cell))
            else:
                segments += [Segment(pad, cell), Segment(text, cell + struck), Segment(" " * filler + pad, cell)]
        segments.append(Segment("", style))  # where the DataTable filled the rest of the row (nothing)
        return Strip(segments).adjust_cell_length(width, style)

    def _cells_of(self, total: LineTotal, note: str) -> Cells:
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
        return (line.voided, name, suffix, qty, int(amount))

    def _move_to(self, row: int) -> None:
        left, self.cursor_row = self.cursor_row, row
        visible = max(1, self.scrollable_content_region.height - 1)  # the header takes a line
        top = int(self.scroll_offset.y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)
        if int(self.scroll_offset.y) != top:
            self.refresh()  # every row moved
        else:
            self._refresh_row(left)
            self._refresh_row(row)

    def _refresh_row(self, row: int) -> None:
        """Repaint one row only: a scan changes a row or two, and each row repainted costs a frame as
        much as the rest of the screen's new text (Textual styles every line it is asked for)."""
        if row >= 0:
            self.refresh_lines(row + 1)  # the header is line 0

    def _resized(self) -> None:
        """Fit the scrollable height to the rows (and the header).

        Setting ``virtual_size`` lays the whole screen out again, a third of a scan's frame; that is
        needed only when the scrollbar comes or goes (the columns move). Otherwise the new height is
        kept quietly and the scrollbar is told its new proportions.
        """
        size = Size(self.scrollable_content_region.width, len(self._keys) + 1)
        if size == self.virtual_size:
            return
        if size.width != self.virtual_size.width or not self.is_mounted:
            self.virtual_size = size
            return
        had_scrollbar = self.show_vertical_scrollbar
        self.set_reactive(Basket.virtual_size, size)
        self._scroll_update(size)  # the scrollbar's proportions; the rows that changed repaint themselves
        if self.show_vertical_scrollbar != had_scrollbar:
            self.refresh(layout=True)
