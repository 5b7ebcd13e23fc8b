"""The shift on screen through Textual's Pilot, on a real store and the ESC/POS printer twin: the
float counted coin by coin, cash in and out, the X report on screen and on paper, the Z closure with
a difference, the closures, and the manager's say on each money action.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from appliance.cli.main import main
from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.store.shifts import ShiftError
from appliance.till import Till
from drivers.printer.code_pages import CodePage
from tui.app import CheckoutApp
from tui.screens.choose import ChooseScreen
from tui.screens.close_shift import CloseCountScreen, DifferenceScreen
from tui.screens.open_shift import OpenShiftScreen
from tui.screens.prompt import PromptScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.report import ReportScreen
from tui.screens.sale import SaleScreen
from tui.widgets.panels import BigAmount

from .counter_kit import FLOUR, Kit, app_for, counter_kit, said, scan, screen_text, type_keys, until

CP858 = CodePage("CP858", 19, "cp858")  # the table the printer twin's default profile prints in


def journal(till: Till, kind: str) -> list[dict[str, Any]]:
    rows = till.connection.execute("SELECT payload FROM journal WHERE kind = ? ORDER BY seq", (kind,))
    return [json.loads(payload) for (payload,) in rows]


def entries(till: Till) -> int:
    return int(till.connection.execute("SELECT COUNT(*) FROM journal").fetchone()[0])


async def shift_menu(pilot: Pilot[Any], entry: str, then: type) -> None:
    """From the sale screen: the menu, the manager's menu, Shift, then ``entry``."""
    app = pilot.app
    for key in "/81":
        await type_keys(pilot, key)
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what=f"the menu after {key}")
    await type_keys(pilot, entry)
    await until(pilot, lambda: isinstance(app.screen, then), what=f"the shift menu's entry {entry}")


async def sell_for_cash(pilot: Pilot[Any], tendered: str = "20") -> None:
    app = pilot.app
    await scan(pilot, FLOUR)
    await type_keys(pilot, f"+{tendered}")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the next sale")


async def count(pilot: Pilot[Any], counts: dict[int, int]) -> None:
    """Type ``counts`` (row of the sheet → how many) with the arrows and the digits, from the top."""
    at = 0
    for row in sorted(counts):
        await pilot.press(*["down"] * (row - at))
        at = row
        await type_keys(pilot, str(counts[row]))


def flour_cents(till: Till) -> int:
    return int(till.connection.execute("SELECT price FROM variant WHERE sku = ?", (FLOUR,)).fetchone()[0])


@pytest.fixture
def closed(till: Till) -> Till:
    """The till with no shift open: the app starts on the open-shift screen."""
    till.close_shift(Decimal("100.00"), "Alice")
    return till


async def test_the_float_is_counted_coin_by_coin_and_sealed(closed: Till, config: Config, tmp_path: Path) -> None:
    till = closed
    # rows of the EUR sheet: 1 = 0,01 €, 3 = 0,05 €, 9 = 5 €, 10 = 10 €, 11 = 20 €
    counts = {1: 12, 3: 3, 9: 4, 10: 2, 11: 10}
    float_cents = 12 * 1 + 3 * 5 + 4 * 500 + 2 * 1000 + 10 * 2000
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, OpenShiftScreen), what="the open-shift screen")
            await pilot.press("enter")  # nothing counted: refused, no shift
            assert "Nothing is counted yet" in said(app)
            await scan(pilot, FLOUR)  # no shift, no sale
            assert app.counter.sale is None
            await count(pilot, counts)
            await type_keys(pilot, "7")
            await pilot.press("backspace")  # 107 → 10 twenties
            await pilot.press("up")
            await type_keys(pilot, "9-")  # 2 tens → 29, then cleared…
            await type_keys(pilot, "2")  # …and typed again
            assert "FLOAT, from the counts" in screen_text(app)
            assert app.screen.count.total == float_cents  # type: ignore[attr-defined]
            assert app.screen.query_one(BigAmount).value == app.fmt.amount(float_cents)  # the total follows
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the sale screen")
            assert f"float of {app.fmt.money(float_cents)}" in said(app)
            await scan(pilot, FLOUR)  # now it sells
            assert [line.item.sku for line in app.counter.lines] == [FLOUR]
        assert app.unexpected == 0
    opened = journal(till, "shift_open")[-1]
    assert opened["opening_float"] == float_cents
    shift = till.current_shift()
    assert shift is not None and shift.opening_float == float_cents
    assert till.verify().ok


