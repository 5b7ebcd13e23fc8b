"""Taking goods back at the counter, through Textual's Pilot on real parts: a real store, an ESC/POS
printer twin on a TCP port (whose printout gives the receipt's barcode), the journal read back and
its seal verified.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from appliance.config import Config
from appliance.core.money import from_cents, round_div
from appliance.store.sales import load_sale
from appliance.till import Till
from tui.screens.prompt import PromptScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.refund import RefundScreen
from tui.screens.returns import ReturnScreen
from tui.screens.sale import SaleScreen

from .counter_kit import FLOUR, PASTA, Kit, app_for, counter_kit, price, said, scan, screen_text, type_keys, until
from .returns_kit import another_lanes_code
from .sales_kit import sold


def sealed_returns(till: Till) -> list[dict[str, Any]]:
    """Every return as the journal sealed it (the record, not a view of it)."""
    rows = till.connection.execute("SELECT payload FROM journal WHERE kind = 'return' ORDER BY seq")
    return [json.loads(payload) for (payload,) in rows]


async def start_return(pilot: Pilot[Any], kit: Kit, code: str | None = None, number: int | None = None) -> None:
    """F7, then the receipt's code scanned or its number typed: the return screen opens."""
    app = pilot.app
    await pilot.press("f7")
    await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the return prompt")
    if code is not None:
        await scan(pilot, code)
    else:
        await type_keys(pilot, str(number))
        await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ReturnScreen), what="the return screen")


async def refund_and_finish(pilot: Pilot[Any], *keys: str) -> None:
    """``+`` to the refund, the keys given, then no receipt: back on the sale screen."""
    app = pilot.app
    await type_keys(pilot, "+")
    await until(pilot, lambda: isinstance(app.screen, RefundScreen), what="the refund screen")
    for key in keys:
        await pilot.press(key)
    await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the sale screen")


async def test_part_of_a_card_sale_comes_back_by_its_printed_code_and_is_refunded_on_the_card(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await scan(pilot, FLOUR)
            await scan(pilot, PASTA)
            await type_keys(pilot, "+*")  # pay by card
            await pilot.press("enter")  # the terminal approved
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            await type_keys(pilot, "+")  # the customer wants a receipt
            await until(pilot, lambda: bool(kit.printer.printout().of("barcode")), what="the printed receipt")
            code = kit.printer.printout().of("barcode")[-1]

            await start_return(pilot, kit, code=code)
            assert "Return of sale 1" in screen_text(app)
            await pilot.press("enter")  # one of the two flour bags comes back
            assert app.fmt.amount(price(till, FLOUR)) in screen_text(app)
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, RefundScreen))
            assert f"back by {till.payment('card').label}" in screen_text(app)  # the original method, proposed
            await pilot.press("enter")
            assert "refund" in screen_text(app) and "terminal" in screen_text(app)
            await pilot.press("enter")  # the terminal approved the refund
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            assert "refunded" in screen_text(app)
            await type_keys(pilot, "+")  # the customer asks for the return's receipt
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 2, what="the return receipt")
        assert app.unexpected == 0
    slip = kit.printer.printout().pieces()[1]
    assert any(line.strip() == "RETURN" for line in slip) and "Return of sale No 1" in slip
    assert kit.printer.printout().of("barcode") == [code, "S00000002L1"]
    original = load_sale(till.connection, number=1)
    assert original is not None
    flour = original.sale.lines[0]
    [record] = sealed_returns(till)
    assert record["kind"] == "return" and record["number"] == 2
    assert record["original_uuid"] == original.sale.uuid
    [line] = record["lines"]
    assert line["returns"] == {"sale_uuid": original.sale.uuid, "line_no": 1}
    assert (line["quantity"], line["amount"]) == (-1, -price(till, FLOUR))
    assert line["vat"] == -round_div(flour.vat, 2) and line["vat"] < 0
    assert record["total"] == -price(till, FLOUR)
    assert [(v["code"], v["gross"], v["vat"]) for v in record["vat"]] == [
        (flour.vat_code, -price(till, FLOUR), line["vat"])
    ]
    assert record["payments"] == [
        {"method": "card", "cash": False, "amount": -price(till, FLOUR), "tendered": -price(till, FLOUR)}
    ]
    assert kit.printer.printout().of("drawer") == []  # nothing left the drawer
    assert till.verify().ok


async def test_a_second_return_never_gives_back_more_than_is_left(till: Till, config: Config, tmp_path: Path) -> None:
    original = sold(till, (FLOUR, 2), (PASTA, 1))
    first = till.return_draft("1", "Alice")
    first.one_more(1)
    first.sale.tender(till.payment("cash"), -from_cents(first.to_refund))
    till.complete(first.sale)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, number=1)
            await type_keys(pilot, "2")
            await pilot.press("enter")  # two more flour bags: only one is left
            flour = "Flour T65 1 kg — Ferme des Saules"
            assert f"Only 1 piece of {flour} can still be returned (2 sold, 1 already returned)" in said(app)
            await pilot.press("enter")  # the one that is left
            await pilot.press("enter")  # and one more: refused, this return holds all that is left
            assert f"Only 1 piece of {flour} can still be returned (2 sold, 1 already returned)" in said(app)
            await pilot.press("down", "enter")  # the pasta
            await pilot.press("minus")  # taken back off: only the flour comes back
            assert "taken out of the return" in screen_text(app)
            await refund_and_finish(pilot, "enter")
    second = sealed_returns(till)[-1]
    assert [(line["returns"]["line_no"], line["quantity"]) for line in second["lines"]] == [(1, -1)]
    flour_paid = original.sale.lines[0].amount
    assert sum(-record["lines"][0]["amount"] for record in sealed_returns(till)) == flour_paid
    draft_left = till.returnable(original)
    assert 1 not in draft_left and draft_left[2].quantity == 1


