"""Keys that arrive together are acted on in the order they came (tui/key_order.py). Run for real:
``ofn-checkout run`` in a tmux terminal, every key of the test sent by one ``send-keys``, so the app
reads them in one go, as it does when a keyboard-wedge scanner sends codes back to back or when the
till was busy while the cashier typed on.

Before the keys went through the app in order, three codes sent at once sold one item: the second
code was typed into the entry before the first code's Enter took it.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual import events

from appliance.config import Config
from appliance.store.sales import load_sale
from appliance.till import Till
from tui.app import CheckoutApp
from tui.key_order import HOLD_LIMIT, KeysInOrder
from tui.messages import KeysRead
from tui.screens.receipt import ReceiptScreen

from .conftest import env_without_config
from .counter_kit import FLOUR, PASTA, app_for, counter_kit, last_sale, price, scan, seed_plus, until
from .ofn_sandbox import BIN
from .terminal import Terminal
from .terminal import until as until_true
from .test_counter_restart import counter_config, sales


def test_codes_and_keys_sent_at_once_are_each_acted_on_in_order(till: Till, config_file: Path, tmp_path: Path) -> None:
    seed_plus(till)
    run = f"{shlex.quote(str(BIN))} run --config {shlex.quote(str(counter_config(config_file)))}"
    total = 3 * price(till, PASTA) + price(till, FLOUR)
    term = Terminal(env_without_config(tmp_path))
    try:
        term.start(run)
        term.wait_for("scan, or type a code", 60)
        # Four scans, then + and the cash tendered typed ahead, before the payment screen is even built.
        term.keys(PASTA, "Enter", PASTA, "Enter", FLOUR, "Enter", PASTA, "Enter", "+", "50", "Enter")
        term.wait_for("Receipt?  Enter: no", 60)
        term.keys("Enter")  # no receipt
        until_true(lambda: load_sale(till.connection, number=1) is not None, "the sale to be sealed")
        term.keys("C-q")
        until_true(term.dead, "the app to end")
    finally:
        term.kill()
    stored = load_sale(till.connection, number=1)
    assert stored is not None
    sale = stored.sale
    assert sorted((line.sku, line.quantity) for line in sale.lines) == sorted([(PASTA, 3), (FLOUR, 1)])
    assert sale.total == total
    assert [payment.amount for payment in sale.payments] == [5000 - sale.change]  # 50 tendered, the change back
    assert sale.change == 5000 - total


KEYS = {"+": "plus", "*": "asterisk", "/": "slash", "-": "minus", "\r": "enter"}


def queue_keys(app: CheckoutApp, keys: str) -> None:
    """Every key in the app's queue at once, as on a till that was busy while the cashier typed on."""
    for char in keys:
        app.post_message(events.Key(KEYS.get(char, char), char))


async def test_keys_queued_at_once_go_through_the_dialogs_they_open(till: Till, config: Config, tmp_path: Path) -> None:
    """A line discount typed ahead in one go: the menu, Discounts, On the line, Percentage, 10 Enter,
    the reason. Each digit goes to the dialog the key before opened (a dialog's result opens the next
    one between two keys), then + and the cash tendered go to the payment screen."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, PASTA)
            queue_keys(app, "/51110\r1+50\r")
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
            await pilot.press("enter")  # no receipt
            await until(pilot, lambda: len(sales(till)) == 1, what="the sale sealed")
            assert app.unexpected == 0
    sale = last_sale(till).sale
    (line,) = sale.lines
    assert line.sku == PASTA and line.discount is not None
    assert (line.discount["value"], line.discount["reason"]) == ("10.00", "damaged"), line.discount
    assert (
        line.discount_cents == round(price(till, PASTA) / 10) and sale.total == price(till, PASTA) - line.discount_cents
    )
    assert [payment.tendered for payment in sale.payments] == [5000] and sale.change == 5000 - sale.total


async def test_keys_read_together_are_taken_in_order_and_a_code_typed_in_one_change(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One KeysRead (tui/driver.py: one read of the terminal) holding three codes with their Enter,
    then + and Enter typed ahead of the payment screen: each is acted on in order, and the digits of
    each code reach the entry as one change of its text, not one a digit."""
    from tui.widgets.entry import Entry

    changes: list[str] = []
    watch_text = Entry.watch_text

    def counted(self: Entry, text: str) -> None:
        changes.append(text)
        watch_text(self, text)

    monkeypatch.setattr(Entry, "watch_text", counted)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            typed = f"{PASTA}\r{FLOUR}\r{PASTA}\r+\r"
            app.post_message(KeysRead(tuple(events.Key(KEYS.get(char, char), char) for char in typed)))
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
            await pilot.press("enter")  # no receipt
            await until(pilot, lambda: len(sales(till)) == 1, what="the sale sealed")
            assert app.unexpected == 0
    sale = last_sale(till).sale
    assert sorted((line.sku, line.quantity) for line in sale.lines) == sorted([(PASTA, 2), (FLOUR, 1)])
    assert [payment.tendered for payment in sale.payments] == [sale.total]  # Enter on an empty entry: exact cash
    codes = [text for text in changes if text]
    assert codes == [PASTA, FLOUR, PASTA], codes


