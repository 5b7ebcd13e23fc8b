"""Readable stand-ins for the characters a printer's code page lacks: a receipt never shows ``?``.

A ``?`` in "Cr?me" or "3,50 ?" reads as an error, and on a receipt it hides what was sold or paid.
So a character the pinned code page cannot print is replaced, in this order:

1. a typographic stand-in (:data:`STAND_INS`): ``œ`` → ``oe``, curly quotes and guillemets →
   straight ones, dashes → ``-``, ``…`` → ``...``, ``€`` → ``EUR``, odd spaces → a space;
2. its compatibility decomposition (NFKD): the accented letter the page has with fewer accents
   (``ǖ`` → ``ü``), else the bare letter (``ő`` → ``o`` on a page without it), ligatures spelled
   out (``ﬁ`` → ``fi``);
3. a space for spacing and control characters (a name must never smuggle a printer command), and
   nothing for marks and format characters that take no room;
4. ``_`` for anything else (a Chinese or Arabic name on a European page, an emoji): visibly a gap,
   never mistaken for a question mark.

A stand-in may be longer than the character (``oe``, ``EUR``): :func:`fit` takes the extra room
from the line's padding so that a laid-out line keeps its width.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

PLACEHOLDER = "_"

#: What to print for characters many code pages lack; each value is plain ASCII, so every page has it.
STAND_INS = {
    "œ": "oe",
    "Œ": "OE",
    "æ": "ae",
    "Æ": "AE",
    "ß": "ss",
    "ẞ": "SS",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ı": "i",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "′": "'",
    "‹": "'",
    "›": "'",
    "“": '"',
    "”": '"',
    "„": '"',
    "‟": '"',
    "″": '"',
    "«": '"',
    "»": '"',
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "―": "-",
    "−": "-",
    "…": "...",
    "•": "*",
    "·": ".",
    "€": "EUR",
    "£": "GBP",
    "×": "x",
    "÷": "/",
    "°": "o",
    "©": "(c)",
    "®": "(R)",
    "™": "TM",
    "½": "1/2",
    "¼": "1/4",
    "¾": "3/4",
}

_PADDING = re.compile(r" {2,}")


def stand_in(char: str, printable: Callable[[str], bool]) -> str:
    """What to print for ``char`` on a page that prints the characters ``printable`` accepts."""
    if printable(char) and unicodedata.category(char) != "Cc":
        return char
    if char in STAND_INS:
        return STAND_INS[char]
    category = unicodedata.category(char)
    if category in ("Cc", "Zs", "Zl", "Zp"):
        return " "  # a tab or a newline in a name, a no-break or narrow space: the room it takes
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed != char:
        return _decomposed(decomposed, printable)
    if category in ("Mn", "Me", "Cf"):
        return ""  # a combining accent the page cannot put on its letter, a zero-width joiner
    return PLACEHOLDER


def _decomposed(decomposed: str, printable: Callable[[str], bool]) -> str:
    """The letter with as many of its accents as the page has in one character, else the parts."""
    base, marks = decomposed[0], decomposed[1:]
    if stand_in(base, printable) == PLACEHOLDER:
        return PLACEHOLDER  # a Hangul syllable is one gap, not one per jamo
    if marks and all(unicodedata.category(mark) == "Mn" for mark in marks):
        for keep in range(len(marks) - 1, 0, -1):
            composed = unicodedata.normalize("NFC", base + marks[:keep])
            if len(composed) == 1 and printable(composed):
                return composed
    return "".join(stand_in(part, printable) for part in decomposed)


def fit(printed: str, room: int) -> str:
    """``printed`` no longer than ``room``, the excess taken from its runs of spaces, widest first.

    Stand-ins such as ``oe`` or ``EUR`` lengthen a line laid out to the paper width; its padding
    (the spaces between a name and its amount, or around a centred title) gives the room back, one
    space at a time and never below one. A line with no padding to give keeps its length: the
    printer wraps it, which loses nothing.
    """
    while len(printed) > room:
        runs = list(_PADDING.finditer(printed))
        if not runs:
            break
        widest = max(runs, key=lambda run: run.end() - run.start())
        printed = printed[: widest.start()] + printed[widest.start() + 1 :]
    return printed
