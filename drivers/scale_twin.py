"""A simulated weighing scale on a real pseudo-terminal, for the demo and the tests.

The twin owns a pty pair and a symlink (``--link``) pointing at the slave side, so the driver
opens a path with pyserial exactly as it opens ``/dev/serial/by-id/...`` on the Pi. It answers
the bytes of Toledo 8217, NCI SCP-01 or CAS ECR from a script of pan weights, and can misbehave
the way scales and cables do in the field: noise around frames, frames cut short, silence,
adapters that echo requests, a scale set to another baud rate (its replies reach the till as
garbage: ``uart.misread``; the twin still hears the requests, as a scale that streams its weight
would not need to), and unplugging (the pty closes and the link disappears; replugging
makes a new pty behind the same link, as udev does for a USB scale).

Its encoders are written from the protocol descriptions independently of the driver's decoders,
so a round trip through both checks one against the other.

Drive it from a keyboard: ``python -m drivers.scale_twin --protocol toledo8217 --link /tmp/scale``.
"""

from __future__ import annotations

import argparse
import os
import queue
import select
import sys
import termios
import threading
import tty
from collections import deque
from collections.abc import Callable, Iterable, Iterator
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
    toledo_status,
    toledo_weight_reply,
    with_parity,
)
from .uart import misread

__all__ = [  # the encoders stay importable from here, where the tests have always found them
    "Display",
    "Faults",
    "ScaleTwin",
    "Step",
    "cas_weight_reply",
    "handle_line",
    "kilograms",
    "nci_status_bytes",
    "nci_status_reply",
    "nci_weight_reply",
    "toledo_status",
    "toledo_weight_reply",
    "with_parity",
]

PROTOCOLS = ("toledo8217", "nci", "cas")
TILL_BAUD = 9600  # the speed every protocol here is read at, unless the till is told otherwise
TITLES = {"toledo8217": "Toledo 8217", "nci": "NCI SCP-01", "cas": "CAS ECR"}


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


class ScaleTwin:
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
        """Put ``grams`` on the pan from now on (clears any script)."""
        with self._state:
            self._script.clear()
            self._shown = Step(grams, motion)

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

    # -- protocols -------------------------------------------------------------------------------

    def _commands_in(self, data: bytes) -> Iterator[bytes]:
        """Split what the host sent into commands, as each protocol frames them.

        A generator on purpose: a Toledo ``E`` switches echo mode on for the bytes that follow
        it in the same write, so each command is answered before the next byte is looked at.
        """
        if self.protocol == "nci":
            self._inbox += data
            while b"\r" in self._inbox:
                line, _, self._inbox = self._inbox.partition(b"\r")
                line = line.strip(b"\n ")
                if line:
                    yield line + b"\r"
            self._inbox = self._inbox[-64:]
            return
        for byte in data:
            letter = bytes((byte,))
            if self.protocol == "toledo8217" and self._echo_mode:
                if letter == b"F":
                    self._echo_mode = False
                else:
                    self._write(letter)
            elif letter not in (b"\r", b"\n"):
                yield letter

    def _take_step(self) -> Display:
        with self._state:
            if self._script:
                self._shown = self._script.popleft()
        return self.display()

    def _answer(self, command: bytes) -> bytes:
        if self.protocol == "toledo8217":
            return self._answer_toledo(command)
        if self.protocol == "nci":
            return self._answer_nci(command)
        return self._answer_cas(command)

    def _answer_toledo(self, command: bytes) -> bytes:
        if command == b"W":
            shown = self._take_step()
            key = (shown.grams, shown.net)
            if self.faults.repeat_as_status and self._last_sent == key and not (shown.motion or shown.under):
                return toledo_status(net=shown.net, bit5_always=self.bit5_always)
            reply = toledo_weight_reply(shown, bit5_always=self.bit5_always)
            self._last_sent = key if reply[1:2] != b"?" else None
            return reply
        if command == b"E":
            self._echo_mode = True
            return b"\x02E\r"
        if command in (b"Z", b"T", b"C"):
            refused = self._operate(command)
            shown = self.display()
            return toledo_status(
                motion=shown.motion,
                over=shown.over,
                under=shown.under,
                outside_zero=refused == "outside_zero",
                centre=shown.grams == 0 and not shown.motion,
                net=shown.net,
                bit5_always=self.bit5_always,
            )
        return b""

    def _answer_nci(self, command: bytes) -> bytes:
        if command == b"W\r":
            return nci_weight_reply(self._take_step())
        if command == b"S\r":
            return nci_status_reply(self.display())
        if command == b"Z\r":
            self._operate(b"Z")
            return nci_status_reply(self.display())
        return b"\n?\r\x03"

    def _answer_cas(self, command: bytes) -> bytes:
        if command == b"\x05":
            self._armed = not self.faults.nak
            return b"\x15" if self.faults.nak else b"\x06"
        if command == b"\x11" and self._armed:
            self._armed = False
            return cas_weight_reply(self._take_step(), check_from_soh=self.check_from_soh)
        return b""

    def _operate(self, command: bytes) -> str:
        """Zero, tare or clear the tare as the scale would; returns why it refused, or ""."""
        with self._state:
            step = self._shown
            if step.motion:
                return "motion"
            gross = step.grams - self._zero_offset
            if command == b"Z":
                if self._tare or abs(gross) > self.zero_range_grams:
                    return "outside_zero"
                self._zero_offset = step.grams
            elif command == b"T":
                if gross <= 0 or gross > self.capacity_grams:
                    return "no_tare"
                self._tare = gross
            elif command == b"C":
                self._tare = 0
            self._last_sent = None
            return ""


