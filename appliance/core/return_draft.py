"""A return being prepared at the counter: how much of each line the customer gives back, and the
way the refund goes back.

The cashier adds, changes and takes off lines in any order. The return sale is rebuilt from the
wanted amounts after each change, one return line per original line, in the original's order, so
each line's refund is the telescoped share of :mod:`appliance.core.returns`. Voiding a return line
instead would leave the lines after it with cents computed against a line that no longer counts,
and the store's re-check at completion would refuse the return.

The refund goes back the way the sale was paid: each method of the original sale, in the order it
was used, up to what it took less what earlier returns already gave back by it. A card is never
refunded more than was charged on it; what no method has room for (none, unless earlier refunds
went elsewhere) is proposed in cash.

Each line goes back to stock or not (damaged): the channel's rule sets the default (``restock``),
the cashier turns it round line by line. A damaged line is refunded the same, but stays out of the
counter order in OFN. The original may be another lane's sale, read from its receipt's hub code
(``lane_id`` then differs from this lane's, and each return line names it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from appliance.core.money import to_cents
from appliance.core.returns import Returned, add_return_line
from appliance.core.sale import CompletedLine, CompletedSale, Kind, Line, PricedBy, Sale, SaleError


@dataclass(frozen=True)
class RefundWay:
    """Part of the refund: ``cents`` back by ``method`` (a code of the original's payments; None: cash)."""

    method: str | None
    cents: int


class ReturnDraft:
    """What the cashier is giving back of sale ``number``; ``sale`` is the return as it stands."""

    def __init__(
        self,
        original: CompletedSale,
        number: int,
        already: dict[int, Returned],
        refunded: dict[str, int],
        sale: Sale,
        *,
        restock: bool = True,
    ):
        if sale.kind is not Kind.RETURN or sale.original_uuid != original.uuid:
            raise SaleError("This return is not for that sale")
        self.original = original
        self.number = number
        self.already = already
        self.refunded = refunded
        self.sale = sale
        self.restock = restock  # the channel's default: goods back to stock
        self._wanted: dict[int, tuple[int, int]] = {}
        self._turned: set[int] = set()  # lines the cashier set the other way than the default

    @property
    def foreign(self) -> bool:
        """The sale was made at another lane (found by its receipt's hub code)."""
        return self.original.lane_id != self.sale.lane_id

    # -- what the screen shows -------------------------------------------------------------------

    @property
    def lines(self) -> tuple[CompletedLine, ...]:
        return self.original.lines

    def line(self, line_no: int) -> CompletedLine:
        for line in self.original.lines:
            if line.line_no == line_no:
                return line
        raise SaleError(f"Sale {self.number} has no line {line_no}")

    def wanted(self, line_no: int) -> Returned:
        """What this return gives back of the line: pieces or grams, its refund and VAT (positive)."""
        for line in self.sale.lines:
            if line.returns is not None and line.returns.line_no == line_no and not line.voided:
                return Returned(-line.quantity, -line.weight_g, -line.refund_cents, -line.refund_vat_cents)
        return Returned()

    def left(self, line_no: int) -> Returned:
        """What could still be given back of the line after this return (nothing of a voided line)."""
        sold = self.line(line_no)
        if sold.voided:
            return Returned()
        done, now = self.already.get(line_no, Returned()), self.wanted(line_no)
        return Returned(
            quantity=sold.quantity - done.quantity - now.quantity,
            weight_g=sold.weight_g - done.weight_g - now.weight_g,
        )

    @property
    def empty(self) -> bool:
        return not self._wanted

    def damaged(self, line_no: int) -> bool:
        """Whether the line's goods stay off the shelf (they are refunded all the same)."""
        return self.restock == (line_no in self._turned)

    # -- what the cashier does -------------------------------------------------------------------

    def one_more(self, line_no: int) -> Line:
        """One more piece of the line; for a weighed line, all of its weight that is left."""
        sold = self._returnable_line(line_no)
        now = self.wanted(line_no)
        if sold.priced_by is PricedBy.EACH:
            return self._want(line_no, now.quantity + 1, 0)
        rest = sold.weight_g - self.already.get(line_no, Returned()).weight_g
        if rest <= now.weight_g:
            raise SaleError(
                f"Nothing more of {sold.name} can be returned ({sold.weight_g} g sold,"
                f" {rest} g left, {now.weight_g} g in this return)"
            )
        return self._want(line_no, 0, rest)

    def give_back(self, line_no: int, amount: int) -> Line:
        """Give back ``amount`` pieces of the line, or grams of a weighed line (replacing what was there)."""
        sold = self._returnable_line(line_no)
        unit = "pieces" if sold.priced_by is PricedBy.EACH else "grams"
        if amount <= 0:
            raise SaleError(f"Type how many {unit} of {sold.name} come back (more than 0), or - to take it off")
        if sold.priced_by is PricedBy.EACH:
            return self._want(line_no, amount, 0)
        return self._want(line_no, 0, amount)

    def take_off(self, line_no: int) -> CompletedLine:
        """The line comes out of this return altogether."""
        sold = self.line(line_no)
        if line_no not in self._wanted:
            raise SaleError(f"{sold.name} is not in this return")
        wanted = dict(self._wanted)
        del wanted[line_no]
        self._rebuild(wanted)
        return sold

    def turn_damaged(self, line_no: int) -> bool:
        """The line's goods are damaged (or, again, back to stock); returns whether damaged now."""
        sold = self._returnable_line(line_no)
        if line_no not in self._wanted:
            raise SaleError(f"{sold.name} is not in this return: give it back first (Enter), then mark it")
        turned = self._turned ^ {line_no}
        before = self._turned
        self._turned = turned
        try:
            self._rebuild(self._wanted)
        except SaleError:
            self._turned = before
            raise
        return self.damaged(line_no)

    # -- the refund ------------------------------------------------------------------------------

    @property
    def to_refund(self) -> int:
        """What is still to be handed back (positive cents)."""
        return -self.sale.totals().due

    def room(self, method: str) -> int:
        """How much more may go back by ``method``: what the sale took by it, less what was refunded."""
        taken = sum(payment.amount for payment in self.original.payments if payment.method == method)
        now = -sum(to_cents(tender.amount) for tender in self.sale.tenders if tender.method.code == method)
        return max(taken - self.refunded.get(method, 0) - now, 0)

    def refund_ways(self) -> list[RefundWay]:
        """The refund as it goes back the way the sale was paid; the first part is what Enter proposes."""
        left = self.to_refund
        ways: list[RefundWay] = []
        for payment in self.original.payments:
            part = min(self.room(payment.method), left)
            if part > 0:
                ways.append(RefundWay(payment.method, part))
                left -= part
        if left > 0:
            ways.append(RefundWay(None, left))
        return ways

    # -- helpers -----------------------------------------------------------------------------------

    def _returnable_line(self, line_no: int) -> CompletedLine:
        sold = self.line(line_no)
        if sold.voided:
            raise SaleError(f"{sold.name} was voided on sale {self.number}: nothing was sold on that line")
        return sold

    def _want(self, line_no: int, quantity: int, weight_g: int) -> Line:
        self._rebuild({**self._wanted, line_no: (quantity, weight_g)})
        return next(line for line in self.sale.lines if line.returns is not None and line.returns.line_no == line_no)

    def _rebuild(self, wanted: dict[int, tuple[int, int]]) -> None:
        """The return sale made again from ``wanted``; a refusal leaves the draft as it was."""
        if self.sale.tenders:
            raise SaleError("A refund is already entered: take it back first (-), then change the lines")
        sale = replace(self.sale, lines=[])  # all else as the till started it: who, when, the rules' digest
        for line_no, (quantity, weight_g) in sorted(wanted.items()):
            already = self.already.get(line_no, Returned())
            add_return_line(
                sale,
                self.original,
                line_no,
                already,
                quantity=quantity,
                weight_g=weight_g,
                damaged=self.damaged(line_no),
                number=self.number if self.foreign else None,
            )
        self.sale, self._wanted = sale, wanted
