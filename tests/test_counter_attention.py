"""The manager's "Needs attention" screen on real parts: a change OFN refused, fixed in the sandbox's
admin, retried from the screen and followed until OFN's counter order holds it; the red light when
a sale waits longer than the hub accepts, on gpiozero's MockFactory with the till's clock moved on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from gpiozero.pins.mock import MockFactory
from textual.pilot import Pilot

from appliance import config as config_module
from appliance.cli.main import main
from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.reports import attention
from appliance.store.database import write_transaction
from appliance.store.sync_attention import Parked
from appliance.store.sync_lock import SyncBusy, sync_pass
from appliance.till import Till
from drivers.lights import LightState
from tui.screens.attention import AttentionScreen

from .counter_kit import FLOUR, app_for, counter_kit, said, scan, screen_text, type_keys, until
from .ofn_sandbox import Box, expected_counter_lines

GPIO_LIGHTS = {"enabled": True, "green": 17, "amber": 27, "red": 22, "buzzer": 24}


async def open_attention(pilot: Pilot[Any]) -> None:
    """Keypad only: the menu, the manager's entry (8), Needs attention (2)."""
    await type_keys(pilot, "/82")
    await until(pilot, lambda: isinstance(pilot.app.screen, AttentionScreen), what="the attention screen")


