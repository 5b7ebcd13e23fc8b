"""Returns: negative sales that give back lines of an earlier sale, never more than was sold.

The refund of a line is its share of what the customer really paid for it (after line and
whole-sale discounts), and the VAT given back is the same share of the VAT that line carried, so a
return mirrors its sale in the accounts. Partial returns telescope: after returning ``q`` of ``Q``
pieces in total, the customer has had back exactly ``round(paid × q / Q)`` and the VAT
``round(vat × q / Q)``, however many returns that took, so the last return of a line gives back
the last cent and never one more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from appliance.core.money import from_cents, round_div
from appliance.core.sale import (
    CompletedLine,
    CompletedSale,
    Item,
    Kind,
    Line,
    LineRef,
    PricedBy,
    Sale,
    SaleError,
)
from appliance.core.tax import VatRate
from appliance.core.text import counted


@dataclass(frozen=True)
class Returned:
    """How much of one original line has already been given back (positive figures)."""

    quantity: int = 0
    weight_g: int = 0
    refunded: int = 0
    vat: int = 0


def start_return(
    original: CompletedSale,
    *,
    lane_id: int,
    channel: str,
    cashier: str,
    started_at: datetime,
) -> Sale:
    if original.kind is not Kind.SALE:
        raise SaleError("A return is made against a sale, not against another return")
    return Sale(
        lane_id=lane_id,
        channel=channel,
        cashier=cashier,
        started_at=started_at,
        kind=Kind.RETURN,
        original_uuid=original.uuid,
    )


def add_return_line(
    sale: Sale,
    original: CompletedSale,
    line_no: int,
    already: Returned,
    *,
    quantity: int = 0,
    weight_g: int = 0,
    damaged: bool = False,
    number: int | None = None,
) -> Line:
    """Give back ``quantity`` pieces or ``weight_g`` grams of line ``line_no`` of ``original``.

    ``damaged``: the goods do not go back to stock. ``number``: the original is another lane's sale
    of that number (read from its receipt's hub code); the line then names its lane and number.
    """
    if sale.kind is not Kind.RETURN or sale.original_uuid != original.uuid:
        raise SaleError("This return is not for that sale")
    sold = _sold_line(original, line_no)
    pending = _pending(sale, line_no)
    if sold.priced_by is PricedBy.EACH:
        if weight_g or quantity <= 0:
            raise SaleError(f"Give back a number of pieces of {sold.name}")
        before, amount, total = already.quantity + pending.quantity, quantity, sold.quantity
    else:
        if quantity or weight_g <= 0:
            raise SaleError(f"Give back a weight of {sold.name}")
        before, amount, total = already.weight_g + pending.weight_g, weight_g, sold.weight_g
    if before + amount > total:
        raise SaleError(_only_left(sold.name, total, before, each=sold.priced_by is PricedBy.EACH))
    refund = round_div(sold.amount * (before + amount), total) - already.refunded - pending.refunded
    vat = round_div(sold.vat * (before + amount), total) - already.vat - pending.vat
    line = Line(
        line_no=len(sale.lines) + 1,
        item=_item_of(sold),
        quantity=-quantity,
        weight_g=-weight_g,
        returns=_ref(original, line_no, number),
        refund_cents=-refund,
        refund_vat_cents=-vat,
        damaged=damaged,
    )
    sale.lines.append(line)
    return line


def _only_left(name: str, total: int, before: int, *, each: bool) -> str:
    """What is left to give back of a line, as the cashier reads it: pieces counted, grams as "g"."""
    left, counts = total - before, f"({total} sold, {before} already returned)"
    if left <= 0:
        return f"Nothing more of {name} can be returned {counts}"
    return f"Only {counted(left, 'piece') if each else f'{left} g'} of {name} can still be returned {counts}"


def returnable(original: CompletedSale, returned: dict[int, Returned]) -> dict[int, Returned]:
    """What can still be given back of each line: the figures a return screen offers."""
    left: dict[int, Returned] = {}
    for line in original.lines:
        if line.voided:
            continue
        done = returned.get(line.line_no, Returned())
        rest = Returned(
            quantity=line.quantity - done.quantity,
            weight_g=line.weight_g - done.weight_g,
            refunded=line.amount - done.refunded,
            vat=line.vat - done.vat,
        )
        if rest.quantity > 0 or rest.weight_g > 0:
            left[line.line_no] = rest
    return left


def _sold_line(original: CompletedSale, line_no: int) -> CompletedLine:
    for line in original.lines:
        if line.line_no == line_no:
            if line.voided:
                raise SaleError(f"Line {line_no} was voided: nothing was sold on it")
            return line
    raise SaleError(f"Sale has no line {line_no}")


def _pending(sale: Sale, line_no: int) -> Returned:
    """What this same return already gives back of the line (the cashier may add it twice)."""
    quantity = weight = refunded = vat = 0
    for line in sale.lines:
        if line.returns is not None and line.returns.line_no == line_no and not line.voided:
            quantity -= line.quantity
            weight -= line.weight_g
            refunded -= line.refund_cents
            vat -= line.refund_vat_cents
    return Returned(quantity, weight, refunded, vat)


def replay(original: CompletedSale, returned: dict[int, Returned], completed: CompletedSale) -> None:
    """Check a completed return against what has been returned by now; refuse it if it differs.

    A return is prepared from what had been returned when it started. If another return of the
    same lines landed meanwhile, the quantities or the cents may no longer be right: redoing the
    return's lines against the committed figures and comparing tells.
    """
    sale = start_return(
        original,
        lane_id=completed.lane_id,
        channel=completed.channel,
        cashier=completed.cashier,
        started_at=completed.started_at,
    )
    for line in completed.lines:
        if line.voided:
            continue
        if line.returns is None or line.returns.sale_uuid != original.uuid:
            raise SaleError("A return line points at a line that is not on the original sale")
        try:
            redone = add_return_line(
                sale,
                original,
                line.returns.line_no,
                returned.get(line.returns.line_no, Returned()),
                quantity=-line.quantity,
                weight_g=-line.weight_g,
                number=line.returns.number,
            )
        except SaleError:
            raise SaleError(f"{line.name} was returned meanwhile: start this return again") from None
        if (redone.refund_cents, redone.refund_vat_cents, redone.returns) != (line.amount, line.vat, line.returns):
            raise SaleError(f"{line.name} was returned meanwhile: start this return again")


def _ref(original: CompletedSale, line_no: int, number: int | None) -> LineRef:
    """This lane's sale is named by its UUID alone; another lane's by its lane and number too."""
    if number is None:
        return LineRef(original.uuid, line_no)
    return LineRef(original.uuid, line_no, original.lane_id, number)


def _item_of(line: CompletedLine) -> Item:
    return Item(
        variant_id=line.variant_id,
        name=line.name,
        price=from_cents(line.unit_price),
        priced_by=line.priced_by,
        vat=VatRate(code=line.vat_code, rate=Decimal(line.vat_rate_bp) / 100, label=line.vat_label),
        sku=line.sku,
        shelf=line.shelf,
    )
