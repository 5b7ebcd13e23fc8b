"""A cashier at the counter, driving the real app through its terminal and its scanner port.

Each method sends what the keyboard or the scanner would and returns the seconds until the
screen showed the result. A scan is done when its line is drawn: the product's name is on screen
and the total's caption counts one more line ("TOTAL  (7 lines)"), both in the output written
after the scan. The two ways a scan reaches the app:

- ``keyboard``: the keyboard doubles as the scanner (``[counter] keyboard_scanner``): the code's
  digits and Enter in one burst, as a keyboard-wedge scanner types them into the terminal;
- ``serial``: a scanner in USB-serial mode (``[devices.scanner] serial_port``), here a pty whose
  other side the benchmark writes: the code and CR. This is the box's own path (a reader thread
  posts the scan to the screen), with the bytes coming from outside the process.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from counter_box import SALE_IDLE_HINT, Product
from terminal import KEY_BYTES, PtyProgram, Refused

#: What the sale screen shows when a scan found nothing (the bell, the message): no line was added.
REFUSED = ("\x07", "Unknown barcode", "Unknown scale label", "No product has", "was misread")


@contextmanager
def scanner_port() -> Iterator[tuple[int, str]]:
    """A pty standing for a USB-serial scanner: (the side the benchmark writes, the port's path)."""
    master, slave = os.openpty()
    try:
        yield master, os.ttyname(slave)
    finally:
        os.close(master)
        os.close(slave)


@dataclass
class BareKeys:
    """Keys to the bare app (``bench/bare_app.py``): each shows "got 5 (#n)", n its count."""

    app: PtyProgram
    count: int = 0

    def key(self) -> float:
        self.count += 1
        return self.app.key_to_text(b"5", f"(#{self.count})")


@dataclass
class Cashier:
    """Rings up sales on the app's sale screen; counts the lines of the sale in progress."""

    app: PtyProgram
    scanner: int | None = None  # the serial scanner's pty, when the app has one
    lines: int = 0
    missed: dict[str, int] = field(default_factory=lambda: {"keyboard": 0, "serial": 0})

    def scan(self, product: Product, via: str = "keyboard", *, timeout: float = 10.0) -> float | None:
        """Seconds from the scan's last byte to its line on screen; None if the app refused it.

        A keyboard burst that reaches the app with a gap over the scan gap (a busy machine) is
        read as typing: the app says so, and this clears the entry for the next scan.
        """
        code = product.code.encode()
        caption = f"({self.lines + 1} line"
        self.app.mark()
        if via == "keyboard":
            sent = self.app.write(code + KEY_BYTES["enter"])
        else:
            assert self.scanner is not None, "this app has no serial scanner"
            sent = time.perf_counter()
            os.write(self.scanner, code + b"\r")
        try:
            shown = self.app.wait_for(product.shown, caption, timeout=timeout, refused=REFUSED)
        except Refused:
            self.missed[via] += 1
            self.clear_entry()
            return None
        self.lines += 1
        return shown - sent

    def digit(self, digit: str = "7", gap: float = 0.1) -> tuple[float, float]:
        """A digit typed on the keypad until the entry shows it, then, ``gap`` seconds later (a
        person's pace), Backspace until it is empty. Sent at once, Backspace would wait for
        Textual's next frame (at most 60 a second): ~17 ms that measure the frame limit, not the
        app (seen: 20 ms at once, 3.5 ms after a pause; the bare app's key is 3.4 ms)."""
        typed = self.app.key_to_text(digit.encode(), f"> {digit}")
        self.app.drain(gap)
        cleared = self.app.key_to_text(KEY_BYTES["backspace"], SALE_IDLE_HINT)
        return typed, cleared

    def clear_entry(self) -> None:
        self.app.key_to_text(KEY_BYTES["backspace"] * 40, SALE_IDLE_HINT)

    def checkout(self) -> tuple[float, float, float]:
        """Pay the sale in exact cash, no receipt: ``+``, Enter, Enter; each key's time to its screen."""
        pay = self.app.key_to_text(KEY_BYTES["plus"], "TO PAY")
        cash = self.app.key_to_text(KEY_BYTES["enter"], "No change to give")
        done = self.app.key_to_text(KEY_BYTES["enter"], SALE_IDLE_HINT)
        self.lines = 0
        return pay, cash, done


def idle_cpu_rate(programs: list[PtyProgram], seconds: float = 5.0) -> list[float]:
    """CPU seconds per second each program uses doing nothing (timers, device and status polls)."""
    before = [program.cpu_seconds() for program in programs]
    started = time.perf_counter()
    for program in programs:
        program.drain(seconds / len(programs))
    elapsed = time.perf_counter() - started
    return [(program.cpu_seconds() - cpu) / elapsed for program, cpu in zip(programs, before)]


def cpu_per_action(program: PtyProgram, idle_rate: float, count: int, action: Callable[[], object]) -> float:
    """CPU seconds the program spends per ``action`` (run ``count`` times), its idle use taken out.

    Unlike the wall-clock figures, this does not grow when other work on the machine takes the
    cores: it is the work the app does for one scan or one key, to compare across runs and machines.
    """
    cpu, started = program.cpu_seconds(), time.perf_counter()
    for _ in range(count):
        action()
    used = program.cpu_seconds() - cpu - idle_rate * (time.perf_counter() - started)
    return used / count
