"""The barcode scanner driver: keyboard-wedge scanners through evdev, USB-serial ones through pyserial.

A USB scanner is a keyboard to the kernel. Left alone, its keystrokes go to the console, where
the till's UI would take them for the cashier's typing; so the driver opens it through evdev and
grabs it (EVIOCGRAB): from then on only we see its keys. We decode them with the layout the
scanner types in (keymaps.py), and a scan ends at its terminator (Enter by default, or Tab).

Decisions, as a product must make them:
- **Partial scans are dropped.** Keys that stop for longer than the inter-key timeout without a
  terminator (the scanner was unplugged, or its suffix is not set) are thrown away and reported
  through ``on_dropped``, so the UI can say "scan again". Emitting them would sell whatever a
  truncated code happens to match. With ``terminator="none"`` (a scanner programmed with no
  suffix) the timeout is what ends a scan, and it is emitted.
- **A garbled scan is still delivered, flagged.** The same keys are decoded with every layout;
  when ours gives characters no barcode holds (``àà&"è'!ç&&``) and another gives a clean code
  (``0013748911``), the scan carries that layout and text and the status turns to "wrong layout
  suspected", naming the setting to change. Guessing silently would hide a misconfigured box.
- **Unplugging is normal.** A read error (ENODEV) or the end of a pipe closes the device, drops
  the half-read scan, and the driver reopens it (rescanning /dev/input/by-id when it was found by
  name) with a backoff of 0.1 s doubling to 1 s, so a scanner plugged back is read again within a
  second, before anyone can pick it up and scan.
- **Clocks are monotonic and injected**; waiting is real (select), so a Textual worker thread can
  block in ``read_scan()`` and another thread can ``close()`` the reader to wake it.

The event source is injectable (``Opener``): the real one wraps ``evdev.InputDevice``; the twin's
(``RawEventSource``) reads raw ``struct input_event`` records from a pipe, FIFO or file through the
very same evdev code (``EventIO.read`` → the C ``_input.device_read_many``).
"""

from __future__ import annotations

import errno
import logging
import os
import select
import stat
import string
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import evdev
import serial
from evdev import ecodes
from evdev.eventio import EventIO

from .discovery import input_devices, scanner_candidates
from .keymaps import GS, LAYOUT_NAMES, KeyDecoder, get_layout

log = logging.getLogger(__name__)

TERMINATORS = {"enter": "\n\r", "tab": "\t", "none": ""}
DEFAULT_INTER_KEY_TIMEOUT = 0.2  # seconds between two keys of one scan; scanners type a key every few ms
PLAUSIBLE = frozenset(string.ascii_letters + string.digits + "-. $/+%" + GS)  # Code 39's set, plus GS
SUGGESTION_ORDER = ("us", "fr", "de", "uk", "be")  # most scanners leave the factory in US


class ScannerState(StrEnum):
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    WRONG_LAYOUT = "wrong layout suspected"


@dataclass(frozen=True)
class ScannerStatus:
    state: ScannerState
    device: str
    message: str  # for a person: what happened and what to do


@dataclass(frozen=True)
class Scan:
    text: str
    device: str
    layout: str
    suspected_layout: str | None = None  # set when the keys read as a clean code in another layout
    suspected_text: str | None = None


@dataclass(frozen=True)
class Dropped:
    """A partial scan thrown away; the cashier has to scan again."""

    text: str
    reason: str


Outcome = Scan | Dropped


class DeviceGone(Exception):
    """The open device stopped: unplugged, or the end of a pipe."""