# -- keyboard control for the demo ---------------------------------------------------------------------

HELP = """\
type a weight in grams and Enter: 1234 (stable), ~1234 (moving), -20 (below zero), over
faults: unplug, replug, mute, unmute, echo, noecho, garbage, nogarbage, cut, nocut, release,
        wrongbaud (replies sent at 2400 baud), rightbaud
quit (or Ctrl-D) to stop"""


def handle_line(twin: ScaleTwin, line: str) -> str:
    """Apply one typed line to the twin; return what to print."""
    word = line.strip().lower()
    toggles: dict[str, dict[str, object]] = {
        "mute": {"mute": True},
        "unmute": {"mute": False},
        "echo": {"echo": True},
        "noecho": {"echo": False},
        "garbage": {"garbage_before": b"\x00\xffnoise\r", "garbage_after": b"\x7f~"},
        "nogarbage": {"garbage_before": b"", "garbage_after": b""},
        "cut": {"split_at": 3},
        "nocut": {"split_at": None},
        "wrongbaud": {"reply_baud": 2400},
        "rightbaud": {"reply_baud": None},
    }
    if word in toggles:
        twin.set_faults(**toggles[word])
        return f"faults: {twin.faults}"
    if word in ("unplug", "replug", "release"):
        getattr(twin, word)()
        return f"{word}: link {'present' if twin.link.exists() else 'gone'}"
    if word == "over":
        twin.show(twin.capacity_grams + 1000)
        return f"over capacity ({twin.capacity_grams} g max)"
    if word in ("help", "?", ""):
        return HELP
    motion = word.startswith("~")
    try:
        grams = int(word.lstrip("~").removesuffix("g"))
    except ValueError:
        return f"not understood: {line.strip()!r}\n{HELP}"
    twin.show(grams, motion=motion)
    return f"pan: {grams} g{' (moving)' if motion else ''} -> {twin.display()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.scale_twin", description=__doc__.splitlines()[0])
    parser.add_argument("--protocol", choices=PROTOCOLS, default="toledo8217")
    parser.add_argument("--link", required=True, help="path of the symlink the till opens, e.g. /tmp/scale")
    parser.add_argument("--capacity", type=int, default=15_000, help="capacity in grams")
    args = parser.parse_args(argv)
    with ScaleTwin(args.protocol, args.link, capacity_grams=args.capacity) as twin:
        print(f"{TITLES[args.protocol]} twin on {args.link} -> {os.readlink(args.link)}")
        print(HELP, flush=True)
        try:
            for line in sys.stdin:
                if line.strip().lower() in ("quit", "exit"):
                    break
                print(handle_line(twin, line), flush=True)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