async def test_the_float_typed_as_a_total(closed: Till, config: Config, tmp_path: Path) -> None:
    """Someone who has counted types the total (the sheet starts there): 150 and Enter. The sheet
    lists the hub's own coins and notes when the config has them."""
    config = replace(config, cash={**config.cash, "denominations": (200, 1000)})
    with counter_kit(closed, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, OpenShiftScreen))
            assert "0,01 €" not in screen_text(app) and "10,00 €" in screen_text(app)
            await pilot.press("down")
            await type_keys(pilot, "5")  # five 2 € coins…
            assert app.screen.count.total == 1000  # type: ignore[attr-defined]
            await pilot.press("up")
            await type_keys(pilot, "150,5")  # …that the typed total replaces
            assert "FLOAT, typed" in screen_text(app)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
    assert journal(closed, "shift_open")[-1]["opening_float"] == 15050


async def cash_move(pilot: Pilot[Any], entry: str, amount: str, reason: str) -> None:
    """Cash in (2) or out (3): the amount, then the reason's digit, or text after ``type:``."""
    app = pilot.app
    await shift_menu(pilot, entry, PromptScreen)
    await type_keys(pilot, amount)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the reasons")
    if reason.startswith("type:"):
        await type_keys(pilot, str(len(app.screen.choices)))  # type: ignore[attr-defined]
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the typed reason")
        for char in reason[5:]:
            await pilot.press("space" if char == " " else char)
        await pilot.press("enter")
    else:
        await type_keys(pilot, reason)
    await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="back on the sale screen")


async def test_cash_in_and_out_are_sealed_and_a_cash_out_beyond_the_drawer_is_refused(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await cash_move(pilot, "2", "20", "1")
            assert "Cash in: 20,00 € (change from the bank) recorded" in said(app)
            await until(pilot, lambda: bool(kit.printer.printout().of("drawer")), what="the drawer opened")
            await cash_move(pilot, "3", "35.50", "type:window cleaner")
            assert "the drawer should hold 84,50 €" in said(app)
            sealed = entries(till)
            await shift_menu(pilot, "3", PromptScreen)
            await type_keys(pilot, "84.51")
            await pilot.press("enter")  # refused at the amount: no reason asked, no manager called
            assert "Only 84,50 € should be in the drawer: count it before taking more out" in said(app)
            assert isinstance(app.screen, PromptScreen) and entries(till) == sealed
            await type_keys(pilot, "4.50")
            await pilot.press("enter")  # what the drawer holds goes on to the reason
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the reasons")
            await type_keys(pilot, "1")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="back on the sale screen")
            assert "the drawer should hold 80,00 €" in said(app)
        assert app.unexpected == 0
    moves = till.connection.execute("SELECT kind, amount, reason, cashier FROM cash_movement ORDER BY id").fetchall()
    assert moves == [
        ("in", 2000, "change from the bank", "Alice"),
        ("out", 3550, "window cleaner", "Alice"),
        ("out", 450, "bank deposit", "Alice"),
    ]
    assert [entry["amount"] for entry in journal(till, "cash_in") + journal(till, "cash_out")] == [2000, 3550, 450]
    assert till.x_report().expected_cash == 8000
    assert till.verify().ok


def printed_report(kit: Kit, count: int) -> list[str]:
    assert kit.printer is not None
    return kit.printer.printout().pieces()[count - 1]


