"""Roles at the counter through Textual's Pilot, on a real store: the PIN screen, the lock-out (on a
monotonic clock the test moves, kept across a restart), switching cashier mid-basket, and every
action a cashier may not do alone, refused without a manager's PIN and done with it, with the
manager's name sealed in the journal.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from appliance.config import Config
from appliance.till import Till
from tui.app import CheckoutApp
from tui.screens.choose import ChooseScreen
from tui.screens.pin import ManagerPinScreen, PinScreen
from tui.screens.prompt import PromptScreen
from tui.screens.receipt import ReceiptScreen
from tui.screens.refund import RefundScreen
from tui.screens.returns import ReturnScreen
from tui.screens.sale import SaleScreen

from .counter_kit import (
    FLOUR,
    PASTA,
    app_for,
    counter_kit,
    pay_exact_cash,
    percent_off_the_line,
    said,
    scan,
    screen_text,
    type_keys,
    until,
)
from .people_kit import CHLOE, LEO, MANON, Monotonic, log_in, manager_pin, seed_people, staffed_counter
from .sales_kit import sold


def entries(till: Till, kind: str) -> list[dict[str, Any]]:
    rows = till.connection.execute("SELECT payload FROM journal WHERE kind = ? ORDER BY seq", (kind,))
    return [json.loads(payload) for (payload,) in rows]


async def pay_exact(pilot: Pilot[Any]) -> None:
    """Exact cash, no receipt, until the next sale."""
    app = pilot.app
    await pay_exact_cash(pilot)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, SaleScreen) and app.counter.sale is None, what="the next sale")


# -- logging in --------------------------------------------------------------------------------------


async def test_the_app_opens_on_the_pin_screen_and_the_sale_carries_who_logged_in(
    till: Till, config: Config, tmp_path: Path
) -> None:
    seed_people(till)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit, monotonic=Monotonic())
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, PinScreen), what="the PIN screen first")
            await scan(pilot, FLOUR)  # nobody is logged in: a scan adds nothing
            assert app.counter.sale is None and "nothing was added" in said(app)
            await type_keys(pilot, CHLOE[1])
            assert "****" in screen_text(app) and CHLOE[1] not in screen_text(app)  # shown as *, never the digits
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="the sale screen")
            assert "Till 1 · Chloé" in screen_text(app)
            await scan(pilot, FLOUR)
            await pay_exact(pilot)
    [sale] = entries(till, "sale")
    assert sale["cashier"] == "Chloé" and "started_by" not in sale and "approvals" not in sale
    assert app.unexpected == 0


async def test_a_till_with_nobody_set_up_asks_no_pin(till: Till, config: Config, tmp_path: Path) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            assert not any(isinstance(screen, PinScreen) for screen in app.screen_stack)
            await scan(pilot, FLOUR)
            await pay_exact(pilot)
    assert entries(till, "sale")[0]["cashier"] == "Alice"  # the name the app was given


async def test_five_wrong_pins_lock_the_pin_screen_for_a_minute_even_across_a_restart(
    till: Till, config: Config, tmp_path: Path
) -> None:
    seed_people(till)
    clock = Monotonic()
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit, monotonic=clock, boot_id="boot-1")
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, PinScreen))
            for tries_left in (4, 3, 2, 1):
                await type_keys(pilot, "4321")
                await pilot.press("enter")
                await until(pilot, lambda n=tries_left: f"{n} more tr" in said(app), what=f"{tries_left} tries left")
            await type_keys(pilot, "4321")
            await pilot.press("enter")
            await until(pilot, lambda: "Try again in 1:00" in said(app), what="the lock and the time left")
            clock.advance(13)
            await until(pilot, lambda: "Try again in 0:47" in said(app), what="the time left going down")
            await type_keys(pilot, CHLOE[1])  # the right PIN, but the screen is locked
            await pilot.press("enter")
            assert isinstance(app.screen, PinScreen) and app.roles.person is None
        clock.advance(10)
        restarted = app_for(kit, monotonic=clock, boot_id="boot-1")  # the app restarts: the lock holds
        async with restarted.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: "Try again in 0:37" in said(restarted), what="the lock after the restart")
            await type_keys(pilot, CHLOE[1])
            await pilot.press("enter")
            assert restarted.roles.person is None
            clock.advance(38)
            await until(pilot, lambda: "takes a PIN again" in said(restarted), what="the end of the lock")
            await log_in(pilot, CHLOE[1])
            assert restarted.roles.person is not None and restarted.roles.person.name == "Chloé"
    assert app.unexpected == restarted.unexpected == 0


async def test_wrong_manager_pins_count_towards_the_same_lock(till: Till, config: Config, tmp_path: Path) -> None:
    async with staffed_counter(till, config, tmp_path, CHLOE[1]) as (app, pilot):
        app.authorize("test the lock", lambda: None)
        await until(pilot, lambda: isinstance(app.screen, ManagerPinScreen))
        await type_keys(pilot, CHLOE[1])  # a cashier's own PIN: refused, not counted
        await pilot.press("enter")
        await until(pilot, lambda: "not a manager's" in said(app))
        for _ in range(5):
            await type_keys(pilot, "8765")
            await pilot.press("enter")
        await until(pilot, lambda: "Try again in 1:00" in said(app), what="the lock on the manager's dialog")
        await type_keys(pilot, MANON[1])
        await pilot.press("enter")
        assert isinstance(app.screen, ManagerPinScreen)  # locked: even the manager's PIN waits


# -- switching cashier ---------------------------------------------------------------------------------


async def test_switching_cashier_mid_basket_keeps_the_basket_and_seals_who_completed_it(
    till: Till, config: Config, tmp_path: Path
) -> None:
    async with staffed_counter(till, config, tmp_path, CHLOE[1]) as (app, pilot):
        await scan(pilot, FLOUR)
        await scan(pilot, PASTA)
        await type_keys(pilot, "/7")
        await until(pilot, lambda: isinstance(app.screen, PinScreen), what="the PIN screen")
        assert "Chloé has left" in said(app) and app.roles.person is None
        await log_in(pilot, LEO[1])
        assert [line.item.sku for line in app.counter.lines] == [FLOUR, PASTA]  # the basket as it was
        assert "Till 1 · Léo" in screen_text(app) and "basket is as it was" in said(app)
        await scan(pilot, FLOUR)
        await pay_exact(pilot)
    [sale] = entries(till, "sale")
    assert (sale["cashier"], sale["started_by"]) == ("Léo", "Chloé")
    assert [(line["sku"], line["quantity"]) for line in sale["lines"]] == [(FLOUR, 2), (PASTA, 1)]


# -- what a cashier may not do alone -------------------------------------------------------------------

Action = Callable[[Pilot[Any]], Awaitable[None]]


async def price_change(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await type_keys(pilot, "/53")
    await until(pilot, lambda: isinstance(app.screen, PromptScreen))
    await type_keys(pilot, "5")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen))
    await type_keys(pilot, "1")  # damaged


def price_changed(till: Till, app: CheckoutApp) -> Any:
    line = app.counter.lines[-1]  # the selected line: the last one rung
    return None if line.price_override is None else (line.price_override, app.counter.sale.approvals)


async def big_discount(pilot: Pilot[Any]) -> None:
    await percent_off_the_line(pilot, "20", reason="3")  # above the default limit of 10 %, for loyalty


def discounted(till: Till, app: CheckoutApp) -> Any:
    line = app.counter.lines[-1]
    return None if line.discount is None else (line.discount.value, app.counter.sale.approvals)


async def start_paying(pilot: Pilot[Any]) -> None:
    """5.00 in cash, then back to the basket: payment has started (once: the action is tried twice)."""
    app = pilot.app
    if not app.counter.sale.tenders:
        await type_keys(pilot, "+5")
        await pilot.press("enter")
        await until(pilot, lambda: "Left to pay" in said(app))
        await pilot.press("backspace")
        await until(pilot, lambda: isinstance(app.screen, SaleScreen))


async def void_after_payment_started(pilot: Pilot[Any]) -> None:
    await start_paying(pilot)
    await type_keys(pilot, "-")


def voided(till: Till, app: CheckoutApp) -> Any:
    line = app.counter.lines[-1]
    return (line.voided, app.counter.sale.approvals) if line.voided else None


async def cancel_after_payment_started(pilot: Pilot[Any]) -> None:
    app = pilot.app
    await start_paying(pilot)
    await type_keys(pilot, "/6")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Cancel this sale?" in said(app))
    await type_keys(pilot, "1")


def cancelled(till: Till, app: CheckoutApp) -> Any:
    found = entries(till, "cancel")
    return (found[0]["cashier"], found[0]["approvals"]) if found else None


async def drawer_without_sale(pilot: Pilot[Any]) -> None:
    await type_keys(pilot, "/84")


def drawer_opened(till: Till, app: CheckoutApp) -> Any:
    found = entries(till, "no_sale")
    return (found[0]["cashier"], found[0]["allowed_by"]) if found else None


async def leave(pilot: Pilot[Any]) -> None:
    await type_keys(pilot, "/86")


def left(till: Till, app: CheckoutApp) -> Any:
    return app._exit or None  # Textual's own mark of an app told to exit


GUARDED: dict[str, tuple[Action, Callable[[Till, CheckoutApp], Any], Any]] = {
    "price override": (
        price_change,
        price_changed,
        (Decimal(5), [("price", "Manon", 2)]),
    ),
    "discount above the limit": (big_discount, discounted, (Decimal(20), [("discount", "Manon", 2)])),
    "void after a payment": (void_after_payment_started, voided, (True, [("void", "Manon", 2)])),
    "cancel after a payment": (
        cancel_after_payment_started,
        cancelled,
        ("Chloé", [{"action": "cancel", "by": "Manon", "line_no": None}]),
    ),
    "drawer without a sale": (drawer_without_sale, drawer_opened, ("Chloé", "Manon")),
    "leaving the till": (leave, left, True),
}


def plain(value: Any) -> Any:
    """Approvals as tuples, to compare with the table above."""
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], list):
        return (value[0], [(a.action, a.by, a.line_no) if hasattr(a, "action") else a for a in value[1]])
    return value


@pytest.mark.parametrize("name", list(GUARDED))
async def test_a_cashier_needs_a_managers_pin(name: str, till: Till, config: Config, tmp_path: Path) -> None:
    action, effect, expected = GUARDED[name]
    seed_people(till)
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit, monotonic=Monotonic())
        async with app.run_test(size=(80, 25)) as pilot:
            await log_in(pilot, CHLOE[1])
            await scan(pilot, FLOUR)
            await scan(pilot, PASTA)
            await action(pilot)
            await manager_pin(pilot, None)  # nobody gives the PIN
            await until(pilot, lambda: "needs a manager's PIN" in said(app), what="the refusal said")
            assert effect(till, app) is None, "done without a manager's PIN"
            if name == "drawer without a sale":
                assert kit.printer is not None and kit.printer.printout().of("drawer") == []
            await action(pilot)
            await manager_pin(pilot, MANON[1])
            await until(pilot, lambda: effect(till, app) is not None, what="the action done once allowed")
            assert plain(effect(till, app)) == expected
            assert app.roles.person is not None and app.roles.person.name == "Chloé"  # still Chloé's till
            if name == "drawer without a sale":  # the kick went out once allowed (a pulse on each pin)
                printer = kit.printer
                await until(pilot, lambda: bool(printer and printer.printout().of("drawer")), what="the kick")
    assert app.unexpected == 0


async def test_an_approved_override_is_sealed_with_the_sale(till: Till, config: Config, tmp_path: Path) -> None:
    async with staffed_counter(till, config, tmp_path, CHLOE[1]) as (app, pilot):
        await scan(pilot, FLOUR)
        await price_change(pilot)
        await manager_pin(pilot, MANON[1])
        await until(pilot, lambda: "allowed by Manon" in said(app))
        await pay_exact(pilot)
    [sale] = entries(till, "sale")
    assert sale["cashier"] == "Chloé" and sale["approvals"] == [{"action": "price", "by": "Manon", "line_no": 1}]
    assert sale["lines"][0]["unit_price"] == 500 and sale["lines"][0]["override_reason"] == "damaged"
    assert till.verify().ok


async def test_a_refund_above_the_limit_needs_a_manager(till: Till, config: Config, tmp_path: Path) -> None:
    sold(till, (FLOUR, 3))  # 3 × 8.15: 24.45, above the default limit of 20
    async with staffed_counter(till, config, tmp_path, CHLOE[1]) as (app, pilot):
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await type_keys(pilot, "1")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReturnScreen))
        await pilot.press("enter", "enter")  # two back: 16.30, within the limit
        await type_keys(pilot, "+")
        await until(pilot, lambda: isinstance(app.screen, RefundScreen), what="a refund within the limit")
        await pilot.press("backspace")
        await until(pilot, lambda: isinstance(app.screen, ReturnScreen))
        await pilot.press("enter")  # the third: 24.45
        await type_keys(pilot, "+")
        await manager_pin(pilot, None)
        assert isinstance(app.screen, ReturnScreen) and "needs a manager's PIN" in said(app)
        await type_keys(pilot, "+")
        await manager_pin(pilot, MANON[1])
        await until(pilot, lambda: isinstance(app.screen, RefundScreen))
        await pilot.press("enter")  # back as paid, in cash
        await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
    [record] = entries(till, "return")
    assert record["total"] == -3 * 815 and record["cashier"] == "Chloé"
    assert record["approvals"] == [{"action": "refund", "by": "Manon", "line_no": None}]


async def test_a_manager_logged_in_is_not_asked_and_is_named(till: Till, config: Config, tmp_path: Path) -> None:
    async with staffed_counter(till, config, tmp_path, MANON[1]) as (app, pilot):
        await scan(pilot, FLOUR)
        await price_change(pilot)
        await until(pilot, lambda: "allowed by Manon" in said(app))
        assert not any(isinstance(screen, ManagerPinScreen) for screen in app.screen_stack)
        ran: list[int] = []
        app.authorize("take 50 out of the drawer", lambda: ran.append(1))
        assert ran == [1]
        await pay_exact(pilot)
    [sale] = entries(till, "sale")
    assert sale["cashier"] == "Manon" and sale["approvals"] == [{"action": "price", "by": "Manon", "line_no": 1}]


async def test_the_hook_for_cash_in_and_out_and_the_z_closure(till: Till, config: Config, tmp_path: Path) -> None:
    """What the shift screens call: ``authorize`` runs the action only once a manager allowed it,
    ``approve`` gives the action the manager's name to record."""
    async with staffed_counter(till, config, tmp_path, CHLOE[1]) as (app, pilot):
        ran: list[str] = []
        app.authorize("take 50.00 out of the drawer", lambda: ran.append("cash out"))
        await until(pilot, lambda: "Manager's PIN for: take 50.00 out of the drawer" in said(app))
        await manager_pin(pilot, None)
        assert ran == [] and "Not done: take 50.00 out of the drawer needs a manager's PIN" in said(app)
        app.approve("close the shift (Z)", lambda by: ran.append(f"Z allowed by {by}"))
        await manager_pin(pilot, MANON[1])
        assert ran == ["Z allowed by Manon"]


