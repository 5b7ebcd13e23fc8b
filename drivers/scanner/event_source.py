"""What the scanner's reader reads keyboard events from, apart from evdev, which reads them.

The reader (reader.py) needs only this shape; the sources themselves (sources.py: a grabbed input
device, a twin's pipe, a recording) need the evdev library, imported only when a box has a
keyboard-wedge scanner (a serial scanner's box never loads it: its start is 30 ms shorter).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol


class EventSource(Protocol):
    name: str

    def fileno(self) -> int: ...

    def read_events(self) -> Sequence[Any]:
        """Pending events (objects with type, code, value); [] if none; DeviceGone if it stopped."""
        ...

    def caps_lock_on(self) -> bool | None: ...

    def close(self) -> None: ...


Opener = Callable[[], EventSource]