class DeviceUnavailable(Exception):
    """The device cannot be opened now; ``kind`` is missing, permission, busy or not-input."""

    def __init__(self, message: str, kind: str = "missing", device: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.device = device


class EndOfInput(Exception):
    """A recorded stream has ended: there is nothing to reconnect to."""


class EventSource(Protocol):
    name: str

    def fileno(self) -> int: ...

    def read_events(self) -> Sequence[Any]:
        """Pending events (objects with type, code, value); [] if none; DeviceGone if it stopped."""
        ...

    def caps_lock_on(self) -> bool | None: ...

    def close(self) -> None: ...


Opener = Callable[[], EventSource]


def _is_plausible(text: str) -> bool:
    return bool(text) and all(char in PLAUSIBLE for char in text)


class ScanAssembler:
    """Key events in, scans out: the decoding and framing, with no I/O and an explicit clock."""

    def __init__(
        self,
        layout: str = "us",
        *,
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        device: str = "",
    ) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)}")
        if inter_key_timeout <= 0:
            raise ValueError("inter_key_timeout must be positive")
        self.layout = get_layout(layout).name
        self.terminator = terminator
        self.inter_key_timeout = inter_key_timeout
        self.gs_substitute = gs_substitute or None
        self.device = device
        self._decoders = {name: KeyDecoder(get_layout(name)) for name in LAYOUT_NAMES}
        self._typed = {name: "" for name in LAYOUT_NAMES}
        self._last_key: float | None = None  # our clock when the last key press was read
        self._last_stamp: float | None = None  # the kernel's time of that press

    @property
    def pending(self) -> str:
        return self._typed[self.layout]

    def deadline(self) -> float | None:
        """When the partial scan times out; None with nothing pending."""
        if not self.pending or self._last_key is None:
            return None
        return self._last_key + self.inter_key_timeout

    def set_caps_lock(self, on: bool) -> None:
        for decoder in self._decoders.values():
            decoder.caps_lock = on

    def feed(self, event_type: int, code: int, value: int, now: float, stamp: float | None = None) -> list[Outcome]:
        """One input event, read at ``now``; ``stamp`` is when the kernel saw it, if known.

        The gap between two keys is measured with the kernel's timestamps when there are some, so
        a reader that fell behind (a busy Pi) does not cut a scan typed in one go; without them,
        and for a scan left waiting, our own clock decides.
        """
        if event_type == ecodes.EV_SYN and code == ecodes.SYN_DROPPED:
            dropped = self.interrupt("input events were lost (the reader fell behind)")
            return [dropped] if dropped else []
        if event_type == ecodes.EV_LED and code == ecodes.LED_CAPSL:
            self.set_caps_lock(bool(value))  # the host's Caps Lock, as the scanner is told it
            return []
        if event_type != ecodes.EV_KEY:
            return []
        outcomes: list[Outcome] = []
        if value == 1:
            if self.pending and self._gap(now, stamp) >= self.inter_key_timeout:
                if outcome := self._timed_out():
                    outcomes.append(outcome)
            self._last_key, self._last_stamp = now, stamp
        typed = {name: decoder.key(code, value) for name, decoder in self._decoders.items()}
        ends = TERMINATORS[self.terminator]
        ours = typed[self.layout]
        cut = next((position for position, char in enumerate(ours) if char in ends), None)
        if cut is not None:  # the terminator: what came before it ends this scan
            for name, text in typed.items():
                self._typed[name] += ours[:cut] if name == self.layout else "".join(c for c in text if c not in ends)
            if scan := self._finish():
                outcomes.append(scan)
            typed = dict.fromkeys(LAYOUT_NAMES, "") | {self.layout: ours[cut + 1 :]}
        for name, text in typed.items():
            self._typed[name] += text
        return outcomes

    def _gap(self, now: float, stamp: float | None) -> float:
        if stamp is not None and self._last_stamp is not None:
            return stamp - self._last_stamp
        return now - (self._last_key if self._last_key is not None else now)

    def expire(self, now: float) -> Outcome | None:
        """Time out a partial scan; only call it once every pending event has been fed."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return None
        return self._timed_out()

    def interrupt(self, reason: str) -> Dropped | None:
        """The stream broke (unplugged, events lost): a partial scan cannot be trusted."""
        partial = self.pending
        self._clear(reset_keys=True)
        return Dropped(partial, reason) if partial else None

    def _timed_out(self) -> Outcome | None:
        if self.terminator == "none":
            return self._finish()
        partial = self.pending
        self._clear(reset_keys=True)
        timeout_ms = round(self.inter_key_timeout * 1000)
        return Dropped(partial, f"no {self.terminator.title()} came within {timeout_ms} ms of the last key")

    def _clear(self, *, reset_keys: bool = False) -> None:
        self._typed = dict.fromkeys(LAYOUT_NAMES, "")
        if reset_keys:
            for decoder in self._decoders.values():
                decoder.reset()

    def _finish(self) -> Scan | None:
        texts = {name: self._substitute(text) for name, text in self._typed.items()}
        self._clear()
        text = texts[self.layout]
        if not text:
            return None  # a bare terminator: some scanners send one after a failed read
        if not _is_plausible(text):
            for name in SUGGESTION_ORDER:
                if name != self.layout and _is_plausible(texts[name]):
                    return Scan(text, self.device, self.layout, name, texts[name])
        return Scan(text, self.device, self.layout)

    def _substitute(self, text: str) -> str:
        return text.replace(self.gs_substitute, GS) if self.gs_substitute else text


# -- event sources --------------------------------------------------------------------------------


class RawEventSource(EventIO):
    """Raw ``struct input_event`` records from a pipe, FIFO or file, read by evdev's own reader.

    ``EventIO.read`` calls the C ``_input.device_read_many(fd)``: a plain ``read()`` of up to 64
    events, decoded as the kernel's struct. It needs no ioctl, so it works on any fd, and a
    0-byte read (the writer closed, the end of a file) gives no events: that is DeviceGone.
    """

    def __init__(self, fd: int, name: str = "pipe", *, final: bool = False) -> None:
        os.set_blocking(fd, False)
        self.fd = fd
        self.name = name
        self.final = final  # a recording: its end is the end of input, not an unplug

    def read_events(self) -> Sequence[Any]:
        if self.fd < 0:
            raise DeviceGone("closed")
        try:
            events = list(self.read())
        except BlockingIOError:
            return []
        except OSError as exc:
            raise DeviceGone(exc.strerror or str(exc)) from exc
        if not events:
            raise EndOfInput(self.name) if self.final else DeviceGone("end of stream")
        return events

    def caps_lock_on(self) -> bool | None:
        return None

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class EvdevSource:
    """A real input device, grabbed so that its keys reach nobody else."""

    def __init__(self, device: evdev.InputDevice, name: str) -> None:
        self.device = device
        self.name = name

    @classmethod
    def open(
        cls, path: str, *, grab: bool = True, device_factory: Callable[[str], Any] = evdev.InputDevice
    ) -> EvdevSource:
        try:
            device = device_factory(path)
        except FileNotFoundError:
            raise DeviceUnavailable(f"{path} is not there: plug the scanner in", "missing", path) from None
        except PermissionError:
            raise DeviceUnavailable(
                f"cannot open {path}: permission denied; the user must be in group input "
                "(sudo usermod -aG input USER, then log in again)",
                "permission",
                path,
            ) from None
        except OSError as exc:
            raise DeviceUnavailable(f"{path} is not an input device ({exc.strerror})", "not-input", path) from None
        if grab:
            try:
                device.grab()
            except OSError as exc:
                device.close()
                if exc.errno == errno.EBUSY:
                    raise DeviceUnavailable(
                        f"{path} is held by another program (is the till running? stop it first)", "busy", path
                    ) from None
                raise DeviceUnavailable(f"cannot grab {path}: {exc.strerror}", "busy", path) from None
        return cls(device, path)

    def fileno(self) -> int:
        return self.device.fd

    def read_events(self) -> Sequence[Any]:
        try:
            return list(self.device.read())
        except BlockingIOError:
            return []
        except OSError as exc:  # ENODEV once unplugged
            raise DeviceGone(exc.strerror or str(exc)) from exc

    def caps_lock_on(self) -> bool | None:
        try:
            return ecodes.LED_CAPSL in self.device.leds()
        except OSError:
            return None

    def close(self) -> None:
        try:
            self.device.ungrab()
        except OSError:
            pass  # gone already
        self.device.close()


def evdev_opener(
    path: str | None = None,
    *,
    names: Sequence[str] = (),
    root: Path = Path("/"),
    grab: bool = True,
    device_factory: Callable[[str], Any] = evdev.InputDevice,
) -> Opener:
    """Open ``path``; without one, the first keyboard under /dev/input/by-id that looks like a scanner.

    Called again after every unplug, so a scanner found by name is looked for afresh each time.
    """

    def open_device() -> EventSource:
        return EvdevSource.open(path or find_scanner(root, names), grab=grab, device_factory=device_factory)

    return open_device


def find_scanner(root: Path = Path("/"), names: Sequence[str] = ()) -> str:
    """The by-id path of the scanner: one matching ``names`` first, else one named like a scanner."""
    candidates = scanner_candidates(root, names)
    if candidates:
        return candidates[0].path
    keyboards = [device.path for device in input_devices(root) if device.role == "keyboard"]
    seen = f"keyboards seen: {', '.join(keyboards)}" if keyboards else "no keyboard is plugged in"
    looked_for = f"matching {', '.join(repr(n) for n in names)} or named like one" if names else "found"
    raise DeviceUnavailable(
        f"no barcode scanner {looked_for} under /dev/input/by-id ({seen}); plug it in, or name it with "
        "--device / devices.scanner.path or --name / devices.scanner.names",
        "missing",
    )


def path_opener(
    path: str = "",
    *,
    names: Sequence[str] = (),
    root: Path = Path("/"),
    grab: bool = True,
    device_factory: Callable[[str], Any] = evdev.InputDevice,
) -> Opener:
    """The scanner as the box's config names it: ``path``, else the keyboard found by ``names``.

    What the path holds decides how it is read, at every (re)open: an input device is grabbed
    through evdev; a FIFO is a twin's stream that comes and goes like a scanner unplugged and
    plugged back (opened without waiting for its writer, so the reader keeps its backoff loop); a
    regular file is a recording, read once to its end. A scanner found by name under a discovery
    ``root`` other than / is opened there (a fake /dev for tests and the demo).
    """

    def open_device() -> EventSource:
        name = path or find_scanner(root, names)
        where = name if path or root == Path("/") else str(root / name.lstrip("/"))
        return open_event_source(where, name, grab=grab, device_factory=device_factory)

    return open_device


def open_event_source(
    path: str,
    name: str | None = None,
    *,
    grab: bool = True,
    device_factory: Callable[[str], Any] = evdev.InputDevice,
) -> EventSource:
    """Open ``path`` by what it is (see :func:`path_opener`); DeviceUnavailable says what to do."""
    name = name or path
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise DeviceUnavailable(f"{name} is not there: plug the scanner in", "missing", name) from None
    except PermissionError:
        raise DeviceUnavailable(f"cannot look at {name}: permission denied", "permission", name) from None
    if stat.S_ISCHR(mode):
        return EvdevSource.open(path, grab=grab, device_factory=device_factory)
    if not (stat.S_ISFIFO(mode) or stat.S_ISREG(mode)):
        raise DeviceUnavailable(f"{name} is neither an input device nor a stream of input events", "not-input", name)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise DeviceUnavailable(f"{name} is not there: plug the scanner in", "missing", name) from None
    except PermissionError:
        raise DeviceUnavailable(f"cannot read {name}: permission denied", "permission", name) from None
    return RawEventSource(fd, name, final=stat.S_ISREG(mode))


def stream_opener(fd: int, name: str) -> Opener:
    """A pipe or file already open: read once to its end, then EndOfInput (there is no replug)."""
    used = False

    def open_stream() -> EventSource:
        nonlocal used
        if used:
            raise EndOfInput(name)
        used = True
        return RawEventSource(fd, name, final=True)

    return open_stream


# -- readers --------------------------------------------------------------------------------------


class _Decoder(Protocol):
    def deadline(self) -> float | None: ...

    def expire(self, now: float) -> Outcome | None: ...

    def interrupt(self, reason: str) -> Dropped | None: ...


class _ReconnectingReader:
    """The loop both scanner kinds share: connect, read, time out, lose, back off, reconnect."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        on_status: Callable[[ScannerStatus], None] | None,
        on_dropped: Callable[[Dropped], None] | None,
        retry_min: float,
        retry_max: float,
    ) -> None:
        self.clock = clock
        self.on_status = on_status
        self.on_dropped = on_dropped
        self.retry_min, self.retry_max = retry_min, retry_max
        self._retry = retry_min
        self._next_attempt = float("-inf")
        self._ready: deque[Scan] = deque()
        self._status = ScannerStatus(ScannerState.DISCONNECTED, "", "Scanner not opened yet")
        self._connected = False
        self.ended = False
        self.dropped = 0
        self._closed = threading.Event()
        self._busy = threading.Lock()
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)

    @property
    def status(self) -> ScannerStatus:
        return self._status

    @property
    def pending(self) -> str:
        """The scan being typed, not finished yet (for a "reading…" hint)."""
        raise NotImplementedError

    def read_scan(self, timeout: float | None = None) -> Scan | None:
        """The next scan; None after ``timeout`` seconds (real time), once closed, or at the end of input."""
        give_up = None if timeout is None else time.monotonic() + timeout
        with self._busy:
            try:
                while not self._ready:
                    if self._closed.is_set() or self.ended:
                        return None
                    remaining = None if give_up is None else give_up - time.monotonic()
                    progressed = self._pass(None if remaining is None else max(0.0, remaining))
                    if remaining is not None and remaining <= 0 and not progressed and not self._ready:
                        return None
                scan = self._ready.popleft()
                self._note_layout(scan)
                return scan
            finally:
                if self._closed.is_set():
                    self._release()

    def __iter__(self) -> Iterator[Scan]:
        while (scan := self.read_scan()) is not None:
            yield scan

    def open(self) -> None:
        """Open the device now, raising DeviceUnavailable, for a command that must fail fast.

        Without it, the reader opens the device itself and keeps retrying until it is there.
        """
        with self._busy:
            if not self._connected:
                name = self._open()
                self._connected = True
                self._set_status(ScannerState.CONNECTED, name, f"Scanner ready: {name}")

    def close(self) -> None:
        """Stop: wakes a ``read_scan()`` blocked in another thread, which then returns None."""
        self._closed.set()
        try:
            os.write(self._wake_w, b"x")
        except OSError:
            pass  # already released
        if self._busy.acquire(blocking=False):
            try:
                self._release()
            finally:
                self._busy.release()

    def __enter__(self) -> _ReconnectingReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one pass of the loop --

    def _pass(self, budget: float | None) -> bool:
        now = self.clock()
        if not self._connected:
            if now < self._next_attempt:
                self._wait(_shortest(budget, self._next_attempt - now), None)
                return False
            return self._connect()
        deadline = self._deadline()
        wait = budget if deadline is None else _shortest(budget, max(0.0, deadline - now))
        progressed = False
        readable = self._wait(wait, self._fileno())
        while readable:  # everything pending, before any timeout is judged
            progressed = True
            try:
                outcomes = self._read(self.clock())
            except DeviceGone as exc:
                self._lose(str(exc))
                return True
            except EndOfInput:
                self._end()
                return True
            for outcome in outcomes:
                self._handle(outcome)
            readable = self._wait(0, self._fileno())
        if self._connected and (expired := self._expire(self.clock())) is not None:
            self._handle(expired)
            progressed = True
        return progressed

    def _wait(self, timeout: float | None, fd: int | None) -> bool:
        """Wait for ``fd`` to be readable (or the wake pipe); True if ``fd`` is."""
        fds = [self._wake_r] + ([fd] if fd is not None else [])
        try:
            readable, _, _ = select.select(fds, [], [], timeout)
        except (OSError, ValueError) as exc:  # the fd was closed under us: treat as unplugged
            if fd is not None and not self._closed.is_set():
                self._lose(str(exc))
            return False
        if self._wake_r in readable:
            try:
                os.read(self._wake_r, 64)
            except OSError:
                pass
        return fd is not None and fd in readable

    def _connect(self) -> bool:
        try:
            name = self._open()
        except EndOfInput:
            self.ended = True
            return True
        except DeviceUnavailable as exc:
            self._set_status(ScannerState.DISCONNECTED, exc.device, str(exc))
            self._schedule_retry()
            return False
        self._connected = True
        self._retry = self.retry_min
        self._set_status(ScannerState.CONNECTED, name, f"Scanner ready: {name}")
        return True

    def _lose(self, reason: str) -> None:
        name = self._status.device
        self._close_device()
        self._connected = False
        if dropped := self._interrupt("the scanner disconnected in the middle of a scan"):
            self._handle(dropped)
        self._set_status(
            ScannerState.DISCONNECTED,
            name,
            f"Scanner disconnected ({reason}): plug it back in; scanning resumes by itself",
        )
        self._schedule_retry()

    def _end(self) -> None:
        name = self._status.device
        self._close_device()
        self._connected = False
        self.ended = True
        if dropped := self._interrupt("the input ended in the middle of a scan"):
            self._handle(dropped)
        self._set_status(ScannerState.DISCONNECTED, name, f"End of input: {name}")

    def _schedule_retry(self) -> None:
        self._next_attempt = self.clock() + self._retry
        self._retry = min(self._retry * 2, self.retry_max)

    def _handle(self, outcome: Outcome) -> None:
        if isinstance(outcome, Dropped):
            self.dropped += 1
            log.warning("partial scan %r dropped: %s", outcome.text, outcome.reason)
            if self.on_dropped:
                self.on_dropped(outcome)
            return
        self._ready.append(outcome)

    def _note_layout(self, scan: Scan) -> None:
        """The layout warning follows the scans as they are handed out, the last one deciding."""
        if scan.suspected_layout:
            self._set_status(
                ScannerState.WRONG_LAYOUT,
                scan.device,
                f"Scans look garbled: the scanner seems to type in the {scan.suspected_layout} layout, "
                f"not {scan.layout} ({scan.text!r} would be {scan.suspected_text!r}). "
                f'Set devices.scanner.layout = "{scan.suspected_layout}", '
                f"or program the scanner for {scan.layout}",
            )
        elif self._status.state is ScannerState.WRONG_LAYOUT:
            self._set_status(ScannerState.CONNECTED, scan.device, f"Scanner ready: {scan.device}")

    def _set_status(self, state: ScannerState, device: str, message: str) -> None:
        status = ScannerStatus(state, device, message)
        if status != self._status:
            self._status = status
            log.info("scanner %s: %s", state.value, message)
            if self.on_status:
                self.on_status(status)

    def _release(self) -> None:
        self._close_device()
        self._connected = False
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass  # closed by an earlier release
        self._wake_r = self._wake_w = -1

    # -- what each kind of scanner provides --

    def _open(self) -> str:
        raise NotImplementedError

    def _fileno(self) -> int:
        raise NotImplementedError

    def _read(self, now: float) -> list[Outcome]:
        raise NotImplementedError

    _decoder: _Decoder  # the subclass's assembler: keys or bytes in, scans out

    def _deadline(self) -> float | None:
        return self._decoder.deadline()

    def _expire(self, now: float) -> Outcome | None:
        return self._decoder.expire(now)

    def _interrupt(self, reason: str) -> Dropped | None:
        return self._decoder.interrupt(reason)

    def _close_device(self) -> None:
        raise NotImplementedError