async def test_small_discounts_need_no_manager(till: Till, config: Config, tmp_path: Path) -> None:
    async with staffed_counter(till, config, tmp_path, CHLOE[1]) as (app, pilot):
        await scan(pilot, FLOUR)
        await type_keys(pilot, "/52")  # the whole sale
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Amount off" in said(app))
        await type_keys(pilot, "2")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await type_keys(pilot, "0.80")  # 0.80 of 8.15: 9.8 %, within 10 %
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Why" in said(app))
        await type_keys(pilot, "3")
        await until(pilot, lambda: "Discount 0,80 € given" in said(app))
        assert app.counter.sale.approvals == []
        await type_keys(pilot, "/52")  # 0.90: 11 %, above
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Amount off" in said(app))
        await type_keys(pilot, "2")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await type_keys(pilot, "0.90")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Why" in said(app))
        await type_keys(pilot, "3")
        await until(pilot, lambda: isinstance(app.screen, ManagerPinScreen), what="a manager for 11 %")


# -- people on screen ----------------------------------------------------------------------------------


async def add_on_screen(pilot: Pilot[Any], name: str, role_key: str, pin: str, again: str) -> None:
    """Menu 8 (Manager), 5 (People and PINs), 1 (Add): the name, the role, the PIN twice."""
    from tui.screens.pin import NewPinScreen

    app = pilot.app
    await type_keys(pilot, "/85")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "People and PINs" in said(app))
    await type_keys(pilot, "1")
    await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the name")
    await type_keys(pilot, name)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and f"{name} is a" in said(app))
    await type_keys(pilot, role_key)
    for typed in (pin, again):
        await until(pilot, lambda: isinstance(app.screen, NewPinScreen), what="a new PIN asked")
        await type_keys(pilot, typed)
        assert typed not in screen_text(app)
        await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, SaleScreen), what="back to the sale")