async def test_a_weighed_line_comes_back_by_typed_grams_then_all_that_is_left_and_cash_opens_the_drawer(
    till: Till, config: Config, tmp_path: Path
) -> None:
    original = sold(till, (FLOUR, 1), grams=734)
    apples = original.sale.lines[1]
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, number=1)
            await pilot.press("down")
            await type_keys(pilot, "300")
            await pilot.press("enter")
            assert "0,300 kg" in screen_text(app) and "0,434 kg" in screen_text(app)  # back, and left
            await refund_and_finish(pilot, "enter")  # as paid: cash
            await until(pilot, lambda: bool(kit.printer.printout().of("drawer")), what="the drawer kick")
            kicked = len(kit.printer.printout().of("drawer"))
            await start_return(pilot, kit, number=1)
            await pilot.press("down", "enter")  # all the weight that is left
            assert "0,434 kg" in screen_text(app)
            await refund_and_finish(pilot, "enter")
            await until(pilot, lambda: len(kit.printer.printout().of("drawer")) > kicked, what="the second drawer kick")
    first, second = sealed_returns(till)
    assert first["lines"][0]["weight_g"] == -300 and second["lines"][0]["weight_g"] == -434
    assert first["lines"][0]["amount"] == -round_div(apples.amount * 300, 734)
    assert first["lines"][0]["amount"] + second["lines"][0]["amount"] == -apples.amount  # to the last cent
    assert [p["method"] for p in first["payments"] + second["payments"]] == ["cash", "cash"]


async def test_a_card_sale_refunded_in_cash_opens_the_drawer(till: Till, config: Config, tmp_path: Path) -> None:
    sold(till, (FLOUR, 1), (PASTA, 2), method="card")
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, number=1)
            await scan(pilot, PASTA)  # the goods that come back, scanned: their line, one each
            await scan(pilot, PASTA)
            await scan(pilot, "3760000010726")  # flour T80: not on this sale
            assert "is not on sale 1" in said(app)
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, RefundScreen))
            await type_keys(pilot, "*")  # the customer has no card with them: cash
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            assert "CASH BACK" in screen_text(app)
            await until(pilot, lambda: bool(kit.printer.printout().of("drawer")), what="the drawer kick")
    [record] = sealed_returns(till)
    assert [(line["returns"]["line_no"], line["quantity"]) for line in record["lines"]] == [(2, -2)]
    back = -2 * price(till, PASTA)
    assert record["payments"] == [{"method": "cash", "cash": True, "amount": back, "tendered": back}]


async def test_a_refund_by_another_method_can_be_taken_back_before_the_return_is_sealed(
    till: Till, config: Config, tmp_path: Path
) -> None:
    sold(till, (PASTA, 2), method="card")
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, number=1)
            await pilot.press("enter", "enter")
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, RefundScreen))
            await type_keys(pilot, "5/")  # 5.00 by another method: the list
            await until(pilot, lambda: "Refund 5,00 € by" in screen_text(app), what="the methods")
            await type_keys(pilot, "2")  # the second one listed: the cheque
            assert "Chèque  5,00 € back" in screen_text(app) and "Left to refund" in screen_text(app)
            await type_keys(pilot, "-")  # the cheque was a mistake
            assert "taken back" in said(app) and "Left to refund" not in screen_text(app)
            await pilot.press("backspace")  # no refund entered: back to the lines
            await until(pilot, lambda: isinstance(app.screen, ReturnScreen))
            await refund_and_finish(pilot, "enter", "enter")  # as paid: the card, approved
    [record] = sealed_returns(till)
    assert [p["method"] for p in record["payments"]] == ["card"]
    assert record["total"] == -2 * price(till, PASTA)


async def test_what_cannot_be_returned_is_said_and_the_prompt_stays(
    till: Till, config: Config, tmp_path: Path, clock: Any
) -> None:
    lane2_code = another_lanes_code(config, tmp_path, clock)
    sold(till, (FLOUR, 1), (PASTA, 1), void=2)
    first = till.return_draft("1", "Alice")
    first.one_more(1)
    first.sale.tender(till.payment("cash"), -from_cents(first.to_refund))
    till.complete(first.sale)  # sale 2: a return of sale 1's flour
    sold(till, (FLOUR, 1), (PASTA, 1), void=1)  # sale 3
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pilot.press("f7")
            await until(pilot, lambda: isinstance(app.screen, PromptScreen))
            await type_keys(pilot, "99")
            await pilot.press("enter")
            assert "There is no sale number 99 on this till" in said(app)
            await type_keys(pilot, "2")
            await pilot.press("enter")
            assert "No 2 is a return (of sale 1), not a sale" in said(app)
            await scan(pilot, lane2_code)
            assert "This receipt is from lane 2, and this till is lane 1" in said(app)
            await type_keys(pilot, "1")
            await pilot.press("enter")  # the flour is back already, the pasta was voided
            assert "Everything sold on sale 1 has been returned already" in said(app)
            assert isinstance(app.screen, PromptScreen)
            await type_keys(pilot, "3")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ReturnScreen))
            assert "VOID Flour T65" in screen_text(app)
            await pilot.press("up", "enter")  # the voided line
            assert "was voided on sale 3: nothing was sold on that line" in said(app)
            await pilot.press("backspace")  # nothing chosen: straight back to the sale
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            await scan(pilot, FLOUR)  # a sale in progress: no return now
            await pilot.press("f7")
            assert "Finish or cancel this sale first" in screen_text(app)
            assert isinstance(app.screen, SaleScreen)
        assert app.unexpected == 0
    assert len(sealed_returns(till)) == 1  # nothing more was refunded
