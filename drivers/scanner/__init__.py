"""The barcode scanner driver: keyboard-wedge scanners through evdev, USB-serial ones through pyserial.

A USB scanner is a keyboard to the kernel. Left alone, its keystrokes go to the console, where
the till's UI would take them for the cashier's typing; so the driver opens it through evdev and
grabs it (EVIOCGRAB): from then on only we see its keys. We decode them with the layout the
scanner types in (keymaps.py), and a scan ends at its terminator (Enter by default, or Tab).

Decisions, as a product must make them:
- **Partial scans are dropped, and so is their rest.** Keys that stop for longer than the
  inter-key timeout without a terminator (the scanner was unplugged, or its suffix is not set)
  are thrown away and reported through ``on_dropped``, so the UI can say "scan again". Emitting
  them would sell whatever a truncated code happens to match. The keys that come after such a
  pause, up to the next terminator, are the rest of the same scan (``30176`` ‹pause›
  ``20422003⏎``): dropped and reported too, for the same reason; the next burst after that
  terminator is a scan from a clean start. Keys lost by the kernel (``SYN_DROPPED``) cut a scan
  the same way. With ``terminator="none"`` (a scanner programmed with no suffix) the timeout is
  what ends a scan, and it is emitted.
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

The modules: ``scans`` (what the driver hands out and raises), ``assembler`` (key events to scans,
pure), ``event_source`` (what the reader reads from), ``sources`` (event sources and the openers
that find the scanner: the only one that needs evdev), ``reader`` (the reconnecting loop and
:class:`ScannerReader`), ``serial_scanner`` (:class:`SerialScanner`). Everything public is
importable from ``drivers.scanner`` itself, as it was when this was one module (the sources when
first named).
"""

from typing import TYPE_CHECKING

from .event_source import EventSource, Opener
from .reader import ScannerReader
from .scans import (
    DEFAULT_INTER_KEY_TIMEOUT,
    TERMINATORS,
    DeviceGone,
    DeviceUnavailable,
    Dropped,
    EndOfInput,
    Outcome,
    Scan,
    ScannerState,
    ScannerStatus,
)
from .serial_scanner import LineAssembler, SerialScanner

if TYPE_CHECKING:
    from .assembler import PLAUSIBLE, SUGGESTION_ORDER, ScanAssembler
    from .sources import (
        EvdevSource,
        RawEventSource,
        evdev_opener,
        find_scanner,
        open_event_source,
        path_opener,
        stream_opener,
    )

#: The event sources need the evdev library: imported when one of them is first asked for, so a
#: box whose scanner is serial (or that has none) never loads it (``__getattr__`` below).
_SOURCES = (
    "EvdevSource",
    "RawEventSource",
    "evdev_opener",
    "find_scanner",
    "open_event_source",
    "path_opener",
    "stream_opener",
)


#: The keyboard-wedge decoding and its layouts: imported when first named too, so a box whose
#: scanner is serial never defines the keyboard layouts (``drivers.keymaps``).
_ASSEMBLER = ("PLAUSIBLE", "SUGGESTION_ORDER", "ScanAssembler")


def __getattr__(name: str) -> object:
    if name in _SOURCES:
        from . import sources

        return getattr(sources, name)
    if name in _ASSEMBLER:
        from . import assembler

        return getattr(assembler, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_INTER_KEY_TIMEOUT",
    "PLAUSIBLE",
    "SUGGESTION_ORDER",
    "TERMINATORS",
    "DeviceGone",
    "DeviceUnavailable",
    "Dropped",
    "EndOfInput",
    "EvdevSource",
    "EventSource",
    "LineAssembler",
    "Opener",
    "Outcome",
    "RawEventSource",
    "Scan",
    "ScanAssembler",
    "ScannerReader",
    "ScannerState",
    "ScannerStatus",
    "SerialScanner",
    "evdev_opener",
    "find_scanner",
    "open_event_source",
    "path_opener",
    "stream_opener",
]
