"""Barcode arithmetic that does no I/O (GTIN check digits for now; scanning rules build on it)."""

from __future__ import annotations


def gtin_check_digit(body: str) -> int:
    """Check digit of a GTIN-8/12/13/14 body (the digits before the check digit).

    From the right, digits are weighted 3, 1, 3, 1, …; the check digit brings the sum to a
    multiple of ten.
    """
    if not body.isdigit():
        raise ValueError(f"{body!r} is not all digits")
    total = sum(int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(body)))
    return (10 - total % 10) % 10
