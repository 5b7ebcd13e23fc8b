"""Who an invoice is made out to: the hub's OFN customers (cached on the box, so it works offline),
found as the cashier types part of a name, an e-mail or a code; or a new customer typed in.

On a keypad alone the list can still be walked with the arrows; typing a name needs the full
keyboard the box's setup plugs in for the manager.
"""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from appliance.core.customer import Customer, customer

from ..keymap import binding, bindings
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from .base import CounterModal, Said

SHOWN = 8


class CustomerScreen(CounterModal[Customer | None]):
    BINDINGS = [binding("add", label="Pick"), *bindings("back", hidden=("up", "down"))]

    def __init__(self, title: str):
        super().__init__()
        self.title_text = title
        self.found: list[Customer] = []
        self.index = 0

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.title_text, style="bold"), id="dialog-title")
            yield Entry(text_mode=True, announce=True, id="entry")
            yield Static(id="choices")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        entry = self.query_one(Entry)
        entry.hint = "type part of a name, an e-mail or a code"
        entry.focus()
        self.search("")

    def on_entry_changed(self, message: Entry.Changed) -> None:
        self.search(message.text)

    def search(self, text: str) -> None:
        self.found = self.checkout.till.customers(text, limit=SHOWN)
        self.index = 0
        self.draw()

    def draw(self) -> None:
        lines = Text()
        rows: list[str] = [_row(found) for found in self.found] + ["+ a new customer: type the name and address"]
        for index, row in enumerate(rows):
            lines.append(f" {row} ", style="reverse" if index == self.index else "")
            if index < len(rows) - 1:
                lines.append("\n")
        self.query_one("#choices", Static).update(lines)

    def action_up(self) -> None:
        self.index = max(0, self.index - 1)
        self.draw()

    def action_down(self) -> None:
        self.index = min(len(self.found), self.index + 1)
        self.draw()

    def action_add(self) -> None:
        if self.index < len(self.found):
            self.dismiss(self.found[self.index])
            return
        typed = self.query_one(Entry).text.strip()
        self.push(NewCustomer(typed), lambda made: self.dismiss(made) if made is not None else None)

    def action_back(self) -> None:
        if not self.query_one(Entry).backspace():
            self.dismiss(None)


class NewCustomer(CounterModal[Customer | None]):
    """A customer typed at the counter, one field after another; kept on this box for the next time."""

    BINDINGS = [binding("add", label="Next"), *bindings("back")]
    FIELDS = (
        ("Name (a person or a company)", True),
        ("Address, first line", True),
        ("Address, second line (Enter if there is none)", False),
        ("Postcode and town", True),
        ("VAT number, for a business (Enter if there is none)", False),
    )

    def __init__(self, name: str = "", *, known: Customer | None = None):
        """``known``: a customer of the list with no address on file (an OFN customer who never gave
        one): the cashier types the address (and a VAT number, if none is known), the rest is kept."""
        super().__init__()
        self.known = known
        self.fields = self.FIELDS[:-1] if known is not None and known.vat_number else self.FIELDS
        self.answers: list[str] = [known.name] if known is not None else [name] if name else []

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(id="dialog-title")
            yield Entry(text_mode=True, id="entry")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.query_one(Entry).focus()
        self.ask()

    def ask(self) -> None:
        question, _ = self.fields[len(self.answers)]
        done = "  ·  ".join(answer for answer in self.answers if answer)
        who = "New customer" if self.known is None else f"{self.known.name} has no address on file"
        title = Text(f"{who}: {question}, then Enter", style="bold")
        if done:
            title.append("\n" + done)
        self.query_one("#dialog-title", Static).update(title)

    def action_add(self) -> None:
        text = self.query_one(Entry).take().strip()
        _, required = self.fields[len(self.answers)]
        if required and not text:
            self.say("This one is needed: type it, then Enter", "error")
            return
        self.answers.append(text)
        self.say("")
        if len(self.answers) < len(self.fields):
            self.ask()
            return
        made = self.attempt(self._made)
        if made is None:
            self.answers = self.answers[: self._given]
            self.ask()
            return
        self.dismiss(made)

    @property
    def _given(self) -> int:
        """Answers given beforehand, never asked again: a known customer's name."""
        return 0 if self.known is None else 1

    def _made(self) -> Customer:
        """The customer the answers make, each field checked; a known one keeps what it had (e-mail,
        OFN id, code, tags, a VAT number on file), as a customer of its own (no row of the list yet)."""
        name, first, second, town, *rest = self.answers
        address = tuple(line for line in (first, second, town) if line)
        typed = customer(name, address, vat_number=rest[0] if rest else "")
        if self.known is None:
            return typed
        return replace(self.known, address=typed.address, vat_number=typed.vat_number or self.known.vat_number, id=None)

    def action_back(self) -> None:
        entry = self.query_one(Entry)
        if entry.backspace():
            return
        if len(self.answers) > self._given:
            self.answers.pop()
            self.ask()
            return
        self.dismiss(None)


def _row(found: Customer) -> str:
    where = found.address[-1] if found.address else found.email
    vat = f"  VAT {found.vat_number}" if found.vat_number else ""
    return f"{found.name}  ({where}){vat}"[:66]
