"""A numbered list to pick from with one digit: the menu, products sharing a code, payment methods.

Digits 1–9 (and 0 for the tenth) pick at once; the arrows and Enter work too; Backspace goes back
without picking. Ten choices at most fit a keypad, so longer lists are cut by the caller.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..keymap import binding, bindings
from ..widgets.footer import Footer
from .base import CounterModal, Said

KEYS = "1234567890"


@dataclass(frozen=True)
class Choice:
    label: str
    value: Any
    enabled: bool = True
    why_not: str = ""  # said when a disabled choice is picked


class ChooseScreen(CounterModal[Any]):
    BINDINGS = [binding("add", label="Pick"), *bindings("back", hidden=("up", "down"))]

    def __init__(self, title: str, choices: list[Choice], *, footnote: str = ""):
        super().__init__()
        self.title_text = title
        self.choices = choices[: len(KEYS)]
        self.footnote = footnote
        self.index = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Static(id="choices")
            yield Said(self.footnote, id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        text = Text()
        for index, (key, choice) in enumerate(zip(KEYS, self.choices)):
            style = "reverse" if index == self.index else ("dim" if not choice.enabled else "")
            text.append(f" {key}  {choice.label} ", style=style)
            if index < len(self.choices) - 1:
                text.append("\n")
        self.query_one("#choices", Static).update(text)

    def pick(self, index: int) -> None:
        choice = self.choices[index]
        if not choice.enabled:
            self.say(choice.why_not or "Not available now", "error")
            return
        self.dismiss(choice.value)

    def take_key(self, event: events.Key) -> bool:
        if not (event.character and event.character in KEYS):
            return False
        index = KEYS.index(event.character)
        if index < len(self.choices):
            self.pick(index)
        else:
            self.say(f"Pick a number from 1 to {len(self.choices)}", "error")
        return True

    def action_add(self) -> None:
        if self.choices:
            self.pick(self.index)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_up(self) -> None:
        self.index = max(0, self.index - 1)
        self._draw()

    def action_down(self) -> None:
        self.index = min(len(self.choices) - 1, self.index + 1)
        self._draw()
