"""An online order being handed over at the counter, without a screen: what a scan or a key does to it.

The rules are the core's (:class:`appliance.core.handover.Handover`: whole units only, OFN's price,
never more taken off than the order holds); this adds how the counter reads a code (the same scan
lookup as a sale) and the rows the order screen shows. Plain Python, like :mod:`tui.counter`, so the
screens stay thin.
"""

from __future__ import annotations

from dataclasses import dataclass

from appliance.core.handover import Change, CompletedHandover, Handover, HandoverError, PickupOrder
from appliance.core.sale import PricedBy
from appliance.store.catalogue import Variant
from appliance.store.scan_lookup import Ambiguous, Match, NoMatch, ScanLookup
from appliance.till import Till

from .counter import Choose, Unknown


@dataclass(frozen=True)
class Put:
    """More of a product went on the order."""

    change: Change
    quantity: int


@dataclass(frozen=True)
class OrderRow:
    """One product of the order as the screen shows it: ordered online, and held now."""

    variant_id: int
    name: str
    ordered: int
    held: int
    price: int  # cents, OFN's price on this order

    @property
    def changed(self) -> bool:
        return self.held != self.ordered


Rung = Put | Choose | Unknown


class HandingOver:
    """One order at the counter: the core's hand-over, and how the counter's codes reach it."""

    def __init__(self, till: Till, lookup: ScanLookup, handover: Handover):
        self.till = till
        self.lookup = lookup
        self.handover = handover

    @property
    def order(self) -> PickupOrder:
        return self.handover.order

    @property
    def changed(self) -> bool:
        """Something the cashier did would be lost by leaving: a change, or a payment entered."""
        return any(change.quantity for change in self.handover.changes.values()) or bool(self.handover.tenders)

    def ring(self, code: str, quantity: int = 1) -> Rung:
        """A scan or a typed code puts the product on the order, or says why not."""
        result = self.lookup.read(code)
        if isinstance(result, NoMatch):
            return Unknown(result.scan.shown, result.message, result.hints)
        if isinstance(result, Ambiguous):
            return Choose(result, quantity)
        return self._put_match(result, quantity)

    def put_on(self, variant: Variant, quantity: int = 1) -> Put:
        """A product picked from a list (several shared a code)."""
        change = self.handover.add(self.till.sellable(variant), quantity)
        return Put(change, quantity)

    def take_off(self, variant_id: int, quantity: int = 1) -> Change:
        return self.handover.remove(variant_id, quantity)

    def rows(self) -> list[OrderRow]:
        """The order's lines in OFN's order, then what the counter put on that the order did not hold."""
        rows = [
            OrderRow(line.variant_id, line.name, line.quantity, self.handover.held(line.variant_id), line.price)
            for line in self.order.lines
        ]
        on_order = {line.variant_id for line in self.order.lines}
        for variant_id, change in self.handover.changes.items():
            if variant_id not in on_order:
                rows.append(OrderRow(variant_id, change.name, 0, self.handover.held(variant_id), change.price))
        return rows

    def _put_match(self, match: Match, quantity: int) -> Put:
        item = self.till.sellable(match.variant)  # the channel's assortment applies to what is added
        if (match.weight_g is not None or match.price is not None) and item.priced_by is PricedBy.EACH:
            raise HandoverError(
                f"This label of {item.name} carries its own weight or price: an OFN order holds whole units"
                " at OFN's price, so scan the product's own barcode, or ring the label up as a sale"
            )
        return Put(self.handover.add(item, quantity), quantity)


def follow_on(done: CompletedHandover) -> str:
    """The line the sale screen shows once the order is out: the same customer may buy more."""
    who = done.order.full_name or done.order.email
    return f"Order {done.order.number} handed over to {who}: scan what else the customer buys"
