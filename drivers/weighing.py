"""The rule for a weighed line, as a small state machine the till screen consults on every reading.

A line may take a weight only when the scale is STABLE and shows more than a few grams. Once a
weight has been taken, the gate closes until the scale has been seen back at zero (or under
it): otherwise the same bag, left on the pan, is sold twice when the cashier presses the key
again. This is the rule legal-for-trade POS setups follow (Odoo keeps its button disabled until
the scale returns to zero). Every refusal carries a reason and a line the cashier can act on.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from drivers.scale.reading import Reading, State

DEFAULT_ZERO_BAND_GRAMS = 5


class Reason(StrEnum):
    READY = "ready"
    EMPTY = "empty"
    REMOVE_LAST = "remove_last"
    MOTION = "motion"
    OVER_CAPACITY = "over_capacity"
    UNDER_ZERO = "under_zero"
    NO_ANSWER = "no_answer"
    DISCONNECTED = "disconnected"
    ERROR = "error"
    GARBLED = "garbled"


MESSAGES = {
    Reason.READY: "{weight} on the scale",
    Reason.EMPTY: "Put the goods on the scale",
    Reason.REMOVE_LAST: "Take the weighed goods off the scale first: it must show zero before the next item",
    Reason.MOTION: "Wait: the scale is settling",
    Reason.OVER_CAPACITY: "Too heavy for the scale: weigh it in parts",
    Reason.UNDER_ZERO: "The scale is below zero: empty the pan and press Zero",
    Reason.NO_ANSWER: "The scale is not answering: is it switched on?",
    Reason.DISCONNECTED: "Scale unplugged: check its cable (it reconnects by itself)",
    Reason.ERROR: "The scale sent something unreadable: check its settings (see the log)",
    Reason.GARBLED: "The scale answers garbage: check its baud rate and protocol",
}


def kilograms(grams: int) -> str:
    return f"{Decimal(grams) / 1000:.3f} kg"


@dataclass(frozen=True)
class Verdict:
    reason: Reason
    grams: int | None = None

    @property
    def accepted(self) -> bool:
        return self.reason is Reason.READY

    @property
    def message(self) -> str:
        weight = kilograms(self.grams) if self.grams is not None else ""
        return MESSAGES[self.reason].format(weight=weight)


class WeighRefused(Exception):
    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


class WeighGate:
    """Judges readings for weighed lines and remembers whether the pan has been cleared since.

    ``zero_band_grams``: readings at or under it count as an empty pan, both to re-arm the gate
    and to refuse a line (a few grams of drift or crumbs are not a sale).
    """

    def __init__(self, zero_band_grams: int = DEFAULT_ZERO_BAND_GRAMS):
        if zero_band_grams < 0:
            raise ValueError("zero_band_grams must be 0 or more")
        self.zero_band_grams = zero_band_grams
        self._armed = True

    @property
    def waiting_for_zero(self) -> bool:
        return not self._armed

    def check(self, reading: Reading) -> Verdict:
        """What the cashier may do with this reading; seeing an empty pan re-arms the gate."""
        state = reading.state
        if state is State.NO_ANSWER:
            return Verdict(Reason.NO_ANSWER if reading.connected else Reason.DISCONNECTED)
        if state is State.ERROR:
            return Verdict(Reason.ERROR)
        if state is State.GARBLED:
            return Verdict(Reason.GARBLED)
        if state is State.OVER_CAPACITY:
            return Verdict(Reason.OVER_CAPACITY, reading.grams)
        if state is State.UNDER_ZERO:
            self._armed = True  # below zero: whatever was weighed has left the pan
            return Verdict(Reason.UNDER_ZERO, reading.grams)
        if state is State.MOTION:
            return Verdict(Reason.MOTION, reading.grams)
        assert reading.grams is not None  # a stable reading always has a weight
        if reading.grams <= self.zero_band_grams:
            self._armed = True
            return Verdict(Reason.EMPTY, reading.grams)
        if not self._armed:
            return Verdict(Reason.REMOVE_LAST, reading.grams)
        return Verdict(Reason.READY, reading.grams)

    def take(self, reading: Reading) -> int:
        """The grams for a new weighed line; closes the gate until the pan is seen empty again."""
        verdict = self.check(reading)
        if not verdict.accepted:
            raise WeighRefused(verdict)
        self._armed = False
        assert verdict.grams is not None
        return verdict.grams

    def release(self) -> None:
        """Re-arm without seeing zero: for a manager, when a line was voided and the goods stay on."""
        self._armed = True
