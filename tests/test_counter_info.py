"""A page of text over the counter (the demo's F9 shows the last receipt on one): Enter does the
caller's action, Backspace goes back."""

from __future__ import annotations

from pathlib import Path

from appliance.config import Config
from appliance.till import Till
from tui.screens.info import InfoScreen

from .counter_kit import app_for, counter_kit, screen_text, until


async def test_an_info_page_opens_acts_on_enter_and_goes_back(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        done: list[str] = []

        def act() -> str:
            done.append("act")
            return "Done it"

        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: app.sync is not None)
            app.push(InfoScreen("Last receipt", "SALE 1  8,25 €", on_enter=("Do it", act)))
            await until(pilot, lambda: "SALE 1  8,25 €" in screen_text(app), what="the page")
            await until(pilot, lambda: "Do it" in screen_text(app), what="the footer naming Enter")
            assert isinstance(app.screen, InfoScreen)
            await pilot.press("enter")
            await until(pilot, lambda: "Done it" in screen_text(app))
            await pilot.press("backspace")
            await until(pilot, lambda: not isinstance(app.screen, InfoScreen), what="back")
            assert done == ["act"] and app.unexpected == 0 and app.is_running
