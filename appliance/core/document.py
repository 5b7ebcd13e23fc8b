"""A print document: what a receipt printer is asked to print, as plain data.

The till builds documents (a receipt, a test page, a bare drawer kick) and the printer driver turns
them into bytes. This is the one module of ``appliance`` that ``drivers`` may import, so it holds
values only: no I/O and no import of anything else of ours. A document says *what* to print, never
*how* a given printer does it; code pages, fonts, pulse lengths and cut commands are the driver's.

Text blocks carry the exact characters of a line: the layout (centring, columns) is done by whoever
builds the document, so the text a printer shows can be compared with the screen's, character for
character (:func:`text_lines`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Align(Enum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """One printed line. ``double`` doubles width and height: the caller keeps it to half the columns."""

    text: str
    bold: bool = False
    double: bool = False
    align: Align = Align.LEFT


@dataclass(frozen=True)
class Rule:
    """A line across the whole paper width, whatever the width is."""

    char: str = "-"


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode of ``data`` (printable ASCII), centred, without text under it."""

    data: str


@dataclass(frozen=True)
class QrCode:
    """A QR code of ``data``, centred; ``size`` is the module size in dots (1-16)."""

    data: str
    size: int = 6


@dataclass(frozen=True)
class Logo:
    """An image printed centred: a path to read when printing, or the image file's bytes.

    A path keeps documents small in the print queue; bytes suit a logo held in memory. A logo that
    cannot be read is left out rather than holding up the receipt.
    """

    path: str | None = None
    data: bytes | None = None


@dataclass(frozen=True)
class Feed:
    """Blank paper: ``lines`` line feeds without text."""

    lines: int = 1


@dataclass(frozen=True)
class Cut:
    """Feed the printed part past the blade and cut; a partial cut leaves a hinge to tear off."""

    partial: bool = True


@dataclass(frozen=True)
class DrawerKick:
    """Open the cash drawer wired to the printer; pins and pulse come from the printer's settings."""


Block = Text | Rule | Barcode | QrCode | Logo | Feed | Cut | DrawerKick


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]

    @property
    def kicks_drawer(self) -> bool:
        return any(isinstance(block, DrawerKick) for block in self.blocks)

    @property
    def needs_paper(self) -> bool:
        """A document that only opens the drawer can be sent to a printer that is out of paper."""
        return any(not isinstance(block, DrawerKick) for block in self.blocks)


def text_lines(document: Document, columns: int) -> list[str]:
    """The lines of text a printer shows for ``document`` on paper ``columns`` characters wide.

    Barcodes, images, feeds and cuts are not text: a printer twin reports them as events.
    """
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, Text):
            lines.append(block.text)
        elif isinstance(block, Rule):
            lines.append(block.char * columns)
    return lines
