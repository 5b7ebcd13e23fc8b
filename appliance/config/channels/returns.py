"""``[channels.NAME.returns]`` of channels.toml, and the hub's receipt key: read and checked.

Every problem is collected as ``Problem(key, value, reason)``, with keys written as the hub writes
them (``channels."shop counter".returns.max_days``), so ``config check --channels`` shows all of
them at once and the app refuses a broken file the same way (docs/channels.md, "Returns").

The receipt key is a secret: its bytes never appear in a problem, a log line or an exception, only
its path and what is wrong with it.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection
from pathlib import Path

from appliance.config import Problem
from appliance.config.values import _MISSING
from appliance.core.money import MoneyError, parse_amount, to_cents
from appliance.core.receipt_token import MIN_KEY_BYTES
from appliance.core.return_rules import AS_BEFORE, ReturnRules

KEYS = ("from_channels", "max_days", "receipt_required", "no_pin_below", "restock")
#: Ten years: a longer limit is a typo (140 for 14), and ``max_days`` left out means no limit.
MAX_DAYS = 3650


def parse_returns(key_prefix: str, table: object, problems: list[Problem]) -> ReturnRules:
    """The channel's return rules from its ``returns`` table (absent: returns as before)."""
    if table is None:
        return AS_BEFORE
    if not isinstance(table, dict):
        problems.append(Problem(key_prefix, table, "must be a table of return rules"))
        return AS_BEFORE
    for key in table:
        if key not in KEYS:
            problems.append(Problem(f"{key_prefix}.{key}", table[key], _unknown(key)))
    return ReturnRules(
        from_channels=_channels(key_prefix, table, problems),
        max_days=_days(key_prefix, table, problems),
        receipt_required=_flag(key_prefix, table, "receipt_required", False, problems),
        no_pin_below=_amount(key_prefix, table, problems),
        restock=_flag(key_prefix, table, "restock", True, problems),
    )


def check_channel_names(key_prefix: str, rules: ReturnRules, names: Collection[str], problems: list[Problem]) -> None:
    """``from_channels`` may only name channels of the file (the loader calls this once all are read)."""
    for index, name in enumerate(rules.from_channels or ()):
        if name not in names:
            close = difflib.get_close_matches(name, list(names), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(
                Problem(f"{key_prefix}.from_channels[{index}]", name, f"is not a channel of this file{hint}")
            )


def read_receipt_key(path: Path) -> bytes:
    """The hub's receipt key: the file's bytes. ValueError says what is wrong, never what it holds."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        raise ValueError(f"the hub's receipt key file {path} does not exist: copy the hub's key there") from None
    except OSError as exc:
        raise ValueError(f"the hub's receipt key file {path} cannot be read ({exc.strerror})") from None
    if not key.strip():  # blanks alone, however many, are no secret: every box would sign with them
        raise ValueError(f"the hub's receipt key file {path} is empty: put the hub's key in it")
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(
            f"the hub's receipt key file {path} holds {len(key)} bytes, fewer than {MIN_KEY_BYTES}:"
            " make one with `head -c 32 /dev/urandom > FILE` and give every box of the hub the same file"
        )
    return key


def _channels(prefix: str, table: dict[str, object], problems: list[Problem]) -> tuple[str, ...] | None:
    value = table.get("from_channels", _MISSING)
    if value is _MISSING:
        return None
    if not isinstance(value, list) or not all(isinstance(name, str) and name.strip() for name in value):
        problems.append(Problem(f"{prefix}.from_channels", value, "must be a list of channel names in quotes"))
        return None
    names = tuple(str(name) for name in value)
    if len(set(names)) != len(names):
        problems.append(Problem(f"{prefix}.from_channels", value, "names a channel twice"))
    return names


def _days(prefix: str, table: dict[str, object], problems: list[Problem]) -> int | None:
    value = table.get("max_days", _MISSING)
    if value is _MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DAYS:
        problems.append(
            Problem(f"{prefix}.max_days", value, f"must be a whole number of days from 0 to {MAX_DAYS} (0: same day)")
        )
        return None
    return value


def _flag(prefix: str, table: dict[str, object], key: str, default: bool, problems: list[Problem]) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        problems.append(Problem(f"{prefix}.{key}", value, "must be true or false"))
        return default
    return value


def _amount(prefix: str, table: dict[str, object], problems: list[Problem]) -> int | None:
    value = table.get("no_pin_below", _MISSING)
    if value is _MISSING:
        return None
    if not isinstance(value, str):
        problems.append(Problem(f"{prefix}.no_pin_below", value, 'must be an amount in quotes, e.g. "20.00"'))
        return None
    try:
        return to_cents(parse_amount(value))
    except MoneyError as exc:
        problems.append(Problem(f"{prefix}.no_pin_below", value, str(exc)))
        return None


def _unknown(key: str) -> str:
    close = difflib.get_close_matches(key, KEYS, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key of the return rules{hint} (known: {', '.join(KEYS)})"
