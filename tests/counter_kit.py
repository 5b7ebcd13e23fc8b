"""The counter app on real parts for Pilot tests: a store with the demo catalogue, a Toledo scale twin
on a pty, an ESC/POS printer twin on a TCP port, the devices built from config sections as the box
builds them. Helpers wait for a condition with a deadline; nothing sleeps to hope.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from appliance.config import Config
from appliance.store.database import write_transaction
from appliance.store.sales import StoredSale, load_sale
from appliance.store.scan_lookup import set_plu
from appliance.till import Till
from drivers.assembly import Devices, build_devices
from drivers.printer_twin import PrinterTwin, TcpPrinter
from drivers.scale_twin import ScaleTwin
from tui.app import CheckoutApp
from tui.screens.receipt import ReceiptScreen
from tui.start import make_app

#: Demo catalogue codes (appliance/cli/demo.py): packaged goods by EAN, loose goods by PLU.
FLOUR = "3760000010719"  # Flour T65 1 kg, 8.25
FLOUR_T80 = "3760000010726"  # 10.85
PASTA = "3760000010733"  # 9.85
APPLES_PLU = "1"  # Apples Gala, 9.80/kg
APPLES_ID = 1001
KEYS = {"+": "plus", "-": "minus", "*": "asterisk", "/": "slash", ".": "full_stop"}


def variant_of(ean: str) -> int:
    """The demo's EANs carry their variant id: 376, the id on nine digits, a check digit."""
    return int(ean[3:12])


def price(till: Till, sku: str) -> int:
    """A variant's price in cents, as the store holds it now."""
    return int(till.connection.execute("SELECT price FROM variant WHERE sku = ?", (sku,)).fetchone()[0])


def name(till: Till, sku: str) -> str:
    """A variant's name, as the store holds it now."""
    return str(till.connection.execute("SELECT name FROM variant WHERE sku = ?", (sku,)).fetchone()[0])


def last_sale(till: Till) -> StoredSale:
    """The sale sealed last on this till."""
    number = till.connection.execute("SELECT max(number) FROM sale").fetchone()[0]
    assert number is not None, "no sale was sealed"
    stored = load_sale(till.connection, number=number)
    assert stored is not None
    return stored


@dataclass
class Kit:
    till: Till
    config: Config
    devices: Devices
    scale: ScaleTwin | None
    printer: PrinterTwin | None


def seed_plus(till: Till, count: int = 60) -> None:
    """PLU 1, 2… for the demo's loose goods (variants 1001…), as a hub would number its scale keys."""
    with write_transaction(till.db) as connection:
        for plu in range(1, count + 1):
            set_plu(connection, plu, 1000 + plu, till.clock.now())


@contextmanager
def counter_kit(
    till: Till,
    config: Config,
    tmp_path: Path,
    *,
    scale: bool = True,
    printer: bool = True,
    pin_factory: Any = None,
    **sections: dict[str, Any],
) -> Iterator[Kit]:
    """``sections`` add or replace ``[devices.*]`` sections; ``pin_factory`` is gpiozero's (MockFactory)
    for the lights and a GPIO drawer."""
    seed_plus(till)
    with ExitStack() as stack:
        devices_config: dict[str, dict[str, Any]] = {"drawer": {"kick": "printer" if printer else "none"}}
        scale_twin = printer_twin = None
        if scale:
            scale_twin = stack.enter_context(ScaleTwin("toledo8217", tmp_path / "scale"))
            devices_config["scale"] = {"enabled": True, "port": str(tmp_path / "scale"), "protocol": "toledo8217"}
        if printer:
            printer_twin = PrinterTwin()
            wire = stack.enter_context(TcpPrinter(printer_twin))
            devices_config["printer"] = {"enabled": True, "url": wire.url, "columns": 42}
        devices_config.update(sections)
        config = replace(config, devices=devices_config)
        devices = stack.enter_context(build_devices(devices_config, pin_factory=pin_factory))
        yield Kit(till, config, devices, scale_twin, printer_twin)


def app_for(kit: Kit, **options: Any) -> CheckoutApp:
    return make_app(kit.till, kit.config, kit.devices, cashier="Alice", **options)


async def type_keys(pilot: Pilot[Any], text: str) -> None:
    """Keys as a cashier types them on the keypad: digits, and + - * / . by their names."""
    for char in text:
        await pilot.press(KEYS.get(char, char))


async def percent_off_the_line(pilot: Pilot[Any], percent: str, reason: str = "1") -> None:
    """Menu, Discounts and prices, on the selected line, a percentage: ``percent``, then the reason's
    digit (1: damaged, 3: loyalty)."""
    from tui.screens.choose import ChooseScreen
    from tui.screens.prompt import PromptScreen

    app = pilot.app
    await type_keys(pilot, "/51")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Percentage" in screen_text(app))
    await type_keys(pilot, "1")
    await until(pilot, lambda: isinstance(app.screen, PromptScreen))
    await type_keys(pilot, percent)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Why" in screen_text(app))
    await type_keys(pilot, reason)


async def scan(pilot: Pilot[Any], code: str) -> None:
    """A scan from the scanner device (what the bridge posts for each code it reads)."""
    from tui.messages import ScanRead

    pilot.app.post_message(ScanRead(code))
    await pilot.pause()


async def pay_exact_cash(pilot: Pilot[Any]) -> None:
    """The basket paid as a cashier does it: + then Enter (exact cash), until the receipt choice."""
    await type_keys(pilot, "+")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, ReceiptScreen), what="the receipt choice")


async def until(pilot: Pilot[Any], condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Let the app run until ``condition`` holds; fail with ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            shown = screen_text(pilot.app) if hasattr(pilot.app, "screen") else ""
            raise AssertionError(f"timed out waiting for {what or condition}; the screen shows:\n{shown}")
        await pilot.pause(0.02)


def said(app: CheckoutApp) -> str:
    """The screen's text with line breaks and box borders undone: a long message wraps on the message
    line, or inside a dialog's border."""
    return " ".join(re.sub("[\u2500-\u257f]", " ", screen_text(app)).split())


def message(app: CheckoutApp) -> str:
    """What the screen in front says, apart from the rest of it: its message line and, in a dialog,
    its question (line breaks undone)."""
    from textual.widgets import Static

    from tui.screens.base import Said

    parts = [widget.text.plain for widget in app.screen.query(Said)]
    parts += [str(widget.content) for widget in app.screen.query("#dialog-title").results(Static)]
    return " ".join(" ".join(parts).split())


def screen_text(app: CheckoutApp) -> str:
    """Everything the screen shows now, as text (what a cashier reads)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)
