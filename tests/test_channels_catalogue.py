"""The catalogue carries what a channel's assortment reads: each variant's OFN category (the
product admin's ``category_id``) and tags (the shopfront's ``tag_list``), over real HTTP."""

from __future__ import annotations

from dataclasses import replace

import pytest

from appliance.cli.demo import demo_variants
from appliance.core.assortment import Assortment
from appliance.core.sale import SaleError
from appliance.store.catalogue import get_variant

from .ofn_sandbox import Box


def test_the_sync_keeps_category_and_tags_and_the_assortment_follows_them(box: Box) -> None:
    demo = {variant.id: variant for variant in demo_variants()}
    stored = {v: get_variant(box.till.connection, v) for v in demo}
    kept = {v: (s.category_id, s.tags) for v, s in stored.items() if s is not None}
    assert len(kept) > 300
    assert all(kept[v] == (demo[v].category_id, demo[v].tags) for v in kept)
    assert {category for category, _ in kept.values()} == {11, 12, 13, 14, 15}
    beer = next(v for v in demo.values() if v.name.startswith("Beer blonde"))
    assert kept[beer.id][1] == ("alcohol",)

    flour = next(v for v in demo.values() if v.name.startswith("Flour T65"))
    box.sandbox.admin("PUT", f"variants/{flour.id}", {"category_id": 21, "tags": ["Wholesale", "bulk"]})
    box.till.rules = replace(box.till.rules, assortment=Assortment(exclude_tags=frozenset({"wholesale"})))
    assert box.till.item(flour.id).variant_id == flour.id  # OFN changed, the box does not know yet
    box.daemon.run_once(catalogue=True)
    variant = get_variant(box.till.connection, flour.id)
    assert variant is not None and (variant.category_id, variant.tags) == (21, ("Wholesale", "bulk"))
    with pytest.raises(SaleError, match="its tag 'wholesale' is excluded"):
        box.till.item(flour.id)
