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

from .counter_kit import APPLES_PLU, FLOUR, FLOUR_T80, PASTA, scan, screen_text, type_keys, until, variant_of

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
    from tui.widgets.panels import BigAmount

    found = app.screen.query(BigAmount)
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
    await paid_in_cash(pilot, FLOUR, PASTA, PASTA)
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


async def open_shift_counted(pilot: Pilot[Any]) -> None:
    """No shift: the float counted on the sheet, a few coins and notes."""
    await until(pilot, lambda: pilot.app.sync is not None)
    await pilot.press("down")
    await type_keys(pilot, "12")
    await pilot.press("down", "down", "down", "down", "down", "down")
    await type_keys(pilot, "25")
    await pilot.press("down", "down", "down", "down")
    await type_keys(pilot, "3")


async def shift_menu(pilot: Pilot[Any]) -> None:
    await until(pilot, lambda: pilot.app.sync is not None)
    for key in "/81":
        await type_keys(pilot, key)
        await until(pilot, lambda: isinstance(pilot.app.screen, ChooseScreen))


async def paid_in_cash(pilot: Pilot[Any], *codes: str, keys: str = "+") -> None:
    """A sale of ``codes`` paid in cash (``keys``: ``+`` and the amount handed over, if any), no receipt."""
    app = pilot.app
    await until(pilot, lambda: app.sync is not None)
    for code in codes:
        await scan(pilot, code)
    await type_keys(pilot, keys)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
    await pilot.press("enter")


async def cash_sale(pilot: Pilot[Any]) -> None:
    from tui.screens.sale import SaleScreen

    await paid_in_cash(pilot, FLOUR, PASTA, keys="+50")
    await until(pilot, lambda: isinstance(pilot.app.screen, SaleScreen))


async def x_report(pilot: Pilot[Any]) -> None:
    from tui.screens.report import ReportScreen

    await cash_sale(pilot)
    await shift_menu(pilot)
    await type_keys(pilot, "4")
    await until(pilot, lambda: isinstance(pilot.app.screen, ReportScreen))


async def close_count(pilot: Pilot[Any]) -> None:
    from tui.screens.close_shift import CloseCountScreen

    await cash_sale(pilot)
    await shift_menu(pilot)
    await type_keys(pilot, "5")
    await until(pilot, lambda: isinstance(pilot.app.screen, CloseCountScreen))
    await pilot.press("down", "down", "down", "down", "down", "down", "down")
    await type_keys(pilot, "18")
    await pilot.press("down", "down", "down", "down")
    await type_keys(pilot, "5")


async def difference(pilot: Pilot[Any]) -> None:
    from tui.screens.close_shift import DifferenceScreen

    await close_count(pilot)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, DifferenceScreen))


async def closures(pilot: Pilot[Any]) -> None:
    """Monday's sale, then Tuesday's, which closes Monday; the day closures on screen."""
    from tui.screens.report import ReportScreen

    await cash_sale(pilot)
    pilot.app.till.clock.advance(24 * 3600)
    await cash_sale(pilot)
    await shift_menu(pilot)
    await type_keys(pilot, "6")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseScreen) and "Closures" in pilot.app.screen.title_text)
    await type_keys(pilot, "1")
    await until(pilot, lambda: isinstance(pilot.app.screen, ReportScreen))


async def _switching(pilot: Pilot[Any]) -> None:
    """People set up on the till (the demo's note shown), the clock frozen, then / 7: the PIN screen."""
    from tui.demo import DEMO_PIN_NOTE
    from tui.screens.pin import PinScreen

    from .people_kit import Monotonic, seed_people

    app = pilot.app
    await until(pilot, lambda: app.sync is not None)
    seed_people(app.till)
    app.monotonic = Monotonic(5000.0)  # the time left on a lock must not move under the snapshot
    app.roles.note = DEMO_PIN_NOTE
    await type_keys(pilot, "/7")
    await until(pilot, lambda: isinstance(app.screen, PinScreen))


async def pin_screen(pilot: Pilot[Any]) -> None:
    await _switching(pilot)
    await type_keys(pilot, "12")


async def pin_locked(pilot: Pilot[Any]) -> None:
    await _switching(pilot)
    for _ in range(5):
        await type_keys(pilot, "4321")
        await pilot.press("enter")
    await until(pilot, lambda: "Try again in 1:00" in pilot.app.screen.query_one("#pin-lock").render().plain)


async def manager_pin(pilot: Pilot[Any]) -> None:
    from tui.screens.pin import ManagerPinScreen, PinScreen
    from tui.screens.prompt import PromptScreen

    await _switching(pilot)
    await type_keys(pilot, "1111")
    await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, PinScreen))
    await scan(pilot, FLOUR)
    await type_keys(pilot, "/53")  # a new price for the flour
    await until(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
    await type_keys(pilot, "5")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseScreen))
    await type_keys(pilot, "1")  # damaged
    await until(pilot, lambda: isinstance(pilot.app.screen, ManagerPinScreen))
    await type_keys(pilot, "99")


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
    set_status(till.db, till.clock, "attention", "1 sale needs attention: see `ofn-checkout sync status`")


