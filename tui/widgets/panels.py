"""The right-hand panel of the sale screen: the total in big type, the last item, the scale."""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.geometry import Size
from textual.renderables.digits import Digits as DigitsRenderable
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static

from .text_lines import TextLines


class Amount(Widget):
    """An amount in digits three rows high, at the right (readable from the customer's side).

    Textual's ``Digits`` draws through a Rich renderable on every frame and lays the whole screen
    out again whenever the amount's width changes (9,85 to 19,70): a third of the work of a scan's
    frame. Here the three rows are drawn once per amount, width and style, and a new amount
    repaints this widget alone: its box never depends on the value (``checkout.tcss``: the full
    width, three rows).
    """

    def __init__(self, value: str = "0.00", *, classes: str | None = None):
        super().__init__(classes=classes)
        self._value = value
        self._drawn: tuple[tuple[str, int, Style], list[Strip]] | None = None

    @property
    def value(self) -> str:
        return self._value

    def update(self, value: str) -> None:
        if value != self._value:
            self._value = value
            self.refresh()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return 3

    def render_line(self, y: int) -> Strip:
        width, style = self.content_size.width, self.rich_style
        key = (self._value, width, style)
        if self._drawn is None or self._drawn[0] != key:
            self._drawn = key, self._draw(width, style)
        rows = self._drawn[1]
        return rows[y] if 0 <= y < len(rows) else Strip.blank(width, style)

    def _draw(self, width: int, style: Style) -> list[Strip]:
        console = self.app.console
        lines = console.render_lines(
            DigitsRenderable(self._value, style), console.options.update_width(width), pad=False
        )
        rows = []
        for line in lines:  # at the right, as text-align: right put Textual's Digits
            strip = Strip(line)
            blank = width - strip.cell_length
            if blank > 0:
                strip = Strip([Segment(" " * blank, style), *line], width)
            rows.append(strip.crop(0, width))
        return rows


class BigAmount(Vertical):
    """A caption over an amount in digits three rows high (readable from the customer's side)."""

    def __init__(self, caption: str, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.caption = caption

    def compose(self) -> ComposeResult:
        yield TextLines(self.caption, classes="caption")
        yield Amount("0.00", classes="digits")

    def show(self, amount: str, caption: str | None = None) -> None:
        self.query_one(Amount).update(amount)
        if caption is not None:
            label = self.query_one(".caption", TextLines)
            if caption != label.text.plain:
                # Only a caption that wraps (or wrapped) can change the panel's height.
                width = label.content_size.width
                wraps = max(label.text.cell_len, cell_len(caption)) > width
                label.update(caption)
                if wraps:
                    label.refresh(layout=True)


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
