"""What a scale said, as a value: the UI, the log and the CLI all read the same frozen object.

Weight is integer grams, never a float: a till multiplies it by a price per kilogram, and the
receipt, the journal and OFN must agree to the gram.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from enum import StrEnum

RAW_KEPT = 256  # bytes of a reply kept for the log; a babbling line must not fill memory


class State(StrEnum):
    STABLE = "stable"
    MOTION = "motion"
    OVER_CAPACITY = "over_capacity"
    UNDER_ZERO = "under_zero"
    NO_ANSWER = "no_answer"
    ERROR = "error"
    GARBLED = "garbled"  # bytes came, none of them the protocol's: another baud rate or protocol


@dataclass(frozen=True)
class Reading:
    """One answer (or the lack of one) to a weight request.

    ``grams`` is None when the scale gave no figure (Toledo sends only status bits while moving;
    nothing came back). ``connected`` is False when the port itself is gone or cannot be opened,
    so the cashier is told to check the cable rather than to wait. ``detail`` is for the log and
    for support: why a reply was refused, what the port said.
    """

    state: State
    grams: int | None = None
    net: bool = False
    raw: bytes = b""
    detail: str = ""
    connected: bool = True

    def __post_init__(self) -> None:
        if self.state is State.STABLE and self.grams is None:
            raise ValueError("a stable reading has a weight")
        if self.grams is not None and not isinstance(self.grams, int):
            raise TypeError("grams is an int")

    def as_dict(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "grams": self.grams,
            "net": self.net,
            "connected": self.connected,
            "detail": self.detail,
            "raw": self.raw.hex(" "),
        }


def no_answer(raw: bytes = b"", detail: str = "the scale did not answer in time", *, connected: bool = True) -> Reading:
    return Reading(State.NO_ANSWER, raw=raw[:RAW_KEPT], detail=detail, connected=connected)


def error(raw: bytes, detail: str) -> Reading:
    return Reading(State.ERROR, raw=raw[:RAW_KEPT], detail=detail)


def garbled(raw: bytes, detail: str) -> Reading:
    return Reading(State.GARBLED, raw=raw[:RAW_KEPT], detail=detail)


@dataclass(frozen=True)
class CommandResult:
    """The outcome of zero / tare / clear-tare: the scale may refuse (moving, too far from zero)."""

    command: str
    accepted: bool
    detail: str
    raw: bytes = b""
    answered: bool = True
    connected: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "command": self.command,
            "accepted": self.accepted,
            "detail": self.detail,
            "answered": self.answered,
            "connected": self.connected,
            "raw": self.raw.hex(" "),
        }


class Unsupported(Exception):
    """The configured protocol has no such command (CAS ECR cannot zero or tare from the till)."""


UNIT_GRAMS = {"kg": 1000, "g": 1}


def to_grams(number: str, unit: str) -> int | None:
    """Decimal text in a metric unit to whole grams; None if the text is not a plain number.

    Retail scales resolve at best a gram, so a finer figure is rounded half-even (never through
    a float). Pounds and ounces are refused by the callers: a food hub in Europe sells by the kg,
    and a scale left in pounds must be set right, not silently converted.
    """
    text = number.replace(" ", "")
    if not text or not all(c in "0123456789.-" for c in text) or text.count(".") > 1 or "-" in text[1:]:
        return None
    try:
        value = Decimal(text) * UNIT_GRAMS[unit]
    except (InvalidOperation, KeyError):
        return None
    if not value.is_finite():
        return None
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
