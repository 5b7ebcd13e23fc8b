"""The hub's channel file (``channels.toml``): how each point of sale of the hub behaves.

One file for the whole hub, carried to every box by provisioning; each box applies the rules of
its own channel (``[lane] channel``). It is read and checked in full, like the box's config: every
problem with its key, its value and its reason, all at once, in a :class:`ConfigError`, so a
support person fixes the file in one go and the till refuses to start on a broken one.

``digest`` (sha256 of the file's bytes) is sealed into every sale, so a receipt can be explained
later by the exact file that was in force. A box without a file sells as it always did: every
payment method of its config, the whole cycle's catalogue (:func:`default_channel`), sealed with
the digest of those default rules. The schema is in docs/channels.md.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from appliance.config import Config, ConfigError, Field, Problem, _read_table, _unknown
from appliance.config.channels.assortment import parse_assortment
from appliance.config.channels.discounts import parse_discount_policy, parse_discounts
from appliance.config.channels.payment import parse_payment
from appliance.config.channels.returns import check_channel_names, parse_returns
from appliance.config.values import _MISSING, _nonempty, _optional_path
from appliance.core.assortment import Assortment
from appliance.core.discount_rules import DiscountPolicy, DiscountRule
from appliance.core.payment_rules import PaymentRules
from appliance.core.return_rules import AS_BEFORE, ReturnRules

__all__ = [
    "VERSION",
    "ChannelRules",
    "HubChannels",
    "box_problems",
    "channel_rules",
    "default_channel",
    "default_rules",
    "check_file",
    "load_channels",
]

#: The schema version this box reads; a file of another version is refused with both numbers.
VERSION = 1


@dataclass(frozen=True)
class ChannelRules:
    """The rules one channel's boxes apply; ``digest`` names the file (or default rules) they came from."""

    name: str
    label: str
    payment: PaymentRules = field(default_factory=PaymentRules)
    assortment: Assortment = field(default_factory=Assortment)
    discounts: tuple[DiscountRule, ...] = ()
    discount_policy: DiscountPolicy = field(default_factory=DiscountPolicy)
    returns: ReturnRules = AS_BEFORE
    digest: str = ""
    # The hub's key that signs receipt codes (the file's [hub] receipt_key_file): every channel's
    # boxes sign with it and read each other's receipts with it.
    receipt_key_file: Path | None = None


@dataclass(frozen=True)
class HubChannels:
    digest: str
    version: int
    hub_name: str
    receipt_key_file: Path | None
    channels: Mapping[str, ChannelRules]


Parser = Callable[[str, dict[str, Any], list[Problem]], Any]

#: Each table of a channel and the parser that reads it into the ChannelRules field of that name
#: (the loader refuses a value that is not a table).
SECTION_PARSERS: dict[str, Parser] = {
    "payment": parse_payment,
    "assortment": parse_assortment,
    "discount_policy": parse_discount_policy,
    "returns": parse_returns,
}
#: Each array of tables of a channel and its parser (which refuses a value that is not one).
TABLE_ARRAY_PARSERS: dict[str, Parser] = {
    "discounts": parse_discounts,
}

CHANNEL_FIELDS: dict[str, Field] = {"label": Field(_nonempty, "", "shown on reports and receipts")}
HUB_FIELDS: dict[str, Field] = {
    "name": Field(_nonempty, "", "the hub's name"),
    "receipt_key_file": Field(_optional_path, None, "key shared by the hub's boxes to sign receipt codes"),
}


