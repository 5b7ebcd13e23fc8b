"""Amounts as a person reads them: the formatter remembers what it formatted, and says the same."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from babel.numbers import format_currency, format_decimal
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.money import from_cents
from appliance.reports.formatting import Formatter

PARIS = ZoneInfo("Europe/Paris")
CENTS = st.integers(min_value=-(10**11), max_value=10**11)


@given(
    cents=CENTS,
    language=st.sampled_from(["fr_FR", "en_GB", "de_DE", "nl_NL"]),
    currency=st.sampled_from(["EUR", "GBP"]),
)
def test_an_amount_reads_as_babel_writes_it_the_first_time_and_every_time_after(
    cents: int, language: str, currency: str
) -> None:
    fmt = Formatter(currency, language, PARIS)
    money = format_currency(from_cents(cents), currency, locale=language).replace("\u202f", " ").replace("\u00a0", " ")
    amount = format_decimal(from_cents(cents), format="#,##0.00", locale=language)
    amount = amount.replace("\u202f", " ").replace("\u00a0", " ")
    for _ in range(2):  # the second answer comes from what the first remembered
        assert fmt.money(cents) == money
        assert fmt.amount(cents) == amount


def test_formatters_of_two_hubs_never_answer_for_each_other() -> None:
    french, british = Formatter("EUR", "fr_FR", PARIS), Formatter("GBP", "en_GB", PARIS)
    assert french.money(123456) == "1 234,56 €"
    assert british.money(123456) == "£1,234.56"
    assert french.amount(123456) == "1 234,56" and british.amount(123456) == "1,234.56"
    assert french.weight(1234) == "1,234 kg" and british.weight(1234) == "1.234 kg"
