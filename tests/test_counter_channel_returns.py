"""Returns by the channel's rules, and returns of another lane's sale by its receipt's hub code, through
Textual's Pilot on real parts: a real store for each lane (each its own journal key), the other
lane's receipt as its printer's ESC/POS bytes read back, the hub's key in a file, the journal read
back and its seal verified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.core.receipt_token import read as read_hub_code
from appliance.core.return_rules import ReturnRules
from appliance.core.sale import SaleError
from appliance.reports.receipt import layout
from appliance.reports.receipt_document import receipt_document
from appliance.till import Till
from drivers.printer.render import PrinterSettings, Renderer
from drivers.printer_twin import read_bytes
from tui.screens.choose import ChooseScreen
from tui.screens.pin import ManagerPinScreen
from tui.screens.prompt import PromptScreen
from tui.screens.refund import RefundScreen
from tui.screens.returns import ReturnScreen
from tui.screens.sale import SaleScreen

from .counter_kit import (
    FLOUR,
    PASTA,
    app_for,
    counter_kit,
    message,
    name,
    pay_exact_cash,
    price,
    scan,
    screen_text,
    type_keys,
    until,
)
from .people_kit import CHLOE, MANON, Monotonic, log_in, manager_pin, seed_people
from .returns_kit import HUB_KEY, hub_key, other_lane, use_returns
from .sales_kit import sold
from .test_counter_returns import refund_and_finish, sealed_returns, start_return

HERE = "pickup point"  # the demo config's channel


async def prompt_for_return(pilot: Any) -> None:
    await pilot.press("f7")
    await until(pilot, lambda: isinstance(pilot.app.screen, PromptScreen), what="the return prompt")


async def test_another_lanes_sale_comes_back_by_its_receipts_square_code_and_twice_is_refused(
    till: Till, config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    """Lane 2 sold two flour bags and a pasta; its receipt's QR code (as its printer printed it)
    brings the sale to lane 1, offline: one flour comes back, then the other; a third is refused, and
    once everything is back the code says so. Each return line names lane 2's sale."""
    use_returns(till, ReturnRules(from_channels=(HERE,)), hub_key(tmp_path))
    with other_lane(config, tmp_path, clock) as lane2:
        original = lane2.sell((FLOUR, 2), (PASTA, 1))
        code = lane2.hub_code(original)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, code=code)
            assert "Return of sale 1 of lane 2" in screen_text(app)
            await pilot.press("enter")  # one flour
            await refund_and_finish(pilot, "enter")
            await start_return(pilot, kit, code=code)
            await type_keys(pilot, "2")
            await pilot.press("enter")
            assert "Only 1 piece of" in message(app) and "(2 sold, 1 already returned)" in message(app)
            await pilot.press("enter")  # the other flour
            await pilot.press("down", "enter")  # and the pasta
            await refund_and_finish(pilot, "enter")
            await prompt_for_return(pilot)
            await scan(pilot, code)
            await until(pilot, lambda: "has been returned already" in message(app), what="the second return refused")
            assert isinstance(app.screen, PromptScreen)
            assert "Everything sold on sale 1 of lane 2 has been returned already" in message(app)
        assert app.unexpected == 0
    first, second = sealed_returns(till)
    assert first["original_uuid"] == second["original_uuid"] == original.sale.uuid
    assert first["lane_id"] == 1 and first["channel"] == HERE
    assert [line["returns"] for line in first["lines"]] == [
        {"sale_uuid": original.sale.uuid, "line_no": 1, "lane_id": 2, "number": 1}
    ]
    assert [line["returns"]["line_no"] for line in second["lines"]] == [1, 2]
    assert [line["name"] for line in second["lines"]] == [name(till, FLOUR), name(till, PASTA)]  # this till's
    assert first["total"] == -price(till, FLOUR) and second["total"] == -price(till, FLOUR) - price(till, PASTA)
    assert first["total"] + second["total"] == -original.sale.total  # to the cent, as sold at lane 2
    stored = till.find_sale(number=first["number"])
    assert stored is not None
    slip = layout(till.receipt(stored, config.receipt, till.fmt), till.fmt)
    assert "Return of sale No 1 of lane 2" in slip
    assert till.verify().ok


