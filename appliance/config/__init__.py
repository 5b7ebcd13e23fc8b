"""The box's one TOML configuration file, read and checked in full before anything starts.

A support person fixing a config over SSH wants every mistake at once, each with the key, the value
and the reason, so :func:`load` collects problems instead of stopping at the first one. The schema
is declared once in :data:`SECTIONS` (schema.py, with its checkers in values.py);
docs/configuration.md documents the same keys and a test keeps the two in step.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.config.schema import SCANNER_LAYOUTS, SCANNER_TERMINATORS, SECTIONS, TABLE_ARRAYS, Field
from appliance.config.values import (
    _MISSING,
)
from appliance.core.sale import PaymentMethod
from appliance.core.tax import VatRate

__all__ = [
    "SCANNER_LAYOUTS",
    "SCANNER_TERMINATORS",
    "SECTIONS",
    "TABLE_ARRAYS",
    "Config",
    "ConfigError",
    "Field",
    "Problem",
    "load",
    "parse",
    "resolve_path",
]

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
    counter: dict[str, Any] = field(default_factory=dict)
    keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    cash: dict[str, Any] = field(default_factory=dict)
    roles: dict[str, Any] = field(default_factory=dict)
    backup: dict[str, Any] = field(default_factory=lambda: {"dir": None, "keep": 7})
    channels_file: Path | None = None

    def key_file_for(self, db_path: Path) -> Path:
        """The journal key of a database: ``journal.key_file`` for the configured store, else
        ``journal.key`` beside the database.

        One key belongs to one store (it names the store's identity), so a database named with
        ``--db`` elsewhere (a training store, a copy to check) has its own key beside it, as an
        archive keeps them together.
        """
        if self.journal_key_file is not None and db_path.resolve() == self.store_path.resolve():
            return self.journal_key_file
        return default_key_file(db_path)

    @property
    def backup_dir(self) -> Path:
        """``backup.dir``, else ``backups`` beside the store: on the data partition with it."""
        return self.backup["dir"] or self.store_path.parent / "backups"


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
        counter=sections["counter"],
        keys=sections["keys"],
        cash=sections["cash"],
        roles=sections["roles"],
        backup=sections["backup"],
        lane_id=lane["id"],
        lane_name=lane["name"],
        channel=lane["channel"],
        channels_file=lane["channels_file"],
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
            problems.append(Problem(full, getattr(exc, "shown", table[key]), str(exc)))
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
        if values["cash"] and values["card"]:
            problems.append(Problem(f"payment[{index}].card", True, "a method is cash or card, not both"))
        if values["ofn_credit"] and (values["cash"] or values["card"]):
            problems.append(Problem(f"payment[{index}].ofn_credit", True, "customer credit is neither cash nor card"))
        methods.append(
            PaymentMethod(values["code"], values["label"], values["cash"], values["card"], values["ofn_credit"])
        )
    if not methods and not any(p.key.startswith("payment") for p in problems):
        problems.append(Problem("payment", _MISSING, "at least one [[payment]] method is required"))
    if sum(m.is_cash for m in methods) > 1:
        problems.append(Problem("payment", [m.code for m in methods if m.is_cash], "only one method may be cash"))
    if sum(m.is_card for m in methods) > 1:
        problems.append(Problem("payment", [m.code for m in methods if m.is_card], "only one method may be card"))
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
