"""The demo hub's catalogue: what a cashier trying the demo picks from by name or by code."""

from __future__ import annotations

from collections import Counter

from appliance.cli.demo import demo_variants
from appliance.core.barcodes import gtin_check_digit


def test_every_demo_product_has_a_name_and_a_code_of_its_own() -> None:
    variants = demo_variants()
    assert len(variants) >= 320
    names = Counter(variant.name for variant in variants)
    assert [name for name, times in names.items() if times > 1] == []  # a name search lists one product per name
    assert len({variant.sku for variant in variants}) == len(variants)
    assert len({variant.id for variant in variants}) == len(variants)


def test_the_packed_goods_carry_valid_eans() -> None:
    eans = [variant.sku for variant in demo_variants() if variant.sku.isdigit()]
    assert len(eans) > 200
    assert all(len(ean) == 13 and ean[-1] == str(gtin_check_digit(ean[:-1])) for ean in eans)