async def test_a_forged_or_altered_code_is_refused_and_nothing_is_returned(
    till: Till, config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    use_returns(till, ReturnRules(), hub_key(tmp_path))
    other_hub = tmp_path / "elsewhere" / "hub.key"
    other_hub.parent.mkdir()
    other_hub.write_bytes(b"another hub's key, 32 bytes long")
    with other_lane(config, tmp_path, clock) as lane2:
        genuine = lane2.hub_code(lane2.sell((FLOUR, 1)))
    with other_lane(config, tmp_path, clock, key=other_hub, lane_id=3) as lane3:
        foreign = lane3.hub_code(lane3.sell((FLOUR, 1)))
    position = len(genuine) // 2
    altered = genuine[:position] + ("A" if genuine[position] != "A" else "B") + genuine[position + 1 :]
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await prompt_for_return(pilot)
            for bad in (altered, foreign):
                await scan(pilot, bad)
                await until(pilot, lambda: "does not check out" in message(app), what="the code refused")
                assert isinstance(app.screen, PromptScreen)
                assert "it was altered, or printed outside this hub" in message(app)
        assert app.unexpected == 0
    assert sealed_returns(till) == []


async def test_a_till_without_the_hubs_key_says_why_it_cannot_take_another_lanes_sale(
    till: Till, config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with other_lane(config, tmp_path, clock) as lane2:
        code = lane2.hub_code(lane2.sell((FLOUR, 1)))
    use_returns(till, ReturnRules(), tmp_path / "not-copied-here.key")
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await prompt_for_return(pilot)
            await scan(pilot, code)
            await until(pilot, lambda: "cannot read the hub's receipt codes" in message(app))
            assert "not-copied-here.key does not exist" in message(app)
            assert "take the goods back at the lane that sold them" in message(app)
    assert sealed_returns(till) == []


async def test_a_sale_of_a_channel_this_one_does_not_take_back_is_refused_with_the_reason(
    till: Till, config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    use_returns(till, ReturnRules(from_channels=(HERE,)), hub_key(tmp_path))
    with other_lane(config, tmp_path, clock, channel="market stall") as stall:
        code = stall.hub_code(stall.sell((FLOUR, 1)))
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await prompt_for_return(pilot)
            await scan(pilot, code)
            await until(pilot, lambda: "takes back only sales of" in message(app), what="the channel's refusal")
            assert f"This sale was made at 'market stall'; '{HERE}' takes back only sales of: {HERE}." in message(app)
    assert sealed_returns(till) == []


async def test_a_sale_older_than_the_channels_limit_is_refused_and_the_last_day_is_not(
    till: Till, config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    sold(till, (FLOUR, 2))  # Monday 2 March, 09:00 in Paris
    use_returns(till, ReturnRules(max_days=14), None)
    clock.advance(14 * 86400 + 14 * 3600)  # Monday 16 March, 23:00: the 14th day, still in time
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, number=1)
            await pilot.press("enter")
            await refund_and_finish(pilot, "enter")
            clock.advance(3600)  # Tuesday 17 March, 00:00
            await prompt_for_return(pilot)
            await type_keys(pilot, "1")
            await pilot.press("enter")
            await until(pilot, lambda: "days ago" in message(app), what="the age refusal")
            assert "This sale is from 2026-03-02, 15 days ago: goods come back within 14 days here" in message(app)
            assert isinstance(app.screen, PromptScreen)
    assert len(sealed_returns(till)) == 1


async def test_a_typed_number_without_the_receipt_is_refused_where_the_receipt_is_needed(
    till: Till, config: Config, tmp_path: Path
) -> None:
    sold(till, (FLOUR, 2))
    use_returns(till, ReturnRules(receipt_required=True), None)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await prompt_for_return(pilot)
            await type_keys(pilot, "1")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the receipt question")
            assert "Does the customer show the receipt of sale 1?" in message(app)
            await pilot.press("2")  # no receipt
            await until(pilot, lambda: "need the receipt" in message(app), what="the refusal")
            assert not isinstance(app.screen, ReturnScreen)
            assert "Nothing refunded without it" in message(app)
            await start_return_shown(pilot)
            await pilot.press("enter")
            await refund_and_finish(pilot, "enter")
    [record] = sealed_returns(till)
    assert record["total"] == -price(till, FLOUR)


async def start_return_shown(pilot: Any) -> None:
    """F7, the number typed, and the receipt shown: the return screen opens."""
    app = pilot.app
    await prompt_for_return(pilot)
    await type_keys(pilot, "1")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the receipt question")
    await pilot.press("1")
    await until(pilot, lambda: isinstance(app.screen, ReturnScreen), what="the return screen")


async def test_a_refund_below_the_channels_no_pin_value_needs_no_pin_and_at_it_does(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """The channel's ``no_pin_below`` wins over the box's ``[roles] refund_limit`` (20.00), both ways:
    three flour bags (24.45, above that limit) go back without a PIN below a value of 24.46; one bag
    (8.15, well within it) asks for one when the value is 8.15."""
    sold(till, (FLOUR, 3))
    sold(till, (FLOUR, 1))
    seed_people(till)
    flour = price(till, FLOUR)
    use_returns(till, ReturnRules(no_pin_below=3 * flour + 1), None)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit, monotonic=Monotonic())
        async with app.run_test(size=(80, 25)) as pilot:
            await log_in(pilot, CHLOE[1])
            await start_return(pilot, kit, number=1)
            await pilot.press("enter", "enter", "enter")  # three back: above 20.00, below the value
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, RefundScreen), what="the refund, with no PIN asked")
            await pilot.press("enter")  # in cash, as paid
            await until(pilot, lambda: not isinstance(app.screen, RefundScreen))
            await pilot.press("enter")  # no receipt
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            use_returns(till, ReturnRules(no_pin_below=flour), None)  # now one bag is at the value
            await start_return(pilot, kit, number=2)
            await pilot.press("enter")
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, ManagerPinScreen), what="a PIN at the value")
            await manager_pin(pilot, MANON[1])
            await until(pilot, lambda: isinstance(app.screen, RefundScreen))
            await pilot.press("enter")
            await until(pilot, lambda: not isinstance(app.screen, RefundScreen))
        assert app.unexpected == 0
    first, second = sealed_returns(till)
    assert first["total"] == -3 * flour and first["cashier"] == "Chloé" and "approvals" not in first
    assert second["approvals"] == [{"action": "refund", "by": "Manon", "line_no": None}]