async def test_a_manager_adds_a_cashier_on_screen_who_then_logs_in(till: Till, config: Config, tmp_path: Path) -> None:
    # a manager logged in: "People and PINs" asks nothing more
    async with staffed_counter(till, config, tmp_path, MANON[1]) as (app, pilot):
        await add_on_screen(pilot, "Lea", "1", "3456", "3465")
        assert "The two PINs differ: nothing was changed" in said(app)
        assert "Lea" not in [person.name for person in till.people()]
        await add_on_screen(pilot, "Lea", "1", "3456", "3456")
        assert "Lea added as cashier" in said(app)
        await type_keys(pilot, "/7")
        await log_in(pilot, "3456")
        assert "Till 1 · Lea" in screen_text(app)
    added = entries(till, "person_added")[-1]
    assert added == {"name": "Lea", "role": "cashier", "active": True, "by": "Manon"}


async def test_a_name_already_on_the_till_is_refused_before_its_role_and_pin_are_asked(
    till: Till, config: Config, tmp_path: Path
) -> None:
    async with staffed_counter(till, config, tmp_path, MANON[1]) as (app, pilot):
        before = entries(till, "person_added")
        await type_keys(pilot, "/85")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "People and PINs" in said(app))
        await type_keys(pilot, "1")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen), what="the name")
        await type_keys(pilot, "MANON")  # whatever the case of the letters
        await pilot.press("enter")
        await until(pilot, lambda: "already a manager on this till" in said(app), what="the refusal")
        assert isinstance(app.screen, PromptScreen)  # the name is asked again, not the role
        assert "Manon is already a manager on this till: change their PIN instead" in said(app)
    assert entries(till, "person_added") == before


