"""Invoices and credit notes as pure values: their numbers, their seller, their figures excl. VAT.

A till's prices include VAT; an invoice states each line excluding it. The exact figures are the
sealed sale's (each line's amount and VAT, the VAT table per rate): a line's total excl. VAT is
its amount minus its VAT, so the lines add up to the table's bases to the cent. Only the unit
price and the discount excl. VAT are derived (rounded half away from zero to the cent), for the
reader: docs/invoices.md says so.

Each lane numbers its invoices 1, 2, 3… and its credit notes 1, 2, 3… with no gap. What is printed
carries the lane, so two lanes' invoice 1 are two numbers: ``INV-1-000001`` and ``INV-2-000001``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from appliance.core.invoice_error import InvoiceError
from appliance.core.money import round_div
from appliance.core.sale import CompletedSale, PricedBy

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PREFIXES = {INVOICE: "INV", CREDIT_NOTE: "CN"}
TITLES = {INVOICE: "INVOICE", CREDIT_NOTE: "CREDIT NOTE"}
_LABEL = re.compile(r"(INV|CN)-(\d+)-(\d{1,12})")


def label(kind: str, lane_id: int, number: int) -> str:
    """The printed number of an invoice or credit note: its series (kind and lane) and its place."""
    return f"{PREFIXES[kind]}-{lane_id}-{number:06d}"


def parse_label(text: str, lane_id: int) -> tuple[str | None, int]:
    """``"42"`` (kind not said) or ``"INV-1-000042"`` as (kind, number); another lane's is refused."""
    typed = text.strip().upper()
    if typed.isdigit() and 0 < int(typed) < 10**12:
        return None, int(typed)
    match = _LABEL.fullmatch(typed)
    if match is None or int(match[3]) == 0:
        raise InvoiceError(f"{text.strip()!r} is not an invoice number: type it as printed (INV-1-000042) or 42")
    if int(match[2]) != lane_id:
        raise InvoiceError(f"{typed} was made by lane {match[2]}: this till is lane {lane_id}, look it up there")
    kind = INVOICE if match[1] == "INV" else CREDIT_NOTE
    return kind, int(match[3])


@dataclass(frozen=True)
class Seller:
    """Who issues the invoice, as the config's ``[receipt]`` says; each invoice seals its own copy."""

    legal_name: str
    address: tuple[str, ...]
    company_id: str
    vat_number: str = ""
    legal_form: str = ""
    capital: str = ""
    notes: tuple[str, ...] = ()  # the hub's own mentions, e.g. "TVA non applicable, art. 293 B du CGI"

    def as_record(self) -> dict[str, Any]:
        return {
            "legal_name": self.legal_name,
            "address": list(self.address),
            "company_id": self.company_id,
            "vat_number": self.vat_number,
            "legal_form": self.legal_form,
            "capital": self.capital,
            "notes": list(self.notes),
        }


def seller_from_config(receipt: dict[str, Any]) -> Seller:
    """The seller of the config's ``[receipt]``; an invoice must show the company's registration."""
    if not str(receipt.get("company_id") or "").strip():
        raise InvoiceError(
            "An invoice must show the seller's registration number (SIREN/SIRET): set receipt.company_id in the"
            " config (docs/configuration.md); no invoice was made"
        )
    return Seller(
        legal_name=receipt["legal_name"],
        address=tuple(receipt["address"]),
        company_id=receipt["company_id"].strip(),
        vat_number=(receipt.get("vat_number") or "").strip(),
        legal_form=(receipt.get("legal_form") or "").strip(),
        capital=(receipt.get("capital") or "").strip(),
        notes=tuple(receipt.get("invoice_notes") or ()),
    )


def seller_if_set(receipt: dict[str, Any]) -> Seller | None:
    """The config's seller, or None when it lacks what an invoice needs (a credit note then keeps its
    invoice's: a return is never refused for the config)."""
    try:
        return seller_from_config(receipt)
    except InvoiceError:
        return None


def seller_from_record(record: dict[str, Any]) -> Seller:
    return Seller(
        legal_name=record["legal_name"],
        address=tuple(record["address"]),
        company_id=record["company_id"],
        vat_number=record["vat_number"],
        legal_form=record["legal_form"],
        capital=record["capital"],
        notes=tuple(record["notes"]),
    )


@dataclass(frozen=True)
class InvoiceLine:
    """One line of an invoice (or of a credit note: negative figures), excl. VAT where the law asks.

    ``net_excl + vat == amount`` exactly; ``unit_excl`` (per piece, or per kg) and
    ``discount_excl`` (line and whole-sale discounts together) are rounded for reading.
    """

    name: str
    priced_by: PricedBy
    quantity: int
    weight_g: int
    unit_excl: int
    vat_code: str
    rate_bp: int
    discount_excl: int
    net_excl: int
    vat: int
    amount: int


def excl_vat(cents: int, rate_bp: int) -> int:
    """An amount including VAT at ``rate_bp`` basis points, without it (half away from zero)."""
    return round_div(cents * 10_000, 10_000 + rate_bp)


def invoice_lines(sale: CompletedSale) -> tuple[InvoiceLine, ...]:
    """The sale's lines as an invoice states them; voided lines were not sold and are left out."""
    lines = []
    for line in sale.lines:
        if line.voided:
            continue
        if line.priced_by is PricedBy.EACH:
            gross = line.unit_price * line.quantity
        else:
            gross = round_div(line.unit_price * line.weight_g, 1000)
        lines.append(
            InvoiceLine(
                name=line.name,
                priced_by=line.priced_by,
                quantity=line.quantity,
                weight_g=line.weight_g,
                unit_excl=excl_vat(line.unit_price, line.vat_rate_bp),
                vat_code=line.vat_code,
                rate_bp=line.vat_rate_bp,
                # what the list price comes to less what was paid: the line's and the sale's discounts,
                # and on a return the share of them the refund keeps back
                discount_excl=excl_vat(gross - line.amount, line.vat_rate_bp),
                net_excl=line.amount - line.vat,
                vat=line.vat,
                amount=line.amount,
            )
        )
    return tuple(lines)
