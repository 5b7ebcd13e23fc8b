"""The box's one TOML configuration file, read and checked in full before anything starts.

A support person fixing a config over SSH wants every mistake at once, each with the key, the value
and the reason, so :func:`load` collects problems instead of stopping at the first one. The schema
is declared once in :data:`SECTIONS`; docs/configuration.md documents the same keys and a test keeps
the two in step.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.numbers import get_currency_name

from appliance.core.barcodes import DEFAULT_NOMENCLATURE, PRESETS, rules_from_config
from appliance.core.sale import PaymentMethod
from appliance.core.tax import VatRate

DEFAULT_PATH = Path("/etc/ofn-checkout/config.toml")
ENV_VAR = "OFN_CHECKOUT_CONFIG"


class ConfigError(Exception):
    """The config cannot be used; ``problems`` lists every reason, one per bad key."""

    def __init__(self, path: Path | None, problems: list[Problem]):
        self.path = path
        self.problems = problems
        where = f"{path}: " if path else ""
        super().__init__(where + "; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class Problem:
    key: str
    value: object
    reason: str

    def __str__(self) -> str:
        if self.value is _MISSING:
            return f"{self.key}: {self.reason}"
        return f"{self.key} = {self.value!r}: {self.reason}"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


# -- value checkers: each returns the parsed value or raises ValueError with the reason --------


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
    text = _nonempty(value).rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL such as https://openfoodnetwork.org.uk")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("must use https (plain http only for a sandbox on this machine)")
    return text


def _currency(value: object) -> str:
    code = _nonempty(value)
    if len(code) != 3 or not code.isupper() or get_currency_name(code, locale="en") == code:
        raise ValueError("must be an ISO 4217 currency code such as EUR or GBP")
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
SCANNER_TERMINATORS = ("enter", "tab", "none")  # drivers/scanner.py TERMINATORS; a test keeps them in step


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


@dataclass(frozen=True)
class Field:
    check: Callable[[object], Any]
    default: Any = _MISSING
    doc: str = ""


SECTIONS: dict[str, dict[str, Field]] = {
    "ofn": {
        "base_url": Field(_url, doc="OFN instance the hub sells on"),
        "hub_id": Field(_positive_int, doc="the hub's enterprise (distributor) id in OFN"),
        "order_cycle_id": Field(_positive_int, doc="the order cycle onsite sales go into"),
        "api_key_file": Field(_path, doc="file holding the API key of the hub's OFN user"),
        "counter_order": Field(_order_number, "", "this lane's counter order in the current order cycle"),
        "other_counter_orders": Field(
            _order_numbers, (), "the other tills' counter orders: kept out of the pickup list"
        ),
    },
    "sync": {
        "interval_s": Field(_int_between(1, 3600), 5, "seconds between two drains of the outbox"),
        "catalogue_minutes": Field(_int_between(1, 1440), 15, "minutes between two catalogue refreshes"),
        "pickup_minutes": Field(_int_between(1, 1440), 2, "minutes between two reads of the pickup orders"),
    },
    "lane": {
        "id": Field(_positive_int, doc="number of this till; sale numbers are gap-less per lane"),
        "name": Field(_nonempty, doc="name on receipts and reports"),
        "channel": Field(_nonempty, doc='where the till sells, e.g. "pickup point"'),
    },
    "locale": {
        "currency": Field(_currency, "EUR", "ISO 4217 code"),
        "language": Field(_language, "fr_FR", "formats amounts and dates"),
        "timezone": Field(_timezone, "Europe/Paris", "local time for receipts and daily closures"),
    },
    "store": {
        "path": Field(_path, Path("/var/lib/ofn-checkout/checkout.db"), "the SQLite file"),
    },
    "journal": {
        "key_file": Field(_optional_path, None, "HMAC key of the fiscal journal"),
    },
    "receipt": {
        "legal_name": Field(_nonempty, doc="seller's legal name"),
        "address": Field(_lines, doc="seller's address, one string per line"),
        "vat_number": Field(_string, "", "intra-community VAT number"),
        "company_id": Field(_string, "", "company registration (SIRET, Companies House…)"),
        "footer": Field(_lines, (), "lines printed at the bottom"),
    },
    "barcodes": {
        "nomenclature": Field(_one_of(*PRESETS), DEFAULT_NOMENCLATURE, "which prefixes carry a weight or a price"),
        "gs1": Field(_bool, True, "read GS1-128 / DataBar codes (GTIN, weight, price, lot, expiry)"),
        "rules": Field(rules_from_config, (), "the site's own weight/price layouts, on top of the preset"),
    },
    "devices.scanner": {
        "enabled": Field(_bool, False),
        "path": Field(_device_path, "", "evdev device; empty: found by name under /dev/input/by-id"),
        "names": Field(_name_fragments, (), "parts of a name that mark a keyboard as the scanner"),
        "layout": Field(_one_of(*SCANNER_LAYOUTS), "us", "keyboard layout the scanner types in"),
        "terminator": Field(_one_of(*SCANNER_TERMINATORS), "enter", "the key that ends a scan"),
        "gs_substitute": Field(_gs_substitute, "", "what the scanner sends in place of GS (0x1D)"),
        "inter_key_timeout_ms": Field(_int_between(20, 2000), 200, "longest pause between two keys of one scan"),
        "serial_port": Field(_device_path, "", "USB-serial mode: the scanner's serial port instead of evdev"),
        "baudrate": Field(_int_in(*SERIAL_RATES), 9600, "USB-serial mode: line speed"),
    },
    "devices.scale": {
        "enabled": Field(_bool, False),
        "port": Field(_device_path, "", "serial port, e.g. /dev/serial/by-id/usb-…"),
        "protocol": Field(_one_of("toledo8217", "nci", "cas"), "toledo8217"),
    },
    "devices.printer": {
        "enabled": Field(_bool, False),
        "url": Field(_string, "", "usb:VID:PID, serial:/dev/ttyUSB0, tcp://host:9100 or file:/dev/usb/lp0"),
        "profile": Field(_string, "default", "python-escpos printer profile"),
        "columns": Field(_int_in(32, 42, 48), 42, "characters per line"),
    },
    "devices.drawer": {
        "kick": Field(_one_of("printer", "gpio", "none"), "printer", "how the drawer is opened"),
        "pin": Field(_one_of("both", "2", "5"), "both", "drawer kick connector pin"),
        "pulse_ms": Field(_int_between(10, 500), 50, "kick pulse length"),
        "gpio_pin": Field(_gpio_pin, 23, 'relay pin when kick = "gpio"'),
        "gpio_active": Field(_one_of("high", "low"), "high", "level that closes the relay"),
        "switch": Field(_bool, False, "a switch on a GPIO input tells whether the drawer is open"),
        "switch_pin": Field(_gpio_pin, 25, "the switch's GPIO input"),
        "switch_closed_when": Field(_one_of("shut", "open"), "shut", "when the switch contact is closed"),
        "open_warning_s": Field(_int_between(5, 3600), 60, "seconds the drawer may stay open before the warning"),
    },
    "devices.lights": {
        "enabled": Field(_bool, False, "a status light (green, amber, red) and a buzzer on GPIO outputs"),
        "green": Field(_gpio_pin, 17, "online, everything posted"),
        "amber": Field(_gpio_pin, 27, "selling offline, sales waiting to be posted (blinks)"),
        "red": Field(_gpio_pin, 22, "needs attention"),
        "buzzer": Field(_gpio_pin_or_none, 24, "beeps at an unknown barcode; false: no buzzer"),
    },
}


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


TABLE_ARRAYS: dict[str, dict[str, Field]] = {
    "vat": {
        "tax_category_id": Field(_tax_category, doc='OFN tax category id, or "none"'),
        "code": Field(_nonempty, doc="letter printed beside receipt lines"),
        "rate": Field(_rate, doc='percent, as a string: "5.5"'),
        "label": Field(_nonempty, doc='e.g. "TVA 5,5 %"'),
    },
    "payment": {
        "code": Field(_nonempty, doc="short name kept in the journal"),
        "label": Field(_nonempty, doc="name on screen and receipt"),
        "cash": Field(_bool, False, "counted in the drawer, gives change"),
    },
}


@dataclass(frozen=True)
class Config:
    path: Path | None
    ofn_base_url: str
    hub_id: int
    order_cycle_id: int
    api_key_file: Path
    counter_order: str
    other_counter_orders: tuple[str, ...]
    lane_id: int
    lane_name: str
    channel: str
    currency: str
    language: str
    timezone: str
    store_path: Path
    journal_key_file: Path | None
    receipt: dict[str, Any]
    devices: dict[str, dict[str, Any]]
    vat: dict[int | str, VatRate]
    payments: tuple[PaymentMethod, ...] = field(default=())
    sync: dict[str, int] = field(default_factory=dict)
    barcodes: dict[str, Any] = field(default_factory=dict)

    def key_file_for(self, db_path: Path) -> Path:
        """The journal key: as configured, or ``journal.key`` beside the database."""
        return self.journal_key_file or default_key_file(db_path)


def default_key_file(db_path: Path) -> Path:
    return db_path.parent / "journal.key"


def resolve_path(explicit: str | os.PathLike[str] | None) -> Path:
    """Where the config is: ``--config``, else $OFN_CHECKOUT_CONFIG, else /etc/ofn-checkout."""
    if explicit:
        return Path(explicit)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return DEFAULT_PATH


def load(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(path, [Problem(str(path), _MISSING, "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [Problem(str(path), _MISSING, f"cannot be read ({exc})")]) from None
    return parse(text, path)


def parse(text: str, path: Path | None = None) -> Config:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [Problem("(file)", _MISSING, f"not valid TOML: {exc}")]) from None
    problems: list[Problem] = []
    sections = _read_sections(raw, problems)
    _check_devices(sections, problems)
    vat = _read_vat(raw.get("vat", []), problems)
    payments = _read_payments(raw.get("payment", []), problems)
    _unknown_top_level(raw, problems)
    if problems:
        raise ConfigError(path, problems)
    ofn, lane, locale = sections["ofn"], sections["lane"], sections["locale"]
    return Config(
        path=path,
        ofn_base_url=ofn["base_url"],
        hub_id=ofn["hub_id"],
        order_cycle_id=ofn["order_cycle_id"],
        api_key_file=ofn["api_key_file"],
        counter_order=ofn["counter_order"],
        other_counter_orders=ofn["other_counter_orders"],
        sync=sections["sync"],
        barcodes=sections["barcodes"],
        lane_id=lane["id"],
        lane_name=lane["name"],
        channel=lane["channel"],
        currency=locale["currency"],
        language=locale["language"],
        timezone=locale["timezone"],
        store_path=sections["store"]["path"],
        journal_key_file=sections["journal"]["key_file"],
        receipt=sections["receipt"],
        devices={name.split(".", 1)[1]: values for name, values in sections.items() if name.startswith("devices.")},
        vat=vat,
        payments=payments,
    )


def _read_sections(raw: dict[str, Any], problems: list[Problem]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for name, fields in SECTIONS.items():
        table: Any = raw
        for part in name.split("."):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if not isinstance(table, dict):
            problems.append(Problem(name, table, "must be a table ([" + name + "])"))
            table = {}
        result[name] = _read_table(name, table, fields, problems)
    devices = raw.get("devices", {})
    if isinstance(devices, dict):
        for device in devices:
            if f"devices.{device}" not in SECTIONS:
                known = [n.split(".")[1] for n in SECTIONS if n.startswith("devices.")]
                problems.append(Problem(f"devices.{device}", _MISSING, _unknown("device", device, known)))
    return result


def _read_table(
    prefix: str, table: dict[str, Any], fields: dict[str, Field], problems: list[Problem]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, spec in fields.items():
        full = f"{prefix}.{key}"
        if key not in table:
            if spec.default is _MISSING:
                problems.append(Problem(full, _MISSING, "is required"))
            values[key] = spec.default
            continue
        try:
            values[key] = spec.check(table[key])
        except ValueError as exc:
            problems.append(Problem(full, table[key], str(exc)))
    for key in table:
        if key not in fields:
            problems.append(Problem(f"{prefix}.{key}", table[key], _unknown("key", key, list(fields))))
    return values


def _check_devices(sections: dict[str, dict[str, Any]], problems: list[Problem]) -> None:
    """What no single key can tell: a device enabled without its port, two devices on one pin or port.

    Only values that passed their own check are compared; a bad one has been reported already.
    """
    scanner, scale = sections["devices.scanner"], sections["devices.scale"]
    printer = sections["devices.printer"]
    for name, section, key in (("scale", scale, "port"), ("printer", printer, "url")):
        if section.get("enabled") and section.get(key) == "":
            reason = f"is required when devices.{name}.enabled = true"
            problems.append(Problem(f"devices.{name}.{key}", _MISSING, reason))
    if scanner.get("path") and scanner.get("serial_port"):
        problems.append(
            Problem(
                "devices.scanner.serial_port",
                scanner["serial_port"],
                "devices.scanner.path is set too: give path (keyboard mode) or serial_port (USB-serial mode), not both",
            )
        )
    _no_sharing(_serial_users(sections), "serial port", problems)
    _no_sharing(_gpio_users(sections), "GPIO pin", problems)


def _serial_users(sections: dict[str, dict[str, Any]]) -> list[tuple[str, object]]:
    scanner, scale, printer = (sections[f"devices.{name}"] for name in ("scanner", "scale", "printer"))
    users: list[tuple[str, object]] = []
    if scanner.get("enabled") and scanner.get("serial_port"):
        users.append(("devices.scanner.serial_port", scanner["serial_port"]))
    if scale.get("enabled") and scale.get("port"):
        users.append(("devices.scale.port", scale["port"]))
    url = printer.get("url") or ""
    if printer.get("enabled") and url.startswith("serial:"):
        users.append(("devices.printer.url", url.removeprefix("serial:").partition("?")[0]))
    return users


def _gpio_users(sections: dict[str, dict[str, Any]]) -> list[tuple[str, object]]:
    """The pins the box will drive or read: only those of parts in use (a disabled light holds none)."""
    lights, drawer = sections["devices.lights"], sections["devices.drawer"]
    keys = []
    if lights.get("enabled"):
        keys += [("devices.lights", lights, name) for name in ("green", "amber", "red", "buzzer")]
    if drawer.get("kick") == "gpio":
        keys.append(("devices.drawer", drawer, "gpio_pin"))
    if drawer.get("switch"):
        keys.append(("devices.drawer", drawer, "switch_pin"))
    return [(f"{prefix}.{key}", section[key]) for prefix, section, key in keys if section.get(key) is not None]


def _no_sharing(users: list[tuple[str, object]], what: str, problems: list[Problem]) -> None:
    first_user: dict[object, str] = {}
    for key, value in users:
        if value in first_user:
            reason = f"is also used by {first_user[value]}: two devices cannot share a {what}"
            problems.append(Problem(key, value, reason))
        else:
            first_user[value] = key


def _read_vat(entries: Any, problems: list[Problem]) -> dict[int | str, VatRate]:
    rates: dict[int | str, VatRate] = {}
    codes: dict[str, VatRate] = {}
    for index, entry in enumerate(_table_array("vat", entries, problems)):
        values = _read_table(f"vat[{index}]", entry, TABLE_ARRAYS["vat"], problems)
        if not _complete(values, TABLE_ARRAYS["vat"]):
            continue
        category, rate = values["tax_category_id"], VatRate(values["code"], values["rate"], values["label"])
        if category in rates:
            problems.append(Problem(f"vat[{index}].tax_category_id", category, "appears twice"))
        if rate.code in codes and codes[rate.code].rate != rate.rate:
            problems.append(Problem(f"vat[{index}].code", rate.code, "is used for two different rates"))
        rates[category] = rate
        codes[rate.code] = rate
    if not rates and not any(p.key.startswith("vat") for p in problems):
        problems.append(Problem("vat", _MISSING, "at least one [[vat]] entry is required"))
    return rates


def _read_payments(entries: Any, problems: list[Problem]) -> tuple[PaymentMethod, ...]:
    methods: list[PaymentMethod] = []
    for index, entry in enumerate(_table_array("payment", entries, problems)):
        values = _read_table(f"payment[{index}]", entry, TABLE_ARRAYS["payment"], problems)
        if not _complete(values, TABLE_ARRAYS["payment"]):
            continue
        if any(m.code == values["code"] for m in methods):
            problems.append(Problem(f"payment[{index}].code", values["code"], "appears twice"))
        methods.append(PaymentMethod(values["code"], values["label"], values["cash"]))
    if not methods and not any(p.key.startswith("payment") for p in problems):
        problems.append(Problem("payment", _MISSING, "at least one [[payment]] method is required"))
    if sum(m.is_cash for m in methods) > 1:
        problems.append(Problem("payment", [m.code for m in methods if m.is_cash], "only one method may be cash"))
    return tuple(methods)


def _complete(values: dict[str, Any], fields: dict[str, Field]) -> bool:
    """Whether every field of an entry was read; a bad one has been reported already."""
    return set(values) == set(fields) and all(v is not _MISSING for v in values.values())


def _table_array(name: str, entries: Any, problems: list[Problem]) -> list[dict[str, Any]]:
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        problems.append(Problem(name, entries, f"must be written as [[{name}]] tables"))
        return []
    return entries


def _unknown_top_level(raw: dict[str, Any], problems: list[Problem]) -> None:
    known = {name.split(".")[0] for name in SECTIONS} | set(TABLE_ARRAYS)
    for key in raw:
        if key not in known:
            problems.append(Problem(key, _MISSING, _unknown("section", key, sorted(known))))


def _unknown(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown {what}{hint}"
