"""A sale in progress as plain data, so the basket survives the till's process.

The counter keeps the basket beside the store after every change (``store/basket_file.py``); when
the app is killed or the box loses power mid-basket, the restarted app reads it back and the
cashier carries on. It is not the journal: nothing here is fiscal until the sale is completed and
sealed, and a draft whose sale was sealed meanwhile is thrown away by the caller.

The draft holds the items as they were rung up (name, price, VAT rate), not variant ids to look
up again: a catalogue refresh between the crash and the restart must not change a price the
customer was already shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from appliance.core.clock import parse_utc, utc_text
from appliance.core.sale import Discount, DiscountKind, Item, Kind, Line, LineRef, PaymentMethod, PricedBy, Sale, Tender
from appliance.core.tax import VatRate

VERSION = 1


class DraftError(ValueError):
    """The kept basket cannot be read back (another version, a file cut short): it is set aside."""


def draft_record(sale: Sale) -> dict[str, Any]:
    return {
        "version": VERSION,
        "uuid": sale.uuid,
        "kind": sale.kind.value,
        "lane_id": sale.lane_id,
        "channel": sale.channel,
        "cashier": sale.cashier,
        "started_at": utc_text(sale.started_at),
        "original_uuid": sale.original_uuid,
        "lines": [_line(line) for line in sale.lines],
        "discount": sale.discount.as_record() if sale.discount else None,
        "tenders": [{"method": tender.method.code, "amount": str(tender.amount)} for tender in sale.tenders],
    }


def sale_from_draft(record: Mapping[str, Any], methods: Mapping[str, PaymentMethod]) -> Sale:
    """The sale a draft describes; a payment method the config no longer has drops its tender."""
    try:
        if record.get("version") != VERSION:
            raise DraftError(f"a basket kept by another version ({record.get('version')!r})")
        sale = Sale(
            lane_id=int(record["lane_id"]),
            channel=str(record["channel"]),
            cashier=str(record["cashier"]),
            started_at=parse_utc(record["started_at"]),
            kind=Kind(record["kind"]),
            original_uuid=record["original_uuid"],
            uuid=str(record["uuid"]),
        )
        sale.lines = [_read_line(entry) for entry in record["lines"]]
        sale.discount = _read_discount(record["discount"])
        sale.tenders = [
            Tender(methods[entry["method"]], Decimal(entry["amount"]))
            for entry in record["tenders"]
            if entry["method"] in methods
        ]
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        if isinstance(exc, DraftError):
            raise
        raise DraftError(f"the kept basket cannot be read ({type(exc).__name__}: {exc})") from None
    sale.totals()  # every figure must still compute, or the draft is refused whole
    return sale


def _line(line: Line) -> dict[str, Any]:
    item = line.item
    return {
        "line_no": line.line_no,
        "item": {
            "variant_id": item.variant_id,
            "name": item.name,
            "price": str(item.price),
            "priced_by": item.priced_by.value,
            "vat": {"code": item.vat.code, "rate": str(item.vat.rate), "label": item.vat.label},
            "sku": item.sku,
            "fee_cents": item.fee_cents,
            "fee_unit_grams": item.fee_unit_grams,
        },
        "quantity": line.quantity,
        "weight_g": line.weight_g,
        "price_override": None if line.price_override is None else str(line.price_override),
        "override_reason": line.override_reason,
        "discount": line.discount.as_record() if line.discount else None,
        "voided": line.voided,
        "returns": None if line.returns is None else [line.returns.sale_uuid, line.returns.line_no],
        "refund_cents": line.refund_cents,
        "refund_vat_cents": line.refund_vat_cents,
    }


def _read_line(entry: Mapping[str, Any]) -> Line:
    item = entry["item"]
    vat = item["vat"]
    return Line(
        line_no=int(entry["line_no"]),
        item=Item(
            variant_id=int(item["variant_id"]),
            name=str(item["name"]),
            price=Decimal(item["price"]),
            priced_by=PricedBy(item["priced_by"]),
            vat=VatRate(str(vat["code"]), Decimal(vat["rate"]), str(vat["label"])),
            sku=str(item["sku"]),
            fee_cents=int(item["fee_cents"]),
            fee_unit_grams=item["fee_unit_grams"],
        ),
        quantity=int(entry["quantity"]),
        weight_g=int(entry["weight_g"]),
        price_override=None if entry["price_override"] is None else Decimal(entry["price_override"]),
        override_reason=str(entry["override_reason"]),
        discount=_read_discount(entry["discount"]),
        voided=bool(entry["voided"]),
        returns=None if entry["returns"] is None else LineRef(str(entry["returns"][0]), int(entry["returns"][1])),
        refund_cents=int(entry["refund_cents"]),
        refund_vat_cents=int(entry["refund_vat_cents"]),
    )


def _read_discount(record: Mapping[str, str] | None) -> Discount | None:
    if record is None:
        return None
    return Discount(DiscountKind(record["kind"]), Decimal(record["value"]), record["reason"])
