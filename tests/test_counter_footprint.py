"""What the counter costs: libraries it must not load before its first frame, a keypad map that
Textual does not re-apply per key press when nothing was moved, footers that give back the keys
they removed, and a basket that draws a row once.

The figures are in docs/benchmarks.md (bench/counter_start.py, bench/counter_scan.py,
bench/counter_memory.py); these tests hold the behaviour the figures rest on, not a timing.
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from appliance.config import Config
from appliance.config.keys import ACTIONS
from appliance.till import Till
from drivers.printer_twin import PrinterTwin, TcpPrinter
from drivers.scale_twin import ScaleTwin
from tui.keymap import keymap
from tui.screens.payment import PaymentScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.sale import SaleScreen
from tui.widgets.basket import Basket

from .counter_kit import FLOUR, app_for, counter_kit, scan, screen_text, until

ROOT = Path(__file__).resolve().parents[1]

#: Libraries the first frame has no use for: the printer's (and the imaging, barcode and QR code
#: libraries it pulls in), the GS1 parser, the HTTP stack, GPIO (the drawer here hangs off the printer).
NOT_AT_START = ("escpos", "PIL", "qrcode", "barcode", "biip", "httpx", "httpcore", "gpiozero")

FIRST_FRAME = f"""
import asyncio, sys

import appliance.cli.main
from appliance import config as config_module
from appliance.till import Till
from drivers.assembly import build_devices
from tui.run import make_app
from tui.screens.sale import SaleScreen
from tui.widgets.basket import Basket


async def first_frame():
    config = config_module.load(config_module.resolve_path(None))
    till = Till.open(config)
    try:
        with build_devices(config.devices) as devices:
            app = make_app(till, config, devices)
            async with app.run_test(size=(80, 25)) as pilot:
                for _ in range(500):
                    if isinstance(app.screen, SaleScreen) and app.screen.query("Footer"):
                        break
                    await pilot.pause(0.01)
                else:
                    sys.exit("the sale screen never showed")
                await pilot.pause(0.3)  # the bridge's first reads of the printer, scale and sync state
    finally:
        till.close()


asyncio.run(first_frame())
print(" ".join(sorted({{name.split(".")[0] for name in sys.modules}} & set({NOT_AT_START!r}))))
"""


def test_the_counter_reaches_its_first_frame_without_the_printer_gs1_http_or_gpio_libraries(
    till: Till, config_file: Path, tmp_path: Path
) -> None:
    """Built as ``ofn-checkout run`` builds it, on a box with a printer, a drawer kicked through it,
    a scale and a serial scanner: none of those libraries is loaded until a receipt is printed, a
    GS1 code is scanned or a GPIO part is built."""
    scanner_master, scanner_slave = os.openpty()
    try:
        with ScaleTwin("toledo8217", tmp_path / "scale"), TcpPrinter(PrinterTwin()) as printer:
            with open(config_file, "a", encoding="utf-8") as out:
                out.write(
                    f'\n[devices.printer]\nenabled = true\nurl = "{printer.url}"\n'
                    '\n[devices.drawer]\nkick = "printer"\n'
                    f'\n[devices.scale]\nenabled = true\nport = "{tmp_path / "scale"}"\n'
                    f'\n[devices.scanner]\nenabled = true\nserial_port = "{os.ttyname(scanner_slave)}"\n'
                )
            env = {**os.environ, "OFN_CHECKOUT_CONFIG": str(config_file)}
            result = subprocess.run(
                [sys.executable, "-c", FIRST_FRAME], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
            )
    finally:
        os.close(scanner_master)
        os.close(scanner_slave)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [], f"loaded before the first frame: {result.stdout.strip()}"


def test_the_default_keypad_map_gives_textual_no_keymap_to_apply() -> None:
    """Textual re-applies its keymap to the focused chain's bindings on every key press; the
    defaults are the bindings' own keys, so a till on the default map hands it nothing."""
    defaults = {action.name: action.keys for action in ACTIONS}
    assert keymap(defaults) == {}
    assert keymap({**defaults, "pay": ("f4",)}) == {"pay": "f4"}


async def test_an_action_moved_to_another_key_follows_it_and_leaves_the_old_one(
    till: Till, config: Config, tmp_path: Path
) -> None:
    moved = replace(config, keys={**config.keys, "pay": ("f4",)})
    with counter_kit(till, moved, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pilot.press("plus")
            await pilot.pause()
            assert isinstance(app.screen, SaleScreen), "+ still pays after pay moved to F4"
            await pilot.press("f4")
            await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="payment on F4")


async def test_the_footers_of_finished_sales_are_given_back(till: Till, config: Config, tmp_path: Path) -> None:
    """Each sale opens and closes the payment and receipt screens, and every footer builds its keys
    again: the keys it removed must not stay in memory (Textual's Footer kept them, textual#6666)."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            for _ in range(4):
                await scan(pilot, FLOUR)
                await pilot.press("plus")
                await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="payment")
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the next sale")
                await pilot.pause()
            gc.collect()
            keys = [thing for thing in gc.get_objects() if isinstance(thing, FooterKey)]
            assert keys and all(key.is_attached for key in keys), f"{sum(not k.is_attached for k in keys)} kept"


async def test_a_scan_draws_the_new_row_and_the_one_the_highlight_left_not_the_whole_basket(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Textual's DataTable drew every visible row again for each change; the basket keeps its rows."""
    drawn: list[object] = []
    render_row = Basket._render_row
    monkeypatch.setattr(
        Basket, "_render_row", lambda self, cells, *rest: drawn.append(cells) or render_row(self, cells, *rest)
    )
    codes = [row[0] for row in till.connection.execute("SELECT sku FROM variant WHERE length(sku) = 13 LIMIT 30")]
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, codes[0])
            await pilot.pause()
            drawn.clear()
            for code in codes[1:]:
                await scan(pilot, code)
                await pilot.pause()
            assert f"TOTAL  ({len(codes)} lines)" in screen_text(app)
            last = app.counter.lines[-1].item.name[:15]
            assert last in screen_text(app), "the newest line is in view"
    assert len(drawn) <= 3 * (len(codes) - 1), f"{len(drawn)} rows drawn for {len(codes) - 1} scans"  # 2 a scan
