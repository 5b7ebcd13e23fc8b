"""The counter's terminal driver (tui/driver.py): what the input thread reads reaches the app in
the order read, a burst of keys with one wake of the app's loop, not one task per key, and the
whole of one read of the terminal in one batch."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import tty
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.geometry import Size
from textual.message import Message

from tui.app import CheckoutApp
from tui.driver import KeysAtOnce, at_rest, grouped, parsed
from tui.messages import KeysRead


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
    assert app.messages == [KeysRead(tuple(scan))] and wakes == [len(scan)]
    driver.send_message(events.Key("5", "5"))  # the next read: a batch of its own
    for _ in range(10):
        if len(app.messages) > 1:
            break
        await asyncio.sleep(0)
    assert [message.key for message in app.messages[1:]] == ["5"] and wakes == [len(scan), 1]  # type: ignore[attr-defined]


def test_keys_that_follow_one_another_go_as_one_message_and_everything_else_as_it_is() -> None:
    a, b, c, d = (events.Key(char, char) for char in "abcd")
    resize = events.Resize(Size(80, 25), Size(80, 25))
    assert list(grouped([a, b, resize, c])) == [KeysRead((a, b)), resize, c]
    assert list(grouped([resize, a, b, c, d])) == [resize, KeysRead((a, b, c, d))]
    assert list(grouped([a])) == [a] and list(grouped([])) == []


async def test_one_read_of_the_terminal_reaches_the_app_whole_even_when_the_loop_is_free_meanwhile() -> None:
    """The input thread on a real pty, the app's loop idle while it parses: waking the loop at the
    first key let the loop take it alone (a frame with one digit, the rest a frame later)."""
    app = Posted()
    driver = KeysAtOnce(app)  # type: ignore[arg-type]
    master, slave = os.openpty()
    tty.setraw(slave)
    driver.fileno = slave
    parsed: list[float] = []
    process_message = driver.process_message

    def slow(message: Message) -> None:  # each key takes a while to parse, the GIL let go meanwhile
        process_message(message)
        parsed.append(time.monotonic())
        time.sleep(0.002)

    driver.process_message = slow  # type: ignore[method-assign]
    thread = threading.Thread(target=driver.run_input_thread)
    thread.start()
    try:
        os.write(master, b"3017620002163\r")
        deadline = time.monotonic() + 10
        while not app.messages and time.monotonic() < deadline:
            await asyncio.sleep(0.001)  # the loop runs freely while the thread parses
        assert len(parsed) == 14, "the loop was handed the keys before the read was parsed"
        (message,) = app.messages
        assert isinstance(message, KeysRead)
        assert "".join(key.character or "" for key in message.keys) == "3017620002163\r"
        os.write(master, b"7")  # a key of its own, as a person types it
        while len(app.messages) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.001)
        assert [getattr(m, "key", None) for m in app.messages[1:]] == ["7"]
    finally:
        driver.exit_event.set()
        thread.join(5)
        os.close(master)
        os.close(slave)
    assert not thread.is_alive()


#: What a terminal sends: plain keys, and sequences the parser must see whole (keys, a paste, focus).
PIECES = [
    *"0123456789.+-*/ az\r\t\x7f\x08\x00é€",
    "\x1b",  # escape alone, or the start of alt+key
    "\x1b[A",
    "\x1b[15~",
    "\x1bOP",
    "\x1b[200~",  # a bracketed paste begins
    "\x1b[201~",  # ... and ends
    "\x1b[I",
    "\x1b[<0;10;5M",
]


def _seen(messages: Any) -> list[tuple[str, Any, Any]]:
    return [
        (type(m).__name__, getattr(m, "key", None), getattr(m, "character", getattr(m, "text", None))) for m in messages
    ]


@given(st.lists(st.lists(st.sampled_from(PIECES), max_size=12).map("".join), max_size=8))
def test_reads_turned_into_keys_without_the_parser_loop_are_what_the_parser_makes_of_them(reads: list[str]) -> None:
    """Reads cut anywhere (a sequence or a paste over two reads), through ``parsed`` and through
    Textual's own ``feed``: the same messages in the same order."""
    ours, textual_s = XTermParser(), XTermParser()
    for text in reads:
        if text:
            assert _seen(parsed(ours, text)) == _seen(textual_s.feed(text))


def test_a_plain_read_between_sequences_skips_the_parser_loop_and_a_paste_never_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parser = XTermParser()
    assert at_rest(parser), "this Textual's parser no longer shows its state: every read takes the slow path"
    feed = parser.feed
    fed: list[str] = []

    def counted(text: str) -> Any:
        fed.append(text)
        return feed(text)

    monkeypatch.setattr(parser, "feed", counted)
    assert [key.character for key in parsed(parser, "3017620002163\r")] == [*"3017620002163\r"]  # type: ignore[attr-defined]
    assert fed == []
    assert list(parsed(parser, "\x1b[200~12")) == [] and not at_rest(parser)
    assert list(parsed(parser, "34\r")) == []  # inside the paste: not keys
    (paste,) = parsed(parser, "\x1b[201~")
    assert isinstance(paste, events.Paste) and paste.text == "1234\r" and at_rest(parser)
    assert list(parsed(parser, "\x1b")) == [] and not at_rest(parser)  # an escape, or a sequence's start
    assert fed == ["\x1b[200~12", "34\r", "\x1b[201~", "\x1b"]


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