async def test_a_key_between_two_runs_of_digits_in_one_read_is_taken_between_them(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """A mistyped digit, Backspace, the right digit, Enter, all in one KeysRead: the runs of digits
    are typed at once and Backspace takes the wrong one between them, so the right code is added."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            keys = [events.Key(char, char) for char in PASTA[:-1] + "9"]
            keys += [events.Key("backspace", "\x7f"), events.Key(PASTA[-1], PASTA[-1]), events.Key("enter", "\r")]
            app.post_message(KeysRead(tuple(keys)))
            await until(pilot, lambda: len(getattr(app.counter.sale, "lines", ())) == 1, what="the line")
            assert app.counter.sale is not None
            (line,) = app.counter.sale.lines
            assert line.item.sku == PASTA and line.quantity == 1
            assert app.unexpected == 0


class StubScreen:
    is_mounted = False


class StubApp:
    """What KeysInOrder asks of the app, with the callbacks it schedules kept for the test to run."""

    def __init__(self) -> None:
        self.screen = StubScreen()
        self.scheduled: list[Callable[[], Awaitable[None]]] = []

    def set_timer(self, delay: float, callback: Callable[[], Awaitable[None]]) -> None:
        self.scheduled.append(callback)

    def call_next(self, callback: Callable[[], Awaitable[None]]) -> None:
        self.scheduled.append(callback)

    async def run_scheduled(self, at_most: int = 10) -> None:
        for _ in range(at_most):
            if not self.scheduled:
                return
            await self.scheduled.pop(0)()
        raise AssertionError("the keys are still held")


async def test_held_keys_are_not_held_for_ever_nor_stopped_by_a_failing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A screen that never finishes building (a fault) gets the held keys after HOLD_LIMIT, in order,
    and a key whose action fails does not leave the ones behind it held: the keyboard never goes dead."""
    now = [0.0]
    app = StubApp()
    keys = KeysInOrder(app, clock=lambda: now[0])  # type: ignore[arg-type]
    acted: list[str] = []

    async def act(event: events.Key) -> bool:
        acted.append(event.key)
        if event.key == "1":
            raise RuntimeError("an action failed")
        return True

    monkeypatch.setattr(keys, "act", act)
    for key in "123":
        assert await keys.take(events.Key(key, key))
    assert len(app.scheduled) == 1  # one poll for the whole line of keys
    await app.scheduled.pop(0)()
    assert acted == [] and len(app.scheduled) == 1  # the screen is still being built: wait on
    now[0] = HOLD_LIMIT + 0.1
    with pytest.raises(RuntimeError):
        await app.run_scheduled()
    await app.run_scheduled()
    assert acted == ["1", "2", "3"] and keys.held == []


async def test_a_key_skips_the_priority_check_only_when_no_priority_binding_could_take_it(
    till: Till, config: Config, tmp_path: Path
) -> None:
    """CheckoutApp._may_have_priority_binding stands before Textual's priority check of every key:
    it may say yes where the chain has none, never no where the chain has one (the keymap and the
    demo's priority keys included)."""
    from textual.binding import Binding

    from tui.demo import DEMO_BINDINGS
    from tui.widgets.entry import Entry

    def priority_in_chain(app: CheckoutApp, key: str) -> bool:
        return any(
            binding.priority
            for _, bindings in app.screen._binding_chain
            for binding in bindings.key_to_bindings.get(key, ())
        )

    keys = ["7", "0", "full_stop", "enter", "plus", "minus", "asterisk", "slash", "backspace", "escape"]
    keys += ["f1", "f2", "f6", "f7", "f8", "f9", "ctrl+q", "ctrl+c", "up", "down", "tab"]
    moved = Binding("f7", "notify('moved')", "Moved", priority=True, id="test.moved")
    with counter_kit(till, config, tmp_path, scale=False) as kit:
        app = app_for(kit, extra_bindings=DEMO_BINDINGS)
        app._bindings.key_to_bindings.setdefault("f7", []).append(moved)  # with its id (extra_bindings drop it)
        async with app.run_test(size=(80, 25)) as pilot:
            for key in keys:
                assert app._may_have_priority_binding(key) or not priority_in_chain(app, key), key
            assert not app._may_have_priority_binding("7")  # a digit skips the chain: the point of it
            assert app._may_have_priority_binding("f8")  # the demo's scale, a priority binding
            entry = app.screen.query_one(Entry)
            await pilot.press("7")
            assert entry.text == "7"
            await pilot.press("backspace")
            assert not app._may_have_priority_binding("f6")  # no binding has it
            app.set_keymap({**app._keymap, "test.moved": "f6"})  # the keymap moves a priority binding onto it
            await pilot.pause()
            assert priority_in_chain(app, "f6") and app._may_have_priority_binding("f6")
            await pilot.press("f6")
            await pilot.pause()
            said = [notification.message for notification in app._notifications]
            assert "moved" in said, "the priority binding the keymap moved onto f6 was skipped"
    assert app.unexpected == 0
