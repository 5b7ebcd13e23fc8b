"""``[channels.NAME.assortment]``: the order cycle's catalogue less categories, tags or variants
(or only some tags), plus the channel's shelf-only items."""

from __future__ import annotations

from typing import Any

from appliance.config import Field, Problem, _complete, _read_table, _table_array
from appliance.config.channels.checks import code, ids, names, price, vat_ref
from appliance.config.values import _nonempty
from appliance.core.assortment import Assortment, ShelfItem

FIELDS: dict[str, Field] = {
    "exclude_categories": Field(ids, frozenset(), "OFN category ids (primary taxon) not sold here"),
    "exclude_tags": Field(names, (), "variant tags not sold here"),
    "include_only_tags": Field(names, (), "when not empty: only variants with one of these tags are sold"),
    "exclude_variants": Field(ids, frozenset(), "OFN variant ids not sold here"),
    "shelf": Field(lambda value: value, [], "shelf-only items: [[...assortment.shelf]] tables"),
}

SHELF_FIELDS: dict[str, Field] = {
    "code": Field(code, doc="what the scanner reads or the cashier types"),
    "name": Field(_nonempty, doc="name on screen and receipt"),
    "price": Field(price, doc='price per piece, e.g. "0.10"'),
    "vat": Field(vat_ref, doc="code or tax_category_id of a [[vat]] entry of the box's config"),
}


def parse_assortment(prefix: str, table: dict[str, Any], problems: list[Problem]) -> Assortment:
    values = _read_table(prefix, table, FIELDS, problems)
    shelf = _read_shelf(f"{prefix}.shelf", values.get("shelf", []), problems)
    return Assortment(
        exclude_categories=_set(values.get("exclude_categories")),
        exclude_tags=_set(values.get("exclude_tags")),
        include_only_tags=_set(values.get("include_only_tags")),
        exclude_variants=_set(values.get("exclude_variants")),
        shelf=shelf,
    )


def _set(value: Any) -> frozenset[Any]:
    return frozenset(value) if isinstance(value, (tuple, frozenset)) else frozenset()


def _read_shelf(prefix: str, entries: Any, problems: list[Problem]) -> tuple[ShelfItem, ...]:
    items: list[ShelfItem] = []
    for index, entry in enumerate(_table_array(prefix, entries, problems)):
        values = _read_table(f"{prefix}[{index}]", entry, SHELF_FIELDS, problems)
        if not _complete(values, SHELF_FIELDS):
            continue
        if any(item.code == values["code"] for item in items):
            problems.append(Problem(f"{prefix}[{index}].code", values["code"], "appears twice in this channel"))
            continue
        items.append(ShelfItem(values["code"], values["name"], values["price"], values["vat"]))
    return tuple(items)
