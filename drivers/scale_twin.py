"""A simulated weighing scale on a real pseudo-terminal, for the demo and the tests.

The twin owns a pty pair and a symlink (``--link``) pointing at the slave side, so the driver
opens a path with pyserial exactly as it opens ``/dev/serial/by-id/...`` on the Pi. It answers
the bytes of Toledo 8217, NCI SCP-01, CAS ECR or CAS PD-II from a script of pan weights, and can misbehave
the way scales and cables do in the field: noise around frames, frames cut short, silence,
adapters that echo requests, a scale set to another baud rate (its replies reach the till as
garbage: ``uart.misread``; the twin still hears the requests, as a scale that streams its weight
would not need to), and unplugging (the pty closes and the link disappears; replugging
makes a new pty behind the same link, as udev does for a USB scale).

Its encoders are written from the protocol descriptions independently of the driver's decoders,
so a round trip through both checks one against the other.

Drive it from a keyboard: ``python -m drivers.scale_twin --protocol toledo8217 --link /tmp/scale``
(``scale_twin_keys``).
"""

from __future__ import annotations

import os
import queue
import select
import sys
import termios
import threading
import tty
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .scale_frames import (
    Display,
    cas_weight_reply,
    kilograms,
    nci_status_bytes,
    nci_status_reply,
    nci_weight_reply,
    pd2_weight_line,
    toledo_status,
    toledo_weight_reply,
    with_parity,
)
from .scale_twin_answers import ProtocolAnswers
from .uart import misread

__all__ = [  # the encoders stay importable from here, where the tests have always found them
    "Display",
    "Faults",
    "ScaleTwin",
    "Step",
    "cas_weight_reply",
    "kilograms",
    "nci_status_bytes",
    "nci_status_reply",
    "nci_weight_reply",
    "pd2_weight_line",
    "toledo_status",
    "toledo_weight_reply",
    "with_parity",
]

PROTOCOLS = ("toledo8217", "nci", "cas", "cas-pd2")
TILL_BAUD = 9600  # the speed every protocol here is read at, unless the till is told otherwise
TITLES = {"toledo8217": "Toledo 8217", "nci": "NCI SCP-01", "cas": "CAS ECR", "cas-pd2": "CAS PD-II"}


@dataclass(frozen=True)
class Step:
    """What is on the pan: gross grams (may be negative or beyond capacity), still or moving."""

    grams: int
    motion: bool = False


# -- the device ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Faults:
    """Ways the twin misbehaves; all stay on until changed."""

    echo: bool = False  # the cable/adapter loops every byte the host sends straight back
    mute: bool = False  # the scale hears but never answers
    garbage_before: bytes = b""
    garbage_after: bytes = b""
    split_at: int | None = None  # send only this many bytes of each reply; the rest waits for release()
    nak: bool = False  # CAS: refuse ENQ
    repeat_as_status: bool = False  # Toledo: an unchanged weight is answered "?@" (some models do)
    reply_baud: int | None = None  # the scale set to this speed: the till, at 9600, reads its replies garbled


