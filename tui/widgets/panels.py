"""The right-hand panel of the sale screen: the total in big type, the last item, the scale."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Digits, Static


class BigAmount(Vertical):
    """A caption over an amount in digits three rows high (readable from the customer's side)."""

    def __init__(self, caption: str, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.caption = caption

    def compose(self) -> ComposeResult:
        yield Static(self.caption, classes="caption")
        yield Digits("0.00", classes="digits")

    def show(self, amount: str, caption: str | None = None) -> None:
        self.query_one(Digits).update(amount)
        if caption is not None:
            self.query_one(".caption", Static).update(caption)


class LastItem(Static):
    """The line just added, in bold: what the cashier checks against the goods in hand."""

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
