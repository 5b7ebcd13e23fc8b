"""Checkers for the values of the channel file, in the manner of ``appliance/config/values.py``:
each returns the parsed value or raises ValueError with the reason a person reads."""

from __future__ import annotations

from decimal import Decimal

from appliance.config.values import _amount_or_zero, _nonempty, _positive_int


def names(value: object) -> tuple[str, ...]:
    """A list of distinct, non-empty names (payment codes, tags), in the order written."""
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError('must be a list of names in quotes, e.g. ["cash", "card"]')
    cleaned = tuple(item.strip() for item in value)
    if any(not item for item in cleaned):
        raise ValueError("must not hold an empty name")
    if len({item.casefold() for item in cleaned}) != len(cleaned):
        raise ValueError("lists a name twice")
    return cleaned


def some_names(value: object) -> tuple[str, ...]:
    result = names(value)
    if not result:
        raise ValueError("must name at least one")
    return result


def ids(value: object) -> frozenset[int]:
    """A list of OFN ids (variant ids, taxon ids): whole numbers above 0."""
    if not isinstance(value, list):
        raise ValueError("must be a list of OFN ids, e.g. [12, 345]")
    try:
        return frozenset(_positive_int(item) for item in value)
    except ValueError:
        raise ValueError("must hold only OFN ids: whole numbers greater than 0") from None


def positive_amount(value: object) -> Decimal:
    amount = _amount_or_zero(value)
    if amount <= 0:
        raise ValueError("must be more than 0")
    return amount


def price(value: object) -> Decimal:
    return _amount_or_zero(value)


def code(value: object) -> str:
    """What the scanner reads or the cashier types for a shelf item: no spaces."""
    text = _nonempty(value)
    if any(char.isspace() for char in text) or not text.isprintable():
        raise ValueError("must be printable characters without spaces (what the scanner reads)")
    return text


def vat_ref(value: object) -> int | str:
    """A [[vat]] entry of the box's config: its code ("A") or its tax_category_id (1)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _positive_int(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError('must be the code or the tax_category_id of a [[vat]] entry of the box\'s config, e.g. "A"')
