"""The receipts a replay printed, as text: what support reads beside the script that made them.

The print queue asks its printer for two things, ``render`` (a document to bytes) and ``send``
(bytes to the paper). :class:`CopyingPrinter` stands between the queue and the real printer (or
the demo's twin) and reads every job the printer took without an error with the printer twin's
ESC/POS reader: the text is what those very bytes print (a character the printer's code page lacks
shows as the printer shows it), not what the till meant to print. A reprint is copied again, as it
comes out again; a job that stays in the queue (no paper) is not copied.
"""

from __future__ import annotations

import threading
from pathlib import Path

from appliance.core.document import Document
from drivers.print_queue import PrinterLike, PrintQueue
from drivers.printer import PrinterStatus
from drivers.printer_twin import read_bytes

#: How long the end of a replay waits for the receipts still in the queue (seconds).
DRAIN_TIMEOUT = 10.0


class CopyingPrinter:
    """A printer (the queue's ``PrinterLike``) that copies the text of what it printed, piece by piece."""

    def __init__(self, printer: PrinterLike, columns: int):
        self.printer = printer
        self.columns = columns
        self.printed: list[list[str]] = []
        self._lock = threading.Lock()

    def render(self, document: Document) -> bytes:
        return self.printer.render(document)

    def status(self) -> PrinterStatus:
        """The printer's own answer: the diagnostics screen asks it through the queue."""
        return self.printer.status()

    def send(self, data: bytes, *, needs_paper: bool = True) -> PrinterStatus:
        status = self.printer.send(data, needs_paper=needs_paper)  # raises when nothing was printed
        paper = read_bytes(data)
        pieces = paper.pieces() or ([paper.text] if paper.text else [])  # a bare drawer kick prints nothing
        with self._lock:
            self.printed.extend(pieces)
        return status

    def text(self) -> str:
        """Every receipt as the paper reads, each followed by a rule of dashes."""
        with self._lock:
            pieces = list(self.printed)
        return "".join("\n".join(lines).rstrip() + "\n" + "-" * self.columns + "\n" for lines in pieces)


def copy_receipts(queue: PrintQueue | None, columns: int) -> CopyingPrinter | None:
    """Put a copier between ``queue`` and its printer, before the first receipt is sent."""
    if queue is None:
        return None
    copier = CopyingPrinter(queue.printer, columns)
    queue.printer = copier
    return copier


def drain(queue: PrintQueue | None) -> int:
    """Wait for what the queue still holds to print; how many jobs were left when time ran out."""
    if queue is None:
        return 0
    queue.wait_for(lambda snapshot: snapshot.waiting == 0, DRAIN_TIMEOUT)
    return queue.snapshot().waiting


def write_receipts(path: Path, copier: CopyingPrinter | None) -> int:
    """Write the receipts' text to ``path``; how many receipts it holds."""
    text = copier.text() if copier is not None else ""
    path.write_text(text, encoding="utf-8")
    return len(copier.printed) if copier is not None else 0