def _shortest(budget: float | None, wait: float) -> float:
    return wait if budget is None else min(budget, wait)


class ScannerReader(_ReconnectingReader):
    """A keyboard-wedge scanner: blocking ``read_scan()`` for a worker thread, ``close()`` from any.

    >>> reader = ScannerReader(evdev_opener(), layout="fr")     # doctest: +SKIP
    >>> for scan in reader: print(scan.text)                    # doctest: +SKIP
    """

    def __init__(
        self,
        opener: Opener,
        *,
        layout: str = "us",
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_status: Callable[[ScannerStatus], None] | None = None,
        on_dropped: Callable[[Dropped], None] | None = None,
        retry_min: float = 0.1,
        retry_max: float = 1.0,
    ) -> None:
        self._assembler = self._decoder = ScanAssembler(
            layout, terminator=terminator, inter_key_timeout=inter_key_timeout, gs_substitute=gs_substitute
        )
        super().__init__(
            clock=clock, on_status=on_status, on_dropped=on_dropped, retry_min=retry_min, retry_max=retry_max
        )
        self._opener = opener
        self._source: EventSource | None = None

    @property
    def pending(self) -> str:
        return self._assembler.pending

    def _open(self) -> str:
        self._source = self._opener()
        self._assembler.device = self._source.name
        if (caps := self._source.caps_lock_on()) is not None:
            self._assembler.set_caps_lock(caps)
        return self._source.name

    def _fileno(self) -> int:
        assert self._source is not None
        return self._source.fileno()

    def _read(self, now: float) -> list[Outcome]:
        assert self._source is not None
        outcomes: list[Outcome] = []
        for event in self._source.read_events():
            stamp = event.sec + event.usec / 1_000_000
            outcomes += self._assembler.feed(event.type, event.code, event.value, now, stamp)
        return outcomes

    def _close_device(self) -> None:
        source, self._source = self._source, None
        if source is not None:
            source.close()


