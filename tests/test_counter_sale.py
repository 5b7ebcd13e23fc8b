"""The sale screen through Textual's Pilot, on a real store, a Toledo scale twin on a pty and an
ESC/POS printer twin on a TCP port: what the cashier's keys and scans do, and what is sealed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from appliance.config import Config
from appliance.till import Till
from drivers.scale_twin import Step
from tui.screens.payment import PaymentScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.sale import SaleScreen
from tui.screens.weigh import WeighScreen

from .counter_kit import (
    APPLES_ID,
    APPLES_PLU,
    FLOUR,
    FLOUR_T80,
    PASTA,
    app_for,
    counter_kit,
    last_sale,
    name,
    pay_exact_cash,
    price,
    said,
    scan,
    screen_text,
    type_keys,
    until,
)


async def test_scans_multiplier_exact_cash_no_receipt(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await scan(pilot, FLOUR)  # a repeat scan adds to the same line
            await type_keys(pilot, "3*")
            await scan(pilot, PASTA)
            assert "3 × the next product" not in screen_text(app)  # the quantity was used up
            await type_keys(pilot, "+")
            assert isinstance(app.screen, PaymentScreen)
            await pilot.press("enter")  # exact cash
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
            await pilot.press("enter")  # no receipt
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the next sale")
            stored = last_sale(till)
            done = f"Sale {stored.number}: {app.fmt.money(stored.sale.total)} paid. Next customer"
            assert done in said(app) and "Added" not in said(app)  # the last line added is the sale's past
    sale = stored.sale
    assert [(line.sku, line.quantity) for line in sale.lines] == [(FLOUR, 2), (PASTA, 3)]
    assert sale.total == 2 * price(till, FLOUR) + 3 * price(till, PASTA)
    assert [(p.method, p.amount) for p in sale.payments] == [("cash", sale.total)]
    assert kit.printer is not None and kit.printer.printout().pieces() == []  # nothing printed unasked
    assert app.unexpected == 0


async def test_void_marks_the_selected_line_and_keeps_it_on_record(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await scan(pilot, FLOUR_T80)
            await scan(pilot, PASTA)
            await pilot.press("up", "up")  # select the first line
            await type_keys(pilot, "-")
            assert "VOID Flour T65" in screen_text(app)
            await type_keys(pilot, "-")  # the selection stays on the voided line: the last live one goes
            text = screen_text(app)
            assert "VOID Pasta" in text and "VOID Flour T80" not in text
            await pay_exact_cash(pilot)
    sale = last_sale(till).sale
    assert [(line.sku, line.voided) for line in sale.lines] == [(FLOUR, True), (FLOUR_T80, False), (PASTA, True)]
    assert sale.total == price(till, FLOUR_T80)


async def test_unknown_barcode_says_so_and_keeps_the_basket(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        bells: list[int] = []
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await scan(pilot, "4006381333931")
            text = screen_text(app)
            assert "Unknown barcode 4006381333931" in text
            assert "Flour T65" in text
            assert bells == [1]
            assert [line.item.sku for line in app.counter.lines] == [FLOUR]


async def test_tendered_cash_shows_the_change_and_seals_it(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await type_keys(pilot, "+20")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            assert "CHANGE" in screen_text(app)
            assert kit.printer is not None
            await until(pilot, lambda: bool(kit.printer.printout().of("drawer")), what="the drawer kick")
    sale = last_sale(till).sale
    assert (sale.tendered, sale.change) == (2000, 2000 - price(till, FLOUR))


async def test_split_cash_then_card(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR_T80)
            await type_keys(pilot, "+5")
            await pilot.press("enter")  # 5.00 cash: the rest left to pay
            assert isinstance(app.screen, PaymentScreen)
            assert app.fmt.amount(price(till, FLOUR_T80) - 500) in screen_text(app)
            await type_keys(pilot, "*")  # card for the rest, on the terminal
            assert "Enter once it is approved" in screen_text(app)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
    sale = last_sale(till).sale
    assert [(p.method, p.amount) for p in sale.payments] == [("cash", 500), ("card", price(till, FLOUR_T80) - 500)]


async def test_weighed_item_waits_for_a_stable_weight(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, printer=False) as kit:
        assert kit.scale is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            kit.scale.show(734, motion=True)
            await type_keys(pilot, APPLES_PLU)
            await pilot.press("enter")
            assert isinstance(app.screen, WeighScreen)
            await until(pilot, lambda: "settling" in screen_text(app), what="the motion message")
            assert app.counter.lines == []
            kit.scale.show(734)
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the weighed line")
            assert "0,734 kg" in screen_text(app)
            # the same apples, still on the pan, cannot be sold twice
            await type_keys(pilot, APPLES_PLU)
            await pilot.press("enter")
            await until(pilot, lambda: "must show zero" in screen_text(app), what="the remove-first message")
            kit.scale.show(0)
            await until(pilot, lambda: "Put the goods on the scale" in screen_text(app))
            kit.scale.show(1210)
            await until(pilot, lambda: len(app.counter.lines) == 2, what="the second weighing")
    weights = [line.weight_g for line in app.counter.lines]
    assert weights == [734, 1210]
    assert all(line.item.variant_id == APPLES_ID for line in app.counter.lines)


async def test_weighing_refuses_zero_under_zero_overload_and_unplugged(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path, printer=False) as kit:
        assert kit.scale is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await type_keys(pilot, APPLES_PLU)
            await pilot.press("enter")
            await until(pilot, lambda: "Put the goods on the scale" in screen_text(app))
            kit.scale.play([Step(-40)])
            await until(pilot, lambda: "below zero" in screen_text(app))
            kit.scale.show(20_000)  # over the twin's 15 kg capacity
            await until(pilot, lambda: "Too heavy" in screen_text(app))
            kit.scale.unplug()
            await until(pilot, lambda: "unplugged" in screen_text(app).lower(), what="the unplugged message")
            await pilot.press("backspace")  # give up: nothing is added
            assert isinstance(app.screen, SaleScreen)
            assert "Weighing cancelled" in screen_text(app)
            assert app.counter.lines == []


async def test_print_on_request_and_out_of_paper(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        kit.printer.set_status(paper_out=True)
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pay_exact_cash(pilot)
            await type_keys(pilot, "+")  # the customer asks for a receipt

            def told_it_waits() -> bool:
                """The till's line or the print queue's own: the sale is saved, the receipt waits."""
                text = said(app).lower()
                return "saved" in text and "once it is fixed" in text

            await until(pilot, told_it_waits, what="the paper message")
            await scan(pilot, PASTA)  # the next customer is served meanwhile
            assert [line.item.sku for line in app.counter.lines] == [PASTA]
            kit.printer.set_status(paper_out=False)
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 1, what="the receipt once paper is back")
            number = last_sale(till).number
            assert f"{number}" in "\n".join(kit.printer.printout().pieces()[0])
    assert len(kit.printer.printout().pieces()) == 1  # printed once, not twice


async def test_an_unexpected_error_is_one_line_and_the_basket_survives(
    till: Till, config: Config, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)

            def broken(code: str, quantity: int = 1) -> object:
                raise RuntimeError("a bug nobody foresaw")

            app.counter.ring = broken  # type: ignore[method-assign]
            await scan(pilot, PASTA)
            text = screen_text(app)
            assert "Something went wrong" in text and "Traceback" not in text
            assert app.unexpected == 1
            assert app.is_running
            assert [line.item.sku for line in app.counter.lines] == [FLOUR]
    logged = [record for record in caplog.records if record.exc_info]
    assert logged and "a bug nobody foresaw" in str(logged[-1].exc_info[1])  # type: ignore[index]


async def test_keys_per_sale_five_scans_one_weighed_exact_cash_no_receipt(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """The anonymous sale of the issue: the scans, then 3 keys of the default keypad map."""
    with counter_kit(till, config, tmp_path) as kit:
        assert kit.scale is not None
        app = app_for(kit)
        pressed: list[str] = []
        async with app.run_test(size=(80, 25)) as pilot:
            kit.scale.show(1500)
            await until(pilot, lambda: app.reading is not None and app.reading.grams == 1500, what="the scale")
            for code in (FLOUR, FLOUR_T80, PASTA, FLOUR, PASTA, "PLU1001"):
                await scan(pilot, code)
            await until(pilot, lambda: len(app.counter.lines) == 4, what="the weighed line")
            for key in ("plus", "enter", "enter"):
                pressed.append(key)
                await pilot.press(key)
                await pilot.pause()
            await until(pilot, lambda: isinstance(app.screen, SaleScreen) and app.counter.sale is None)
    sale = last_sale(till).sale
    assert len(pressed) == 3
    assert sum(line.quantity for line in sale.lines) == 5 and sale.lines[-1].weight_g == 1500
    assert [p.method for p in sale.payments] == ["cash"] and sale.change == 0


async def test_products_sharing_a_code_are_picked_by_their_digit(till: Till, config: Config, tmp_path: Path) -> None:
    from dataclasses import replace

    from appliance.store.catalogue import get_variant, upsert_variants
    from appliance.store.database import write_transaction
    from tui.screens.choose import ChooseScreen

    flour_id = till.connection.execute("SELECT id FROM variant WHERE sku = ?", (FLOUR,)).fetchone()[0]
    twin = replace(get_variant(till.connection, flour_id), id=99_001, name="Flour T65 5 kg sack", price=3500)
    with write_transaction(till.db) as connection:
        upsert_variants(connection, [twin], till.clock.now())
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await type_keys(pilot, "3*")  # three of the product the code names, whichever is picked
            await scan(pilot, FLOUR)
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the list of products")
            assert "2 products share the code" in screen_text(app)
            await pilot.press("2")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            assert [(line.item.variant_id, line.quantity) for line in app.counter.lines] == [(99_001, 3)]


async def test_a_product_without_its_code_is_found_by_a_word_of_its_name(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """What the unknown-code hint tells a cashier to do: type a word of the name, pick by digit."""
    from tui.screens.choose import ChooseScreen

    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await type_keys(pilot, "2*pasta")  # two of it, as for a scanned code
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the products named so")
            assert 'Products named "pasta": pick one' in screen_text(app)
            pasta = name(till, PASTA)
            [digit] = [row.strip("│║ ").split()[0] for row in screen_text(app).splitlines() if pasta in row]
            await pilot.press(digit)
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            (line,) = app.counter.lines
            assert line.item.sku == PASTA and line.quantity == 2
