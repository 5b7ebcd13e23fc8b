"""A channel's automatic discount through the counter screen (Pilot, real store, printer twin on
TCP): it applies on its weekday in its hours, shows on the basket line and the printed receipt, is
sealed with its name; outside its hours it does not apply. A discount by hand replaces it, within
the channel's limits per role."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.core.customer import customer
from appliance.core.discount_rules import DiscountPolicy, DiscountRule
from appliance.store.customers import upsert_ofn_customers
from appliance.store.database import write_transaction
from appliance.till import Till
from tui.screens.sale import SaleScreen

from .channels_kit import channel_till
from .counter_kit import (
    FLOUR,
    PASTA,
    app_for,
    counter_kit,
    last_sale,
    pay_exact_cash,
    percent_off_the_line,
    price,
    scan,
    screen_text,
    type_keys,
    until,
    variant_of,
)
from .people_kit import CHLOE, MANON, manager_pin, staffed_counter

# The till's clock starts on Monday 2 March 2026 at 08:00 UTC: 09:00 in Paris (the demo's zone).
MONDAY_MORNING_FLOUR = "Monday flour"
CHANNELS = """\
version = 1

[hub]
name = "Les Paniers du Marais"

[channels."pickup point"]
label = "Pick-up point"

[channels."pickup point".discount_policy]
combine = "best"

[[channels."pickup point".discounts]]
name = "Dry goods"          # the demo's category 13: flour and pasta
percent = "5"
categories = [13]

[[channels."pickup point".discounts]]
name = "Monday flour"
percent = "20"
variants = [FLOUR_ID]
weekdays = ["mon"]
hours = "09:00-10:00"
"""


def with_rules(till: Till, *rules: DiscountRule, policy: DiscountPolicy | None = None) -> None:
    """The channel's rules as if its file said so (the file itself: the first test)."""
    till.rules = replace(till.rules, discounts=rules, discount_policy=policy or DiscountPolicy())


async def test_a_rule_from_the_channel_file_applies_in_its_hours_on_the_line_and_the_receipt_and_not_after(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    """The best rule in force wins (20 % in the hour, 5 % for the category after it); the rule
    shows by name on the basket line and the printed receipt, and the journal seals it."""
    flour_id = variant_of(FLOUR)
    with (
        channel_till(config, clock, tmp_path, CHANNELS.replace("FLOUR_ID", str(flour_id))) as till,
        counter_kit(till, config, tmp_path, scale=False) as kit,
    ):
        flour_price = price(till, FLOUR)
        pasta_price = price(till, PASTA)
        off, pasta_off = round(flour_price * 2 * 20 / 100), round(pasta_price * 5 / 100)
        assert kit.printer is not None
        app = app_for(kit)
        async with app.run_test(size=(100, 30)) as pilot:
            await type_keys(pilot, "2*")
            await scan(pilot, FLOUR)
            await scan(pilot, PASTA)
            await until(pilot, lambda: MONDAY_MORNING_FLOUR in screen_text(app), what="the rule on the basket line")
            line_text = next(row for row in screen_text(app).splitlines() if MONDAY_MORNING_FLOUR in row)
            assert app.fmt.amount(off) in line_text
            await pay_exact_cash(pilot)
            await type_keys(pilot, "+")  # the customer asks for a receipt
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 1, what="the printed receipt")
            printed = "\n".join(kit.printer.printout().pieces()[0])
            assert f"Discount: {MONDAY_MORNING_FLOUR}" in printed and "Discount: Dry goods" in printed
            sealed = last_sale(till).sale
            flour, pasta = sealed.lines
            assert flour.discount is not None and flour.discount["rule"] == MONDAY_MORNING_FLOUR
            assert flour.discount_cents == off
            assert pasta.discount is not None and pasta.discount["rule"] == "Dry goods"
            assert pasta.discount_cents == pasta_off
            assert sealed.total == flour_price * 2 - off + pasta_price - pasta_off

            clock.advance(timedelta(hours=1).total_seconds())  # 10:00 in Paris: the hour is over
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the next sale")
            await type_keys(pilot, "2*")
            await scan(pilot, FLOUR)
            await until(pilot, lambda: "Dry goods" in screen_text(app), what="the line")
            assert MONDAY_MORNING_FLOUR not in screen_text(app)
            await pay_exact_cash(pilot)
            await type_keys(pilot, "+")
            await until(pilot, lambda: len(kit.printer.printout().pieces()) == 2, what="the second receipt")
            assert MONDAY_MORNING_FLOUR not in "\n".join(kit.printer.printout().pieces()[1])
        (line,) = last_sale(till).sale.lines
        assert line.discount is not None and line.discount["rule"] == "Dry goods"
        assert line.discount_cents == round(flour_price * 2 * 5 / 100)


