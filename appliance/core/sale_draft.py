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
from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from appliance.core.clock import parse_utc, utc_text
from appliance.core.discount_rules import AutoDiscounts, Combine, DiscountPolicy, DiscountRule
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
        "tenders": [_tender(tender) for tender in sale.tenders],
        **_auto_record(sale),
    }


def _tender(tender: Tender) -> dict[str, Any]:
    entry: dict[str, Any] = {"method": tender.method.code, "amount": str(tender.amount)}
    if tender.customer_id is not None:
        entry["customer_id"] = tender.customer_id
    return entry


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
        sale.auto_discounts = _read_auto(record.get("auto_discounts"))
        sale.customer_tags = frozenset(str(tag) for tag in record.get("customer_tags", ()))
        sale.tenders = [
            Tender(methods[entry["method"]], Decimal(entry["amount"]), entry.get("customer_id"))
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
            "shelf": item.shelf,
            **({"category_id": item.category_id} if item.category_id is not None else {}),
            **({"tags": sorted(item.tags)} if item.tags else {}),
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
            shelf=str(item.get("shelf", "")),
            category_id=item.get("category_id"),
            tags=frozenset(str(tag) for tag in item.get("tags", ())),
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


def _auto_record(sale: Sale) -> dict[str, Any]:
    """The channel's rules the sale was started with, kept with it: a basket restored after a crash
    keeps the discounts the customer was shown, even if the channels file changed meanwhile.
    Absent when the sale has none, so such a draft reads as it always did."""
    auto = sale.auto_discounts
    record: dict[str, Any] = {}
    if auto.rules:
        record["auto_discounts"] = {
            "rules": [_rule(rule) for rule in auto.rules],
            "combine": auto.policy.combine.value,
            "manual_percent_limit": {role: str(limit) for role, limit in auto.policy.manual_percent_limit},
            "zone": getattr(auto.zone, "key", None),
        }
    if sale.customer_tags:
        record["customer_tags"] = sorted(sale.customer_tags)
    return record


def _rule(rule: DiscountRule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "percent": None if rule.percent is None else str(rule.percent),
        "amount": None if rule.amount is None else str(rule.amount),
        "categories": sorted(rule.categories),
        "tags": sorted(rule.tags),
        "variants": sorted(rule.variants),
        "from": None if rule.date_from is None else rule.date_from.isoformat(),
        "until": None if rule.date_until is None else rule.date_until.isoformat(),
        "weekdays": sorted(rule.weekdays),
        "hours": None if rule.hours is None else list(rule.hours),
        "customer_tags": sorted(rule.customer_tags),
        "stack": rule.stack,
    }


def _read_auto(record: Mapping[str, Any] | None) -> AutoDiscounts:
    if record is None:
        return AutoDiscounts()
    limits = tuple((str(role), Decimal(limit)) for role, limit in record["manual_percent_limit"].items())
    return AutoDiscounts(
        rules=tuple(_read_rule(entry) for entry in record["rules"]),
        policy=DiscountPolicy(Combine(record["combine"]), limits),
        zone=None if record["zone"] is None else ZoneInfo(record["zone"]),
    )


def _read_rule(entry: Mapping[str, Any]) -> DiscountRule:
    hours = entry["hours"]
    return DiscountRule(
        name=str(entry["name"]),
        percent=None if entry["percent"] is None else Decimal(entry["percent"]),
        amount=None if entry["amount"] is None else Decimal(entry["amount"]),
        categories=frozenset(int(c) for c in entry["categories"]),
        tags=frozenset(str(t) for t in entry["tags"]),
        variants=frozenset(int(v) for v in entry["variants"]),
        date_from=None if entry["from"] is None else date.fromisoformat(entry["from"]),
        date_until=None if entry["until"] is None else date.fromisoformat(entry["until"]),
        weekdays=frozenset(int(d) for d in entry["weekdays"]),
        hours=None if hours is None else (int(hours[0]), int(hours[1])),
        customer_tags=frozenset(str(t) for t in entry["customer_tags"]),
        stack=bool(entry["stack"]),
    )
