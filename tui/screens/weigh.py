"""Weighing an item sold by the kg: the line waits for a stable weight above zero, then adds itself.

While the scale moves, shows zero, is below zero, over its capacity or silent, the screen says why
and keeps waiting; Enter tries again with the last reading, Backspace gives up (nothing is added).
The rule is the weighing gate's (``drivers/weighing.py``): one weighing per item, and the pan must
be seen empty before the next item, so goods left on the scale are never sold twice.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from appliance.core.sale import SaleError
from drivers.scale.reading import Reading
from drivers.weighing import WeighRefused, kilograms

from ..counter import NeedsWeight
from ..keymap import binding
from ..widgets.footer import Footer
from ..widgets.panels import ScaleReadout
from .base import CounterModal, Said


class WeighScreen(CounterModal[object]):
    BINDINGS = [binding("add", label="Retry"), binding("back", label="Cancel")]

    def __init__(self, pending: NeedsWeight):
        super().__init__()
        self.pending = pending

    def compose(self) -> ComposeResult:
        item = self.pending.item
        with Vertical(id="dialog"):
            yield Static(Text(f"Weigh: {item.name}", style="bold"), id="dialog-title")
            yield Static(f"{self.checkout.fmt.money(item.cents)} per kg", id="per-kg")
            yield ScaleReadout(id="scale")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.on_weight(self.checkout.reading)

    def on_weight(self, reading: Reading | None) -> None:
        readout = self.query_one(ScaleReadout)
        if reading is None:
            readout.show("…", "Waiting for the scale", False)
            return
        verdict = self.checkout.counter.gate.check(reading)
        weight = kilograms(reading.grams) if reading.grams is not None else "—"
        readout.show(weight, verdict.message, verdict.accepted)
        if verdict.accepted:
            self._take(reading)

    def _take(self, reading: Reading) -> None:
        try:
            added = self.checkout.counter.weigh(self.pending, reading)
        except WeighRefused as refused:
            self.say(refused.verdict.message, "error")
            return
        except SaleError as exc:
            self.say(str(exc), "error")
            return
        self.dismiss(added)

    def action_add(self) -> None:
        reading = self.checkout.reading
        if reading is None:
            self.say("The scale has not answered yet", "error")
            return
        verdict = self.checkout.counter.gate.check(reading)
        if not verdict.accepted:
            self.say(verdict.message, "error")
            return
        self._take(reading)

    def action_back(self) -> None:
        self.dismiss(None)
