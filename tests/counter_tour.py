"""A tour of the counter's screens: for each, the keys and scans that bring a fresh app to it.

Used by the SVG snapshots and by the console checks (glyphs and colours), so both look at the same
screens in the same state.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from textual.pilot import Pilot

from tui.screens.choose import ChooseScreen
from tui.screens.help import HelpScreen
from tui.screens.payment import PaymentScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.weigh import WeighScreen

from .counter_kit import APPLES_PLU, FLOUR, FLOUR_T80, PASTA, scan, type_keys, until

Step = Callable[[Pilot[Any]], Awaitable[None]]


async def basket(pilot: Pilot[Any]) -> None:
    """Three products, one of them three times, one line voided, the quantity key used."""
    app = pilot.app
    await until(pilot, lambda: app.sync is not None, what="the status bar's first reading")
    await scan(pilot, FLOUR)
    await type_keys(pilot, "3*")
    await scan(pilot, PASTA)
    await scan(pilot, FLOUR_T80)
    await type_keys(pilot, "-")
    await scan(pilot, "4006381333931")  # unknown: said on the message line
    await pilot.pause()


async def weighing(pilot: Pilot[Any]) -> None:
    await basket(pilot)
    await type_keys(pilot, APPLES_PLU)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, WeighScreen))
    await until(pilot, lambda: "settling" in pilot.app.screen.query_one("ScaleReadout").render().plain)


async def payment(pilot: Pilot[Any]) -> None:
    await basket(pilot)
    await type_keys(pilot, "+10")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, PaymentScreen))


async def after_payment(pilot: Pilot[Any]) -> None:
    await basket(pilot)
    await type_keys(pilot, "+50")
    await pilot.press("enter")
    app = pilot.app

    def change_shown() -> bool:
        done = app.counter.last_completed
        return (
            done is not None
            and isinstance(app.screen, ReceiptScreen)
            and _digits(app) == app.fmt.amount(done.sale.change)
        )

    await until(pilot, change_shown, what="the change")
    await until(pilot, lambda: app.sync is not None and app.sync.pending == 1, what="the sale counted as waiting")


def _digits(app: Any) -> str:
    from textual.widgets import Digits

    found = app.screen.query(Digits)
    return str(found.first().value) if found else ""


async def menu(pilot: Pilot[Any]) -> None:
    await basket(pilot)
    await type_keys(pilot, "/")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseScreen))


async def help_screen(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: pilot.app.sync is not None)
    await pilot.press("f1")
    await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))


async def empty(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: pilot.app.sync is not None)


async def returning(pilot: Pilot[Any]) -> None:
    """A sale paid in cash, then F7, its number, two lines picked (one of them twice)."""
    from tui.screens.prompt import PromptScreen
    from tui.screens.returns import ReturnScreen

    app = pilot.app
    await until(pilot, lambda: app.sync is not None)
    await scan(pilot, FLOUR)
    await scan(pilot, PASTA)
    await scan(pilot, PASTA)
    await type_keys(pilot, "+")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
    await pilot.press("enter")
    await pilot.press("f7")
    await until(pilot, lambda: isinstance(app.screen, PromptScreen))
    await type_keys(pilot, "1")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReturnScreen))
    await pilot.press("enter")  # one flour back
    await pilot.press("down")
    await type_keys(pilot, "2")
    await pilot.press("enter")  # both pasta back
    await until(pilot, lambda: app.sync is not None and app.sync.pending == 1, what="the sale counted as waiting")


async def refunding(pilot: Pilot[Any]) -> None:
    from tui.screens.refund import RefundScreen

    await returning(pilot)
    await type_keys(pilot, "+")
    await until(pilot, lambda: isinstance(pilot.app.screen, RefundScreen))


PARKED_REASON = (
    'OFN refused POST /api/v0/orders/R0000001/shipments/H0000001/add: quantity: "Flour T65 1 kg — Ferme des'
    ' Saules" is out of stock.: correct it in OFN, then run `sync retry`'
)


def park_the_flour(app: Any) -> None:
    """What the sync daemon leaves after OFN refused the flour for lack of stock: the sale folded
    into the counter order by the engine itself, the flour parked, a person's edit of the pasta kept."""
    from appliance.core.clock import utc_text
    from appliance.ofn.sync import SyncEngine
    from appliance.store.database import write_transaction
    from appliance.store.sync_state import set_status

    till = app.till
    flour, pasta = (app.counter.lookup.read(code).variant.id for code in (FLOUR, PASTA))
    SyncEngine(till.db, None, till.clock, "R0000001").fold()  # type: ignore[arg-type]  # folding sends nothing
    at = utc_text(till.clock.now())
    kept = "OFN holds 3, the box expected 1: someone changed the order by hand; kept their change (+2)"
    with write_transaction(till.db) as connection:
        connection.execute("UPDATE sync_line SET base = 0, acked = 0 WHERE variant_id = ?", (flour,))
        connection.execute("UPDATE sync_line SET attention = ? WHERE variant_id = ?", (PARKED_REASON, flour))
        connection.execute("UPDATE sync_line SET base = 2, acked = 3 WHERE variant_id = ?", (pasta,))
        connection.execute("UPDATE outbox SET status = 'attention', last_error = ?", (PARKED_REASON,))
        for variant, kind, detail in ((flour, "parked", PARKED_REASON), (pasta, "rebased", kept)):
            connection.execute(
                "INSERT INTO sync_event (at, order_number, variant_id, kind, detail) VALUES (?, 'R0000001', ?, ?, ?)",
                (at, variant, kind, detail),
            )
    set_status(till.db, till.clock, "attention", "1 sale(s) need attention: see `ofn-checkout sync status`")


