"""A channel's assortment: which of the order cycle's variants it may sell, and the shelf-only items
it sells that are not in the cycle. Pure code: the channel file's parser builds an
:class:`Assortment`, the till asks it before an item goes into a basket.

A variant is judged on what the catalogue knows of it: its id, its OFN category (the primary taxon)
and its tags. Tags compare without regard to case, as a person writes them in OFN's admin.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from appliance.core.sale import SaleError


@dataclass(frozen=True)
class ShelfItem:
    """An item a channel sells that is not in the order cycle (a paper bag, a deposit jar).

    ``vat`` names a ``[[vat]]`` entry of the box's config: its ``code`` or its ``tax_category_id``.
    It never reaches OFN's counter order (OFN cannot hold a variant that is not in the cycle): it is
    in the journal, the receipts, the reports and the accounting export (docs/channels.md).
    """

    code: str
    name: str
    price: Decimal
    vat: int | str


@dataclass(frozen=True)
class Assortment:
    """Everything empty: the whole cycle's catalogue, nothing else (a box without a channel file)."""

    exclude_categories: frozenset[int] = field(default_factory=frozenset)
    exclude_tags: frozenset[str] = field(default_factory=frozenset)
    include_only_tags: frozenset[str] = field(default_factory=frozenset)
    exclude_variants: frozenset[int] = field(default_factory=frozenset)
    shelf: tuple[ShelfItem, ...] = ()

    @property
    def sells_everything(self) -> bool:
        """No exclusion at all: nothing to look up before a line is sealed."""
        return not (self.exclude_categories or self.exclude_tags or self.include_only_tags or self.exclude_variants)

    def refusal(self, variant_id: int, category_id: int | None, tags: Iterable[str]) -> str | None:
        """Why the variant may not be sold in this channel, in words, or None when it may."""
        folded = {tag.casefold() for tag in tags}
        if variant_id in self.exclude_variants:
            return "this variant is excluded"
        if category_id is not None and category_id in self.exclude_categories:
            return f"its category {category_id} is excluded"
        if excluded := sorted(folded & {tag.casefold() for tag in self.exclude_tags}):
            return f"its tag {excluded[0]!r} is excluded"
        only = {tag.casefold() for tag in self.include_only_tags}
        if only and not folded & only:
            return "it has none of the tags " + ", ".join(repr(tag) for tag in sorted(self.include_only_tags))
        return None

    def check(self, variant_id: int, name: str, category_id: int | None, tags: Iterable[str], label: str) -> None:
        """Refuse a variant the channel may not sell, saying why and what to do."""
        if (reason := self.refusal(variant_id, category_id, tags)) is not None:
            raise SaleError(f"{name} is not sold at {label} ({reason}): put it aside")

    def shelf_item(self, code: str) -> ShelfItem | None:
        for item in self.shelf:
            if item.code == code:
                return item
        return None
