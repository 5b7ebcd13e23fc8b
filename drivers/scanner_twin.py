"""A keyboard-wedge barcode scanner in software, for the demo and the tests.

It does what the scanner's firmware does: for each character of a barcode, it picks the keys its
layout needs (Shift, AltGr, a dead key then space), and emits the Linux input events a USB HID
keyboard produces for them: EV_MSC/MSC_SCAN with the HID usage, EV_KEY press or release, then
EV_SYN/SYN_REPORT, each packed as the kernel's ``struct input_event`` (timeval seconds and
microseconds as C longs, type u16, code u16, value s32, in native layout: 24 bytes on 64-bit).
Written to a pipe, those bytes are read by evdev's own C reader exactly as from /dev/input.

Faults a real scanner shows in the field: a layout other than the host's (make the twin with one
layout and read with another), no terminator (``terminator="none"`` or ``terminate=False``),
slow keys (``key_delay``), unplugged in the middle of a scan (``unplug_mid_scan``), Caps Lock on.

Run as a program, it types barcodes into a FIFO, a file or stdout::

    python -m drivers.scanner_twin --layout fr --out /tmp/scanner.fifo 3017620422003 "(01)..."
"""

from __future__ import annotations

import argparse
import os
import select
import string
import struct
import sys
import time
from collections.abc import Callable, Iterable

from .keymaps import (
    EV_KEY,
    EV_MSC,
    EV_SYN,
    GS,
    KEY_102ND,
    KEY_APOSTROPHE,
    KEY_BACKSLASH,
    KEY_CAPSLOCK,
    KEY_COMMA,
    KEY_DOT,
    KEY_ENTER,
    KEY_EQUAL,
    KEY_GRAVE,
    KEY_KP0,
    KEY_KPASTERISK,
    KEY_KPDOT,
    KEY_KPENTER,
    KEY_KPMINUS,
    KEY_KPPLUS,
    KEY_KPSLASH,
    KEY_LEFTALT,
    KEY_LEFTBRACE,
    KEY_LEFTCTRL,
    KEY_LEFTSHIFT,
    KEY_MINUS,
    KEY_RIGHTALT,
    KEY_RIGHTBRACE,
    KEY_RIGHTCTRL,
    KEY_RIGHTSHIFT,
    KEY_SEMICOLON,
    KEY_SLASH,
    KEY_SPACE,
    KEY_TAB,
    KEYPAD_DIGITS,
    LAYOUT_NAMES,
    MSC_SCAN,
    SYN_DROPPED,
    SYN_REPORT,
    US,
    Stroke,
    get_layout,
)

# struct input_event, native: on 64-bit Linux two 8-byte longs then u16 u16 s32 = 24 bytes; on a
# 32-bit Raspberry Pi OS the kernel's own struct is 16 bytes, and "@" follows the platform too.
EVENT = struct.Struct("@llHHi")
# A pipe keeps a write of at most PIPE_BUF bytes whole; evdev's reader drops a trailing partial
# event, so every write is a whole number of events below that size.
MAX_EVENTS_PER_WRITE = select.PIPE_BUF // EVENT.size

TERMINATOR_KEYS = {"enter": KEY_ENTER, "tab": KEY_TAB, "none": None}
GS_MODES = ("ctrl", "alt")

RawEvent = tuple[int, int, int, int, int]  # sec, usec, type, code, value


def _hid_usages() -> dict[int, int]:
    """USB HID keyboard usages (page 7), sent by real keyboards as MSC_SCAN before each key."""
    usages: dict[int, int] = {}
    for index, letter in enumerate(string.ascii_lowercase):  # HID a..z are 0x04..0x1D, at the US positions
        usages[US.strokes(letter)[0].code] = 0x04 + index  # type: ignore[index]
    usages.update({code: 0x1E + index for index, code in enumerate(range(2, 12))})  # 1..9, 0
    usages.update(
        {
            KEY_ENTER: 0x28,
            KEY_TAB: 0x2B,
            KEY_SPACE: 0x2C,
            KEY_MINUS: 0x2D,
            KEY_EQUAL: 0x2E,
            KEY_LEFTBRACE: 0x2F,
            KEY_RIGHTBRACE: 0x30,
            KEY_BACKSLASH: 0x31,
            KEY_SEMICOLON: 0x33,
            KEY_APOSTROPHE: 0x34,
            KEY_GRAVE: 0x35,
            KEY_COMMA: 0x36,
            KEY_DOT: 0x37,
            KEY_SLASH: 0x38,
            KEY_CAPSLOCK: 0x39,
            KEY_102ND: 0x64,
            KEY_KPSLASH: 0x54,
            KEY_KPASTERISK: 0x55,
            KEY_KPMINUS: 0x56,
            KEY_KPPLUS: 0x57,
            KEY_KPENTER: 0x58,
            KEY_KP0: 0x62,
            KEY_KPDOT: 0x63,
            KEY_LEFTCTRL: 0xE0,
            KEY_LEFTSHIFT: 0xE1,
            KEY_LEFTALT: 0xE2,
            KEY_RIGHTCTRL: 0xE4,
            KEY_RIGHTSHIFT: 0xE5,
            KEY_RIGHTALT: 0xE6,
        }
    )
    usages.update({code: 0x59 + int(digit) - 1 for code, digit in KEYPAD_DIGITS.items() if digit != "0"})
    return usages


