"""VAT on tax-inclusive prices, as OFN stores them.

The rounding rule (also in docs/architecture.md): VAT is computed once per rate on the sale's
total for that rate, ``vat = round_half_up(gross × rate / (100 + rate))``, and ``base = gross −
vat``. The breakdown therefore sums to the sale total by construction. For the accounting export,
each rate's VAT is then spread over that rate's lines by largest remainder, so line VAT sums to the
receipt's VAT to the cent as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from appliance.core.frozen import frozen
from appliance.core.money import allocate, round_div


@dataclass(frozen=True)
class VatRate:
    """One rate of the hub's VAT table: ``code`` is the letter printed beside each receipt line.

    ``basis_points`` is the rate as an integer (5.5 % → 550), which is how records keep it.
    """

    code: str
    rate: Decimal
    label: str
    basis_points: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "basis_points", int(self.rate * 100))


@frozen
class VatAmount:
    """What one rate contributes to a sale or a report, in cents."""

    code: str
    rate_bp: int
    label: str
    gross: int
    vat: int

    @property
    def base(self) -> int:
        return self.gross - self.vat


def vat_in_gross(gross_cents: int, rate_bp: int) -> int:
    """VAT contained in a tax-inclusive amount, rounded half away from zero."""
    return round_div(gross_cents * rate_bp, 10000 + rate_bp)


def breakdown(parts: Iterable[tuple[VatRate, int]]) -> list[VatAmount]:
    """Per-rate totals of (rate, gross cents) pairs, ordered by rate then code."""
    gross_by_code: dict[str, int] = {}
    rates: dict[str, VatRate] = {}
    for rate, gross in parts:
        rates[rate.code] = rate
        gross_by_code[rate.code] = gross_by_code.get(rate.code, 0) + gross
    amounts = [
        VatAmount(
            code=code,
            rate_bp=rates[code].basis_points,
            label=rates[code].label,
            gross=gross,
            vat=vat_in_gross(gross, rates[code].basis_points),
        )
        for code, gross in gross_by_code.items()
    ]
    return sorted(amounts, key=lambda amount: (amount.rate_bp, amount.code))


def spread_vat(amounts: list[VatAmount], lines: list[tuple[str, int]]) -> list[int]:
    """VAT of each line (code, gross cents), such that each rate's lines sum to its VAT exactly."""
    result = [0] * len(lines)
    for amount in amounts:
        indexes = [i for i, (code, _) in enumerate(lines) if code == amount.code]
        weights = [abs(lines[i][1]) for i in indexes]
        if sum(weights) == 0:
            continue
        for index, share in zip(indexes, allocate(amount.vat, weights)):
            result[index] = share
    return result