async def test_a_change_ofn_refused_is_retried_from_the_screen_and_reaches_ofn(
    box: Box, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box.sell(40, seed=13)
    expected = expected_counter_lines(box.till.connection)
    variant = next(v for v, n in sorted(expected.items()) if n > 0 and box.sandbox.stock()[v] < 10**6)
    box.sandbox.admin("POST", "stock", {"variant_id": variant, "on_hand": 0})
    box.daemon.run_once(catalogue=False)
    assert box.sandbox.counter_lines().get(variant, 0) == 0, "OFN refused it: parked"
    name = box.till.connection.execute("SELECT name FROM variant WHERE id = ?", (variant,)).fetchone()[0]
    order = box.sandbox.lanes["1"]
    capsys.readouterr()  # `sync status` over SSH names the same task in OFN as the screen
    assert main(["sync", "--config", str(box.config_path), "status"]) == 0
    out = capsys.readouterr().out
    assert f"what to do: OFN's stock of {name} is short" in out and "Then `ofn-checkout sync retry`." in out

    config = config_module.load(box.config_path)
    till = Till.open(config)  # the counter's own till on the same store, as `ofn-checkout run` opens it
    try:
        with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
            app = app_for(kit)
            async with app.run_test(size=(80, 25)) as pilot:
                await open_attention(pilot)
                await until(pilot, lambda: "out of stock" in said(app), what="the parked change")
                shown = said(app)
                assert f"order {order} · {name} (variant {variant})" in shown
                assert "set its stock (on hand) to what is on the shelf now plus" in shown
                assert "`sync retry`" not in shown and "POST /api" not in shown  # the CLI's words are not the screen's

                box.sandbox.admin("POST", "stock", {"variant_id": variant, "on_hand": 500})  # the manager, in OFN
                await pilot.press("enter")
                await until(pilot, lambda: "back in the sync's queue" in said(app), what="the retry")
                await until(pilot, lambda: "waiting for the sync's next pass" in said(app))
                assert box.sandbox.counter_lines().get(variant, 0) == 0, "the daemon sends it, not the screen"

                box.drain_until_settled()  # the sync daemon's next pass
                await until(pilot, lambda: f"{name} (variant {variant}): in OFN now" in said(app), what="arrival")
                assert f"the order holds {expected[variant]}" in said(app)
                assert "Nothing is parked" in said(app)
    finally:
        till.close()
    assert box.sandbox.counter_lines() == expected
    assert box.sandbox.counter_lines()[variant] == expected[variant]


# -- the red light ----------------------------------------------------------------------------------


@pytest.fixture
def pins() -> Iterator[MockFactory]:
    factory = MockFactory()
    yield factory
    factory.reset()


async def test_the_light_turns_red_when_a_sale_waits_longer_than_configured(
    till: Till, config: Config, tmp_path: Path, clock: SteppingClock, pins: MockFactory
) -> None:
    counter = {**config.counter, "attention_after_minutes": 30, "status_poll_ms": 200}
    config = replace(config, counter=counter)
    with counter_kit(till, config, tmp_path, scale=False, printer=False, pin_factory=pins, lights=GPIO_LIGHTS) as kit:
        lights = kit.devices.lights
        assert lights is not None
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await type_keys(pilot, "+")
            await pilot.press("enter")  # exact cash
            await pilot.press("enter")  # no receipt: back to the sale screen
            await until(pilot, lambda: app.sync is not None and app.sync.pending == 1, what="the sale waiting")
            await until(pilot, lambda: lights.state is LightState.BUFFERING, what="amber: waiting")

            clock.advance(29 * 60)  # no sync daemon: the sale has waited 29 minutes
            await until(pilot, lambda: app.sync is not None and (app.sync.oldest_pending_s or 0) >= 29 * 60)
            assert lights.state is LightState.BUFFERING and not lights.red.is_lit

            clock.advance(60 + 1)
            await until(pilot, lambda: lights.state is LightState.ATTENTION, what="red after 30 minutes")
            assert lights.red.is_lit and not lights.green.is_lit and not lights.amber.is_lit
            assert app.sync is not None and app.sync.attention == 0, "nothing is parked: the wait alone"
            assert "menu, then What waits" in said(app)

            await open_attention(pilot)
            await until(pilot, lambda: "Oldest sale waiting for OFN: 30 min" in said(app))
            assert "the light turns red at 30 min" in said(app)


# -- what to do in OFN, for each reason the engine parks with -----------------------------------------


@pytest.mark.parametrize(
    ("reason", "todo", "retry_helps"),
    [
        (
            'OFN refused POST /api/v0/x: quantity: "Flour" is out of stock.: correct it in OFN, then run `sync retry`',
            "set its stock (on hand) to what is on the shelf now plus 3",
            True,
        ),
        (
            "OFN answered but added nothing (out of stock in OFN?): correct the stock, then `sync retry`",
            "set its stock (on hand)",
            True,
        ),
        ("OFN does not know variant 1042 (not found)", "put it back in OFN's admin (Products)", True),
        (
            "the box would take off more than order R1 holds (it would hold -2): it changed in OFN meanwhile, or"
            " returns exceed the sales; correct it in OFN, then `sync retry`",
            "Correct the order's lines by hand",
            False,
        ),
        (
            "OFN shows 4.10 still due on order R1, and the customer paid 4.10 at the counter (see the order's note):"
            " record the payment in OFN (the order's Payments), then `sync retry`",
            "Payments: record the payment",
            True,
        ),
        ("order R1 was canceled in OFN after it was handed over", "Settle it with the customer", False),
    ],
)
def test_each_parked_reason_gets_its_task_in_ofn(reason: str, todo: str, retry_helps: bool) -> None:
    item = Parked("R1", 1042, "Flour T65 1 kg", reason, None, missing=3)
    task, helps = attention.advice(item)
    assert todo in task and helps is retry_helps
    assert "sync retry" not in attention.said(reason) and "/api/" not in attention.said(reason)


def test_a_retry_never_runs_under_a_sync_pass_in_progress(till: Till) -> None:
    """The screen's retry takes the sync's pass lock as `sync retry` does (the screen waits for it in a worker)."""
    with sync_pass(till.db, wait_s=0):  # the daemon, mid-pass
        with pytest.raises(SyncBusy, match="a sync pass is already running"):
            till.retry_parked(wait_s=0.1)
    assert till.retry_parked(wait_s=0.1) == 0  # once the pass is over: nothing was parked here


# -- a credit posting in doubt ----------------------------------------------------------------------


def park_in_doubt(till: Till, description: str) -> int:
    """What the daemon leaves when a posting's answer was lost and the credit moved meanwhile
    (appliance/ofn/credit.py, tested against the sandbox in test_channels_credit.py)."""
    now = "2026-03-02T09:00:00Z"
    reason = f"OFN's answer to the credit posting was lost, and the customer's credit moved: look for \"{description}\""
    with write_transaction(till.db) as connection:
        posting = connection.execute(
            "INSERT INTO outbox (kind, payload, status, last_error, created_at, updated_at)"
            " VALUES ('credit', '{}', 'attention', ?, ?, ?)",
            (reason, now, now),
        ).lastrowid
        connection.execute(
            "INSERT INTO credit_posting (outbox_id, customer_id, amount, description, before, sent_at)"
            " VALUES (?, 40, -400, ?, 0, ?)",
            (posting, description, now),
        )
    assert posting is not None
    return posting


def posting_state(till: Till, posting: int) -> tuple[str, str | None]:
    return till.connection.execute(
        "SELECT o.status, c.sent_at FROM outbox o JOIN credit_posting c ON c.outbox_id = o.id WHERE o.id = ?",
        (posting,),
    ).fetchone()


@pytest.mark.parametrize(("digit", "status"), [("1", "done"), ("2", "pending")])
async def test_a_credit_posting_in_doubt_is_answered_from_the_screen_never_retried_blindly(
    till: Till, config: Config, tmp_path: Path, digit: str, status: str
) -> None:
    posting = park_in_doubt(till, "API credit: OFN Checkout lane 1 sale 7")
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await open_attention(pilot)
            await until(pilot, lambda: f"credit posting {posting} · customer 40" in said(app), what="the posting")
            assert "OFN Checkout lane 1 sale 7" in said(app) and "Then * here to say which." in said(app)
            assert "* Credit in OFN?" in screen_text(app)  # the footer offers the answer
            await pilot.press("enter")  # a blanket retry: the posting may have landed, so it stays parked
            await until(pilot, lambda: "waits for your answer" in said(app), what="the refusal to retry it")
            assert posting_state(till, posting)[0] == "attention"
            await type_keys(pilot, "*")
            await until(pilot, lambda: "It is not there: send it again" in said(app), what="the question")
            assert "on customer 40's credit" in said(app)
            await pilot.press(digit)
            await until(pilot, lambda: posting_state(till, posting)[0] == status, what="the answer kept")
            await until(pilot, lambda: "Nothing is parked" in said(app), what="the list read again")
            assert posting_state(till, posting)[1] is None  # no longer in doubt: sent again, or never
            assert "Credit in OFN?" not in screen_text(app)  # nothing more to answer: * is gone
    assert app.unexpected == 0
