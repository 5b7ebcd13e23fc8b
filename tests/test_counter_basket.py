"""The basket's rows: what a cashier reads on a line is never cut where it carries a figure."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st
from rich.style import Style

from appliance.reports.formatting import Formatter
from tui.widgets.basket import Basket

FMT = Formatter("EUR", "fr_FR", ZoneInfo("Europe/Paris"))


def row(cells: tuple[object, ...], width: int = 51) -> str:
    return Basket(FMT)._render_row(cells, width, Style()).text


@given(grams=st.integers(min_value=1, max_value=99_999), cents=st.integers(min_value=0, max_value=9_999_999))
def test_a_weight_and_an_amount_are_shown_whole(grams: int, cents: int) -> None:
    text = row((False, "Apples Golden — Verger du Coteau", "", FMT.weight(grams), cents))
    assert FMT.weight(grams) in text  # 12,345 kg used to show as "12,345 k"
    assert FMT.amount(cents) in text


@given(name=st.text(min_size=1, max_size=80).filter(lambda t: t.isprintable()))
def test_the_rule_that_took_money_off_stays_in_sight_however_long_the_name(name: str) -> None:
    text = row((False, name, " (-0,82 Saturday veg)", "1", 738))
    assert "(-0,82 Saturday veg)" in text
