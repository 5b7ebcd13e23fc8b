"""Money arithmetic: Decimal in code, integer cents at the edges.

Every amount a person sees or OFN stores has two decimals, so the whole till rounds with one rule,
half away from zero (``ROUND_HALF_UP`` in Decimal's terms), which makes a return the exact mirror of
its sale: rounding -0.005 gives -0.01 just as 0.005 gives 0.01.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")

#: What a person types for an amount: ASCII digits, then a point or a comma and digits. No sign
#: (a negative amount is asked for with ``allow_negative``), no exponent, no ``_`` separators, no
#: digits of other scripts, no "inf" or "nan": Decimal reads all of those, a till must not.
_PLAIN = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]+))?|(-?)[.,]([0-9]+)")


class MoneyError(ValueError):
    """An amount that cannot be money: more than two decimals, not a number, out of range."""


def round_div(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half away from zero, in exact integer arithmetic.

    Every computed amount (weight × price per kg, a percentage, the VAT in a price, a share of a
    refund) is such a quotient of integers, so no float and no Decimal context precision is ever
    involved, and the rounding happens once, here.
    """
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    whole, remainder = divmod(abs(numerator), denominator)
    if remainder * 2 >= denominator:
        whole += 1
    return -whole if numerator < 0 else whole


def to_cents(amount: Decimal) -> int:
    """Exact conversion for storage; an amount with sub-cent digits is a bug upstream, not data."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise MoneyError(f"{amount} has more than two decimals")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def parse_amount(text: str, *, allow_negative: bool = False) -> Decimal:
    """Read an amount typed by a person or written in a config file: a plain decimal number.

    Accepts a comma or a point as the decimal separator because cashiers in France type "3,50".
    Refuses more than two decimals instead of rounding silently, and anything but plain digits
    (``1e3``, ``1_000``, ``٣``, ``-0``).
    """
    match = _PLAIN.fullmatch(text.strip())
    if match is None:
        raise MoneyError(f"{text!r} is not an amount: type digits, and a point or a comma for the cents")
    sign = match.group(1) or match.group(4) or ""
    whole, fraction = match.group(2) or "0", match.group(3) if match.group(2) else match.group(5)
    value = Decimal(f"{sign}{whole}.{fraction or '0'}")
    if sign and value == 0:
        raise MoneyError(f"{text!r} is not an amount: zero has no sign")
    if abs(value) >= Decimal("10000000"):
        raise MoneyError(f"{text!r} is too large for a till")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise MoneyError(f"{text!r} has more than two decimals")
    if value < 0 and not allow_negative:
        raise MoneyError(f"{text!r} is negative")
    return value.quantize(CENT)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` cents in proportion to non-negative ``weights``; the shares sum exactly to it.

    Largest-remainder method: each share is the floor of its exact part, and the cents left over go
    to the largest remainders, ties to the earliest weight, so the split is deterministic. Shares
    carry the sign of ``total``. Used for whole-sale discounts over lines and VAT over the lines of
    one rate.
    """
    if any(weight < 0 for weight in weights):
        raise MoneyError("allocation weights must not be negative")
    basis = sum(weights)
    if basis == 0:
        if total:
            raise MoneyError("cannot allocate a non-zero amount over nothing")
        return [0] * len(weights)
    magnitude = abs(total)
    shares: list[int] = []
    remainders: list[tuple[int, int]] = []
    for index, weight in enumerate(weights):
        share, remainder = divmod(magnitude * weight, basis)
        shares.append(share)
        remainders.append((-remainder, index))
    for _, index in sorted(remainders)[: magnitude - sum(shares)]:
        shares[index] += 1
    sign = -1 if total < 0 else 1
    return [sign * share for share in shares]