# -- USB-serial (CDC-ACM) scanners ----------------------------------------------------------------


class LineAssembler:
    """Bytes in, scans out: a serial scanner ends each barcode with CR, LF or CR LF."""

    def __init__(
        self,
        *,
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        device: str = "",
    ) -> None:
        if terminator not in TERMINATORS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATORS)}")
        self.terminator = terminator
        self.inter_key_timeout = inter_key_timeout
        self.gs_substitute = gs_substitute or None
        self.device = device
        self._buffer = bytearray()
        self._last: float | None = None

    @property
    def pending(self) -> str:
        return self._decode(bytes(self._buffer))

    def deadline(self) -> float | None:
        return None if not self._buffer or self._last is None else self._last + self.inter_key_timeout

    def feed(self, data: bytes, now: float) -> list[Outcome]:
        outcomes: list[Outcome] = []
        if data and (deadline := self.deadline()) is not None and now >= deadline:
            if outcome := self._timed_out():
                outcomes.append(outcome)
        if data:
            self._last = now
        ends = TERMINATORS[self.terminator].encode()
        for byte in data:
            if byte in ends:
                if scan := self._finish():
                    outcomes.append(scan)
            else:
                self._buffer.append(byte)
        return outcomes

    def expire(self, now: float) -> Outcome | None:
        deadline = self.deadline()
        return self._timed_out() if deadline is not None and now >= deadline else None

    def interrupt(self, reason: str) -> Dropped | None:
        partial, self._buffer = self._decode(bytes(self._buffer)), bytearray()
        return Dropped(partial, reason) if partial else None

    def _timed_out(self) -> Outcome | None:
        if self.terminator == "none":
            return self._finish()
        timeout_ms = round(self.inter_key_timeout * 1000)
        return self.interrupt(f"no end of line came within {timeout_ms} ms")

    def _finish(self) -> Scan | None:
        text, self._buffer = self._decode(bytes(self._buffer)), bytearray()
        if self.gs_substitute:
            text = text.replace(self.gs_substitute, GS)
        return Scan(text, self.device, "serial") if text else None  # CR LF: the LF ends an empty line

    @staticmethod
    def _decode(data: bytes) -> str:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")  # older scanners send ISO-8859-1 for accented data


