"""The hub's OFN customers: each page of ``/api/v1/customers`` checked, then kept on the box.

OFN's API v1 lists a hub's customers (JSON:API, paged) with their names, e-mail, code, tags and
billing and shipping addresses. The shapes are checked as every other answer is (answers.py): a
wrong type raises :class:`UnexpectedAnswer` and nothing of the page is kept. Then each customer is
read the way an invoice prints it (core/customer.py): a customer whose name or address holds a
control character, or is too long, is left out and logged with its OFN id, so the manager can
correct it in OFN; the others still arrive.

OFN keeps no VAT number for a customer. A hub that wants one on its invoices tags the customer in
OFN with ``vat:FR12345678901`` (and ``company-id:…`` for a company number); docs/invoices.md.

The refresh writes each page in its own short transaction (a sale never waits on it), and drops
the customers OFN no longer lists only after it has read every page: OFN out of reach half-way
leaves the list as it was, with what was read refreshed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from appliance.core.clock import Clock, utc_text
from appliance.core.customer import Customer, customer
from appliance.core.text import TextError
from appliance.ofn.answers import MAX_PAGES, Fields
from appliance.store import customers as customer_list
from appliance.store.database import Database, write_transaction

log = logging.getLogger(__name__)

PATH = "/api/v1/customers"
VAT_TAG = "vat:"
COMPANY_TAG = "company-id:"
_ADDRESS_TEXTS = ("street_address_1", "street_address_2")


@dataclass(frozen=True)
class Page:
    customers: list[Customer]
    skipped: list[str]  # why each customer left out was left out, naming its OFN id
    pages: int  # how many pages OFN says there are
    listed: int  # customers on the page, the hub's or not: an empty page ends the list


def customers_page(value: Any, path: str, hub_id: int) -> Page:
    """One page of OFN's customer list, checked field by field."""
    body = Fields(value, path, "")
    found, skipped = [], []
    for item in body.each("data"):
        attributes = Fields(item.data.get("attributes"), path, item.name("attributes"))
        ofn_id = attributes.id("id")
        attributes = attributes.named(f"customer {ofn_id}")
        if attributes.id("enterprise_id") != hub_id:
            continue  # the key's user manages other enterprises too: their customers are not the hub's
        try:
            found.append(_customer(attributes, ofn_id))
        except TextError as problem:
            skipped.append(f"OFN customer {ofn_id} left out: {problem}; correct it in OFN's customers page")
    meta = body.maybe_child("meta")
    pagination = meta.maybe_child("pagination") if meta is not None else None
    pages = pagination.maybe_integer("pages", 0, MAX_PAGES) if pagination is not None else None
    return Page(found, skipped, max(1, pages or 1), len(body.data["data"]))


def _customer(attributes: Fields, ofn_id: int) -> Customer:
    first, last = attributes.maybe_text("first_name") or "", attributes.maybe_text("last_name") or ""
    email = attributes.maybe_text("email") or ""
    tags = _texts(attributes, "tags")
    billing = attributes.maybe_child("billing_address")
    address = billing if billing is not None else attributes.maybe_child("shipping_address")
    name = f"{first} {last}".strip()
    if not name and address is not None:
        name = f"{address.maybe_text('first_name') or ''} {address.maybe_text('last_name') or ''}".strip()
    return customer(
        name or email or f"OFN customer {ofn_id}",
        _address_lines(address) if address is not None else [],
        vat_number=_tagged(tags, VAT_TAG),
        email=email,
        company_id=_tagged(tags, COMPANY_TAG),
        code=attributes.maybe_text("code") or "",
        ofn_id=ofn_id,
        tags=tags,
    )


def _address_lines(address: Fields) -> list[str]:
    """OFN's address as printed: the street lines, postcode and town, region code, country."""
    lines = [address.maybe_text(key) or "" for key in _ADDRESS_TEXTS]
    town = " ".join(part for part in (address.maybe_text("postal_code"), address.maybe_text("locality")) if part)
    lines.append(town)
    country = address.maybe_child("country")
    if country is not None:
        lines.append(country.maybe_text("name") or country.maybe_text("code") or "")
    return [line for line in lines if line.strip()]


def _texts(fields: Fields, key: str) -> list[str]:
    values = fields.data.get(key)
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        fields.fail(key, values, "a list of texts")
    return values


def _tagged(tags: list[str], prefix: str) -> str:
    """The value of a ``prefix…`` tag (``vat:FR…``), any case; a VAT number that cannot be one is
    refused with the customer (TextError), so the manager hears of the typo."""
    for tag in tags:
        if tag.lower().startswith(prefix):
            return tag[len(prefix) :].strip()
    return ""


def refresh_customers(db: Database, pages: Iterator[Page], clock: Clock) -> tuple[int, int]:
    """Keep every page as it comes, in its own transaction; then forget those OFN no longer lists.

    Returns (customers kept, customers left out). Like the catalogue's, these writes skip the
    fsync (the list is read again at the next refresh).
    """
    started = clock.now()
    kept = left_out = 0
    db.conn.execute("PRAGMA synchronous = NORMAL")
    try:
        for page in pages:
            for reason in page.skipped:
                log.warning("%s", reason)
            left_out += len(page.skipped)
            with write_transaction(db) as connection:
                kept += customer_list.upsert_ofn_customers(connection, page.customers, started)
        gone = customer_list.stale_ofn_customers(db.conn, started)
        for start in range(0, len(gone), 100):
            with write_transaction(db) as connection:
                customer_list.forget(connection, gone[start : start + 100])
    finally:
        db.conn.execute("PRAGMA synchronous = FULL")
    with write_transaction(db) as connection:
        connection.execute(
            "UPDATE sync_status SET customers_at = ?, customers_problem = NULL", (utc_text(clock.now()),)
        )
    return kept, left_out
