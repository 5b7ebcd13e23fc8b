"""The cashier's session at the counter, without a screen: the basket in progress and what a scan,
a weight or a key does to it.

The screens stay thin: they turn keys and device messages into calls on a :class:`Counter` and
show what comes back. Everything here is plain Python over the appliance's ``Till``, so the rules
(a quantity typed before a scan, a weighed item that waits for the scale, an out-of-stock variant
that still sells) are tested without Textual.

The sale starts with its first item, so its start time is when the customer's goods reached the
counter, not when the last customer left.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from appliance.core.sale import Item, Line, PricedBy, Sale, SaleError
from appliance.store.catalogue import Variant
from appliance.store.sales import StoredSale
from appliance.store.scan_lookup import Ambiguous, Match, NoMatch, ScanLookup
from appliance.till import Till
from drivers.scale.reading import Reading
from drivers.weighing import WeighGate, WeighRefused

if TYPE_CHECKING:
    from appliance.core.handover import CompletedHandover


@dataclass(frozen=True)
class Added:
    """A line went into the basket; ``note`` is what the cashier should know about it."""

    line: Line
    note: str = ""


@dataclass(frozen=True)
class NeedsWeight:
    """A product sold by the kilogram: the line waits for a stable weight on the scale."""

    item: Item
    variant: Variant


@dataclass(frozen=True)
class Choose:
    """Several products share the code (or the typed words): the cashier picks one, and gets the
    quantity asked for before the code (``3 *``) of it."""

    ambiguous: Ambiguous
    quantity: int = 1


@dataclass(frozen=True)
class Unknown:
    """Nothing to sell for this code: the basket is untouched."""

    code: str
    message: str
    hints: tuple[str, ...]


Rung = Added | NeedsWeight | Choose | Unknown


class Counter:
    """One lane's counter: the till, how codes are read, who rings up, the weighing rule."""

    def __init__(self, till: Till, lookup: ScanLookup, *, cashier: str, gate: WeighGate | None = None):
        self.till = till
        self.lookup = lookup
        self.cashier = cashier
        self.gate = gate or WeighGate()
        self.sale: Sale | None = till.kept_basket()  # the basket in progress when the till last stopped
        self.restored = self.sale is not None
        self.card_taken_back = False  # a card payment removed from this sale: the law wants a receipt
        self.last_completed: StoredSale | None = None
        # The online order just handed over: the sale that follows is most likely that customer's.
        self.follows: CompletedHandover | None = None

    # -- the basket --------------------------------------------------------------------------

    @property
    def lines(self) -> list[Line]:
        return self.sale.lines if self.sale is not None else []

    @property
    def selling(self) -> bool:
        """A sale with a line not voided is in progress: it can be paid; a return or a Z waits for it."""
        return any(not line.voided for line in self.lines)

    def basket(self) -> Sale:
        """The sale in progress, started on the first item."""
        if self.sale is None:
            self.sale = self.till.new_sale(self.cashier)
            self.card_taken_back = False
        return self.sale

    def keep(self) -> None:
        """Keep the basket beside the store, so a crash or a restart does not lose it (written on a
        thread of its own: a full or busy disk never stops the sale; the journal is what counts)."""
        self.till.keep_basket(self.sale)

    def ring(self, code: str, quantity: int = 1) -> Rung:
        """A scan or a typed code: add what it names, or say why not.

        A variant the channel does not sell is refused here (SaleError, with the reason) before the
        basket changes; a channel's shelf-only item is found by its code before the catalogue.
        """
        self._rules_for_a_new_basket()
        shelf = self.till.shelf_item(code.strip())
        if shelf is not None:
            return Added(self.basket().add(shelf, quantity))
        result = self.lookup.read(code)
        if isinstance(result, NoMatch):
            return Unknown(result.scan.shown, result.message, result.hints)
        if isinstance(result, Ambiguous):
            return Choose(result, quantity)
        return self._ring_match(result, quantity)

    def ring_variant(self, variant: Variant, quantity: int = 1) -> Rung:
        """A product picked from a list (several shared a code)."""
        self._rules_for_a_new_basket()
        item = self.till.sellable(variant)
        if item.priced_by is PricedBy.WEIGHT:
            _refuse_multiplier(item, quantity)
            return NeedsWeight(item, variant)
        return self._added(self.basket().add(item, quantity), variant)

    def weigh(self, pending: NeedsWeight, reading: Reading) -> Added:
        """Add the weighed line once the scale is stable; WeighRefused says why not yet."""
        grams = self.gate.take(reading)
        try:
            line = self.basket().add_weighed(pending.item, grams)
        except SaleError:
            self.gate.release()  # nothing was sold: the same goods may be weighed again
            raise
        return self._added(line, pending.variant)

    def void(self, line_no: int) -> Line:
        sale = self.basket()
        sale.void(line_no)
        line = next(line for line in sale.lines if line.line_no == line_no)
        if line.weight_g:
            self.gate.release()  # the goods were taken back: weighing them again is no second sale
        return line

    def remove_tender(self) -> None:
        sale = self.basket()
        if not sale.tenders:
            raise SaleError("No payment has been entered yet")
        if sale.tenders[-1].method.is_card:
            self.card_taken_back = True
        sale.remove_tender(len(sale.tenders) - 1)

    def complete(self) -> StoredSale:
        """Seal the paid sale; from here it survives a crash and will reach OFN. It carries the
        cashier who completes it (and who started it, if that was another: a switch mid-basket)."""
        sale = self.basket()
        sale.hand_to(self.cashier)
        stored = self.till.complete(sale)
        self.last_completed = stored
        self.sale = None
        self.follows = None
        return stored

    def cancel(self, reason: str = "cancelled at the counter") -> None:
        """Abandon the basket; one with items leaves a trace in the journal."""
        if self.sale is not None:
            self.sale.hand_to(self.cashier)
            self.till.cancel(self.sale, reason)
        self.sale = None
        self.keep()
        self.follows = None

    # -- helpers -------------------------------------------------------------------------------

    def _rules_for_a_new_basket(self) -> None:
        """Before the first item of a basket, take up a changed channel file: the first item is
        judged by the rules the sale will be sealed under (never a change in the middle of one)."""
        if self.sale is None:
            self.till.reload_rules()

    def _ring_match(self, match: Match, quantity: int) -> Rung:
        item = self.till.sellable(match.variant)
        if match.weight_g is not None:
            _refuse_multiplier(item, quantity)
            if item.priced_by is not PricedBy.WEIGHT:
                raise SaleError(f"{item.name} is sold by the piece, but its label carries a weight: type its PLU")
            return self._added(self.basket().add_weighed(item, match.weight_g), match.variant)
        if match.price is not None:
            _refuse_multiplier(item, quantity)
            return self._added(self._priced_label(item, match.price), match.variant)
        if item.priced_by is PricedBy.WEIGHT:
            _refuse_multiplier(item, quantity)
            return NeedsWeight(item, match.variant)
        return self._added(self.basket().add(item, quantity), match.variant)

    def _priced_label(self, item: Item, price: Decimal) -> Line:
        """A label with the price in it (a shop scale's ticket): the line costs what the label says."""
        sale = self.basket()
        if item.priced_by is PricedBy.EACH:
            line = sale.add(item, 1, merge=False)
            sale.override_price(line.line_no, price, "price on the label")
            return line
        if item.cents == 0:
            raise SaleError(f"{item.name} has no price per kg in the catalogue: refresh it from OFN")
        grams = int((price * 1000 / item.price).to_integral_value(rounding=ROUND_HALF_UP))
        line = sale.add_weighed(item, max(grams, 1))
        if line.gross_cents() != int(price * 100):
            per_kg = (price * 1000 / line.weight_g).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            sale.override_price(line.line_no, per_kg, "price on the label")
        return line

    def _added(self, line: Line, variant: Variant) -> Added:
        return Added(line, self._stock_note(line, variant))

    def _stock_note(self, line: Line, variant: Variant) -> str:
        """Goods in the customer's hand are sold even when OFN shows none left; the manager is told."""
        if variant.on_demand or variant.on_hand is None:
            return ""
        in_basket = sum(
            other.quantity for other in self.lines if other.item.variant_id == variant.id and not other.voided
        )
        if variant.priced_by is PricedBy.WEIGHT:
            return "" if variant.on_hand > 0 else _out_of_stock(variant.on_hand)
        if in_basket > variant.on_hand:
            return _out_of_stock(variant.on_hand)
        return ""


def _out_of_stock(on_hand: int) -> str:
    return (
        f"OFN showed {max(on_hand, 0)} in stock: sold anyway, and the manager will see it"
        " (fix the stock in OFN if it is wrong)"
    )


def _refuse_multiplier(item: Item, quantity: int) -> None:
    if quantity != 1:
        raise SaleError(f"{item.name} takes its weight from the scale: a quantity cannot be typed for it")


__all__ = ["Added", "Choose", "Counter", "NeedsWeight", "Rung", "Unknown", "WeighRefused"]
