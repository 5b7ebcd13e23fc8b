"""Ask for one number on the keypad (an amount, a sale number, a quantity), Enter to give it.

The answer is checked by the caller's ``parse``: what it raises is said on the line, and the
prompt stays until the cashier gives a good answer or goes back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..keymap import binding, bindings
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from .base import CASHIER_ERRORS, CounterModal, Said


class PromptScreen(CounterModal[Any]):
    BINDINGS = [binding("add", label="OK"), *bindings("back")]

    def __init__(
        self,
        question: str,
        parse: Callable[[str], Any],
        *,
        hint: str = "",
        empty: Any = None,
        letters: bool = False,
    ):
        super().__init__()
        self.question = question
        self.parse = parse
        self.hint = hint
        self.empty = empty  # what an empty answer means; None: an answer is needed
        self.letters = letters

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question, style="bold"), id="dialog-title")
            yield Entry(burst=None if self.letters else self.checkout.burst, text_mode=self.letters, id="entry")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        entry = self.query_one(Entry)
        entry.hint = self.hint
        entry.focus()

    def on_scan(self, code: str) -> None:
        self._answer(code)

    def action_add(self) -> None:
        text = self.query_one(Entry).take_code(self.checkout.monotonic())
        if not text and self.empty is not None:
            self.dismiss(self.empty)
            return
        self._answer(text)

    def _answer(self, text: str) -> None:
        try:
            value = self.parse(text)
        except CASHIER_ERRORS + (ValueError,) as exc:
            self.say(str(exc), "error")
            return
        self.dismiss(value)

    def action_back(self) -> None:
        if not self.query_one(Entry).backspace():
            self.dismiss(None)
