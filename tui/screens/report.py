"""A report to read on screen: the X report, the last Z, the day, month and year closures.

The text is the one the command line prints (``ofn-checkout report x``, ``report closures``), in a
box the arrows scroll; several pages (the closures of a kind) are stepped through with ``-`` (the
older one) and ``+`` (the newer one), newest first. A report that can go on paper prints with
``+`` through the print queue: the screen never waits for the printer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from ..keymap import binding
from ..widgets.footer import Footer
from .base import CounterModal, Said


@dataclass(frozen=True)
class Page:
    heading: str
    text: str


class ReportScreen(CounterModal[None]):
    BINDINGS = [
        binding("print_report"),
        binding("older"),
        binding("newer"),
        binding("back", label="Close"),
        binding("up", show=False),
        binding("down", show=False),
        binding("help", show=False),
    ]

    def __init__(self, pages: list[Page], *, on_print: Callable[[], tuple[str, str]] | None = None, note: str = ""):
        super().__init__()
        self.pages = pages
        self.index = 0
        self.on_print = on_print
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(id="dialog-title")
            with VerticalScroll(id="report-body", can_focus=False):  # the screen's keys scroll it
                yield Static(id="report-text")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.show()
        self.say(self.note or "Up, Down: scroll the report")

    def show(self) -> None:
        page = self.pages[self.index]
        heading = page.heading
        if len(self.pages) > 1:
            heading += f"  ({self.index + 1} of {len(self.pages)}, newest first)"
        self.query_one("#dialog-title", Static).update(Text(heading, style="bold"))
        self.query_one("#report-text", Static).update(Text(page.text))
        self.query_one("#report-body", VerticalScroll).scroll_home(animate=False)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Only the keys that do something here show in the footer."""
        if action == "print_report":
            return self.on_print is not None
        if action in ("older", "newer"):
            return len(self.pages) > 1
        return True

    def action_up(self) -> None:
        self.query_one("#report-body", VerticalScroll).scroll_up(animate=False)

    def action_down(self) -> None:
        self.query_one("#report-body", VerticalScroll).scroll_down(animate=False)

    def action_older(self) -> None:
        self._turn(1, "This is the oldest one")

    def action_newer(self) -> None:
        self._turn(-1, "This is the newest one")

    def _turn(self, step: int, at_end: str) -> None:
        index = self.index + step
        if not 0 <= index < len(self.pages):
            self.say(at_end, "warn")
            return
        self.index = index
        self.show()
        self.say("Up, Down: scroll the report")

    def action_print_report(self) -> None:
        if self.on_print is not None:
            said = self.attempt(self.on_print)
            if said is not None:
                self.say(*said)

    def action_back(self) -> None:
        self.dismiss(None)
