"""The workers that read the devices and the sync state and post what they find as messages.

Each device driver is synchronous (a blocking read with a timeout); each gets a thread worker of
its own that loops until the app stops, and posts a message only when something changed, so an
idle counter costs next to nothing. Nothing here touches a widget: ``post_message`` is the one
call that is safe from a thread. The screens never see a driver; the app forwards each message to
the screen in front and keeps the latest value for the status bar.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from appliance.store.database import StoreUnreadable
from appliance.store.sync_state import Status
from drivers.devices import Devices
from drivers.scale.reading import Reading

from .messages import (
    DrawerChanged,
    PrinterChanged,
    ScanDropped,
    ScannerChanged,
    ScanRead,
    StoreTrouble,
    SyncChanged,
    WeightChanged,
)

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)


class Bridge:
    """Starts one worker per device (and one for the sync state) on ``start``; ``stop`` ends them."""

    def __init__(
        self,
        app: App[Any],
        devices: Devices | None,
        sync_status: Callable[[], Status] | None,
        *,
        scale_poll: float = 0.2,
        status_poll: float = 1.0,
    ):
        self.app = app
        self.devices = devices or Devices()
        self.sync_status = sync_status
        self.scale_poll = scale_poll
        self.status_poll = status_poll
        self._stop = threading.Event()

    def start(self) -> None:
        """The workers of the devices it was given (none yet when the app builds them after its first
        frame: :meth:`attach`), and the sync state's."""
        self._start_devices()
        if self.sync_status is not None:
            self._worker(self._watch_sync, "sync")

    def attach(self, devices: Devices) -> None:
        """Devices built after :meth:`start` (``run``'s, once the first frame is out): their workers."""
        self.devices = devices
        self._start_devices()

    def _start_devices(self) -> None:
        devices = self.devices
        if devices.printer is not None:
            devices.printer.on_change = lambda snapshot: self.app.post_message(PrinterChanged(snapshot))
            self.app.post_message(PrinterChanged(devices.printer.snapshot()))
        if devices.scanner is not None:
            devices.scanner.on_status = lambda status: self.app.post_message(ScannerChanged(status))
            devices.scanner.on_dropped = lambda dropped: self.app.post_message(ScanDropped(dropped.reason))
            self._worker(self._read_scanner, "scanner")
        if devices.scale is not None:
            self._worker(self._read_scale, "scale")
        if devices.drawer_switch is not None:
            self._worker(self._watch_drawer, "drawer")

    def stop(self) -> None:
        """Ask every worker to end; the scanner's blocking read is woken by closing the reader."""
        self._stop.set()
        if self.devices.scanner is not None:
            self.devices.scanner.close()

    def _worker(self, loop: Callable[[], None], name: str) -> None:
        self.app.run_worker(loop, name=name, group="bridge", thread=True, exit_on_error=False)

    # -- the loops -------------------------------------------------------------------------------

    def _read_scanner(self) -> None:
        scanner = self.devices.scanner
        assert scanner is not None
        while not self._stop.is_set():
            scan = scanner.read_scan(timeout=0.5)
            if scan is not None and not self._stop.is_set():
                self.app.post_message(ScanRead(scan.text, "scanner"))

    def _read_scale(self) -> None:
        scale = self.devices.scale
        assert scale is not None
        last: Reading | None = None
        while not self._stop.is_set():
            try:
                reading = scale.read()
            except Exception:  # a driver bug must not end the readings for the day
                log.exception("reading the scale failed")
                reading = None
            if reading is not None and _differs(reading, last):
                last = reading
                self.app.post_message(WeightChanged(reading))
            self._stop.wait(self.scale_poll)

    def _watch_drawer(self) -> None:
        switch = self.devices.drawer_switch
        assert switch is not None
        last: tuple[bool, str] | None = None
        while not self._stop.is_set():
            alert = switch.check()
            now = (switch.is_open, alert.message if alert else "")
            if now != last:
                last = now
                self.app.post_message(DrawerChanged(*now))
            self._stop.wait(0.5)

    def _watch_sync(self) -> None:
        """Polls the sync state, and so learns first when the store itself went bad: that is posted
        (and logged) once, since the till refuses to write until it restarts; a failure that passes
        is logged when it first comes, not once a poll."""
        assert self.sync_status is not None
        last: Status | None = None
        trouble: str | None = None
        failure = ""
        while not self._stop.is_set():
            status = None
            try:
                status = self.sync_status()
            except StoreUnreadable as exc:
                if trouble is None:
                    trouble = str(exc)
                    log.error("the store cannot be read: %s", trouble)
                    self.app.post_message(StoreTrouble(trouble))
            except Exception as exc:  # a locked or busy store: try again at the next poll
                if str(exc) != failure:
                    log.exception("reading the sync state failed (said again only if it changes)")
                failure = str(exc)
            else:
                failure = ""
            if status is not None and status != last:
                last = status
                self.app.post_message(SyncChanged(status))
            self._stop.wait(self.status_poll)


def _differs(reading: Reading, last: Reading | None) -> bool:
    """A new reading matters when its state, weight or connection changed (not its raw bytes)."""
    if last is None:
        return True
    return (reading.state, reading.grams, reading.net, reading.connected) != (
        last.state,
        last.grams,
        last.net,
        last.connected,
    )