class ScaleTwin(ProtocolAnswers):
    """The simulated scale. Use as a context manager, or ``start()`` / ``stop()``.

    Weight requests (``W``, ``DC1``) each take the next step of the script; the last step stays
    on the pan. ``requests`` counts them, and ``wait_for_requests`` lets a test wait on it.
    """

    def __init__(
        self,
        protocol: str,
        link: str | Path,
        *,
        capacity_grams: int = 15_000,
        zero_range_grams: int = 300,
        toledo_status_bit5: str = "net",
        cas_bcc: str = "from-sta",
    ):
        if protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol {protocol!r}: use one of {', '.join(PROTOCOLS)}")
        self.protocol = protocol
        self.bit5_always = toledo_status_bit5 == "always-one"  # Toledo: an Ohaus or Rice Lake status byte
        self.check_from_soh = cas_bcc == "from-soh"  # CAS: the block check as Ohaus's manual words it
        self.link = Path(link)
        self.capacity_grams = capacity_grams
        self.zero_range_grams = zero_range_grams
        self.faults = Faults()
        self.partial_sent = threading.Event()
        self.commands: list[bytes] = []
        self.requests = 0
        self._state = threading.Condition()
        self._script: deque[Step] = deque()
        self._shown = Step(0)
        self._zero_offset = 0
        self._tare = 0
        self._last_sent: tuple[int, bool] | None = None
        self._held = b""
        self._inbox = b""
        self._armed = False  # CAS: ENQ acknowledged, DC1 expected
        self._streaming = False  # CAS PD-II: between W and CR, every change of weight is sent
        self._echo_mode = False  # Toledo: between E and F
        self._master: int | None = None
        self._slave: int | None = None
        self._plug_settings: list[Any] = []
        self._calls: queue.SimpleQueue[tuple[Callable[[], None], threading.Event]] = queue.SimpleQueue()
        self._wake_r, self._wake_w = os.pipe()
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> ScaleTwin:
        if self.link.exists() and not self.link.is_symlink():
            self.stop()
            raise FileExistsError(f"{self.link} exists and is not a symlink: the twin only replaces its own links")
        self._plug()
        self._thread = threading.Thread(target=self._loop, name=f"scale-twin-{self.protocol}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._stopping = True
            os.write(self._wake_w, b"x")
            self._thread.join(timeout=5)
            self._thread = None
        self._unplug()
        for fd in (self._wake_r, self._wake_w):
            if fd != -1:
                os.close(fd)
        self._wake_r = self._wake_w = -1

    def __enter__(self) -> ScaleTwin:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def plugged(self) -> bool:
        return self._master is not None

    def unplug(self) -> None:
        """Pull the cable: the pty closes under the driver and the link path disappears."""
        self._in_loop(self._unplug)

    def replug(self) -> None:
        """Plug it back: a new pty behind the same link path, as udev recreates a by-id link."""
        self._in_loop(self._plug)

    def release(self) -> None:
        """Send the rest of a reply held back by ``Faults.split_at``."""
        self._in_loop(self._send_held)

    # -- script and faults ---------------------------------------------------------------------

    def show(self, grams: int, *, motion: bool = False) -> None:
        """Put ``grams`` on the pan from now on (clears any script).

        A CAS PD-II that was sent ``W`` and no CR since sends the new weight at once, as its manual
        says it does whenever the weight changes.
        """
        with self._state:
            self._script.clear()
            changed = self._shown != Step(grams, motion)
            self._shown = Step(grams, motion)
        if changed and self._streaming and self.protocol == "cas-pd2":
            self._in_loop(lambda: self._write(pd2_weight_line(self.display())))

    def play(self, steps: Iterable[Step]) -> None:
        """Each following weight request takes the next step; the last one stays on the pan."""
        with self._state:
            self._script = deque(steps)

    def set_faults(self, **changes: object) -> None:
        with self._state:
            self.faults = replace(self.faults, **changes)  # type: ignore[arg-type]

    def display(self, step: Step | None = None) -> Display:
        """What the scale would report now for ``step`` (default: what is on the pan)."""
        with self._state:
            step = step or self._shown
            gross = step.grams - self._zero_offset
            shown = gross - self._tare
            return Display(
                shown, motion=step.motion, over=gross > self.capacity_grams, under=shown < 0, net=bool(self._tare)
            )

    def wait_for_requests(self, count: int, timeout: float = 2.0) -> bool:
        """Wait until ``count`` weight requests have arrived in all (W, W CR or DC1)."""
        with self._state:
            return self._state.wait_for(lambda: self.requests >= count, timeout)

    def wait_for_commands(self, count: int, timeout: float = 2.0) -> bool:
        """Wait until ``count`` commands of any kind have arrived in all."""
        with self._state:
            return self._state.wait_for(lambda: len(self.commands) >= count, timeout)

    # -- the thread ------------------------------------------------------------------------------

    def _in_loop(self, call: Callable[[], None]) -> None:
        """Run ``call`` on the twin's thread (it owns the fds); directly if not started."""
        if self._thread is None:
            call()
            return
        done = threading.Event()
        self._calls.put((call, done))
        os.write(self._wake_w, b"x")
        if not done.wait(timeout=5):
            raise TimeoutError("the scale twin's thread did not respond")

    def _loop(self) -> None:
        while not self._stopping:
            watched = [self._wake_r] + ([self._master] if self._master is not None else [])
            readable, _, _ = select.select(watched, [], [])
            if self._wake_r in readable:
                os.read(self._wake_r, 512)
                while not self._calls.empty():
                    call, done = self._calls.get()
                    try:
                        call()
                    finally:
                        done.set()
            if self._master is not None and self._master in readable:
                try:
                    data = os.read(self._master, 1024)
                except (BlockingIOError, OSError):
                    data = b""
                if data:
                    self._receive(data)

    def _plug(self) -> None:
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        self._plug_settings = termios.tcgetattr(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._inbox, self._armed, self._echo_mode, self._held = b"", False, False, b""
        self._streaming = False
        self.link.parent.mkdir(parents=True, exist_ok=True)
        staging = self.link.with_name(self.link.name + ".plugging")
        if staging.is_symlink():
            staging.unlink()
        os.symlink(os.ttyname(slave), staging)
        os.replace(staging, self.link)

    def _unplug(self) -> None:
        # The link first: once the pty closes, the kernel may hand its /dev/pts number to another
        # program's new pty, and a driver reopening the link meanwhile would lock that one instead.
        if self.link.is_symlink():
            self.link.unlink()
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None

    def _write(self, data: bytes) -> None:
        if self._master is None or not data:
            return
        try:
            os.write(self._master, data)
        except (BlockingIOError, OSError):
            pass  # nobody reads the port: a real UART would overrun too

    def _receive(self, data: bytes) -> None:
        self._restore_settings()  # before answering: the host may reopen as soon as it has the answer
        faults = self.faults
        if faults.echo:
            self._write(data)
        for command in self._commands_in(data):
            reply = self._answer(command)
            with self._state:
                self.commands.append(command)
                if command in (b"W", b"W\r", b"\x11"):
                    self.requests += 1
                self._state.notify_all()
            if reply and not faults.mute:
                message = faults.garbage_before + reply + faults.garbage_after
                if faults.reply_baud is not None:
                    message = misread(message, faults.reply_baud, TILL_BAUD)
                self._send(message, faults)

    def _restore_settings(self) -> None:
        """Put the pty back to its plug-in settings after the host has talked to it.

        A pty keeps 8 data bits and no parity whatever the host asks, and Linux refuses (EINVAL)
        a settings request of which nothing can be applied. Without this, a second open at 9600
        7E1 changes nothing a pty can store and fails; a real port applies it every time.
        """
        if self._slave is not None:
            try:
                termios.tcsetattr(self._slave, termios.TCSANOW, self._plug_settings)
            except termios.error:
                pass

    def _send(self, message: bytes, faults: Faults) -> None:
        self._held = b""
        if faults.split_at is None or len(message) <= faults.split_at:
            self._write(message)
            return
        self._write(message[: faults.split_at])
        self._held = message[faults.split_at :]
        self.partial_sent.set()

    def _send_held(self) -> None:
        held, self._held = self._held, b""
        self._write(held)


if __name__ == "__main__":  # ``python -m drivers.scale_twin``: the keyboard-driven twin of the demo
    from .scale_twin_keys import main

    sys.exit(main())
