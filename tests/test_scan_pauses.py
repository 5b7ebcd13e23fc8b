"""A pause inside a scan drops the whole scan: the keys before it and the rest up to its terminator.

``30176`` ‹300 ms› ``20422003⏎`` must sell nothing: ``20422003`` is what a cut ``3017620422003``
leaves, and it may be another product's code. The stream goes to the real assemblers: key events
through evdev's own reader from a pipe, bytes through pyserial from a pty, and, for the property
tests, events and bytes with generated times straight into the assemblers, whose clock is the
events' own. No test sleeps: the clocks are injected.
"""

from __future__ import annotations

import os
import time
import tty
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.scanner import (
    DEFAULT_INTER_KEY_TIMEOUT,
    Dropped,
    LineAssembler,
    Scan,
    ScanAssembler,
    ScannerReader,
    SerialScanner,
    stream_opener,
)
from drivers.scanner_twin import EV_KEY, ScannerTwin

TIMEOUT = DEFAULT_INTER_KEY_TIMEOUT
KEY_SPACING = 0.004  # a scanner types a key every few milliseconds


class FakeClock:
    """Monotonic time that moves only when told to; also the twin's wall clock (the kernel's stamps)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read_end, write_end = os.pipe()
    yield read_end, write_end
    os.close(write_end)  # the reader closes its end


# -- the case from the field, through evdev's reader ----------------------------------------------


@pytest.mark.parametrize("polled_during_the_pause", [True, False], ids=["timed-out-waiting", "gap-seen-at-next-key"])
def test_a_scan_cut_by_a_pause_sells_nothing_and_the_next_scan_is_read(
    pipe: tuple[int, int], polled_during_the_pause: bool
) -> None:
    read_end, write_end = pipe
    clock, dropped = FakeClock(), []
    twin = ScannerTwin("us", wallclock=clock)
    with ScannerReader(stream_opener(read_end, "pipe"), clock=clock, on_dropped=dropped.append) as reader:
        twin.type_into(write_end, "30176", terminate=False)
        assert reader.read_scan(timeout=0) is None
        clock.advance(0.3)
        if polled_during_the_pause:
            assert reader.read_scan(timeout=0) is None and [d.text for d in dropped] == ["30176"]
        twin.type_into(write_end, "20422003")
        assert reader.read_scan(timeout=0) is None
        assert [d.text for d in dropped] == ["30176", "20422003"]
        assert "pause of more than 200 ms" in dropped[1].reason
        clock.advance(2)
        twin.type_into(write_end, "3017620422003")  # the cashier scans again
        assert reader.read_scan(timeout=0) == Scan("3017620422003", "pipe", "us")


def test_a_person_typing_on_a_keyboard_read_as_the_scanner_never_makes_a_scan(pipe: tuple[int, int]) -> None:
    """A person types unevenly, some keys further apart than 200 ms: the quick end is no scan either."""
    read_end, write_end = pipe
    clock, dropped = FakeClock(), []
    twin = ScannerTwin("us", wallclock=clock)
    with ScannerReader(stream_opener(read_end, "pipe"), clock=clock, on_dropped=dropped.append) as reader:
        twin.type_into(write_end, "301", terminate=False, key_delay=0.25, sleep=clock.advance)
        clock.advance(0.1)
        twin.type_into(write_end, "76", key_delay=0.1, sleep=clock.advance)  # "176" and Enter, quickly
        assert reader.read_scan(timeout=0) is None
        assert "".join(d.text for d in dropped) == "30176"
        twin.type_into(write_end, "4006381333931")  # then a real scanner burst
        assert reader.read_scan(timeout=0) == Scan("4006381333931", "pipe", "us")


def test_an_unplug_is_a_fresh_start_not_a_pause() -> None:
    """A scanner plugged back starts afresh: its first scan is not taken for the end of the last one."""
    assembler = ScanAssembler("us")
    assert _feed_text(assembler, "301", at=0.0, terminate=False) == []
    assert assembler.interrupt("unplugged") == Dropped("301", "unplugged")
    assert _feed_text(assembler, "42", at=5.0) == [Scan("42", "", "us")]


# -- USB-serial scanners, through pyserial on a pty -----------------------------------------------


def test_a_serial_line_cut_by_a_pause_is_dropped_to_its_end_of_line() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    os.close(slave)
    clock, dropped = FakeClock(), []
    try:
        with SerialScanner(path, clock=clock, on_dropped=dropped.append) as scanner:
            scanner.open()
            os.write(master, b"30176")
            _wait_for(lambda: scanner.read_scan(timeout=0.05) is None and scanner.pending == "30176")
            clock.advance(0.3)
            os.write(master, b"20422003\r\n")
            _wait_for(lambda: scanner.read_scan(timeout=0.05) is None and len(dropped) == 2)
            assert [d.text for d in dropped] == ["30176", "20422003"] and "pause" in dropped[1].reason
            os.write(master, b"3017620422003\r\n")
            assert scanner.read_scan(timeout=5) == Scan("3017620422003", path, "serial")
    finally:
        os.close(master)


def _wait_for(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the pty did not deliver in time"


# -- properties: random pauses in a stream of scans -----------------------------------------------


@dataclass(frozen=True)
class Typed:
    """One scan as the scanner sends it; ``pause_after`` characters, a pause of ``pause`` seconds."""

    text: str
    idle_before: float
    pause_after: int | None = None
    pause: float = 0.0
    polled: bool = False  # whether the reader looks at the clock during the pause

    @property
    def cut(self) -> bool:
        return self.pause_after is not None


@st.composite
def typed_scans(draw: st.DrawFn) -> Typed:
    text = draw(st.text("0123456789ABCXYZ-.", min_size=1, max_size=16))
    idle = draw(st.floats(0.0, 3.0))
    if not draw(st.booleans()):
        return Typed(text, idle)
    position = draw(st.integers(1, len(text)))  # after the last character: a pause before the terminator
    pause = draw(st.floats(TIMEOUT, 10.0))
    return Typed(text, idle, position, pause, draw(st.booleans()))


def _feed_text(assembler: ScanAssembler, text: str, *, at: float, terminate: bool = True) -> list[Scan | Dropped]:
    outcomes: list[Scan | Dropped] = []
    for group in ScannerTwin("us").keystrokes(text, terminate=terminate):
        for code, value in group:
            outcomes += assembler.feed(EV_KEY, code, value, now=at, stamp=at)
        at += KEY_SPACING
    return outcomes


def _play_keys(stream: list[Typed]) -> list[Scan | Dropped]:
    """Each scan's keys, with its pause, into a keyboard-wedge assembler reading the kernel's stamps."""
    assembler, now, outcomes = ScanAssembler("us"), 0.0, list[Scan | Dropped]()
    twin = ScannerTwin("us")
    for typed in stream:
        now += typed.idle_before
        for index, group in enumerate(twin.keystrokes(typed.text)):
            if index == typed.pause_after:
                if typed.polled and (expired := assembler.expire(now + TIMEOUT)) is not None:
                    outcomes.append(expired)
                now += typed.pause
            for code, value in group:
                outcomes += assembler.feed(EV_KEY, code, value, now=now, stamp=now)
            now += KEY_SPACING
    return outcomes


def _play_bytes(stream: list[Typed]) -> list[Scan | Dropped]:
    """The same scans as a USB-serial scanner sends them, a byte at a time, into a line assembler."""
    assembler, now, outcomes = LineAssembler(), 0.0, list[Scan | Dropped]()
    for typed in stream:
        now += typed.idle_before
        for index, byte in enumerate(typed.text.encode() + b"\r"):
            if index == typed.pause_after:
                if typed.polled and (expired := assembler.expire(now + TIMEOUT)) is not None:
                    outcomes.append(expired)
                now += typed.pause
            outcomes += assembler.feed(bytes([byte]), now)
            now += KEY_SPACING
    return outcomes


@pytest.mark.parametrize("play", [_play_keys, _play_bytes], ids=["keyboard-wedge", "usb-serial"])
@given(stream=st.lists(typed_scans(), min_size=1, max_size=6))
def test_no_part_of_a_scan_cut_by_a_pause_is_ever_delivered(
    play: Callable[[list[Typed]], list[Scan | Dropped]], stream: list[Typed]
) -> None:
    """Delivered: exactly the scans typed without a pause, in order; so never a part of a cut one.

    (Compared scan by scan rather than as strings: a clean ``7`` may happen to spell the end of a
    cut ``17``, and is rightly delivered.) And every key of a cut scan is reported as dropped.
    """
    outcomes = play(stream)
    delivered = [outcome.text for outcome in outcomes if isinstance(outcome, Scan)]
    dropped = [outcome.text for outcome in outcomes if isinstance(outcome, Dropped)]
    assert delivered == [typed.text for typed in stream if not typed.cut]
    assert "".join(dropped) == "".join(typed.text for typed in stream if typed.cut)
