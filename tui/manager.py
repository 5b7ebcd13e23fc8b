"""The manager's menu (``/`` then 8): the shift and the cash drawer, reports, what sync could not
post, diagnostics, the people who use the till. Each entry that changes money or leaves the till
asks for a manager's PIN first (:meth:`tui.app.CheckoutApp.authorize`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .people_menu import people_menu
from .screens.choose import Choice, ChooseScreen
from .shift import shift_menu

if TYPE_CHECKING:
    from .app import CheckoutApp

Entry = tuple[str, Callable[["CheckoutApp"], None]]


#: The manager's entries, in the order the keypad digits pick them. Each part of the manager's
#: work adds its entry here.
ENTRIES: list[Entry] = [
    ("Shift: open, cash in and out, X report, close (Z)", shift_menu),
    ("Needs attention: what sync could not post", lambda app: open_attention(app)),
    ("Diagnostics: devices, OFN, disk, clock, journal", lambda app: open_diagnostics(app)),
    ("Open the drawer (no sale)", lambda app: open_drawer(app)),
    ("People and PINs", lambda app: people_menu(app)),
    ("Leave the till", lambda app: app.leave()),
]


def open_attention(app: CheckoutApp) -> None:
    from .screens.attention import AttentionScreen

    app.push(AttentionScreen())


def open_diagnostics(app: CheckoutApp) -> None:
    from .screens.diagnostics import DiagnosticsScreen

    app.push(DiagnosticsScreen())


def open_drawer(app: CheckoutApp) -> None:
    """The drawer opened without a sale: a manager allows it, and the journal records it (``no_sale``)."""
    drawer = app.devices.drawer
    if drawer is None:
        app.say("This till has no cash drawer to open (devices.drawer.kick)", "warn")
        return

    def allowed(by: str) -> None:
        app.till.record_no_sale(app.counter.cashier or by or "Cashier", by)
        drawer.open()
        app.say("Drawer opened, no sale" + (f": allowed by {by}" if by else "") + ", recorded in the journal", "ok")

    app.approve("open the drawer without a sale", lambda by: app.screen_attempt(lambda: allowed(by)))


def open_manager_menu(app: CheckoutApp) -> None:
    choices = [Choice(label, action) for label, action in ENTRIES]
    app.push(ChooseScreen("Manager", choices), lambda action: action(app) if action else None)
