"""The replay script: one cashier's action a line, read and checked before anything runs.

A script that cannot run to its end must not start: on a real till every line that runs may seal
a sale. So the whole file is read first, and a line with an unknown action or an argument the
action cannot use is refused with its number and its text (:class:`ScriptError`); nothing has
been pressed or written then. ``docs/replay.md`` is the reference of the format.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from textual.keys import KEY_NAME_REPLACEMENTS, Keys

from appliance.core.money import MoneyError, parse_amount

#: What ``weigh`` may put on the simulated pan (grams): empty up to twice a counter scale's range.
MAX_GRAMS = 30_000
#: How long ``wait-sync`` waits when the line does not say (seconds), and the most it may ask.
WAIT_SYNC_DEFAULT = 60.0
WAIT_SYNC_MAX = 3600.0
#: What ``type`` types: what a keypad and a full keyboard send as characters.
TYPABLE = frozenset("0123456789.,+-*/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


class ScriptError(Exception):
    """A line the replay cannot run: its number, its text, and why."""

    def __init__(self, line_no: int, line: str, reason: str):
        self.line_no = line_no
        self.line = line
        self.reason = reason
        super().__init__(f"line {line_no}: {line}: {reason}")


@dataclass(frozen=True)
class Step:
    """One line to run. ``value`` is the argument as the action uses it (key names, grams…)."""

    line_no: int
    line: str
    action: str
    value: object


def key_of(char: str) -> str:
    """Textual's name of the key that types ``char`` ("+" is "plus", "." is "full_stop")."""
    if char.isalnum():
        return char
    name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(name, name)


#: Every key name a line may press: Textual's named keys and the keys of printable characters.
KNOWN_KEYS = frozenset({key.value for key in Keys} | {key_of(chr(code)) for code in range(33, 127)})


def _keys(argument: str) -> tuple[str, ...]:
    names = tuple(argument.split())
    if not names:
        raise ValueError("name the key, e.g. `key enter`, `key plus`, `key f4`")
    for name in names:
        if name not in KNOWN_KEYS:
            raise ValueError(
                f"{name!r} is not a key name (Textual's names: enter, backspace, plus, minus,"
                " asterisk, slash, full_stop, up, down, f1 to f12, a digit…)"
            )
    return names


def _typed(argument: str) -> tuple[str, ...]:
    if not argument:
        raise ValueError("say what to type, e.g. `type 12.50`")
    wrong = sorted({char for char in argument if char not in TYPABLE})
    if wrong:
        shown = " ".join(repr(char) for char in wrong)
        raise ValueError(f"cannot type {shown}: digits, letters, . , and + - * / only (use `key` for other keys)")
    return tuple(key_of(char) for char in argument)


def _code(argument: str) -> str:
    if not argument or any(not char.isprintable() or char.isspace() for char in argument):
        raise ValueError("give the code the scanner reads, in one word, e.g. `scan 3760000010719`")
    return argument


def _grams(argument: str) -> int:
    if not argument.isascii() or not argument.isdigit() or int(argument) > MAX_GRAMS:
        raise ValueError(f"give the weight in whole grams, 0 to {MAX_GRAMS} (0 empties the pan)")
    return int(argument)


def _seconds(argument: str) -> float:
    if not argument:
        return WAIT_SYNC_DEFAULT
    try:
        seconds = float(argument)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= WAIT_SYNC_MAX:
        raise ValueError(f"the longest wait is given in seconds, above 0 and at most {WAIT_SYNC_MAX:.0f}")
    return seconds


def _amount(argument: str) -> Decimal:
    try:
        return parse_amount(argument, allow_negative=True)
    except MoneyError as exc:
        raise ValueError(f"{exc} (e.g. `expect-total 12.34`)") from None


def _text(argument: str) -> str:
    if not argument:
        raise ValueError("say what the screen must show, e.g. `expect-screen OFN online`")
    return argument


ACTIONS: dict[str, Callable[[str], object]] = {
    "key": _keys,
    "type": _typed,
    "scan": _code,
    "weigh": _grams,
    "wait-sync": _seconds,
    "expect-total": _amount,
    "expect-screen": _text,
}


def parse(text: str) -> list[Step]:
    """Every action of the script, in order; ScriptError at the first line that cannot run."""
    steps = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        action, *rest = line.split(None, 1)
        argument = rest[0] if rest else ""
        read = ACTIONS.get(action)
        if read is None:
            raise ScriptError(line_no, line, f"unknown action {action!r} (the actions: {', '.join(ACTIONS)})")
        try:
            value = read(argument.strip())
        except ValueError as exc:
            raise ScriptError(line_no, line, str(exc)) from None
        steps.append(Step(line_no, line, action, value))
    return steps