def cli_text(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """What the command prints, as the printer twin shows it on 42 columns ("—" prints as "-")."""
    capsys.readouterr()
    assert main(list(args)) == 0
    return [CP858.printable(line, 42) for line in capsys.readouterr().out.rstrip("\n").split("\n")]


async def test_the_x_report_on_screen_and_on_paper_is_report_x(
    till: Till,
    config: Config,
    config_file: Path,
    clock: SteppingClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await sell_for_cash(pilot)
            await shift_menu(pilot, "4", ReportScreen)
            assert "X REPORT" in screen_text(app) and "Perpetual grand total" not in screen_text(app)
            for _ in range(30):
                await pilot.press("down")
            assert "Perpetual grand total" in screen_text(app)  # the arrows scroll to the end
            await type_keys(pilot, "+")
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 1, what="the X report on paper")
            assert "Printing the X report of shift 1" in said(app)
        assert app.unexpected == 0
    monkeypatch.setattr("appliance.till.SystemClock", lambda: clock)  # `report x` at the app's moment
    expected = cli_text(capsys, "report", "x", "--config", str(config_file))
    assert printed_report(kit, 1) == expected
    assert f"Cash payments (net){app.fmt.money(flour_cents(till)):>23}" in expected
    by_channel = expected[expected.index("BY CHANNEL") + 1 :]  # on screen and on paper alike
    assert by_channel[0] == "pickup point" and by_channel[1].startswith("  Sales (1)")


async def test_the_z_closure_shows_the_difference_then_seals_prints_and_stops_the_selling(
    till: Till,
    config: Config,
    config_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    flour = flour_cents(till)
    counted = {7: 50, 9: 2, 11: 2}  # 50 × 1 €, 2 × 5 €, 2 × 20 €: 100,00 €
    expected_cash = 10000 + flour
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await sell_for_cash(pilot)
            await shift_menu(pilot, "5", CloseCountScreen)
            assert "Expected" not in screen_text(app)  # counted blind
            await count(pilot, counted)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DifferenceScreen), what="the difference")
            text = said(app)
            assert f"Expected in the drawer {app.fmt.money(expected_cash)}" in text
            assert "Counted 100,00 €" in text
            assert f"DIFFERENCE: {app.fmt.money(flour)} SHORT" in text
            assert till.current_shift() is not None  # nothing sealed before the confirmation
            await pilot.press("backspace")  # count again: the counts are kept
            await until(pilot, lambda: isinstance(app.screen, CloseCountScreen))
            assert app.screen.count.total == 10000  # type: ignore[attr-defined]
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DifferenceScreen))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, OpenShiftScreen), what="the open-shift screen")
            assert f"Shift 1 closed: counted 100,00 €, {app.fmt.money(flour)} short" in said(app)
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 1, what="the Z report")
            await scan(pilot, FLOUR)  # no shift: nothing sells
            assert app.counter.sale is None
            with pytest.raises(ShiftError):
                till.new_sale("Alice")
            for key in "/17":  # the manager's menu from the open-shift screen: the last Z, printed again
                await type_keys(pilot, key)
            await until(pilot, lambda: isinstance(app.screen, ReportScreen), what="the last Z")
            assert "Z REPORT" in screen_text(app)
            await type_keys(pilot, "+")
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 2, what="the Z again")
            await pilot.press("backspace")
            await until(pilot, lambda: isinstance(app.screen, OpenShiftScreen))
            await type_keys(pilot, "80")
            await pilot.press("enter")  # a new shift, and selling again
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            await scan(pilot, FLOUR)
            assert [line.item.sku for line in app.counter.lines] == [FLOUR]
        assert app.unexpected == 0
    z = journal(till, "shift_close")[-1]
    assert (z["shift_id"], z["cash"]["counted"], z["cash"]["expected"]) == (1, 10000, expected_cash)
    assert z["cash"]["difference"] == -flour
    assert journal(till, "shift_open")[-1]["opening_float"] == 8000
    printed = printed_report(kit, 1)
    assert printed_report(kit, 2) == printed  # the last Z, as sealed
    assert printed == cli_text(capsys, "report", "z", "--shift", "1", "--config", str(config_file))
    assert any(line.startswith("Chain") for line in printed)
    assert till.verify().ok


async def test_the_closures_on_screen(till: Till, config: Config, clock: SteppingClock, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await shift_menu(pilot, "6", ChooseScreen)
            await type_keys(pilot, "1")  # days: none yet
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            assert "No day closure yet" in said(app)
            await sell_for_cash(pilot)
            clock.advance(24 * 3600)
            await sell_for_cash(pilot)  # the first sale of Tuesday closes Monday
            clock.advance(24 * 3600)
            till.close_periods()  # and the nightly timer closes Tuesday
            await shift_menu(pilot, "6", ChooseScreen)
            await type_keys(pilot, "1")
            await until(pilot, lambda: isinstance(app.screen, ReportScreen), what="the day closures")
            assert "DAY CLOSURE 2026-03-03" in screen_text(app) and "(1 of 2, newest first)" in screen_text(app)
            for _ in range(20):
                await pilot.press("down")
            assert "Perpetual grand total" in screen_text(app)
            await type_keys(pilot, "-")
            assert "DAY CLOSURE 2026-03-02" in screen_text(app)
            await type_keys(pilot, "-")
            assert "This is the oldest one" in said(app)
        assert app.unexpected == 0


def refusing(app: CheckoutApp) -> list[str]:
    """A manager who says no: ``authorize`` records what was asked and never runs it."""
    asked: list[str] = []

    def authorize(what: str, then: Callable[[], object]) -> None:
        asked.append(what)

    app.authorize = authorize  # type: ignore[method-assign]
    return asked


async def test_each_money_action_asks_the_manager_and_nothing_is_sealed_without(
    till: Till, config: Config, tmp_path: Path
) -> None:
    before = entries(till)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        asked = refusing(app)
        async with app.run_test(size=(80, 25)) as pilot:
            await cash_move(pilot, "2", "20", "1")
            await cash_move(pilot, "3", "10", "1")
            await shift_menu(pilot, "5", CloseCountScreen)
            await type_keys(pilot, "100")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DifferenceScreen))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
        assert app.unexpected == 0
    assert asked == ["cash in", "cash out", "the Z closure"]
    assert entries(till) == before
    assert till.current_shift() is not None
