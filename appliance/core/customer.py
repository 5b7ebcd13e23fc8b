"""The customer an invoice is made out to: checked text, a VAT number that can be right, a search key.

An invoice keeps its customer for good (the journal seals a copy), so what is kept must be what
the person saw: names and address lines go through the same rules as every other name
(:mod:`appliance.core.text`: no control or invisible characters), refused rather than cleaned.
Customers come from the hub's OFN customers (cached by the sync daemon) or are typed at the
counter; both end up as a :class:`Customer`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from appliance.core.text import TextError, clean_text, folded

#: A customer's or a company's name: longer than a cashier's ("Association pour le maintien d'une
#: agriculture paysanne du Marais" is 64), still one line of an A4 invoice.
NAME_MAX = 80
ADDRESS_LINE_MAX = 80
ADDRESS_LINES_MAX = 5
EMAIL_MAX = 254
COMPANY_ID_MAX = 40

#: An intra-community VAT number once spaces, dots and dashes are gone: a country prefix and 2 to 13
#: letters or digits (the longest, the Netherlands' and Cyprus', fit).
_VAT = re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Customer:
    """A customer as the till shows and seals it.

    ``id`` is the row in the box's customer list (None for one not kept yet), ``ofn_id`` the
    customer's id in OFN when it came from there, ``code`` OFN's customer code (searched, not
    printed).
    """

    name: str
    address: tuple[str, ...] = ()
    vat_number: str = ""
    email: str = ""
    company_id: str = ""
    code: str = ""
    ofn_id: int | None = None
    id: int | None = None
    # OFN's tags of the customer (not printed): a channel's discount rules for members, say.
    tags: tuple[str, ...] = ()

    def as_record(self) -> dict[str, Any]:
        """What an invoice seals of its customer: what is printed, and where it came from."""
        return {
            "name": self.name,
            "address": list(self.address),
            "vat_number": self.vat_number,
            "email": self.email,
            "company_id": self.company_id,
            "ofn_id": self.ofn_id,
        }

    def same_as(self, other: Customer) -> bool:
        """Whether an invoice made out to ``other`` is made out to this customer (the printed fields)."""
        return self.as_record() | {"ofn_id": None} == other.as_record() | {"ofn_id": None}


def customer(
    name: str,
    address: tuple[str, ...] | list[str] = (),
    *,
    vat_number: str = "",
    email: str = "",
    company_id: str = "",
    code: str = "",
    ofn_id: int | None = None,
    id: int | None = None,  # noqa: A002 - the row's id, as the dataclass names it
    tags: tuple[str, ...] | list[str] = (),
) -> Customer:
    """A customer from what was typed or read, each field checked; raises TextError saying which."""
    lines = [line for line in address if line.strip()]
    if len(lines) > ADDRESS_LINES_MAX:
        raise TextError(f"The customer's address has {len(lines)} lines: at most {ADDRESS_LINES_MAX}")
    return Customer(
        name=clean_text(name, "The customer's name", NAME_MAX),
        address=tuple(clean_text(line, "A line of the customer's address", ADDRESS_LINE_MAX) for line in lines),
        vat_number=vat_number_of(vat_number) if vat_number.strip() else "",
        email=_email(email) if email.strip() else "",
        company_id=_company_id(company_id) if company_id.strip() else "",
        code=code.strip(),
        ofn_id=ofn_id,
        id=id,
        tags=tuple(sorted({tag.strip() for tag in tags if tag.strip()})),
    )


def customer_from_record(record: dict[str, Any]) -> Customer:
    """The customer an invoice sealed (the inverse of :meth:`Customer.as_record`), not checked again."""
    return Customer(
        name=record["name"],
        address=tuple(record["address"]),
        vat_number=record["vat_number"],
        email=record["email"],
        company_id=record["company_id"],
        ofn_id=record.get("ofn_id"),
    )


def ready_for_invoice(customer: Customer) -> Customer:
    """An invoice names its customer and their address: refuse one without (the cashier types it)."""
    if not customer.address:
        raise TextError(f"{customer.name} has no address: an invoice needs one, type it")
    return customer


def vat_number_of(text: str) -> str:
    """A VAT number as it is printed: capitals, no spaces, dots or dashes; a French one with its key checked.

    A French number is FR, a two-digit key and the 9-digit SIREN, the key being
    ``(12 + 3 × (SIREN mod 97)) mod 97``: a mistyped digit is caught here rather than on the
    customer's accounts. Other countries' numbers are checked for their shape only.
    """
    compact = re.sub(r"[\s.\-]", "", text).upper()
    if not _VAT.fullmatch(compact):
        raise TextError(
            f"{text.strip()!r} is not a VAT number: two letters of the country, then its digits (FR12345678901)"
        )
    if compact.startswith("FR"):
        key, siren = compact[2:4], compact[4:]
        if len(siren) != 9 or not siren.isdigit():
            raise TextError(f"{compact} is not a French VAT number: FR, a 2-character key and the 9-digit SIREN")
        if key.isdigit() and int(key) != (12 + 3 * (int(siren) % 97)) % 97:
            raise TextError(f"{compact} is not a valid French VAT number (its key does not match the SIREN): check it")
    return compact


def _company_id(text: str) -> str:
    return clean_text(text, "The customer's company number", COMPANY_ID_MAX)


def _email(text: str) -> str:
    email = clean_text(text, "The customer's e-mail", EMAIL_MAX)
    if not _EMAIL.fullmatch(email):
        raise TextError(f"{email!r} is not an e-mail address")
    return email


def search_key(customer: Customer) -> str:
    """What a search over the customer list matches: name, e-mail and OFN code, folded."""
    return folded(" ".join(part for part in (customer.name, customer.email, customer.code) if part))
