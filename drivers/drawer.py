"""The cash drawer: open it through the printer or a GPIO relay, and watch that it gets closed.

Most drawers hang off the receipt printer's RJ12 "DK" port and open when the printer gets
``ESC p``: :class:`PrinterDrawer` sends that through the print queue, ahead of waiting receipts, so
it never collides with a job on the same device. A drawer wired to the Pi instead is pulsed through
a relay (:class:`GpioDrawer`). An optional switch on a GPIO input tells whether the drawer is
open; :class:`DrawerMonitor` warns when it stays open too long (cash left in reach).

gpiozero's pin factory is injected: MockFactory in tests and in the demo, lgpio on the Pi.
gpiozero is imported by the GPIO parts alone, when one is built: a box whose drawer hangs off the
printer never loads it (it cost the counter's start ~30-60 ms, docs/benchmarks.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from .print_queue import PrintQueue

DEFAULT_RELAY_PIN = 23
DEFAULT_SWITCH_PIN = 25
DEFAULT_OPEN_WARNING_S = 60


class Drawer(Protocol):
    def open(self) -> None: ...

    def close(self) -> None: ...


class PrinterDrawer:
    """Kick the drawer wired to the printer (pins and pulse come from the printer's settings)."""

    def __init__(self, queue: PrintQueue):
        self.queue = queue
        self.last_job: int | None = None

    def open(self) -> None:
        from appliance.core.document import Document, DrawerKick  # with the first kick: not at start

        self.last_job = self.queue.submit(Document((DrawerKick(),)), "Open drawer", first=True)

    def close(self) -> None:
        pass


class GpioDrawer:
    """Pulse a relay on a GPIO pin; blocks for the pulse (at most half a second), so call from a worker."""

    def __init__(self, pin: int, pulse_ms: int = 50, *, active_high: bool = True, pin_factory: Any = None):
        from gpiozero import DigitalOutputDevice

        self.pulse_ms = pulse_ms
        self.relay = DigitalOutputDevice(pin, active_high=active_high, initial_value=False, pin_factory=pin_factory)
        self._lock = threading.Lock()

    def open(self) -> None:
        with self._lock:  # two presses must give two pulses, not one long one
            self.relay.blink(on_time=self.pulse_ms / 1000, off_time=0, n=1, background=False)

    def close(self) -> None:
        self.relay.close()


class NoDrawer:
    """``kick = "none"``: the drawer is opened by its key."""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class DrawerAlert:
    seconds_open: float
    first: bool  # True the first time for this opening: beep once, then keep showing it

    @property
    def message(self) -> str:
        minutes, seconds = divmod(int(self.seconds_open), 60)
        shown = f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"
        return f"Cash drawer open for {shown}: close it"


class DrawerMonitor:
    """Watch a drawer switch on a GPIO input and say when the drawer has been open too long.

    The screen calls :meth:`check` once a second; the switch's callbacks note the moment the drawer
    opened, on the injected clock, so a test needs no real waiting. ``closed_when_pressed`` follows
    the wiring: most drawer switches close (pull the pin low) while the drawer is shut.
    """

    def __init__(
        self,
        pin: int = DEFAULT_SWITCH_PIN,
        warn_after: float = DEFAULT_OPEN_WARNING_S,
        *,
        closed_when_pressed: bool = True,
        clock: Callable[[], float] = time.monotonic,
        pin_factory: Any = None,
    ):
        from gpiozero import Button

        self.warn_after = warn_after
        self.clock = clock
        self.closed_when_pressed = closed_when_pressed
        self.switch = Button(pin, pull_up=True, pin_factory=pin_factory)
        self._lock = threading.Lock()
        self._opened_at: float | None = self.clock() if self.is_open else None
        self._warned = False
        on_open, on_close = (self._opened, self._closed) if closed_when_pressed else (self._closed, self._opened)
        self.switch.when_released = on_open
        self.switch.when_pressed = on_close

    @property
    def is_open(self) -> bool:
        return self.switch.is_pressed != self.closed_when_pressed

    def _opened(self) -> None:
        with self._lock:
            if self._opened_at is None:
                self._opened_at = self.clock()
                self._warned = False

    def _closed(self) -> None:
        with self._lock:
            self._opened_at = None
            self._warned = False

    def check(self) -> DrawerAlert | None:
        if not self.is_open:
            self._closed()
            return None
        self._opened()  # a callback missed (switch bounce) must not hide an open drawer
        with self._lock:
            assert self._opened_at is not None
            open_for = self.clock() - self._opened_at
            if open_for < self.warn_after:
                return None
            first = not self._warned
            self._warned = True
        return DrawerAlert(open_for, first)

    def close(self) -> None:
        self.switch.close()
