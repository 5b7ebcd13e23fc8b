"""What the devices and the sync daemon tell the screens, as Textual messages.

The bridge's workers post them from their threads (``post_message`` is thread-safe); the app
keeps the latest of each and hands them to the screen in front. A message carries a value the
appliance or a driver already defines, so the screens read the same objects as the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import events
from textual.message import Message

from appliance.store.sync_state import Status
from drivers.scale.reading import Reading

if TYPE_CHECKING:  # the printer's and the scanner's modules load with the devices, after the first frame
    from drivers.print_queue import QueueSnapshot
    from drivers.scanner import ScannerStatus


@dataclass
class KeysRead(Message):
    """Keys the terminal sent together, in the order sent (tui/driver.py): one message, not one each."""

    keys: tuple[events.Key, ...]


@dataclass
class ScanRead(Message):
    """A barcode from the scanner (or the keyboard's fast burst in the demo, or a replay line)."""

    code: str
    source: str = "scanner"


@dataclass
class ScanDropped(Message):
    """Part of a scan was lost (a pause inside it): the cashier scans again."""

    reason: str


@dataclass
class ScannerChanged(Message):
    status: ScannerStatus


@dataclass
class WeightChanged(Message):
    """A new reading from the scale (only when it differs from the last one)."""

    reading: Reading


@dataclass
class PrinterChanged(Message):
    snapshot: QueueSnapshot


@dataclass
class DrawerChanged(Message):
    """The drawer's switch: open or shut, and the warning when it stays open too long."""

    open: bool
    alert: str = ""


@dataclass
class SyncChanged(Message):
    """What the sync daemon last recorded in the store: online or not, what waits, what is parked."""

    status: Status


@dataclass
class StoreTrouble(Message):
    """The till's store went bad behind its back (emptied, replaced, overwritten, unreadable): the
    till writes nothing more until it restarts. Said once, and kept in the status bar."""

    problem: str
