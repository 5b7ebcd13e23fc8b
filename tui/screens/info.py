"""A page of text to read (the demo's last receipt…), Backspace to go back.

An optional action on Enter (retry, reprint…) is given by the caller with its label.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..keymap import binding
from ..widgets.footer import Footer
from .base import CounterModal, Said


class InfoScreen(CounterModal[None]):
    BINDINGS = [binding("back")]

    def __init__(self, title: str, body: RenderableType, *, on_enter: tuple[str, Callable[[], str]] | None = None):
        super().__init__()
        self.title_text = title
        self.body = body
        self.on_enter = on_enter
        if on_enter is not None:
            self._bindings.bind("enter", "enter", on_enter[0])

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(self.body, id="body")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_enter(self) -> None:
        if self.on_enter is not None:
            result = self.attempt(self.on_enter[1])
            if result:
                self.say(result, "ok")
