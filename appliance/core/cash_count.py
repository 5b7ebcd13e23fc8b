"""Counting the drawer: a count for each coin and note, or the total typed by hand.

A float at the opening and the cash at the Z closure are counted coin by coin, as Odoo's opening
and closing control does with its coin calculator: the person types how many of each coin and note
lie in the drawer and the total follows, so nobody adds up 37 coins in their head. Someone who has
counted already types the total instead. Everything is integer cents: a count times a
denomination, summed, never a float.

The sheet's rows, as the counting screen shows them: row 0 is the total typed by hand, rows 1…n
the denominations, smallest first. What was typed last wins: typing a count drops a typed total,
typing a total leaves the counts on the sheet but unused (the screen says so).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from appliance.core.money import MoneyError, from_cents, parse_amount, to_cents

#: The coins and notes in the drawer of each currency, smallest first (in the currency's units).
#: Only the ones a till meets: no 1 and 2 cent coins where they left circulation (CAD), no
#: banknote a shop never takes. A hub sets its own list in the config's ``[cash]``.
STANDARD_DENOMINATIONS: dict[str, tuple[str, ...]] = {
    "EUR": ("0.01", "0.02", "0.05", "0.10", "0.20", "0.50", "1", "2", "5", "10", "20", "50", "100", "200", "500"),
    "GBP": ("0.01", "0.02", "0.05", "0.10", "0.20", "0.50", "1", "2", "5", "10", "20", "50"),
    "USD": ("0.01", "0.05", "0.10", "0.25", "1", "5", "10", "20", "50", "100"),
    "CAD": ("0.05", "0.10", "0.25", "1", "2", "5", "10", "20", "50", "100"),
    "AUD": ("0.05", "0.10", "0.20", "0.50", "1", "2", "5", "10", "20", "50", "100"),
    "NZD": ("0.10", "0.20", "0.50", "1", "2", "5", "10", "20", "50", "100"),
    "CHF": ("0.05", "0.10", "0.20", "0.50", "1", "2", "5", "10", "20", "50", "100", "200", "1000"),
    "ZAR": ("0.10", "0.20", "0.50", "1", "2", "5", "10", "20", "50", "100", "200"),
}

#: How many of one coin or note a count may say: a drawer never holds ten thousand of anything,
#: and a stuck key must not make a count of millions.
MAX_COUNT = 9999

#: Denominations a hub may list: the sheet must fit the counting screen with room to scroll.
MAX_DENOMINATIONS = 30


class CountError(MoneyError):
    """A key the counting sheet cannot take; the message says what to type instead."""


def standard_denominations(currency: str) -> tuple[int, ...]:
    """The currency's coins and notes in cents, smallest first; () for a currency not listed."""
    return tuple(to_cents(Decimal(value)) for value in STANDARD_DENOMINATIONS.get(currency, ()))


def denominations_for(currency: str, configured: Iterable[int]) -> tuple[int, ...]:
    """The hub's own list when the config has one, else the currency's standard one (cents)."""
    chosen = tuple(configured)
    return tuple(sorted(set(chosen))) if chosen else standard_denominations(currency)


def read_denominations(values: Iterable[object]) -> tuple[int, ...]:
    """A config's list of denominations ("0.50", 5…) in cents, smallest first; ValueError says why not."""
    cents: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError(f'{value!r}: write each coin or note as a string ("0.50") or a whole number (5)')
        try:
            amount = parse_amount(str(value))
        except MoneyError as exc:
            raise ValueError(str(exc)) from None
        if amount <= 0:
            raise ValueError(f"{value!r}: a coin or note is worth more than 0")
        if to_cents(amount) in cents:
            raise ValueError(f"{value!r} is listed twice")
        cents.append(to_cents(amount))
    if len(cents) > MAX_DENOMINATIONS:
        raise ValueError(f"lists {len(cents)} coins and notes: at most {MAX_DENOMINATIONS}")
    return tuple(sorted(cents))


@dataclass
class CashCount:
    """One counting sheet: a count per denomination (None: not typed) and a total typed by hand."""

    denominations: tuple[int, ...]
    counts: list[int | None] = field(default_factory=list)
    typed: str | None = None  # the total as typed ("150", "150,5"); None: the counts make the total

    def __post_init__(self) -> None:
        if not self.counts:
            self.counts = [None] * len(self.denominations)
        if len(self.counts) != len(self.denominations):
            raise ValueError("one count per denomination")

    @property
    def rows(self) -> int:
        """Row 0 is the typed total, then one row per denomination."""
        return len(self.denominations) + 1

    # -- typing ----------------------------------------------------------------------------------

    def type_char(self, row: int, char: str) -> None:
        """A key typed on ``row``: a digit of a count, or a digit or separator of the total."""
        if row == 0:
            self._type_total(char)
        elif not char.isdigit():
            raise CountError("A count is a whole number of coins or notes: go up to the total to type an amount")
        else:
            count = (self.counts[row - 1] or 0) * 10 + int(char)
            if count > MAX_COUNT:
                raise CountError(f"At most {MAX_COUNT} of one coin or note: clear the count (-) and type it again")
            self.counts[row - 1] = count
            self.typed = None

    def _type_total(self, char: str) -> None:
        if not (char.isdigit() or char in ".,"):
            raise CountError("Type the total with digits, and a point for the cents")
        text = (self.typed or "") + ("." if char == "," else char)
        whole, _, cents = text.partition(".")
        if text.count(".") > 1 or len(cents) > 2:
            raise CountError("The total has two decimals at most")
        if len(whole) > 7:
            raise CountError("That total is too large for a till's drawer")
        self.typed = text

    def erase(self, row: int) -> bool:
        """Backspace: the last digit of ``row``; False when the row was empty already."""
        if row == 0:
            if not self.typed:
                self.typed = None
                return False
            self.typed = self.typed[:-1] or None
            return True
        count = self.counts[row - 1]
        if count is None:
            return False
        self.counts[row - 1] = count // 10 if count >= 10 else None
        return True

    def clear(self, row: int) -> None:
        if row == 0:
            self.typed = None
        else:
            self.counts[row - 1] = None

    # -- what it adds up to ---------------------------------------------------------------------

    @property
    def counted(self) -> int:
        """The sum of the counts, in cents."""
        return sum(count * value for count, value in zip(self.counts, self.denominations) if count)

    @property
    def typed_cents(self) -> int | None:
        """The typed total in cents (``150.`` reads as 150), or None when none is typed."""
        if not self.typed:
            return None
        return to_cents(parse_amount(self.typed.rstrip(".") or "0"))

    @property
    def total(self) -> int:
        typed = self.typed_cents
        return self.counted if typed is None else typed

    @property
    def amount(self) -> Decimal:
        return from_cents(self.total)

    @property
    def started(self) -> bool:
        """Something was typed (a 0 counts): an untouched sheet is no count of an empty drawer."""
        return bool(self.typed) or any(count is not None for count in self.counts)

    def subtotal(self, row: int) -> int:
        count = self.counts[row - 1]
        return (count or 0) * self.denominations[row - 1]

    def breakdown(self) -> dict[int, int]:
        """What was counted of each denomination (cents → how many), typed counts only."""
        return {value: count for value, count in zip(self.denominations, self.counts) if count is not None}
