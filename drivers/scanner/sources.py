"""Event sources: where a keyboard-wedge scanner's input events come from, and the openers that find it.

The real source grabs an ``evdev.InputDevice`` so its keys reach nobody else; the twin's
(:class:`RawEventSource`) reads raw ``struct input_event`` records from a pipe, FIFO or file
through the very same evdev code. An :data:`Opener` is called again after every unplug, so a
scanner found by name under /dev/input/by-id is looked for afresh each time.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import evdev
from evdev import ecodes
from evdev.eventio import EventIO

from ..discovery import input_devices, scanner_candidates
from .event_source import EventSource, Opener
from .scans import DeviceGone, DeviceUnavailable, EndOfInput


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
