"""The PIN screens: logging in (the app opens on it, and ``/`` ``7`` switches cashier), a manager's
PIN for one action, and a new PIN typed by a manager for someone.

The keypad's digits type the PIN, shown as ``*``; Enter checks it, Backspace deletes a digit. Five
wrong PINs in a row lock every PIN screen of the till for a minute: the screen says so with the
time left, takes no PIN meanwhile, and the lock outlives a restart of the app (the store keeps it,
on the monotonic clock: core/lockout.py). A scan here adds nothing: nobody is logged in.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from appliance.core.lockout import shown
from appliance.core.pins import PIN_MAX, PIN_MIN, PinError, check_pin
from appliance.store.people import PinLocked, PinRefused

from ..keymap import binding
from ..widgets.entry import Entry
from ..widgets.footer import Footer
from ..widgets.status_bar import StatusBar
from .base import LEVEL_STYLES, Counted, CounterModal, CounterScreen, Said

HINT = f"your PIN ({PIN_MIN} to {PIN_MAX} digits), then Enter"


class PinAsking(Counted):
    """What the PIN screens share: the masked entry, the lock-out line, and checking a PIN."""

    QUESTION = "Type your PIN, then press Enter"
    manager_only = False
    locked_until: float | None = None  # on the app's monotonic clock

    def pin_parts(self, question: str, note: str = "") -> ComposeResult:
        yield Static(Text(question, style="bold"), id="dialog-title")
        if note:
            yield Static(Text(note, style="bold #ffff55"), id="pin-note")
        yield Entry(allow_letters=False, secret=True, id="entry")
        yield Static(id="pin-lock")
        yield Said(id="said")

    def start_asking(self) -> None:
        entry = self.query_one(Entry)  # type: ignore[attr-defined]
        entry.hint = HINT
        entry.focus()
        roles = self.checkout.roles
        left = self.checkout.till.pin_lock_left(roles.tick())  # a lock from before a restart holds
        self._lock_for(left)
        self.set_interval(0.5, self.show_lock)  # type: ignore[attr-defined]

    def _lock_for(self, seconds: float) -> None:
        self.locked_until = self.checkout.monotonic() + seconds if seconds > 0 else None
        self.show_lock()

    def lock_left(self) -> float:
        if self.locked_until is None:
            return 0.0
        return max(0.0, self.locked_until - self.checkout.monotonic())

    def show_lock(self) -> None:
        lock = self.query_one("#pin-lock", Static)  # type: ignore[attr-defined]
        left = self.lock_left()
        if left > 0:
            lock.update(Text(f"Locked: too many wrong PINs. Try again in {shown(left)}", style=LEVEL_STYLES["error"]))
        elif self.locked_until is not None:
            self.locked_until = None
            lock.update("")
            self.say("The PIN screen takes a PIN again")

    def check(self) -> Any:
        """The person of the typed PIN, or None (said why, the entry emptied)."""
        pin = self.query_one(Entry).take()  # type: ignore[attr-defined]
        if (left := self.lock_left()) > 0:
            self.say(f"Locked: try again in {shown(left)}", "error")
            return None
        if not pin:
            self.say(HINT[0].upper() + HINT[1:])
            return None
        roles = self.checkout.roles
        try:
            return self.checkout.till.log_in(pin, roles.tick(), manager=self.manager_only)
        except PinLocked as locked:
            self._lock_for(locked.seconds)
            self.say("")  # the lock's line says it all
        except PinRefused as refused:
            self.say(str(refused), "error")
        except PinError as error:
            self.say(str(error), "error")
        return None

    def on_scan(self, code: str) -> None:
        self.say("Type a PIN first: nothing was added", "warn")


class PinScreen(PinAsking, CounterScreen):
    """The whole screen, before anyone sells: at start, and when the cashier switches."""

    BINDINGS = [binding("add", label="OK"), binding("back", show=False)]

    def __init__(self, title: str = "Log in", note: str = ""):
        super().__init__()
        self.title_text = title
        self.note = note  # the demo's people and PINs; a real till shows none

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Vertical(id="dialog"):
            yield from self.pin_parts(f"{self.title_text}: type your PIN, then press Enter", self.note)
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.start_asking()
        self.refresh_status()

    def action_add(self) -> None:
        person = self.check()
        if person is not None:
            self.dismiss(person)

    def action_back(self) -> None:
        self.query_one(Entry).backspace()


class ManagerPinScreen(PinAsking, CounterModal[Any]):
    """A manager's PIN for one action; Backspace with nothing typed gives up (the action is not done)."""

    BINDINGS = [binding("add", label="Allow"), binding("back", label="Cancel")]
    manager_only = True

    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield from self.pin_parts(f"Manager's PIN for: {self.what}")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.start_asking()

    def action_add(self) -> None:
        person = self.check()
        if person is not None:
            self.dismiss(person)

    def action_back(self) -> None:
        if not self.query_one(Entry).backspace():
            self.dismiss(None)


class NewPinScreen(CounterModal[Any]):
    """A new PIN for someone, typed by the manager (then again, by the caller): never shown."""

    BINDINGS = [binding("add", label="OK"), binding("back", label="Cancel")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(Text(self.question, style="bold"), id="dialog-title")
            yield Entry(allow_letters=False, secret=True, id="entry")
            yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        entry = self.query_one(Entry)
        entry.hint = f"{PIN_MIN} to {PIN_MAX} digits, then Enter"
        entry.focus()

    def action_add(self) -> None:
        pin = self.attempt(lambda: check_pin(self.query_one(Entry).take()))
        if pin is not None:
            self.dismiss(pin)

    def action_back(self) -> None:
        if not self.query_one(Entry).backspace():
            self.dismiss(None)

    def on_scan(self, code: str) -> None:
        self.say("Type the PIN on the keypad: a scan is not a PIN", "warn")
