from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from appliance.core.tax import breakdown, spread_vat, vat_in_gross

from .helpers import RATES


def test_vat_contained_in_a_tax_inclusive_price() -> None:
    assert vat_in_gross(1055, 550) == 55  # 10.00 + 5.5 %
    assert vat_in_gross(1200, 2000) == 200  # 10.00 + 20 %
    assert vat_in_gross(100, 2000) == 17  # 16.67 rounds to 17
    assert vat_in_gross(-100, 2000) == -17  # a refund mirrors the sale
    assert vat_in_gross(999, 0) == 0


rate_codes = st.sampled_from(sorted(RATES))
parts = st.lists(st.tuples(rate_codes, st.integers(min_value=0, max_value=10**6)), min_size=1, max_size=40)


@given(parts)
def test_breakdown_sums_to_the_total_and_base_plus_vat_is_gross(pairs: list[tuple[str, int]]) -> None:
    amounts = breakdown((RATES[code], gross) for code, gross in pairs)
    assert sum(a.gross for a in amounts) == sum(gross for _, gross in pairs)
    for amount in amounts:
        assert amount.base + amount.vat == amount.gross
        exact = Decimal(amount.gross) * Decimal(amount.rate_bp) / (10000 + amount.rate_bp)
        assert abs(Decimal(amount.vat) - exact) <= Decimal("0.5")


@given(parts)
def test_line_vat_spreads_each_rate_exactly(pairs: list[tuple[str, int]]) -> None:
    amounts = breakdown((RATES[code], gross) for code, gross in pairs)
    line_vat = spread_vat(amounts, pairs)
    for amount in amounts:
        assert sum(v for v, (code, _) in zip(line_vat, pairs) if code == amount.code) == amount.vat
