"""The box's devices as the UI holds them: :class:`Devices`, and :class:`DeviceProblem` for a part
that could not be set up.

Apart from :mod:`drivers.assembly`, which builds them and imports every driver to do so: the
counter starts with no device (``Devices()``) and builds the box's once its first frame is out
(tui/app.py), so its modules hold this class without importing the drivers before that frame
(docs/benchmarks.md, "bench/counter_start.py").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .drawer import DrawerMonitor, GpioDrawer, PrinterDrawer
    from .lights import StatusLights
    from .print_queue import PrintQueue
    from .scale import SerialScale
    from .scanner import ScannerReader, SerialScanner


@dataclass(frozen=True)
class DeviceProblem:
    """A device the config asks for that could not be set up; ``message`` says what to do."""

    device: str
    message: str

    def __str__(self) -> str:
        return f"{self.device}: {self.message}"


@dataclass
class Devices:
    """The box's devices; each is None when the config does not use it (or it could not be set up).

    ``start()`` starts the print queue's worker; ``close()`` stops it and releases every device
    (use ``with build_devices(...) as devices:``). The UI sets its callbacks (``scanner.on_status``,
    ``printer.on_change``…) before starting: the readers open their devices on first use.
    """

    scanner: ScannerReader | SerialScanner | None = None
    scale: SerialScale | None = None
    printer: PrintQueue | None = None
    drawer: PrinterDrawer | GpioDrawer | None = None
    drawer_switch: DrawerMonitor | None = None
    lights: StatusLights | None = None
    problems: tuple[DeviceProblem, ...] = field(default=())

    def start(self) -> Devices:
        if self.printer is not None:
            self.printer.start()
        return self

    def close(self) -> None:
        """Release everything; the print queue last, once the job it is sending is out."""
        for device in (self.scanner, self.scale, self.drawer_switch, self.lights, self.drawer):
            if device is not None:
                device.close()
        if self.printer is not None:
            self.printer.stop()

    def __enter__(self) -> Devices:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
