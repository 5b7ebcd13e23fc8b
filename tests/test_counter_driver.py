"""The counter's terminal driver (tui/driver.py): what the input thread reads reaches the app in
the order read, a burst of keys with one wake of the app's loop, not one task per key."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from textual import events
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

from tui.app import CheckoutApp
from tui.driver import KeysAtOnce


class Posted:
    """What the driver asks of the app: post_message, on the app's loop."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.loop_thread = threading.get_ident()

    def post_message(self, message: Message) -> bool:
        assert threading.get_ident() == self.loop_thread, "posted from the input thread"
        self.messages.append(message)
        return True


async def test_a_burst_of_keys_reaches_the_app_in_order_with_one_wake_of_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = Posted()
    driver = KeysAtOnce(app)  # type: ignore[arg-type]  # nothing started: no terminal is touched
    wakes: list[int] = []
    hand_over = driver._hand_over

    def counted() -> None:
        wakes.append(len(driver._outbox))
        hand_over()

    monkeypatch.setattr(driver, "_hand_over", counted)
    scan = [events.Key(char, char) for char in "3017620002163"] + [events.Key("enter", "\r")]

    def read() -> None:  # the input thread, with the loop busy meanwhile (joined below)
        for key in scan:
            driver.send_message(key)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    for _ in range(10):
        if app.messages:
            break
        await asyncio.sleep(0)
    assert app.messages == scan and wakes == [len(scan)]
    driver.send_message(events.Key("5", "5"))  # the next read: a batch of its own
    for _ in range(10):
        if len(app.messages) > len(scan):
            break
        await asyncio.sleep(0)
    assert [message.key for message in app.messages[len(scan) :]] == ["5"] and wakes == [len(scan), 1]  # type: ignore[attr-defined]


def test_the_counter_uses_it_where_textual_would_use_its_linux_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual.app import App

    assert CheckoutApp.get_driver_class(object.__new__(CheckoutApp)) is KeysAtOnce
    assert issubclass(KeysAtOnce, LinuxDriver)

    class Other(LinuxDriver):
        pass

    def elsewhere(self: Any) -> type[LinuxDriver]:
        return Other

    monkeypatch.setattr(App, "get_driver_class", elsewhere)  # TEXTUAL_DRIVER, or another platform
    assert CheckoutApp.get_driver_class(object.__new__(CheckoutApp)) is Other