async def test_a_discount_by_hand_replaces_the_rule_and_the_channel_caps_it(
    till: Till, config: Config, tmp_path: Path
) -> None:
    flour_id, flour_price = variant_of(FLOUR), price(till, FLOUR)
    limits = (("cashier", Decimal("5")), ("manager", Decimal("30")))
    with_rules(
        till,
        DiscountRule("Flour week", percent=Decimal("20"), variants=frozenset({flour_id})),
        policy=DiscountPolicy(manual_percent_limit=limits),
    )
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(100, 30)) as pilot:
            await scan(pilot, FLOUR)
            await until(pilot, lambda: "Flour week" in screen_text(app), what="the rule on the line")
            await percent_off_the_line(pilot, "40")  # reason: damaged
            await until(pilot, lambda: "too much" in screen_text(app), what="the channel's cap")
            assert "up to 30 %" in screen_text(app)
            assert app.counter.basket().lines[0].discount is None  # the rule still applies
            assert app.counter.basket().totals().lines[0].line_discount == round(flour_price * 20 / 100)
            await percent_off_the_line(pilot, "25")
            await until(pilot, lambda: "Discount 25 % given" in screen_text(app), what="the discount by hand")
            total = app.counter.basket().totals().lines[0]
            assert total.rule is None and total.line_discount == round(flour_price * 25 / 100)
            basket_row = next(row for row in screen_text(app).splitlines() if "Flour T65" in row).split("││")[0]
            assert f"(-{app.fmt.amount(total.line_discount)})" in basket_row and "Flour week" not in basket_row


async def test_the_channels_cashier_limit_replaces_the_boxs(till: Till, config: Config, tmp_path: Path) -> None:
    """The box allows a cashier 10 % alone; this channel 5 %: 8 % asks for a manager's PIN."""
    assert config.roles["discount_limit_percent"] == 10
    with_rules(till, policy=DiscountPolicy(manual_percent_limit=(("cashier", Decimal("5")),)))
    async with staffed_counter(till, config, tmp_path, CHLOE[1], size=(100, 30)) as (app, pilot):
        await scan(pilot, FLOUR)
        await percent_off_the_line(pilot, "4")  # within the channel's limit: no PIN
        await until(pilot, lambda: "Discount 4 % given" in screen_text(app), what="the discount within limit")
        assert app.counter.sale is not None and app.counter.sale.approvals == []
        await percent_off_the_line(pilot, "8")
        await manager_pin(pilot, MANON[1])
        await until(pilot, lambda: "allowed by Manon" in screen_text(app), what="the discount allowed")
        sale = app.counter.basket()
        assert sale.lines[0].discount is not None and sale.lines[0].discount.value == Decimal("8")
        assert [(a.action, a.by) for a in sale.approvals] == [("discount", "Manon")]


async def test_naming_the_customer_brings_the_rules_for_their_tags(till: Till, config: Config, tmp_path: Path) -> None:
    with write_transaction(till.db) as connection:
        upsert_ofn_customers(
            connection,
            [customer("Jeanne Martin", email="jeanne@example.org", ofn_id=8, tags=["member", "niort"])],
            till.clock.now(),
        )
    with_rules(till, DiscountRule("Members", percent=Decimal("10"), customer_tags=frozenset({"member"})))
    flour_price = price(till, FLOUR)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(100, 30)) as pilot:
            await scan(pilot, FLOUR)
            await until(pilot, lambda: bool(app.counter.lines), what="the line")
            assert "Members" not in screen_text(app)
            await type_keys(pilot, "/54")  # Discounts and prices, the customer of this sale
            await until(pilot, lambda: "Jeanne Martin" in screen_text(app), what="the customer list")
            await pilot.press("enter")
            await until(pilot, lambda: "their discounts apply" in screen_text(app), what="the customer named")
            assert "Members" in screen_text(app)
            await pay_exact_cash(pilot)
    (line,) = last_sale(till).sale.lines
    assert line.discount is not None and line.discount["rule"] == "Members"
    assert line.discount_cents == round(flour_price * 10 / 100)