class SerialScanner(_ReconnectingReader):
    """A scanner in USB-serial mode (/dev/ttyACM*): no layout to get wrong, lines end with CR/LF."""

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 9600,
        terminator: str = "enter",
        inter_key_timeout: float = DEFAULT_INTER_KEY_TIMEOUT,
        gs_substitute: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_status: Callable[[ScannerStatus], None] | None = None,
        on_dropped: Callable[[Dropped], None] | None = None,
        retry_min: float = 0.1,
        retry_max: float = 1.0,
        serial_factory: Callable[..., serial.Serial] = serial.Serial,
    ) -> None:
        self._lines = self._decoder = LineAssembler(
            terminator=terminator, inter_key_timeout=inter_key_timeout, gs_substitute=gs_substitute, device=port
        )
        super().__init__(
            clock=clock, on_status=on_status, on_dropped=on_dropped, retry_min=retry_min, retry_max=retry_max
        )
        self.port = port
        self.baudrate = baudrate
        self._factory = serial_factory
        self._serial: serial.Serial | None = None

    @property
    def pending(self) -> str:
        return self._lines.pending

    def _open(self) -> str:
        try:
            self._serial = self._factory(self.port, baudrate=self.baudrate, timeout=0, exclusive=True)
        except serial.SerialException as exc:
            raise DeviceUnavailable(_serial_problem(self.port, exc), _serial_kind(exc), self.port) from None
        return self.port

    def _fileno(self) -> int:
        assert self._serial is not None
        return self._serial.fileno()

    def _read(self, now: float) -> list[Outcome]:
        assert self._serial is not None
        try:
            data = self._serial.read(max(1, self._serial.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise DeviceGone(str(exc)) from exc
        return self._lines.feed(data, now)

    def _close_device(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass  # the device is gone already


def _serial_kind(exc: serial.SerialException) -> str:
    number = getattr(exc, "errno", None)
    if number == errno.EACCES:
        return "permission"
    if number == errno.EBUSY or "lock" in str(exc).lower():
        return "busy"
    return "missing"


def _serial_problem(port: str, exc: serial.SerialException) -> str:
    kind = _serial_kind(exc)
    if getattr(exc, "errno", None) == errno.ENOENT:
        return f"{port} does not exist: check the cable and the port name (ofn-checkout devices lists them)"
    if kind == "permission":
        return f"cannot open {port}: permission denied; the user must be in group dialout"
    if kind == "busy":
        return f"{port} is in use by another program (is the till running? stop it first)"
    return f"cannot open {port}: {exc}; check the cable and the port name (ofn-checkout devices lists them)"