async def test_a_line_marked_damaged_is_sealed_so_and_the_other_goes_back_to_stock(
    till: Till, config: Config, tmp_path: Path
) -> None:
    sold(till, (FLOUR, 2), (PASTA, 1))
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, number=1)
            await pilot.press("enter")  # one flour, back to stock
            await pilot.press("down", "enter")  # the pasta
            await type_keys(pilot, "*")  # is damaged
            assert "DAMAGED" in screen_text(app) and "refunded but not back to stock" in message(app)
            await refund_and_finish(pilot, "enter")
    [record] = sealed_returns(till)
    assert [line.get("damaged", False) for line in record["lines"]] == [False, True]
    [outbox] = till.connection.execute("SELECT payload FROM outbox WHERE kind = 'return'").fetchall()
    assert [change["variant_id"] for change in json.loads(outbox[0])["variants"]] == [record["lines"][0]["variant_id"]]
    assert till.verify().ok


async def test_where_goods_stay_off_the_shelf_by_default_the_cashier_puts_one_back(
    till: Till, config: Config, tmp_path: Path
) -> None:
    sold(till, (FLOUR, 1), (PASTA, 1))
    use_returns(till, ReturnRules(restock=False), None)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await start_return(pilot, kit, number=1)
            await pilot.press("enter", "down", "enter")
            await type_keys(pilot, "*")  # the pasta is fine: back to stock
            assert "back to stock" in message(app)
            await refund_and_finish(pilot, "enter")
    [record] = sealed_returns(till)
    assert [line.get("damaged", False) for line in record["lines"]] == [True, False]


