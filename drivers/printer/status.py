"""The printer's real-time status: ``DLE EOT 1/2/4`` asked over a connection, the answers decoded.

Asked where the connection can answer (``can_read``): online, cover open, paper near end, paper
out. A connection that cannot answer gives a status marked unknown, which never stops a job.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .commands import DLE_EOT
from .connections import Connection
from .errors import CoverOpen, PaperOut, PrinterError, PrinterOffline

DEFAULT_STATUS_TIMEOUT = 0.5


@dataclass(frozen=True)
class PrinterStatus:
    """The printer's real-time status; ``known`` is False where the connection cannot answer."""

    known: bool
    online: bool = True
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    error: bool = False
    drawer_signal: bool | None = None
    note: str = ""

    @property
    def state(self) -> str:
        """One word or two for a screen: what the printer is doing."""
        if not self.known:
            return "unknown"
        if self.cover_open:
            return "cover open"
        if self.paper_out:
            return "out of paper"
        if self.error:
            return "error"
        if not self.online:
            return "offline"
        if self.paper_near_end:
            return "paper low"
        return "ready"

    def problem(self, *, needs_paper: bool = True) -> PrinterError | None:
        """The error to raise instead of printing, or None when printing may go ahead."""
        if not self.known:
            return None
        if self.cover_open and needs_paper:
            return CoverOpen("Printer cover open: close it to print")
        if self.paper_out and needs_paper:
            return PaperOut("Printer out of paper: load a new roll")
        if self.error:
            return PrinterOffline("Printer error (cutter jam?): open the cover, clear it, switch off and on")
        if not self.online and needs_paper:
            return PrinterOffline("Printer offline: check it is switched on and its cover is closed")
        return None


UNKNOWN = PrinterStatus(known=False, note="this connection cannot report status")


def is_status_byte(value: int) -> bool:
    """Real-time status bytes have bits 0 and 7 clear and bits 1 and 4 set; anything else is noise."""
    return value & 0x93 == 0x12


def parse_status(printer: int, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    """Decode the answers to ``DLE EOT 1`` (printer), ``2`` (offline cause) and ``4`` (paper sensor).

    ``DLE EOT 1``: bit 2 drawer connector pin 3 high, bit 3 offline. ``DLE EOT 2``: bit 2 cover
    open, bit 5 stopped at paper end, bit 6 error. ``DLE EOT 4``: bits 2-3 paper near end, bits 5-6
    paper out.
    """
    cause = offline_cause or 0
    roll = paper or 0
    return PrinterStatus(
        known=True,
        online=not printer & 0x08,
        cover_open=bool(cause & 0x04),
        paper_near_end=bool(roll & 0x0C),
        paper_out=bool(roll & 0x60) or bool(cause & 0x20),
        error=bool(cause & 0x40),
        drawer_signal=bool(printer & 0x04),
    )


def query_status(connection: Connection, timeout: float = DEFAULT_STATUS_TIMEOUT) -> PrinterStatus:
    if not connection.can_read:
        return UNKNOWN
    _drain(connection)
    answers: list[int] = []
    for n in (1, 2, 4):
        connection.write(DLE_EOT + bytes([n]))
        answer = _read_byte(connection, timeout)
        if answer is None:
            if not answers:
                return PrinterStatus(known=False, note="the printer did not answer a status request")
            answers.append(0)
            continue
        if not is_status_byte(answer):
            return PrinterStatus(known=False, note=f"the printer answered 0x{answer:02x} to a status request")
        answers.append(answer)
    return parse_status(*answers)


def _drain(connection: Connection) -> None:
    """Drop bytes left from an earlier, late answer so they are not taken for this one's."""
    for _ in range(64):
        if not connection.read(64, 0):
            return


def _read_byte(connection: Connection, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while True:
        data = connection.read(1, max(0.0, deadline - time.monotonic()))
        if data:
            return data[0]
        if time.monotonic() >= deadline:
            return None
