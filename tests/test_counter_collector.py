"""What the counter leaves for Python's collector: no dead widget kept alive by Textual's caches
(tui/textual_fixes.py), and a full collection between customers rather than in the middle of a
scan (tui/collector.py). The figures are in docs/benchmarks.md (bench/counter_scan.py)."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from appliance.config import Config
from appliance.till import Till
from tui import textual_fixes
from tui.collector import SETTLE, BetweenCustomers
from tui.screens.sale import SaleScreen
from tui.start import RUN_OPTIONS, make_app

from .counter_kit import FLOUR, app_for, counter_kit, pay_exact_cash, scan, screen_text, until


class Sheet(Screen[None]):
    """A screen pushed and popped again, as each sale's payment and receipt screens are."""

    CSS = "Static { background: $panel; }"  # a background: drawing it asks for the inner and outer styles

    def compose(self) -> ComposeResult:
        yield Static("on the sheet")


async def test_a_popped_screen_leaves_no_styles_cache_behind() -> None:
    textual_fixes.apply()  # as tui/app.py does at import; a second call changes nothing
    app: App[None] = App()
    async with app.run_test(size=(40, 6)) as pilot:
        await app.push_screen(Sheet())
        await pilot.pause()
        static = app.screen.query_one(Static)
        assert static._styles_cache._cache, "the sheet was never drawn"  # its lines, drawn through get_inner_outer
        cache = weakref.ref(static._styles_cache)
        del static
        app.pop_screen()
        await pilot.pause()
        gc.collect()
        assert cache() is None, "a popped screen's widget left its StylesCache alive"


def test_the_fix_is_applied_once_and_keeps_the_result() -> None:
    from textual._styles_cache import StylesCache
    from textual.color import Color

    textual_fixes.apply()
    assert textual_fixes.apply() is False  # already in place: nothing to fix
    inner, outer = StylesCache().get_inner_outer(Color(0, 0, 0), Color(10, 20, 30))
    assert (inner.background, outer.background) == (Color(10, 20, 30), Color(0, 0, 0))


class Timers:
    def __init__(self) -> None:
        self.set: list[tuple[float, Callable[[], object]]] = []

    def set_timer(self, delay: float, callback: Callable[[], object]) -> object:
        self.set.append((delay, callback))
        return None


class Cycle:
    def __init__(self) -> None:
        self.me = self


@contextmanager
def collector_paused() -> Iterator[None]:
    """No collection but the one the test asks for."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def cyclic_garbage() -> weakref.ref[Cycle]:
    cycle = Cycle()
    return weakref.ref(cycle)  # the cycle is garbage now, freed only by the collector


def test_a_sale_done_collects_once_its_screen_settled() -> None:
    timers = Timers()
    collector = BetweenCustomers(timers, lambda: False, enabled=True)
    with collector_paused():
        garbage = cyclic_garbage()
        collector.sale_done()
        assert [delay for delay, _ in timers.set] == [SETTLE] and garbage() is not None
        timers.set[0][1]()
        assert garbage() is None
    assert collector.collections == 1 and collector.last_took is not None


def test_no_collection_once_the_next_sale_began_nor_when_off() -> None:
    timers = Timers()
    busy = BetweenCustomers(timers, lambda: True, enabled=True)
    with collector_paused():
        garbage = cyclic_garbage()
        busy.sale_done()
        timers.set[0][1]()
        assert garbage() is not None and busy.collections == 0
    off = BetweenCustomers(Timers(), lambda: False, enabled=False)
    off.sale_done()
    assert off.timers.set == []  # type: ignore[attr-defined]


async def test_the_counter_collects_after_a_sale(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        assert not app.collector.enabled  # tests leave the process's collector alone ...
        assert make_app(till, kit.config, kit.devices, **RUN_OPTIONS).collector.enabled  # ... `run` does not
        app.collector.enabled = True
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pay_exact_cash(pilot)
            assert app.collector.collections == 0
            await pilot.press("enter")  # no receipt
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the next sale")
            await until(pilot, lambda: app.collector.collections == 1, what="a collection between customers")
            await scan(pilot, FLOUR)  # the next customer
    assert app.unexpected == 0


async def test_the_sale_screen_is_not_laid_out_again_after_a_sale(till: Till, config: Config, tmp_path: Path) -> None:
    """The payment and receipt screens, once popped and removed, used to ask for a layout of the
    whole sale screen each (tui/app.py, CheckoutApp.refresh): it fell on the next customer's scans."""
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pay_exact_cash(pilot)
            sale_screen = app.sale_screen
            layouts: list[object] = []
            lay_out = sale_screen._refresh_layout
            sale_screen._refresh_layout = lambda *args, **kwargs: (layouts.append(args), lay_out(*args, **kwargs))[1]  # type: ignore[method-assign]
            await pilot.press("enter")  # no receipt: both screens go
            await until(pilot, lambda: app.screen is sale_screen, what="the next sale")
            await pilot.pause(0.3)  # the popped screens' widgets are removed by then
            assert layouts == []
            await scan(pilot, FLOUR)
            await until(pilot, lambda: "Flour" in screen_text(app), what="the next customer's line")
    assert app.unexpected == 0
