"""The pick-up list as the cashier reads it: each order with where it stands, found as she types.

A customer at the counter gives a name, shows an e-mail on a phone, or reads out an order number;
a keypad has only digits. So one search box takes all of them: each typed word must be found in
the customer's name, e-mail or order number, without regard to case or accents ("lea" finds
"Léa"), and a word of digits alone is looked up in the order number's digits (the "R" is implied).
Orders whose number or name *starts* with what was typed come first: that is usually the one
meant. Pure code: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from appliance.core.handover import PickupOrder
from appliance.core.text import folded


class PickupState(Enum):
    TO_HAND_OVER = "to hand over"
    HANDED_OVER = "handed over"  # by this box: its journal says when and by whom
    PICKED_UP = "picked up"  # OFN shows it shipped: handed over elsewhere, or in OFN's admin


@dataclass(frozen=True)
class PickupEntry:
    """One order of the list, with this box's own record of handing it over, if any."""

    order: PickupOrder
    handed_over_at: str | None = None  # UTC text of the journal entry
    handed_over_by: str = ""

    @property
    def state(self) -> PickupState:
        if self.handed_over_at is not None:
            return PickupState.HANDED_OVER
        if self.order.shipment_state == "shipped":
            return PickupState.PICKED_UP
        return PickupState.TO_HAND_OVER

    @property
    def to_pay(self) -> int:
        """What OFN shows still owed on the order, before any change at the counter."""
        return max(self.order.balance, 0)

    @property
    def items(self) -> int:
        return sum(line.quantity for line in self.order.lines)


def search(entries: Iterable[PickupEntry], query: str) -> list[PickupEntry]:
    """The entries that match every word of ``query``, the likeliest first; all of them for ""."""
    words = folded(query).split()
    if not words:
        return list(entries)
    found = [(entry, _fields(entry)) for entry in entries]
    matching = [(entry, fields) for entry, fields in found if all(_found(word, fields) for word in words)]
    matching.sort(key=lambda pair: 0 if _starts(words[0], pair[1]) else 1)  # stable: name order otherwise
    return [entry for entry, _ in matching]


@dataclass(frozen=True)
class _Fields:
    digits: str  # the order number's digits: what a keypad can type
    words: tuple[str, ...]  # the name's words, the e-mail and the number, folded


def _fields(entry: PickupEntry) -> _Fields:
    order = entry.order
    return _Fields(
        "".join(char for char in order.number if char.isdigit()),
        (*folded(order.full_name).split(), folded(order.email), folded(order.number)),
    )


def _found(word: str, fields: _Fields) -> bool:
    if word.isdigit():
        return word in fields.digits
    return any(word in field for field in fields.words)


def _starts(word: str, fields: _Fields) -> bool:
    if word.isdigit():
        return fields.digits.startswith(word)
    return any(field.startswith(word) for field in fields.words)