async def test_on_a_till_with_nobody_the_first_manager_is_added_on_screen(
    till: Till, config: Config, tmp_path: Path
) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit, monotonic=Monotonic())
        async with app.run_test(size=(80, 25)) as pilot:
            await until(pilot, lambda: isinstance(app.screen, SaleScreen))
            await add_on_screen(pilot, "Ana", "1", "5678", "5678")  # a cashier first: refused
            assert "The first person on a till is a manager" in said(app) and not till.people()
            await add_on_screen(pilot, "Ana", "2", "5678", "5678")
            assert [(p.name, p.role) for p in till.people()] == [("Ana", "manager")]
            await type_keys(pilot, "/7")  # from now on the till asks for a PIN
            await log_in(pilot, "5678")
            assert app.roles.is_manager
    assert entries(till, "person_added") == [{"name": "Ana", "role": "manager", "active": True, "by": "Alice"}]


async def test_the_limits_come_from_the_config(till: Till, config: Config, tmp_path: Path) -> None:
    """``roles.discount_limit_percent = 50``: 20 % is a cashier's to give; ``refund_limit = "0"``:
    every refund asks. And the config refuses a limit that cannot be one."""
    from dataclasses import replace

    from appliance import config as config_module
    from appliance.cli.demo import demo_config_text
    from appliance.config import ConfigError

    with pytest.raises(ConfigError, match="roles.discount_limit_percent = 120: must be between 0 and 100"):
        config_module.parse(demo_config_text() + "\n[roles]\ndiscount_limit_percent = 120\n")
    parsed = config_module.parse(demo_config_text() + '\n[roles]\ndiscount_limit_percent = 50\nrefund_limit = "0"\n')
    sold(till, (PASTA, 1))
    async with staffed_counter(till, replace(config, roles=parsed.roles), tmp_path, CHLOE[1]) as (app, pilot):
        await scan(pilot, FLOUR)
        await big_discount(pilot)  # 20 %
        await until(pilot, lambda: "Discount 20 % given" in said(app))
        assert app.counter.sale.approvals == []
        await type_keys(pilot, "/6")
        await until(pilot, lambda: isinstance(app.screen, ChooseScreen) and "Cancel this sale?" in said(app))
        await type_keys(pilot, "1")  # no payment yet: the cashier's to cancel
        await until(pilot, lambda: app.counter.sale is None)
        await pilot.press("f7")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await type_keys(pilot, "1")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ReturnScreen))
        await pilot.press("enter")  # one pasta back: 9.75, and every refund asks
        await type_keys(pilot, "+")
        await until(pilot, lambda: isinstance(app.screen, ManagerPinScreen), what="a manager for any refund")
