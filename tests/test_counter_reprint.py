"""Reprints from the counter's menu, through Textual's Pilot on real parts: the receipt's barcode as
the printer twin printed it, the duplicate as it comes out of the twin, the reprints counted in the
journal; no printer, and a printer out of paper.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from appliance.config import Config
from appliance.till import Till
from tui.screens.choose import ChooseScreen
from tui.screens.prompt import PromptScreen
from tui.screens.sale import SaleScreen

from .counter_kit import FLOUR, app_for, counter_kit, pay_exact_cash, said, scan, type_keys, until
from .returns_kit import another_lanes_code
from .sales_kit import sold


def reprints(till: Till) -> list[dict[str, Any]]:
    """The reprints the journal sealed, oldest first."""
    rows = till.connection.execute("SELECT payload FROM journal WHERE kind = 'reprint' ORDER BY seq")
    return [json.loads(payload) for (payload,) in rows]


async def open_reprint(pilot: Pilot[Any]) -> None:
    """The menu, then its entry 3."""
    app = pilot.app
    await type_keys(pilot, "/")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the menu")
    await type_keys(pilot, "3")
    await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the reprint prompt")


async def test_reprint_by_the_scanned_code_and_by_the_number_prints_numbered_duplicates(
    till: Till, config: Config, tmp_path: Path, clock: Any
) -> None:
    lane2_code = another_lanes_code(config, tmp_path, clock)
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        printer = kit.printer
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pay_exact_cash(pilot)
            await type_keys(pilot, "+")  # the receipt, printed
            await until(pilot, lambda: len(printer.printout().pieces()) == 1, what="the receipt")
            code = printer.printout().of("barcode")[0]

            await open_reprint(pilot)
            await scan(pilot, code)
            await until(pilot, lambda: len(printer.printout().pieces()) == 2, what="the duplicate of the scanned code")
            assert "DUPLICATE 1" in said(app)

            await open_reprint(pilot)
            await type_keys(pilot, "1")
            await pilot.press("enter")
            await until(pilot, lambda: len(printer.printout().pieces()) == 3, what="the duplicate of the typed number")

            await open_reprint(pilot)
            await scan(pilot, lane2_code)  # another till's receipt: refused, nothing printed
            assert "This receipt is from lane 2" in said(app)
            await type_keys(pilot, "7")
            await pilot.press("enter")
            assert "There is no sale number 7 on this till" in said(app)
            await pilot.press("backspace", "backspace")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
        assert app.unexpected == 0
    original, first, second = printer.printout().pieces()
    assert not any("DUPLICATE" in line for line in original)
    assert any(line.strip() == "DUPLICATE 1" for line in first)
    assert any(line.strip() == "DUPLICATE 2" for line in second)
    assert printer.printout().of("barcode") == [code, code, code]  # a duplicate carries the same code
    stored = till.find_sale(number=1)
    assert stored is not None
    assert [(r["number"], r["duplicate"], r["cashier"]) for r in reprints(till)] == [(1, 1, "Alice"), (1, 2, "Alice")]
    refs = [row[0] for row in till.connection.execute("SELECT ref FROM journal WHERE kind = 'reprint'")]
    assert refs == [stored.sale.uuid, stored.sale.uuid]
    assert till.verify().ok


async def test_no_printer_says_so_and_records_no_reprint(till: Till, config: Config, tmp_path: Path) -> None:
    sold(till, (FLOUR, 1))
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await type_keys(pilot, "/")
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen))
            await type_keys(pilot, "3")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            assert "This till has no printer" in said(app)
    assert reprints(till) == []


async def test_a_reprint_while_out_of_paper_waits_and_prints_once_paper_is_back(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        printer = kit.printer
        printer.set_status(paper_out=True)
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pay_exact_cash(pilot)
            await type_keys(pilot, "+")  # asked for, but the paper is out
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            queue = kit.devices.printer
            assert queue is not None
            await until(pilot, lambda: queue.snapshot().printer == "out of paper", what="the printer's state")
            await open_reprint(pilot)
            await pilot.press("enter")  # nothing typed: the last sale
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            # the till's line, or the print queue's own that follows it: either says what waits, and why
            text = said(app).lower()
            assert "out of paper" in text and "once it is fixed" in text
            assert [r["duplicate"] for r in reprints(till)] == [1]  # recorded before it went to the queue
            assert printer.printout().pieces() == []
            printer.set_status(paper_out=False)
            await until(pilot, lambda: len(printer.printout().pieces()) == 2, what="both once paper is back")
    receipt, duplicate = printer.printout().pieces()
    assert not any("DUPLICATE" in line for line in receipt)
    assert any(line.strip() == "DUPLICATE 1" for line in duplicate)
    assert len(reprints(till)) == 1
