"""The counter under a channel's rules (docs/channels.md), driven through the real app with Pilot:
a method the channel does not take, the cash limit, an excluded variant, a shelf item, a customer
asked for. Each test checks what the journal sealed, not only the screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.core.customer import Customer
from appliance.core.sale import SaleError
from appliance.store.customers import upsert_ofn_customers
from appliance.store.database import write_transaction
from appliance.till import Till
from tui.screens.choose import ChooseScreen
from tui.screens.customer import CustomerScreen
from tui.screens.payment import PaymentScreen
from tui.screens.prompt import PromptScreen
from tui.screens.receipt import ReceiptScreen

from .channels_kit import PAPER_BAG, channel_till, code_of, pickup_rules
from .counter_kit import FLOUR, app_for, counter_kit, last_sale, scan, screen_text, type_keys, until
from .sales_kit import sold


def last_payments(till: Till) -> list[tuple[str, int, int | None]]:
    return [(p.method, p.amount, p.customer_id) for p in last_sale(till).sale.payments]


async def test_a_method_the_channel_does_not_take_is_refused(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with channel_till(config, clock, tmp_path) as till, counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="the payment screen")
            await type_keys(pilot, "*")  # the card key: this channel takes no card
            await until(pilot, lambda: "Carte bancaire is not taken at Pick-up point" in screen_text(app))
            assert not isinstance(app.screen, PromptScreen)  # the terminal was never asked
            assert app.counter.basket().tenders == []
            await type_keys(pilot, "/")
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the other methods")
            shown = screen_text(app)
            assert "Bon d'achat" in shown and "Chèque" in shown and "Carte" not in shown
            await type_keys(pilot, "1")  # the voucher, first of the channel's other methods
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the sale sealed")
            total = app.counter.last_completed.sale.total  # type: ignore[union-attr]
        assert last_payments(till) == [("voucher", total, None)]


async def test_cash_over_the_limit_is_refused_and_the_rest_is_paid_another_way(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with channel_till(config, clock, tmp_path) as till, counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            for _ in range(3):
                await scan(pilot, FLOUR)
            total = app.counter.basket().totals().total
            assert total > 2000
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="the payment screen")
            await pilot.press("enter")  # exact cash: over the limit
            await until(pilot, lambda: "Cash is limited to 20.00 a sale at Pick-up point" in screen_text(app))
            assert app.counter.basket().tenders == []
            await type_keys(pilot, "20")
            await pilot.press("enter")  # 20.00 in cash: allowed
            await until(pilot, lambda: len(app.counter.basket().tenders) == 1, what="the cash taken")
            await type_keys(pilot, "/")
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the other methods")
            await type_keys(pilot, "1")  # the voucher for the rest
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the sale sealed")
        assert last_payments(till) == [("cash", 2000, None), ("voucher", total - 2000, None)]


async def test_an_excluded_variant_is_refused_at_the_scan_and_a_shelf_item_sells(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with channel_till(config, clock, tmp_path) as till, counter_kit(till, config, tmp_path, scale=False) as kit:
        beer = code_of(till, "Beer blonde")
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await scan(pilot, beer)
            await until(pilot, lambda: "is not sold at Pick-up point (its tag" in screen_text(app), what="the refusal")
            assert "'alcohol' is excluded): put it aside" in screen_text(app)
            assert [line.item.sku for line in app.counter.lines] == [FLOUR]  # the basket is kept as it was
            await type_keys(pilot, PAPER_BAG)
            await pilot.press("enter")
            await until(pilot, lambda: len(app.counter.lines) == 2, what="the paper bag")
            assert "Paper bag" in screen_text(app)
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="the payment screen")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the sale sealed")
        assert [(line.sku, line.shelf) for line in last_sale(till).sale.lines] == [(FLOUR, ""), (PAPER_BAG, PAPER_BAG)]


async def test_a_method_that_needs_a_customer_asks_for_one(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with channel_till(config, clock, tmp_path) as till, counter_kit(till, config, tmp_path, scale=False) as kit:
        with write_transaction(till.db) as connection:
            upsert_ofn_customers(
                connection, [Customer("Ada Lovelace", email="ada@example.org", ofn_id=41)], clock.now()
            )
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="the payment screen")
            await type_keys(pilot, "/")
            await until(pilot, lambda: isinstance(app.screen, ChooseScreen), what="the other methods")
            await type_keys(pilot, "2")  # the cheque: this channel wants a customer for it
            await until(pilot, lambda: isinstance(app.screen, CustomerScreen), what="the customer picker")
            await until(pilot, lambda: "Ada Lovelace" in screen_text(app), what="the hub's customer")
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the sale sealed")
            total = app.counter.last_completed.sale.total  # type: ignore[union-attr]
        assert last_payments(till) == [("cheque", total, 41)]


async def test_a_broken_channel_file_keeps_the_rules_and_the_status_bar_says_so(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    with channel_till(config, clock, tmp_path) as till, counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            path = tmp_path / "channels.toml"
            path.write_text("version = 1\n[channels\n", encoding="utf-8")  # half-written: not TOML
            status = path.stat()
            os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 10**9))
            await scan(pilot, FLOUR)  # a new basket: the till looks at the file, keeps its rules
            await until(pilot, lambda: len(app.counter.lines) == 1, what="the sale goes on")
            app.refresh_status()
            await until(pilot, lambda: "Channel file broken: old rules kept" in screen_text(app), what="the status")
            await type_keys(pilot, "+")
            await until(pilot, lambda: isinstance(app.screen, PaymentScreen), what="the payment screen")
            await type_keys(pilot, "*")  # the rules in force still take no card
            await until(pilot, lambda: "Carte bancaire is not taken at Pick-up point" in screen_text(app))


def test_the_till_takes_its_return_rules_and_the_hub_key_from_the_channel_file(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    key = tmp_path / "hub-receipt.key"
    key.write_bytes(bytes(range(32)))
    text = (
        pickup_rules().replace(
            'name = "Les Paniers du Marais"', f'name = "Les Paniers du Marais"\nreceipt_key_file = "{key}"'
        )
        + '\n[channels."pickup point".returns]\nmax_days = 7\nno_pin_below = "15.00"\n'
    )
    with channel_till(config, clock, tmp_path, text) as till:
        assert till.return_rules.max_days == 7
        assert till.return_rules.needs_pin(1499) is False and till.return_rules.needs_pin(1500) is True
        assert till.receipt_key == key.read_bytes()


def test_a_changed_return_rule_is_taken_up_when_a_return_starts(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    """No sale in between: the return itself takes up the file, as a sale does when it starts."""
    text = pickup_rules() + '\n[channels."pickup point".returns]\nreceipt_required = false\n'
    with channel_till(config, clock, tmp_path, text) as till:
        sold(till, (FLOUR, 1))
        path = tmp_path / "channels.toml"
        path.write_text(text.replace("receipt_required = false", "receipt_required = true"), encoding="utf-8")
        stamp = path.stat()
        os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns + 10**9))
        with pytest.raises(SaleError, match="need the receipt"):
            till.return_draft("1", "Alice", receipt_shown=False)
        assert till.return_draft("1", "Alice", receipt_shown=True).original.lines[0].quantity == 1