async def attention(pilot: Pilot[Any]) -> None:
    """A sale whose flour OFN refused: the menu, the manager's entry, Needs attention."""
    from tui.screens.attention import AttentionScreen

    app = pilot.app
    await until(pilot, lambda: app.sync is not None)
    await scan(pilot, FLOUR)
    await scan(pilot, PASTA)
    await type_keys(pilot, "+")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
    await pilot.press("enter")
    park_the_flour(app)
    await until(pilot, lambda: app.sync is not None and app.sync.attention == 1, what="the parked change")
    await type_keys(pilot, "/82")
    await until(pilot, lambda: isinstance(app.screen, AttentionScreen))


DIAGNOSED = [
    ("ok", "config", "/etc/ofn-checkout/config.toml"),
    ("ok", "disk", "21870 MB free"),
    ("ok", "store", "/var/lib/ofn-checkout/checkout.db"),
    ("ok", "vat", "the 3 tax categories of the catalogue are in the VAT table"),
    ("ok", "clock", "2026-03-02 08:00 UTC"),
    ("ok", "journal", "2 entries verified, the seal holds"),
    ("ok", "sync", "online, last pass 4 s ago; 0 sale(s) waiting"),
    ("ok", "version", "ofn-checkout 0.1.0 (Python 3.11.2)"),
    ("fail", "ofn", "Cannot reach OFN: openfoodnetwork.org.uk refused the connection; sales wait in the box"),
]


async def diagnostics(pilot: Pilot[Any]) -> None:
    """The manager's diagnostics, the box's verdicts fixed (a real run names temp paths and free
    space), the devices' real; two codes tried on the scanner test."""
    from tui.screens.diagnostics import DiagnosticsScreen

    app = pilot.app
    await until(pilot, lambda: app.sync is not None)
    await type_keys(pilot, "/8")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen))
    app.push(DiagnosticsScreen(box_checks=lambda: DIAGNOSED))
    await until(pilot, lambda: isinstance(app.screen, DiagnosticsScreen))
    screen = app.screen
    await until(pilot, lambda: not screen.running, what="every check")
    await scan(pilot, FLOUR)
    await scan(pilot, "4006381333931")


#: name → (steps, what the scale twin shows, whether the till has an open shift)
TOUR: dict[str, tuple[Step, int | None, bool]] = {
    "sale": (basket, None, True),
    "weigh": (weighing, 734, True),
    "payment": (payment, None, True),
    "after_payment": (after_payment, None, True),
    "menu": (menu, None, True),
    "help": (help_screen, None, True),
    "open_shift": (empty, None, False),
    "return": (returning, None, True),
    "refund": (refunding, None, True),
    "attention": (attention, None, True),
    "diagnostics": (diagnostics, None, True),
}
