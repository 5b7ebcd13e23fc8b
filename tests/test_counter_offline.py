"""Selling while OFN cannot be reached: the counter app on a demo box (the sandbox, the sync daemon
as its own process, the scale and printer twins), the sandbox switched off under it, then back.
What reached OFN is read through OFN's own API (v0, with the hub's key), not from the box's store.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from appliance.till import Till
from tui.demo import DemoBox
from tui.screens.sale import SaleScreen
from tui.start import make_app

from .counter_kit import FLOUR, PASTA, scan, screen_text, type_keys, until, variant_of
from .people_kit import log_in


class Ofn:
    """The sandbox as OFN's API and its admin switches show it."""

    def __init__(self, box: DemoBox):
        self.url = box.url
        self.key = str(box.info["api_key"])
        self.counter_order = str(box.info["lanes"]["1"])

    def counter_lines(self) -> dict[int, int]:
        """Lane 1's counter order as OFN's v0 API returns it: quantity per variant."""
        response = httpx.get(
            f"{self.url}/api/v0/orders/{self.counter_order}", headers={"X-Spree-Token": self.key}, timeout=10
        )
        response.raise_for_status()
        return {item["variant"]["id"]: item["quantity"] for item in response.json()["line_items"]}

    def down(self, seconds: float) -> None:
        httpx.put(f"{self.url}/__sandbox/faults", json={"down_for": seconds}, timeout=10).raise_for_status()

    def held_while_down(self) -> dict[str, int]:
        """The admin route answers while the API is down: what OFN holds, for the test to compare."""
        response = httpx.get(f"{self.url}/__sandbox/orders/{self.counter_order}", timeout=10)
        return dict(response.raise_for_status().json()["lines"])


async def test_sales_made_while_ofn_is_down_reach_it_once_it_is_back(tmp_path: Path) -> None:
    with DemoBox(tmp_path / "demo", keyboard_scanner=False) as box:
        ofn = Ofn(box)
        before = ofn.counter_lines()
        config = box.config()
        till = Till.open(config)
        try:
            with box.devices() as devices:
                app = make_app(till, config, devices)
                async with app.run_test(size=(80, 25)) as pilot:
                    await log_in(pilot, "1111")  # the demo's cashier
                    await until(pilot, lambda: "OFN online" in screen_text(app), 30, "the box online")
                    ofn.down(600)
                    held_down = ofn.held_while_down()
                    for codes, multiplier in (([FLOUR, PASTA], ""), ([FLOUR], "3*")):
                        await type_keys(pilot, multiplier)
                        for code in codes:
                            await scan(pilot, code)
                        await type_keys(pilot, "+")
                        await pilot.press("enter")  # exact cash
                        await pilot.press("enter")  # no receipt
                        await until(pilot, lambda: isinstance(app.screen, SaleScreen) and app.counter.sale is None)
                    await until(
                        pilot,
                        lambda: re.search(r"OFN offline 2 waiting", screen_text(app)) is not None,
                        60,
                        "the status bar to say offline with 2 sales waiting",
                    )
                    assert ofn.held_while_down() == held_down  # nothing reached OFN while it was down
                    ofn.down(0)
                    await until(
                        pilot,
                        lambda: "OFN online" in screen_text(app) and "waiting" not in screen_text(app),
                        120,
                        "the waiting sales to be posted",
                    )
        finally:
            till.close()
        sold = {variant_of(FLOUR): 4, variant_of(PASTA): 1}
        expected = {variant: before.get(variant, 0) + sold.get(variant, 0) for variant in {*before, *sold}}
        assert ofn.counter_lines() == expected  # each sale once: not lost, not doubled by the retries
        assert app.unexpected == 0
