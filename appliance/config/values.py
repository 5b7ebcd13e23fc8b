"""How each value of the config file is checked: every checker returns the parsed value or raises
ValueError with the reason a person reads (the key and the value are added by the caller).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_precision, is_currency

from appliance.core import text
from appliance.core.cash_count import read_denominations
from appliance.core.money import MoneyError, parse_amount


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


class HiddenValueError(ValueError):
    """A refused value that must not be shown as it is (it holds a secret): ``shown`` replaces it."""

    def __init__(self, reason: str, shown: str):
        super().__init__(reason)
        self.shown = shown


def _string(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("must be a string in quotes")
    return value


def _nonempty(value: object) -> str:
    text = _string(value).strip()
    if not text:
        raise ValueError("must not be empty")
    return text


def _positive_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("must be a whole number")
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _path(value: object) -> Path:
    text = _nonempty(value)
    path = Path(text)
    if not path.is_absolute():
        raise ValueError("must be an absolute path")
    return path


def _optional_path(value: object) -> Path | None:
    if value == "":
        return None
    return _path(value)


def _url(value: object) -> str:
    """The instance's address and nothing else: the API paths are ours to add, and the key is sent
    in a header from its own file, never in the URL (where logs and error messages would show it)."""
    text = _nonempty(value).rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL such as https://openfoodnetwork.org.uk")
    if parts.username is not None or parts.password is not None:
        shown = parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()
        raise HiddenValueError("must not hold a user name or password (the API key goes in ofn.api_key_file)", shown)
    if parts.path or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError("must be the instance's address alone, without a path, a query or a fragment")
    try:
        port = parts.port  # raises for a port out of range or not a number
    except ValueError:
        port = 0
    after_host = parts.netloc.rsplit("]", 1)[-1]  # past an IPv6 literal's colons
    if port == 0 or (port is None and ":" in after_host):
        raise ValueError("has a bad port: a number from 1 to 65535, or none")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("must use https (plain http only for a sandbox on this machine)")
    return text


def _currency(value: object) -> str:
    code = _nonempty(value)
    # Babel's list of every currency is global data, the precision's own: asking for the code's
    # name in English read the English locale's data at each start, for nothing (5-10 ms).
    if len(code) != 3 or not code.isupper() or not is_currency(code):
        raise ValueError("must be an ISO 4217 currency code such as EUR or GBP")
    if (digits := get_currency_precision(code)) != 2:
        raise ValueError(f"has {digits} decimals: only currencies with cents (2 decimals) are supported for now")
    return code


def _language(value: object) -> str:
    text = _nonempty(value)
    try:
        Locale.parse(text)
    except (ValueError, UnknownLocaleError):
        raise ValueError("must be a locale such as fr_FR or en_GB") from None
    return text


def _timezone(value: object) -> str:
    text = _nonempty(value)
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError("must be a time zone such as Europe/Paris") from None
    return text


def _one_of(*choices: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        text = _string(value)
        if text not in choices:
            raise ValueError("must be one of " + ", ".join(repr(c) for c in choices))
        return text

    return check


def _int_in(*choices: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        number = _positive_int(value)
        if number not in choices:
            raise ValueError("must be one of " + ", ".join(str(c) for c in choices))
        return number

    return check


def _order_number(value: object) -> str:
    """OFN order numbers are R and nine digits; empty means "not set up yet" (sync says so)."""
    text = _string(value).strip()
    if text and not (len(text) == 10 and text[0] == "R" and text[1:].isdigit()):
        raise ValueError("must be an OFN order number such as R123456789")
    return text


def _order_numbers(value: object) -> tuple[str, ...]:
    numbers = tuple(_order_number(text) for text in _lines(value))
    if "" in numbers:
        raise ValueError("must not hold an empty order number")
    return numbers


def _int_between(low: int, high: int) -> Callable[[object], int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("must be a whole number")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}")
        return value

    return check


GPIO_PINS = (0, 27)  # BCM numbers of the GPIO lines on the Pi's 40-pin header
SERIAL_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
SCANNER_LAYOUTS = ("us", "fr", "be", "de", "uk")  # drivers/keymaps.py; a test keeps the two in step
SCANNER_TERMINATORS = ("enter", "tab", "none")  # drivers/scanner/scans.py TERMINATORS; a test keeps them in step


def _gpio_pin(value: object) -> int:
    low, high = GPIO_PINS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"must be a GPIO pin number (BCM) between {low} and {high}")
    return value


def _gpio_pin_or_none(value: object) -> int | None:
    """A pin, or ``false`` for a part that is not wired (the buzzer of a light without one)."""
    if value is False:
        return None
    try:
        return _gpio_pin(value)
    except ValueError:
        low, high = GPIO_PINS
        raise ValueError(f"must be a GPIO pin number (BCM) between {low} and {high}, or false if none") from None


def _device_path(value: object) -> str:
    """A device node as the box names it; empty means "not set" (found by name, or not used)."""
    text = _string(value).strip()
    if text and not text.startswith("/"):
        raise ValueError("must be an absolute path such as /dev/serial/by-id/usb-…, or empty")
    return text


def _name_fragments(value: object) -> tuple[str, ...]:
    names = _lines(value)
    if any(not name.strip() for name in names):
        raise ValueError("must not hold an empty name (it would match every keyboard)")
    return tuple(name.strip() for name in names)


def _gs_substitute(value: object) -> str:
    """What a scanner types in place of GS; it must never occur in a barcode, or codes would be cut."""
    text = _string(value)
    if not text:
        return ""
    if len(text) > 8 or not text.isprintable() or any(char.isspace() for char in text):
        raise ValueError("must be 1 to 8 printable characters without spaces, or empty")
    if all(char.isalnum() for char in text):
        raise ValueError("must hold a character that is not a letter or a digit: barcodes are made of those")
    return text


def _lines(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return tuple(value)


def _tax_category(value: object) -> int | str:
    """OFN variants without a tax category are sold too; "none" gives them a rate."""
    return "none" if value == "none" else _positive_int(value)


def _rate(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('must be a percentage written as a string, e.g. "5.5"')
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("is not a number") from None
    if not rate.is_finite() or not 0 <= rate < 100 or rate != rate.quantize(Decimal("0.01")):
        raise ValueError("must be between 0 and 100 with at most two decimals")
    return rate


def _amount_or_zero(value: object) -> Decimal:
    """An amount written as a string ("150.00"); "0" turns the rule it sets off."""
    if not isinstance(value, str):
        raise ValueError('must be an amount written as a string, e.g. "150.00"')
    try:
        return parse_amount(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from None


def _denominations(value: object) -> tuple[int, ...]:
    """The coins and notes of the counting sheet, in cents; [] leaves the currency's own list."""
    if not isinstance(value, list):
        raise ValueError('must be a list of coins and notes, e.g. ["0.50", "1", "2", "5", "10"]')
    return read_denominations(value)


#: A numbered list on the keypad holds 10 entries, and the last one is "type another reason".
MAX_REASONS = 9


def _reasons(value: object) -> tuple[str, ...]:
    """Reasons a person picks by their digit: plain text (they are sealed in the journal), 1 to 9."""
    reasons = _lines(value)
    if not 0 < len(reasons) <= MAX_REASONS:
        raise ValueError(f"must list 1 to {MAX_REASONS} reasons (the keypad picks them by one digit)")
    checked = []
    for reason in reasons:
        try:
            checked.append(text.reason(reason, f"The reason {reason!r}"))
        except text.TextError as exc:
            raise ValueError(str(exc)) from None
    if len(set(checked)) != len(checked):
        raise ValueError("lists a reason twice")
    return tuple(checked)
