"""What the counter costs: libraries it must not load before its first frame, a keypad map that
Textual does not re-apply per key press when nothing was moved, footers that give back the keys
they removed, and a basket that draws a row once.

The figures are in docs/benchmarks.md (bench/counter_start.py, bench/counter_scan.py,
bench/counter_memory.py); these tests hold the behaviour the figures rest on, not a timing.
"""

from __future__ import annotations

import ast
import gc
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
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
from tui.start import NOT_AT_START, RUN_OPTIONS
from tui.widgets.basket import Basket
from tui.widgets.footer import Footer

from .counter_kit import FLOUR, app_for, counter_kit, scan, screen_text, until

ROOT = Path(__file__).resolve().parents[1]

FIRST_FRAME = f"""
import asyncio, gc, json, sys

import tui.command  # the console script's module, as the kiosk's command line starts the counter
from appliance import config as config_module
from appliance.till import Till
from tui.start import RUN_OPTIONS, make_app
from tui.screens.sale import SaleScreen


async def first_frame(then_wait):
    config = config_module.load(config_module.resolve_path(None))
    till = Till.open(config)
    try:
        app = make_app(till, config, device_sections=config.devices, **RUN_OPTIONS)
        async with app.run_test(size=(80, 25)) as pilot:
            for _ in range(500):
                if isinstance(app.screen, SaleScreen) and app.screen.query("Footer"):
                    break
                await pilot.pause(0.01)
            else:
                sys.exit("the sale screen never showed")
            await pilot.pause(0.3)  # the devices built, the bridge's first reads of them and of the sync state
            if app.devices.printer is None or app.devices.scale is None or app.devices.scanner is None:
                sys.exit("the devices were not built after the first frame")
            loaded = sorted({{name.split(".")[0] for name in sys.modules}} & set({NOT_AT_START!r}))
            await pilot.pause(then_wait)
            return {{"loaded": loaded, "frozen": gc.get_freeze_count()}}
    finally:
        till.close()


print(json.dumps(asyncio.run(first_frame(float(sys.argv[1])))))
"""


def run_counter_as_run_does(config_file: Path, tmp_path: Path, then_wait: float = 0.0) -> dict[str, Any]:
    """Build the counter as ``ofn-checkout run`` does, in a process of its own, on a box with a
    printer, a drawer kicked through it, a scale and a serial scanner; what it had loaded at its
    first frame, and how many objects were frozen ``then_wait`` seconds later."""
    box = Path(tempfile.mkdtemp(dir=tmp_path))
    scanner_master, scanner_slave = os.openpty()
    try:
        with ScaleTwin("toledo8217", box / "scale"), TcpPrinter(PrinterTwin()) as printer:
            config = box / "config.toml"
            config.write_text(
                config_file.read_text(encoding="utf-8")
                + f'\n[devices.printer]\nenabled = true\nurl = "{printer.url}"\n'
                + '\n[devices.drawer]\nkick = "printer"\n'
                + f'\n[devices.scale]\nenabled = true\nport = "{box / "scale"}"\n'
                + f'\n[devices.scanner]\nenabled = true\nserial_port = "{os.ttyname(scanner_slave)}"\n',
                encoding="utf-8",
            )
            env = {**os.environ, "OFN_CHECKOUT_CONFIG": str(config)}
            result = subprocess.run(
                [sys.executable, "-c", FIRST_FRAME, str(then_wait)],
                env=env,
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=120,
            )
    finally:
        os.close(scanner_master)
        os.close(scanner_slave)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_the_counter_reaches_its_first_frame_without_the_printer_gs1_http_or_gpio_libraries(
    till: Till, config_file: Path, tmp_path: Path
) -> None:
    """None of those libraries is loaded until a receipt is printed, a GS1 code is scanned or a
    GPIO part is built; nor the migration library or click, which the counter has no use for."""
    found = run_counter_as_run_does(config_file, tmp_path)
    assert found["loaded"] == [], f"loaded before the first frame: {found['loaded']}"


def test_the_till_freezes_what_its_start_built_once_it_is_up(till: Till, config_file: Path, tmp_path: Path) -> None:
    """Python's full collections no longer walk the objects start-up built (the scans' p99)."""
    assert run_counter_as_run_does(config_file, tmp_path)["frozen"] == 0  # not before freeze_after
    later = RUN_OPTIONS["freeze_after"] + 1.0
    assert run_counter_as_run_does(config_file, tmp_path, then_wait=later)["frozen"] > 10_000


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
    """Each sale opens and closes the payment and receipt screens: no footer key of theirs stays in
    memory, and the sale screen's footer keeps its own keys (the same ones) across the sales."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            sale_keys = set(app.screen.query(FooterKey))
            for _ in range(4):
                await scan(pilot, FLOUR)
                await pilot.press("plus")
                await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="payment")
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
                await pilot.press("enter")
                await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the next sale")
                await pilot.pause()
            assert sale_keys and set(app.screen.query(FooterKey)) == sale_keys, "the sale screen built its keys again"
            gc.collect()
            keys = [thing for thing in gc.get_objects() if isinstance(thing, FooterKey)]
            assert keys and all(key.is_attached for key in keys), f"{sum(not k.is_attached for k in keys)} kept"


class Toggling(Screen[None]):
    """A screen whose second key comes and goes: its footer builds its keys again each time."""

    BINDINGS = [Binding("a", "one", "One"), Binding("b", "two", "Two")]
    with_two: reactive[bool] = reactive(True, bindings=True)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.with_two if action == "two" else True

    def compose(self) -> ComposeResult:
        yield Footer()


def test_every_screen_builds_the_footer_that_gives_its_keys_back() -> None:
    """A screen that yields Textual's own Footer brings the leak back (textual#6666), unseen by a test
    of four sales: the screens are many, and each imports its footer itself."""
    textual_footers = []
    for path in sorted((ROOT / "tui").rglob("*.py")):
        if path == ROOT / "tui" / "widgets" / "footer.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("textual"):
                if any(alias.name == "Footer" for alias in node.names):
                    textual_footers.append(str(path.relative_to(ROOT)))
    assert not textual_footers, f"use tui.widgets.footer.Footer in {textual_footers}"


async def test_a_footer_that_builds_its_keys_again_gives_the_old_ones_back() -> None:
    """Textual's Footer kept every key it ever built while its bindings changed (textual#6666)."""
    app: App[None] = App()
    async with app.run_test() as pilot:
        screen = Toggling()
        await app.push_screen(screen)
        for _ in range(10):
            screen.with_two = not screen.with_two
            await pilot.pause()
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
    # 2 a scan (the new row, the one the highlight left), and 1 to spare: 57 for 29 scans when measured
    assert len(drawn) <= 2 * (len(codes) - 1) + 1, f"{len(drawn)} rows drawn for {len(codes) - 1} scans"


async def test_a_footer_shows_the_keys_in_force_after_the_app_had_lost_the_focus() -> None:
    """Textual skips building the keys while the app is not focused (a terminal in the background,
    an SSH session's other window): the footer must not take the keys asked for as drawn."""
    app: App[None] = App()
    async with app.run_test() as pilot:
        screen = Toggling()
        await app.push_screen(screen)
        await pilot.pause()
        app.post_message(events.AppBlur())
        await pilot.pause()
        screen.with_two = False  # "Two" goes while the app is blurred
        await pilot.pause()
        app.post_message(events.AppFocus())
        await pilot.pause()
        await pilot.pause()
        shown = [key.description for key in screen.query(FooterKey)]
        assert [description for description in shown if description in ("One", "Two")] == ["One"]
