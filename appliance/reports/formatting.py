"""Amounts, rates and times as a person reads them, in the hub's currency, language and time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.numbers import format_currency, format_decimal

from appliance.core.clock import parse_utc
from appliance.core.money import from_cents

#: CLDR's narrow and plain no-break spaces (as in "1 234,50 €") become plain spaces: receipt
#: printers' code pages and the Linux console font have neither.
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})

#: The first line of every report and receipt of a training store (``store init --training``, or a
#: store ``simulate`` set up): nobody may take its figures for the till's.
TRAINING_BANNER = "*** TRAINING — NOT FISCAL ***"


@dataclass(frozen=True)
class Formatter:
    currency: str
    language: str
    zone: ZoneInfo

    def money(self, cents: int) -> str:
        return _money(cents, self.currency, self.language)

    def amount(self, cents: int) -> str:
        """An amount without the currency sign, for tables whose header names it."""
        return _amount(cents, self.language)

    def rate(self, rate_bp: int) -> str:
        return format_decimal(Decimal(rate_bp) / 100, locale=self.language) + " %"

    def weight(self, grams: int) -> str:
        return _weight(grams, self.language)

    def moment(self, utc: str) -> str:
        return self.moment_of(parse_utc(utc))

    def moment_of(self, moment: datetime) -> str:
        return format_datetime(moment.astimezone(self.zone), "yyyy-MM-dd HH:mm", locale=self.language)


# Babel formats a number in 50-100 µs (it reads the locale's patterns each time), and a scan at the
# counter shows four or five amounts: the same few hundred amounts come back all day, so each is
# formatted once (docs/benchmarks.md).
@lru_cache(maxsize=4096)
def _money(cents: int, currency: str, language: str) -> str:
    return format_currency(from_cents(cents), currency, locale=language).translate(_SPACES)


@lru_cache(maxsize=4096)
def _amount(cents: int, language: str) -> str:
    return format_decimal(from_cents(cents), format="#,##0.00", locale=language).translate(_SPACES)


@lru_cache(maxsize=1024)
def _weight(grams: int, language: str) -> str:
    return format_decimal(Decimal(grams) / 1000, format="0.000", locale=language) + " kg"