async def test_the_printed_receipt_carries_the_hub_code_as_a_qr_code_and_this_lane_reads_it_back(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """A sale paid at the counter, its receipt printed on the printer twin (ESC/POS over TCP): the QR
    code's text checks out under the hub's key and names the sale; scanned back here, it is the same
    as finding the sale by its number."""
    use_returns(till, ReturnRules(), hub_key(tmp_path))
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await scan(pilot, PASTA)
            await pay_exact_cash(pilot)
            await type_keys(pilot, "+")  # the customer wants the receipt
            await until(pilot, lambda: bool(kit.printer.printout().of("qr")), what="the printed QR code")
            [code] = kit.printer.printout().of("qr")
            summary = read_hub_code(code, HUB_KEY)
            stored = till.find_sale(number=1)
            assert stored is not None and (summary.lane_id, summary.number, summary.uuid) == (1, 1, stored.sale.uuid)
            assert [(line.variant_id, line.amount) for line in summary.lines] == [
                (line.variant_id, line.amount) for line in stored.sale.lines
            ]
            assert kit.printer.printout().of("barcode") == ["S00000001L1"]  # the plain code is still there
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            await start_return(pilot, kit, code=code)
            assert "Return of sale 1\n" in screen_text(app) or "Return of sale 1 " in screen_text(app)
            assert "of lane" not in screen_text(app)
            await pilot.press("enter")
            await refund_and_finish(pilot, "enter")
        assert app.unexpected == 0
    [record] = sealed_returns(till)
    assert record["lines"][0]["returns"] == {"sale_uuid": stored.sale.uuid, "line_no": 1}


def test_without_the_hubs_key_a_receipt_has_no_qr_code(till: Till, config: Config, tmp_path: Path) -> None:
    stored = sold(till, (FLOUR, 1))
    fmt = till.fmt
    printed = read_bytes(
        Renderer(PrinterSettings(profile="TM-T20II")).render(
            receipt_document(till.receipt(stored, config.receipt, fmt), fmt, 42)
        )
    )
    assert printed.of("qr") == [] and printed.of("barcode") == ["S00000001L1"]
    use_returns(till, ReturnRules(), hub_key(tmp_path))
    printed = read_bytes(
        Renderer(PrinterSettings(profile="TM-T20II")).render(
            receipt_document(till.receipt(stored, config.receipt, fmt), fmt, 42)
        )
    )
    [code] = printed.of("qr")
    assert read_hub_code(code, HUB_KEY).number == 1


async def test_a_scanner_that_types_into_the_prompt_brings_another_lanes_sale_too(
    till: Till, config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    """The keyboard-wedge path: the code arrives as keys in the prompt (a few hundred of them), then Enter."""
    use_returns(till, ReturnRules(), hub_key(tmp_path))
    with other_lane(config, tmp_path, clock) as lane2:
        code = lane2.hub_code(lane2.sell((FLOUR, 1)))
    assert len(code) > 64  # longer than any barcode the prompt took before
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await prompt_for_return(pilot)
            await pilot.press(*code, "enter")
            await until(pilot, lambda: isinstance(app.screen, ReturnScreen), what="the return screen")
            assert "Return of sale 1 of lane 2" in screen_text(app)
        assert app.unexpected == 0


def test_a_square_code_finds_this_lanes_sale_for_a_reprint_and_names_another_lanes(
    till: Till, config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    use_returns(till, ReturnRules(), hub_key(tmp_path))
    stored = sold(till, (FLOUR, 1))
    own = till.hub_code(stored)
    assert own is not None and till.sale_by_code(own).sale.uuid == stored.sale.uuid
    with other_lane(config, tmp_path, clock) as lane2:
        theirs = lane2.hub_code(lane2.sell((FLOUR, 1)))
    with pytest.raises(SaleError, match="This receipt is from lane 2.*reprint it there"):
        till.sale_by_code(theirs)
