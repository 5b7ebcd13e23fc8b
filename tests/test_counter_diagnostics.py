"""The manager's diagnostics screen on real parts: the doctor's verdicts for a scale twin unplugged and
a printer twin out of paper, the scale's live reading, the scanner test, the printer's test page on
the twin's paper, and the drawer kick a manager may refuse.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from appliance.cli.doctor import run_checks
from appliance.config import Config
from appliance.till import Till
from drivers.checks import device_checks
from tui.screens.diagnostics import DiagnosticsScreen

from .counter_kit import APPLES_PLU, FLOUR, app_for, counter_kit, said, scan, type_keys, until
from .people_kit import CHLOE, MANON, log_in, manager_pin, seed_people

WAIT = 20.0  # the checks run in workers; the box's reach OFN, which these tests leave unreachable


async def open_diagnostics(pilot: Pilot[Any]) -> DiagnosticsScreen:
    """Keypad only: the menu, the manager's entry (8), Diagnostics (3); then every check done."""
    await type_keys(pilot, "/83")
    await until(pilot, lambda: isinstance(pilot.app.screen, DiagnosticsScreen), what="the diagnostics screen")
    screen = pilot.app.screen
    assert isinstance(screen, DiagnosticsScreen)
    await until(pilot, lambda: not screen.running, WAIT, "every check")
    return screen


async def scrolled_to(pilot: Pilot[Any], words: str) -> bool:
    """Up to the top of the verdicts, then down (the keypad's arrows) until ``words`` show, or the end."""
    verdicts = pilot.app.screen.query_one("#verdicts")
    while verdicts.scroll_y > 0:
        await pilot.press("up")
        await pilot.pause()
    for _ in range(40):
        if words in said(pilot.app):
            return True
        await pilot.press("down")
        await pilot.pause()
    return words in said(pilot.app)


def named(verdicts: list[tuple[str, str, str]], *names: str) -> list[tuple[str, str, str]]:
    return [verdict for verdict in verdicts if verdict[1] in names]


async def test_an_unplugged_scale_and_a_printer_out_of_paper_get_the_doctors_verdicts(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path) as kit:
        assert kit.scale is not None and kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: app.reading is not None, what="the scale's first reading")
            kit.scale.unplug()
            kit.printer.set_status(paper_out=True)
            screen = await open_diagnostics(pilot)
            shown = screen.verdicts
            doctor = device_checks(kit.config.devices)  # what `ofn-checkout doctor` says of the same devices
            assert named(shown, "scale", "printer") == named(doctor, "scale", "printer")
            assert named(shown, "scale")[0][:2] == ("fail", "scale")
            assert await scrolled_to(pilot, "does not exist: plug the scale in, or fix devices.scale.port")
            assert named(shown, "printer")[0][0] == "fail" and "paper" in named(shown, "printer")[0][2]
            assert "FAIL: api key, scale, printer" in said(app)
            box = [(level, name) for level, name, _ in run_checks(kit.config, till.path)][: len(screen.box)]
            assert [(check.verdict, check.device) for check in screen.box] == box, "the box's checks: the doctor's"
            assert {"journal", "sync", "version", "clock", "disk"} <= {name for _, name in box}
            assert "Printer no paper" in said(app), "the status bar learnt it from the check"
            assert await scrolled_to(pilot, "ESC/POS print queue to tcp://127.0.0.1"), "the driver that claims it"

            kit.scale.replug()  # plugged back in, paper loaded: checked again, both pass
            kit.scale.show(734)
            kit.printer.set_status(paper_out=False)
            await until(pilot, lambda: "stable 734 g" in said(app), WAIT, "the scale's live reading, back")
            first = screen.run
            await type_keys(pilot, "/")
            await until(pilot, lambda: screen.run > first and not screen.running, WAIT, "every check again")
            assert [v[0] for v in named(screen.verdicts, "scale", "printer")] == ["ok", "ok"]
            assert "raw 02 30 30 2e 37 33 34" in said(app)
            assert await scrolled_to(pilot, "Toledo 8217 at 9600 baud 7E1 on"), "the driver that claims it"


async def test_the_scanner_test_says_what_a_sale_would_make_of_each_code_and_sells_nothing(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            screen = await open_diagnostics(pilot)
            await scan(pilot, FLOUR)
            await scan(pilot, "4006381333931")
            await type_keys(pilot, APPLES_PLU)
            await pilot.press("enter")
            text = said(app)
            assert f"{FLOUR} gtin: Flour T65 1 kg" in text and "4006381333931 gtin: nothing to sell" in text
            assert f"{APPLES_PLU} plu: Apples Gala" in text and "per kg (by plu)" in text  # the last one, said whole
            made = dict(screen.scans)
            assert "8,15 € (by sku)" in made[FLOUR] and made["4006381333931"] == "gtin: nothing to sell"
            assert app.counter.sale is None, "nothing was sold"
            assert app.unexpected == 0


async def test_the_printer_test_page_comes_out_of_the_printer_through_the_queue(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await open_diagnostics(pilot)
            await type_keys(pilot, "+")
            assert kit.printer.wait_for("cut", timeout=WAIT), "the test page was cut"
            await until(pilot, lambda: "Test page sent to the print queue" in said(app))
        paper = "\n".join(kit.printer.lines)
        assert "PRINTER TEST" in paper and "TOTAL" in paper and "Code page" in paper


async def test_the_drawer_opens_only_once_a_manager_allows_it(till: Till, config: Config, tmp_path: Path) -> None:
    seed_people(till)
    with counter_kit(till, config, tmp_path, scale=False, drawer={"kick": "printer", "pin": "2"}) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await log_in(pilot, CHLOE[1])  # a cashier: the drawer needs a manager
            await open_diagnostics(pilot)
            await type_keys(pilot, "*")
            await manager_pin(pilot, None)  # no manager came: nothing opens, nothing is recorded
            assert "Not done: open the drawer needs a manager's PIN" in said(app)
            await type_keys(pilot, "*")
            await manager_pin(pilot, MANON[1])
            assert kit.printer.wait_for("drawer", timeout=WAIT)
            await until(pilot, lambda: "Drawer kicked, allowed by Manon" in said(app))
            queue = kit.devices.printer
            assert queue is not None and queue.wait_for(lambda s: not s.waiting, WAIT)
        assert len(kit.printer.printout().of("drawer")) == 1, "the refused kick never reached the printer"
        rows = till.connection.execute("SELECT payload FROM journal WHERE kind = 'no_sale'").fetchall()
        assert [json.loads(payload)["allowed_by"] for (payload,) in rows] == ["Manon"]
        assert json.loads(rows[0][0])["cashier"] == "Chloé"
