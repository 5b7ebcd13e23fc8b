"""The right-hand panel of the sale screen: the total in big type, the last item, the scale."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.renderables.digits import Digits as DigitsRenderable
from textual.strip import Strip
from textual.widgets import Static

from .text_lines import DrawnLines, TextLines, changed_lines, drawn, wrapped


class BigAmount(DrawnLines):
    """A caption over an amount in digits three rows high (readable from the customer's side).

    One widget, drawn a line at a time: a new amount repaints its three rows, a new caption its own
    line, and neither lays the screen out again unless the caption takes another number of lines
    (its box is the caption's lines and three rows, at the width the stylesheet gives). Textual's
    ``Digits`` drew through a Rich renderable on every frame and laid the whole screen out whenever
    the amount's width changed (9,85 to 19,70), and a widget more in a frame costs a scan its own
    passes: together a third of a scan's frame (docs/benchmarks.md).
    """

    COMPONENT_CLASSES = {"big-amount--caption", "big-amount--digits"}
    DEFAULT_CSS = "BigAmount { width: 1fr; height: auto; }"

    def __init__(self, caption: str, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self._caption = caption
        self._value = "0.00"

    @property
    def value(self) -> str:
        return self._value

    @property
    def caption(self) -> str:
        return self._caption

    def show(self, amount: str, caption: str | None = None) -> None:
        changed: list[int] = []
        if caption is not None and caption != self._caption:
            self._caption = caption
            before, self._lines = self._lines, self._wrap(self.content_size.width)
            if len(before) != len(self._lines):
                self._strips.clear()
                self.refresh(layout=True)  # the box grows or shrinks: drawn whole
            else:
                changed += changed_lines(before, self._lines)
        if amount != self._value:
            self._value = amount
            changed += range(len(self._lines), len(self._lines) + 3)
        self._repaint(*changed)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._wrap(width)) + 3

    def _look_up_styles(self) -> tuple[Style, ...]:
        base = self.rich_style
        caption = base + self.get_component_rich_style("big-amount--caption", partial=True)
        digits = base + self.get_component_rich_style("big-amount--digits", partial=True)
        return base, caption, digits

    def _draw(self, y: int, width: int, *styles: Style) -> Strip:
        base, caption, digits = styles
        if y < len(self._lines):
            return drawn(self.app.console, self._lines[y], width, caption)
        if y < len(self._lines) + 3:
            rows = self._digits(width, digits)
            self._strips.update(rows)  # the three rows are made together: keep the other two
            return rows[y]
        return Strip.blank(width, base)

    def _wrap(self, width: int) -> list[Text]:
        return wrapped(self.app.console, Text(self._caption), width)

    def _digits(self, width: int, style: Style) -> dict[int, Strip]:
        """The amount's three rows, at the right (as text-align: right put Textual's Digits)."""
        # The renderable's own rows, without Rich's render pass (options, lines split and cropped):
        # a third of what drawing the total cost a scan's frame.
        rendered = DigitsRenderable(self._value).render(style)
        lines = [segment for segment in rendered if isinstance(segment, Segment) and segment.text != "\n"]
        rows = {}
        for row in range(3):
            strip = Strip([lines[row]]) if row < len(lines) else Strip.blank(0)
            blank = width - strip.cell_length
            if blank > 0:
                strip = Strip([Segment(" " * blank, style), *strip], width)
            rows[len(self._lines) + row] = strip.crop(0, width)
        return rows


class LastItem(TextLines):
    """The line just added, in bold: what the cashier checks against the goods in hand.

    Its height is fixed (``checkout.tcss``: a name on two lines, the quantity, the amount and a note),
    so what it says never moves the other widgets; a scan repaints the lines that changed, without
    laying the screen out again.
    """

    def show(self, name: str, detail: str, amount: str, note: str = "") -> None:
        text = Text()
        text.append(name + "\n", style="bold")
        text.append(detail + "\n")
        text.append(amount, style="bold")
        if note:
            text.append("\n" + note, style="bold")
        self.update(text)

    def clear_item(self) -> None:
        self.update("")


class ScaleReadout(Static):
    """The live weight while a weighed item waits, and why it cannot be taken yet."""

    def show(self, weight: str, message: str, ready: bool) -> None:
        text = Text()
        text.append("Scale ", style="bold")
        text.append(weight + "\n", style="bold")
        text.append(message)
        self.set_class(ready, "ready")
        self.set_class(not ready, "waiting")
        self.update(text)