def load_channels(path: Path) -> HubChannels:
    """Read and check the channel file; ConfigError with every problem if it cannot be used."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, [Problem(str(path), _MISSING, "file not found")]) from None
    except OSError as exc:
        raise ConfigError(path, [Problem(str(path), _MISSING, f"cannot be read ({exc.strerror})")]) from None
    return parse_channels(data, path)


def parse_channels(data: bytes, path: Path | None = None) -> HubChannels:
    digest = hashlib.sha256(data).hexdigest()
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(path, [Problem("(file)", _MISSING, "is not UTF-8 text")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [Problem("(file)", _MISSING, f"not valid TOML: {exc}")]) from None
    problems: list[Problem] = []
    version = raw.get("version", _MISSING)
    if version is _MISSING:
        problems.append(Problem("version", _MISSING, f"is required (version = {VERSION})"))
    elif version != VERSION or isinstance(version, bool):
        reason = f"this box reads version {VERSION} of the channel file: write version = {VERSION}, or update the box"
        problems.append(Problem("version", version, reason))
    hub = _section("hub", raw.get("hub", {}), HUB_FIELDS, problems)
    channels = _channels(raw.get("channels", _MISSING), digest, problems)
    for name, rules in channels.items():  # returns may name only channels of the file
        check_channel_names(f"{channel_key(name)}.returns", rules.returns, channels, problems)
    key_file = hub.get("receipt_key_file")
    channels = {name: replace(rules, receipt_key_file=key_file) for name, rules in channels.items()}
    for key in raw:
        if key not in ("version", "hub", "channels"):
            problems.append(Problem(key, _MISSING, _unknown("key", key, ["version", "hub", "channels"])))
    if problems:
        raise ConfigError(path, problems)
    return HubChannels(
        digest=digest,
        version=VERSION,
        hub_name=hub["name"],
        receipt_key_file=hub["receipt_key_file"],
        channels=MappingProxyType(channels),
    )


def _section(prefix: str, table: Any, fields: dict[str, Field], problems: list[Problem]) -> dict[str, Any]:
    if not isinstance(table, dict):
        problems.append(Problem(prefix, table, f"must be a table ([{prefix}])"))
        table = {}
    return _read_table(prefix, table, fields, problems)


def channel_key(name: str) -> str:
    """How a problem names a channel: as TOML writes it, ``channels."shop counter"``."""
    return "channels." + json.dumps(name, ensure_ascii=False)


def _channels(table: Any, digest: str, problems: list[Problem]) -> dict[str, ChannelRules]:
    if table is _MISSING or table == {}:
        problems.append(Problem("channels", _MISSING, 'at least one channel is required ([channels."NAME"])'))
        return {}
    if not isinstance(table, dict):
        problems.append(Problem("channels", table, 'must hold tables, one per channel ([channels."NAME"])'))
        return {}
    channels: dict[str, ChannelRules] = {}
    for name, body in table.items():
        prefix = channel_key(name)
        if not name.strip():
            problems.append(Problem(prefix, _MISSING, "a channel's name must not be empty"))
            continue
        if not isinstance(body, dict):
            problems.append(Problem(prefix, body, f"must be a table ([{prefix}])"))
            continue
        channels[name] = _channel(name, prefix, body, digest, problems)
    return channels


def _channel(name: str, prefix: str, body: dict[str, Any], digest: str, problems: list[Problem]) -> ChannelRules:
    plain = {key: value for key, value in body.items() if key in CHANNEL_FIELDS}
    values = _read_table(prefix, plain, CHANNEL_FIELDS, problems)
    sections: dict[str, Any] = {}
    for key, value in body.items():
        if key in CHANNEL_FIELDS:
            continue
        if key in TABLE_ARRAY_PARSERS:
            sections[key] = TABLE_ARRAY_PARSERS[key](f"{prefix}.{key}", value, problems)
        elif key not in SECTION_PARSERS:
            known = [*CHANNEL_FIELDS, *SECTION_PARSERS, *TABLE_ARRAY_PARSERS]
            problems.append(Problem(f"{prefix}.{key}", value, _unknown("key", key, known)))
        elif not isinstance(value, dict):
            problems.append(Problem(f"{prefix}.{key}", value, f"must be a table ([{prefix}.{key}])"))
        else:
            sections[key] = SECTION_PARSERS[key](f"{prefix}.{key}", value, problems)
    return ChannelRules(name=name, label=values.get("label") or name, digest=digest, **sections)


def default_channel(name: str, config: Config) -> ChannelRules:
    """The rules of a box without a channel file: what it did before there were channels."""
    return default_rules(name, [method.code for method in config.payments])


def default_rules(name: str, payment_codes: Iterable[str]) -> ChannelRules:
    """Every payment method, the whole catalogue, sealed with the digest of that description (the
    channel's name and the box's payment codes): every sale seals a digest, and a change of those
    rules shows as a change of digest."""
    described = {"default": name, "methods": list(payment_codes), "version": VERSION}
    digest = hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()
    return ChannelRules(name=name, label=name, digest=digest)


def box_problems(hub: HubChannels, config: Config) -> list[Problem]:
    """What the file and this box's config say against each other (for the box's own channel).

    Another channel's payment codes are not checked here: the boxes of that channel check them
    against their own config.
    """
    rules = hub.channels.get(config.channel)
    if rules is None:
        known = ", ".join(repr(name) for name in hub.channels)
        return [Problem("lane.channel", config.channel, f"is not a channel of the channel file (it has {known})")]
    prefix = channel_key(rules.name)
    codes = [method.code for method in config.payments]
    problems = [
        Problem(
            f"{prefix}.payment.methods", code, f"is not a [[payment]] code of the box's config ({', '.join(codes)})"
        )
        for code in rules.payment.methods
        if code not in codes
    ]
    vat_codes = {rate.code for rate in config.vat.values()}
    for index, item in enumerate(rules.assortment.shelf):
        if item.vat not in vat_codes and item.vat not in config.vat:
            reason = "names no [[vat]] entry of the box's config (give its code or its tax_category_id)"
            problems.append(Problem(f"{prefix}.assortment.shelf[{index}].vat", item.vat, reason))
    return problems


def check_file(path: Path, config: Config | None) -> tuple[HubChannels | None, list[Problem]]:
    """The channel file (None if it cannot be read) and everything wrong with it, and with the box's
    config against it when there is one: what `config check` prints and what provisioning refuses
    to send to a box."""
    try:
        hub = load_channels(path)
    except ConfigError as exc:
        return None, list(exc.problems)
    return hub, box_problems(hub, config) if config is not None else []


def channel_rules(config: Config, path: Path | None = None) -> ChannelRules:
    """The rules of this box's channel: from the channel file (``path``, else the config's
    ``[lane] channels_file``), checked against the box's config; with no file, the default rules."""
    path = path or config.channels_file
    if path is None:
        return default_channel(config.channel, config)
    hub = load_channels(path)
    if problems := box_problems(hub, config):
        raise ConfigError(path, problems)
    return hub.channels[config.channel]