HID_USAGE = _hid_usages()
ALT_DIGITS = {digit: code for code, digit in KEYPAD_DIGITS.items()}


class CannotType(ValueError):
    """The scanner's layout has no key for a character of the barcode."""


class ScannerTwin:
    """A scanner programmed for one layout, terminator and GS mode, typing barcodes as key events.

    ``gs`` is how GS (0x1D) is sent: "ctrl" (Ctrl+], at the US position), "alt" (Alt + keypad
    0 2 9) or any other string, typed in its place (a substitute the reader turns back into GS).
    ``alt_mode`` types every character as Alt + its decimal code on the keypad, as scanners in
    "ALT mode" do to be independent of the host's layout. ``caps_lock`` presses Caps Lock before
    the barcode and after it, typing letters accordingly, as a scanner whose host has Caps Lock on.
    """

    def __init__(
        self,
        layout: str = "us",
        *,
        terminator: str = "enter",
        gs: str = "ctrl",
        alt_mode: bool = False,
        caps_lock: bool = False,
        wallclock: Callable[[], float] = time.time,
    ) -> None:
        if terminator not in TERMINATOR_KEYS:
            raise ValueError(f"terminator must be one of {', '.join(TERMINATOR_KEYS)}")
        if not gs:
            raise ValueError("gs must be 'ctrl', 'alt' or a substitute string")
        self.layout = get_layout(layout)
        self.terminator = terminator
        self.gs = gs
        self.alt_mode = alt_mode
        self.caps_lock = caps_lock
        self.wallclock = wallclock

    # -- key level -------------------------------------------------------------------------------

    def keystrokes(self, text: str, *, terminate: bool = True) -> list[list[tuple[int, int]]]:
        """The (key code, value) changes for ``text``, one group per character typed."""
        groups: list[list[tuple[int, int]]] = []
        if self.caps_lock:
            groups.append(_tap(KEY_CAPSLOCK))
        for char in text:
            groups.append(self._char(char))
        terminator = TERMINATOR_KEYS[self.terminator]
        if terminate and terminator is not None:
            groups.append(_tap(terminator))
        if self.caps_lock:
            groups.append(_tap(KEY_CAPSLOCK))
        return groups

    def _char(self, char: str) -> list[tuple[int, int]]:
        if char == GS and self.gs in GS_MODES:
            return _alt_code(29) if self.gs == "alt" else _chord([KEY_LEFTCTRL], KEY_RIGHTBRACE)
        if char == GS:
            return [change for sub in self.gs for change in self._char(sub)]
        if self.alt_mode:
            return _alt_code(ord(char), leading_zero=True)
        strokes = self.layout.strokes(char)
        if strokes is None:
            raise CannotType(f"the {self.layout.name} layout has no key for {char!r}")
        return [change for stroke in strokes for change in self._stroke(stroke)]

    def _stroke(self, stroke: Stroke) -> list[tuple[int, int]]:
        shift = stroke.shift
        if self.caps_lock and not stroke.altgr and self.layout.is_letter(stroke.code):
            shift = not shift
        modifiers = [KEY_LEFTSHIFT] * shift + [KEY_RIGHTALT] * stroke.altgr + [KEY_LEFTCTRL] * stroke.ctrl
        return _chord(modifiers, stroke.code)

    # -- event level -----------------------------------------------------------------------------

    def events(self, text: str, *, terminate: bool = True) -> list[RawEvent]:
        """The input events for ``text``, as a USB keyboard reports them (MSC_SCAN, KEY, SYN).

        They are made at once, so they carry one time: a clock read per key would stamp a gap
        into the scan wherever this process was kept off the CPU, and the reader rightly drops a
        scan with a 200 ms gap between two keys. ``type_into`` stamps each key as it writes it.
        """
        at = self.wallclock()
        return [
            event for group in self.keystrokes(text, terminate=terminate) for event in self.group_events(group, at=at)
        ]

    def group_events(self, changes: Iterable[tuple[int, int]], *, at: float | None = None) -> list[RawEvent]:
        events: list[RawEvent] = []
        for code, value in changes:
            sec, usec = _timeval(self.wallclock() if at is None else at)
            if code in HID_USAGE:
                events.append((sec, usec, EV_MSC, MSC_SCAN, 0x70000 | HID_USAGE[code]))
            events.append((sec, usec, EV_KEY, code, value))
            events.append((sec, usec, EV_SYN, SYN_REPORT, 0))
        return events

    def encode(self, text: str, *, terminate: bool = True) -> bytes:
        return pack(self.events(text, terminate=terminate))

    def type_into(
        self,
        fd: int,
        text: str,
        *,
        terminate: bool = True,
        key_delay: float = 0.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Write ``text`` as events to a pipe or file, a character at a time, ``key_delay`` apart."""
        for index, group in enumerate(self.keystrokes(text, terminate=terminate)):
            if index and key_delay:
                sleep(key_delay)
            write_events(fd, self.group_events(group))

    def unplug_mid_scan(self, fd: int, text: str, after: int) -> None:
        """Type the first ``after`` characters, then vanish: the write end is closed."""
        try:
            self.type_into(fd, text[:after], terminate=False)
        finally:
            os.close(fd)


def _tap(code: int) -> list[tuple[int, int]]:
    return [(code, 1), (code, 0)]


def _chord(modifiers: list[int], code: int) -> list[tuple[int, int]]:
    return [(m, 1) for m in modifiers] + _tap(code) + [(m, 0) for m in reversed(modifiers)]


def _alt_code(number: int, *, leading_zero: bool = False) -> list[tuple[int, int]]:
    digits = f"{number:04d}" if leading_zero else f"{number:03d}"
    return [(KEY_LEFTALT, 1), *[c for digit in digits for c in _tap(ALT_DIGITS[digit])], (KEY_LEFTALT, 0)]


def _timeval(now: float) -> tuple[int, int]:
    sec = int(now)
    return sec, int((now - sec) * 1_000_000)


def pack(events: Iterable[RawEvent]) -> bytes:
    """Raw ``struct input_event`` records, as read from /dev/input/event*."""
    return b"".join(EVENT.pack(*event) for event in events)


def write_events(fd: int, events: list[RawEvent]) -> None:
    """Write whole events, never more than a pipe keeps in one piece per write."""
    for start in range(0, len(events), MAX_EVENTS_PER_WRITE):
        data = memoryview(pack(events[start : start + MAX_EVENTS_PER_WRITE]))
        while data:
            data = data[os.write(fd, data) :]


def syn_dropped(wallclock: Callable[[], float] = time.time) -> list[RawEvent]:
    """What the kernel sends when a reader fell behind and its buffer overflowed."""
    sec, usec = _timeval(wallclock())
    return [(sec, usec, EV_SYN, SYN_DROPPED, 0)]


def serial_frame(text: str, suffix: str = "\r\n", encoding: str = "utf-8") -> bytes:
    """What a scanner in USB-serial (CDC-ACM) mode sends for one barcode."""
    return (text + suffix).encode(encoding)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.scanner_twin", description=__doc__.split("\n\n")[0])
    parser.add_argument("barcodes", nargs="+")
    parser.add_argument("--layout", choices=LAYOUT_NAMES, default="us")
    parser.add_argument("--terminator", choices=tuple(TERMINATOR_KEYS), default="enter")
    parser.add_argument("--gs", default="ctrl", help="ctrl, alt, or a substitute string")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds between keys")
    parser.add_argument("--out", default="-", help="FIFO or file to write to; - for stdout")
    args = parser.parse_args(argv)
    twin = ScannerTwin(args.layout, terminator=args.terminator, gs=args.gs)
    texts = [barcode.replace("<GS>", GS) for barcode in args.barcodes]
    fd = sys.stdout.fileno() if args.out == "-" else os.open(args.out, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        for text in texts:
            twin.type_into(fd, text, key_delay=args.delay)
    except CannotType as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.out != "-":
            os.close(fd)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
