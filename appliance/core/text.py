"""Names and reasons a person types: kept in the journal for good, printed on reports and receipts.

So they must be text a receipt printer, a terminal and a spreadsheet show as it is: no control
characters (a line feed forges a line on a Z report, an escape sequence rewrites a terminal, a
bidirectional override turns "ecivres" around), no invisible format characters, and a length a
receipt line can hold. Refused rather than cleaned up, so nothing is kept that the person did not
see. It also holds how typed words are compared with names (:func:`folded`), shared by every
search at the counter: customers, pick-up orders, products.
"""

from __future__ import annotations

import unicodedata

#: A cashier's or manager's name: what fits beside "Cashier:" on a 32-column receipt.
NAME_MAX = 40
#: A reason (a discount, a price change, a cash movement, an abandoned basket).
REASON_MAX = 200

#: Control (Cc), format (Cf: bidi overrides, zero-width characters), surrogates (Cs), private use
#: (Co), unassigned (Cn), and the line and paragraph separators.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


class TextError(ValueError):
    """Text that cannot be kept: the message says what is wrong with it, and what to type instead."""


def clean_text(value: str, what: str, limit: int) -> str:
    """``value`` without its surrounding spaces, or TextError: empty, too long, or not plain text."""
    text = value.strip()
    if not text:
        raise TextError(f"{what} must not be empty")
    if len(text) > limit:
        raise TextError(f"{what} is {len(text)} characters long: at most {limit}")
    for char in text:
        if unicodedata.category(char) in _REFUSED_CATEGORIES:
            raise TextError(f"{what} holds a control or invisible character ({_named(char)}): type plain text")
    return text


def name(value: str, what: str = "A name") -> str:
    return clean_text(value, what, NAME_MAX)


def reason(value: str, what: str = "A reason") -> str:
    return clean_text(value, what, REASON_MAX)


def _named(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, '')}".rstrip()


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """``count`` and its noun in the right number, as a person writes it: "1 entry", "2 entries"."""
    return f"{count} {singular if count == 1 else plural or singular + 's'}"


def agreeing(count: int, one: str, many: str) -> str:
    """The verb as it agrees with ``count`` things: "1 sale waits", "2 sales wait"."""
    return one if count == 1 else many


def folded(text: str) -> str:
    """Text as a search compares it: lower case, without accents, spaces collapsed, so that a keypad
    or a keyboard without "é" finds "Chloé" by "chloe"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.split())
