"""Code pages and printer profiles: the one ``ESC t`` table a receipt is printed in, and text encoded in it.

A profile (python-escpos's capabilities) says which tables its printer has; :func:`code_page_for`
picks the first that holds the euro sign and French accents, and :class:`CodePage` encodes every
character itself, so the bytes never depend on what the printer was left in or on python-escpos
guessing a page per character. A character the page lacks prints as a readable stand-in
(``fallbacks``: ``œ`` as ``oe``, ``€`` as ``EUR``, an accent dropped), never as ``?``; control
characters print as spaces, so an item name can never smuggle a command to the printer.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any

from .commands import ESC
from .errors import PrinterConfigError
from .escpos_lib import capabilities
from .fallbacks import fit, stand_in

#: Code pages that hold the euro sign and French accents, best first. CP858 is PC850 with € (Epson
#: table 19, the one Odoo's IoT box pins); CP1252 also has œ but fewer printers carry it.
PREFERRED_CODE_PAGES = ("CP858", "CP1252", "ISO_8859-15", "CP850")


@dataclass(frozen=True)
class CodePage:
    """One printer character table: its name, its ``ESC t`` number, Python's codec for it."""

    name: str
    number: int
    encoding: str

    @property
    def select(self) -> bytes:
        return ESC + b"t" + bytes([self.number])

    def printable(self, text: str, width: int | None = None) -> str:
        """What the printer will show for ``text``: accents composed, stand-ins for what it lacks.

        With ``width`` (the paper's columns), a stand-in longer than its character takes its room
        from the line's padding, so a line laid out to the width stays within it.
        """
        composed = unicodedata.normalize("NFC", text)
        if composed.isprintable() and self.has(composed):
            return composed  # the usual line: every character on the page, nothing to replace
        printed = "".join(self._stand_in(char) for char in composed)
        return printed if width is None else fit(printed, max(width, len(composed)))

    def encode(self, text: str, width: int | None = None) -> bytes:
        return self.printable(text, width).encode(self.encoding)

    def has(self, text: str) -> bool:
        """Whether the page holds every character of ``text`` (as Python's codec for it says)."""
        try:
            text.encode(self.encoding)
        except UnicodeEncodeError:
            return False
        return True

    def _stand_in(self, char: str) -> str:
        return _stand_in_cached(char, self.encoding)


@functools.lru_cache(maxsize=4096)
def _stand_in_cached(char: str, encoding: str) -> str:
    """Stand-ins per character and page, remembered: a receipt repeats the same few characters."""
    return stand_in(char, CodePage("", 0, encoding).has)


FALLBACK_CODE_PAGE = CodePage("CP437", 0, "cp437")


def profile_data(profile: str) -> dict[str, Any]:
    profiles = capabilities()["profiles"]
    if profile not in profiles:
        raise PrinterConfigError(f"Unknown printer profile {profile!r}: use one of {', '.join(sorted(profiles))}")
    return profiles[profile]


def code_page_for(profile: str) -> CodePage:
    """The first page of :data:`PREFERRED_CODE_PAGES` the profile's printer has, with its number."""
    numbers = {name: int(number) for number, name in profile_data(profile)["codePages"].items()}
    encodings = capabilities()["encodings"]
    for name in PREFERRED_CODE_PAGES:
        if name in numbers:
            return CodePage(name, numbers[name], encodings[name]["python_encode"])
    return CodePage("CP437", numbers.get("CP437", 0), "cp437")


def code_page_table(profile: str) -> dict[int, str]:
    """Every table number of the profile that Python can decode: what a twin needs to read bytes back."""
    encodings = capabilities()["encodings"]
    table = {}
    for number, name in profile_data(profile)["codePages"].items():
        python = encodings.get(name, {}).get("python_encode")
        if python:
            table[int(number)] = python
    return table
