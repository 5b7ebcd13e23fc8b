"""Printing errors a person can act on: ``str()`` says what happened and what to do.

Every part of the driver raises them (addresses, connections, status) and the print queue
sorts them by ``retry``, so they belong to no one part.
"""

from __future__ import annotations


class PrinterError(Exception):
    """A printing problem a person can act on; ``str()`` is one line: what happened, what to do.

    ``retry`` tells the print queue whether waiting can fix it (paper loaded, printer plugged back).
    """

    retry = True


class PrinterConfigError(PrinterError):
    """The printer is set up wrongly (URL, profile); waiting will not help."""

    retry = False


class PrinterNotFound(PrinterError):
    """No device at the address: unplugged, switched off, wrong path or address."""


class PrinterPermissionDenied(PrinterError):
    """The device is there but this user may not open it (udev rule or group missing)."""


class PrinterBusy(PrinterError):
    """Another program holds the device (CUPS, a second till process)."""


class PrinterOffline(PrinterError):
    """The printer is there but not printing: offline, or not taking bytes."""


class PaperOut(PrinterError):
    pass


class CoverOpen(PrinterError):
    pass


class PrintInterrupted(PrinterError):
    """The connection failed after the printer took part of the job: part of it may be on paper."""

    retry = False

    def __init__(self, message: str, sent: int, total: int):
        super().__init__(message)
        self.sent = sent
        self.total = total
