"""The manager's menu (``/`` then 8): the shift and the cash drawer, reports, what sync could not
post, diagnostics, the people who use the till. Each entry that changes money or leaves the till
asks for a manager's PIN first (:meth:`tui.app.CheckoutApp.authorize`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .screens.choose import Choice, ChooseScreen

if TYPE_CHECKING:
    from .app import CheckoutApp

Entry = tuple[str, Callable[["CheckoutApp"], None]]


def _later(what: str) -> Callable[[CheckoutApp], None]:
    return lambda app: app.say(f"{what}: use the command line for now (docs/manager-tasks.md)", "warn")


#: The manager's entries, in the order the keypad digits pick them. Each part of the manager's
#: work adds its entry here.
ENTRIES: list[Entry] = [
    ("Shift: open, cash in and out, X report, close (Z)", _later("Shift screens")),
    ("Needs attention: what sync could not post", lambda app: open_attention(app)),
    ("Diagnostics: devices, OFN, disk, clock, journal", lambda app: open_diagnostics(app)),
    ("Open the drawer (no sale)", _later("Opening the drawer")),
    ("People and PINs", _later("People")),
    ("Leave the till", lambda app: app.leave()),
]


def open_attention(app: CheckoutApp) -> None:
    from .screens.attention import AttentionScreen

    app.push(AttentionScreen())


def open_diagnostics(app: CheckoutApp) -> None:
    from .screens.diagnostics import DiagnosticsScreen

    app.push(DiagnosticsScreen())


def open_manager_menu(app: CheckoutApp) -> None:
    choices = [Choice(label, action) for label, action in ENTRIES]
    app.push(ChooseScreen("Manager", choices), lambda action: action(app) if action else None)