async def attention(pilot: Pilot[Any]) -> None:
    """A sale whose flour OFN refused: the menu, the manager's entry, Needs attention."""
    from tui.screens.attention import AttentionScreen

    app = pilot.app
    await paid_in_cash(pilot, FLOUR, PASTA)
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
    ("ok", "sync", "online, last pass 4 s ago; 0 sales waiting"),
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


async def manager_menu(pilot: Pilot[Any]) -> None:
    """``/`` then 8: the manager's entries."""
    await until(pilot, lambda: pilot.app.sync is not None)
    await type_keys(pilot, "/8")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseScreen) and "Manager" in pilot.app.screen.title_text)


async def people_menu(pilot: Pilot[Any]) -> None:
    await manager_menu(pilot)
    await type_keys(pilot, "5")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseScreen) and "People" in pilot.app.screen.title_text)


async def cash_out(pilot: Pilot[Any]) -> None:
    """Cash out of the drawer: the amount typed, then the reasons offered."""
    from tui.screens.prompt import PromptScreen

    await shift_menu(pilot)
    await type_keys(pilot, "3")
    await until(pilot, lambda: isinstance(pilot.app.screen, PromptScreen))
    await type_keys(pilot, "20")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseScreen) and "go out" in pilot.app.screen.title_text)


def seed_pickup_orders(till: Any) -> None:
    """Three customers' orders in the box's pick-up list, as the sync daemon keeps them from OFN:
    one paid online, two to pay at the pick-up (one with an accented name)."""
    from appliance.core.clock import utc_text
    from appliance.ofn.answers import Order, OrderLine
    from appliance.ofn.refresh import store_pickup
    from appliance.store.database import write_transaction

    flour, flour_t80, pasta = variant_of(FLOUR), variant_of(FLOUR_T80), variant_of(PASTA)
    at = utc_text(till.clock.now())
    orders = [
        ("R100250482", "Camille Bernard", "camille.bernard@example.org", ((flour, 2, 815), (pasta, 1, 985)), True),
        ("R530985811", "Chloé Durand", "chloe.durand@example.org", ((flour_t80, 1, 1085), (pasta, 3, 985)), False),
        ("R933767140", "Hugo Petit", "hugo.petit@example.org", ((pasta, 2, 985),), False),
    ]
    for number, full_name, email, lines, paid in orders:
        order_lines = tuple(OrderLine(v, q, p, till.item(v).name, None) for v, q, p in lines)
        total = sum(q * p for _, q, p in lines)
        order = Order(
            number,
            "complete",
            "paid" if paid else "balance_due",
            "ready",
            12,
            email,
            full_name,
            total,
            at,
            order_lines,
            paid=total if paid else 0,
        )
        store_pickup(till.db, order, at)
    with write_transaction(till.db) as connection:  # as the refresh that read them notes it
        connection.execute("UPDATE sync_status SET pickup_at = ?", (at,))


async def pickup_list(pilot: Pilot[Any]) -> None:
    from tui.screens.pickup import PickupScreen

    seed_pickup_orders(pilot.app.till)
    await until(pilot, lambda: pilot.app.sync is not None)
    await pilot.press("f6")
    await until(pilot, lambda: isinstance(pilot.app.screen, PickupScreen) and "Hugo Petit" in screen_text(pilot.app))


async def handing_over(pilot: Pilot[Any]) -> None:
    """Chloé's order opened, one pasta taken off, a flour put on by its scan: what is due follows."""
    from tui.screens.handover import HandoverScreen

    await pickup_list(pilot)
    await type_keys(pilot, "530985811")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, HandoverScreen))
    await pilot.press("down")
    await type_keys(pilot, "-")
    await scan(pilot, FLOUR)
    await until(pilot, lambda: "Put on" in screen_text(pilot.app))


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
    "open_shift_counted": (open_shift_counted, None, False),
    "shift_menu": (shift_menu, None, True),
    "x_report": (x_report, None, True),
    "close_count": (close_count, None, True),
    "difference": (difference, None, True),
    "closures": (closures, None, True),
    "pin": (pin_screen, None, True),
    "pin_locked": (pin_locked, None, True),
    "manager_pin": (manager_pin, None, True),
    "attention": (attention, None, True),
    "diagnostics": (diagnostics, None, True),
    "manager_menu": (manager_menu, None, True),
    "people_menu": (people_menu, None, True),
    "cash_out": (cash_out, None, True),
    "pickup": (pickup_list, None, True),
    "handover": (handing_over, None, True),
}
