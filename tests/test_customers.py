"""The hub's OFN customers on the box: read through the sandbox over HTTP, page by page, kept when
OFN is down, searched by name, e-mail or code; what OFN sends wrong is refused or left out."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli.main import main
from appliance.core.clock import SteppingClock
from appliance.core.customer import customer, search_key
from appliance.core.text import TextError
from appliance.ofn.customers import Page, customers_page, refresh_customers
from appliance.ofn.errors import OfnUnavailable, UnexpectedAnswer
from appliance.store import customers as customer_list
from appliance.store.database import write_transaction
from appliance.store.sync_state import read_status
from appliance.till import Till

from .invoicing import paid_sale
from .ofn_sandbox import Box

HUB = 3


def cached(box: Box) -> int:
    return customer_list.count(box.till.connection)[0]


def next_refresh(box: Box) -> None:
    box.clock.advance(24 * 3600)  # past sync.customers_minutes
    box.daemon.run_once(catalogue=False)


def test_the_first_pass_brings_the_hub_s_customers_with_addresses_and_tags(box: Box) -> None:
    found = box.till.customers("panier")
    assert [(c.name, c.vat_number, c.company_id, c.code) for c in found] == [
        ("Épicerie Le Panier Vert", "FR40303265045", "SIRET 303 265 045 00028", "PANIER-VERT")
    ]
    assert found[0].address[-2:] == ("79000 Niort", "France") and found[0].ofn_id is not None
    assert any(tag.lower().startswith("vat:") for tag in found[0].tags)  # kept for the discount rules
    everyone = box.till.customers("", 200)
    assert len(everyone) == cached(box) == 39  # the 36 demo customers and 3 businesses
    with_shipping_only = [c for c in everyone if c.address and c.address[0].startswith("5 ")]
    assert with_shipping_only, "a customer with only a delivery address gets it as the invoice address"
    assert sum(1 for c in everyone if not c.address) == 6  # one in six has none: the cashier types it
    status = box.till.connection.execute("SELECT customers_at, customers_problem FROM sync_status").fetchone()
    assert status[0] is not None and status[1] is None


def test_a_refresh_reads_every_page_and_sends_per_page(box: Box) -> None:
    box.sandbox.admin("POST", "customers", {"count": 250})
    before = box.sandbox.admin("GET", "stats").get("customers.index", 0)
    next_refresh(box)
    assert cached(box) == 39 + 250
    assert box.sandbox.admin("GET", "stats")["customers.index"] - before == 3  # 289 customers, 100 a page
    assert [c.code for c in box.till.customers("C00249")] == ["C00249"]


def test_customers_stay_on_the_box_while_ofn_is_down(box: Box) -> None:
    box.sandbox.admin("POST", "customers", {"count": 20})
    box.sandbox.faults(down_for=30)
    next_refresh(box)
    status = read_status(box.till.connection, datetime.now(UTC))
    assert status.state == "offline"
    assert cached(box) == 39  # the list as it was
    assert box.till.customers("durand")  # and searchable
    box.sandbox.faults(down_for=0)
    box.daemon.run_once(catalogue=False)
    assert cached(box) == 59


def test_a_refusal_of_the_customers_is_kept_for_sync_status_and_sales_go_on(
    box: Box, capsys: pytest.CaptureFixture[str]
) -> None:
    box.sandbox.faults(error_rates={"customers.index": 1.0}, error_codes=[404])
    next_refresh(box)
    status = read_status(box.till.connection, datetime.now(UTC))
    assert status.state == "online" and cached(box) == 39  # the list as it was; the drain went on
    problem = box.till.connection.execute("SELECT customers_problem FROM sync_status").fetchone()[0]
    assert problem.startswith("Not found in OFN: GET /api/v1/customers")
    assert main(["sync", "--config", str(box.config_path), "status"]) == 0
    assert "the hub's customers (for invoices) could not be read: Not found in OFN" in capsys.readouterr().out
    box.sandbox.faults(error_rates={})
    next_refresh(box)
    assert box.till.connection.execute("SELECT customers_problem FROM sync_status").fetchone()[0] is None


def test_a_customer_ofn_sends_with_a_control_character_is_left_out_and_logged(
    box: Box, caplog: pytest.LogCaptureFixture
) -> None:
    added = box.sandbox.admin(
        "POST",
        "customers",
        {
            "customers": [
                {"email": "bell@example.org", "first_name": "Ring\u0007", "last_name": "Bell"},
                {"email": "typo@example.org", "first_name": "Typo", "tags": ["vat:FR41303265045"]},
                {"email": "fine@example.org", "first_name": "Zoé", "last_name": "Fine", "code": "Z1"},
            ]
        },
    )["added"]
    with caplog.at_level(logging.WARNING, logger="appliance.ofn.customers"):
        next_refresh(box)
    assert [c.name for c in box.till.customers("fine")] == ["Zoé Fine"]
    assert not box.till.customers("bell") and not box.till.customers("typo")
    assert f"OFN customer {added[0]} left out: The customer's name holds a control" in caplog.text
    assert f"OFN customer {added[1]} left out: FR41303265045 is not a valid French VAT number" in caplog.text
    assert read_status(box.till.connection, datetime.now(UTC)).state == "online"


def test_a_customer_typed_at_the_counter_is_not_posted_to_ofn(box: Box) -> None:
    box.till.open_shift("Alice", Decimal(0))
    stored = paid_sale(box.till, grams=0)
    box.till.invoice(stored.number, customer("Walk-in Café", ["1 rue Ricard", "79000 Niort"]), "Alice")
    next_refresh(box)
    assert [(c.name, c.ofn_id) for c in box.till.customers("walk-in")] == [("Walk-in Café", None)]
    assert box.sandbox.admin("GET", "stats").get("customers.create", 0) == 0


# -- search -----------------------------------------------------------------------------------------


def test_search_finds_by_name_e_mail_or_code_whatever_the_case_and_accents(till: Till) -> None:
    people = [
        customer("Chloé Durand", ["1 rue A"], email="c.durand@example.org", code="CD1", ofn_id=1),
        customer("Louis Martin", ["2 rue B"], email="louis@ferme.example", code="LM-2", ofn_id=2),
        customer("Marie Chloé Petit", ["3 rue C"], email="mp@example.org", code="100%", ofn_id=3),
        customer("Émile Zola", ["4 rue D"], email="emile@example.org", code="EZ_4", ofn_id=4),
    ]
    with write_transaction(till.db) as connection:
        customer_list.upsert_ofn_customers(connection, people, till.clock.now())

    def names(text: str) -> list[str]:
        return [c.name for c in till.customers(text)]

    assert names("chloe") == ["Chloé Durand", "Marie Chloé Petit"]  # name starting with it first
    assert names("CHLOÉ petit") == ["Marie Chloé Petit"]  # every word, in any order and case
    assert names("ferme.example") == ["Louis Martin"]  # e-mail
    assert names("lm-2") == ["Louis Martin"]  # code
    assert names("emile") == names("Émile") == ["Émile Zola"]
    assert names("100%") == ["Marie Chloé Petit"] and names("%") == ["Marie Chloé Petit"]  # no wildcard
    assert names("_") == ["Émile Zola"]
    assert names("nobody") == []
    assert len(till.customers("", 2)) == 2


def pages_of(*pages: list[int], fail_after: int | None = None) -> Iterator[Page]:
    """OFN's pages of customers (by id), as the client yields them; OFN gone after ``fail_after``."""
    for index, ids in enumerate(pages):
        if fail_after is not None and index == fail_after:
            raise OfnUnavailable("OFN cannot be reached")
        yield Page([customer(f"C{n}", ofn_id=n) for n in ids], [], len(pages), len(ids))


def test_a_refresh_drops_the_customers_ofn_no_longer_lists_once_it_read_every_page(till: Till) -> None:
    clock = SteppingClock(till.clock.now())
    refresh_customers(till.db, pages_of([1, 2], [3, 4, 5]), clock)
    clock.advance(3600)
    with pytest.raises(OfnUnavailable):
        refresh_customers(till.db, pages_of([1], [3], fail_after=1), clock)
    assert sorted(c.name for c in till.customers("", 50)) == ["C1", "C2", "C3", "C4", "C5"]  # cut off: kept
    clock.advance(3600)
    assert refresh_customers(till.db, pages_of([1], [3]), clock) == (2, 0)
    assert sorted(c.name for c in till.customers("", 50)) == ["C1", "C3"]


# -- OFN's answer, checked -------------------------------------------------------------------------


def listing(*attributes: dict[str, Any], pages: Any = 1) -> dict[str, Any]:
    data = [
        {"id": str(a.get("id", n + 1)), "type": "customer", "attributes": {"id": n + 1, "enterprise_id": HUB, **a}}
        for n, a in enumerate(attributes)
    ]
    return {"data": data, "meta": {"pagination": {"results": len(data), "pages": pages, "page": 1, "per_page": 100}}}


@pytest.mark.parametrize(
    ("attributes", "field"),
    [
        ({"id": "7"}, "id"),
        ({"enterprise_id": None}, "enterprise_id"),
        ({"first_name": 12}, "first_name"),
        ({"email": ["a@b.c"]}, "email"),
        ({"tags": "vat:FR40303265045"}, "tags"),
        ({"tags": [1]}, "tags"),
        ({"billing_address": "1 rue Ricard"}, "billing_address"),
        ({"billing_address": {"street_address_1": 5}}, "street_address_1"),
        ({"billing_address": {"country": {"name": False}}}, "name"),
    ],
)
def test_a_wrong_type_anywhere_refuses_the_page(attributes: dict[str, Any], field: str) -> None:
    with pytest.raises(UnexpectedAnswer, match=field):
        customers_page(listing({"first_name": "Ok"}, attributes), "/api/v1/customers", HUB)


def test_a_wrong_page_count_or_shape_is_refused() -> None:
    for body in (listing(pages=-1), listing(pages="2"), {"data": {}}, []):
        with pytest.raises(UnexpectedAnswer):
            customers_page(body, "/api/v1/customers", HUB)


def test_other_enterprises_customers_are_not_the_hub_s() -> None:
    page = customers_page(listing({"first_name": "Ours"}, {"first_name": "Theirs", "enterprise_id": 99}), "/p", HUB)
    assert [c.name for c in page.customers] == ["Ours"] and page.listed == 2


NAMES = st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\x85"),
    min_size=1,
    max_size=38,
).filter(str.strip)


@given(first=NAMES, last=NAMES, street=NAMES)
def test_odd_but_valid_names_from_ofn_arrive_as_they_are(first: str, last: str, street: str) -> None:
    body = listing(
        {
            "first_name": first,
            "last_name": last,
            "email": "x@example.org",
            "billing_address": {"street_address_1": street, "postal_code": "79000", "locality": "Niort"},
        }
    )
    (found,) = customers_page(body, "/api/v1/customers", HUB).customers
    assert found.name == f"{first} {last}".strip()
    assert found.address == (street.strip(), "79000 Niort")
    assert search_key(found)  # searchable


def test_a_name_too_long_from_ofn_is_refused_with_the_reason() -> None:
    with pytest.raises(TextError, match="at most 80"):
        customer("x" * 81, ["a"])
    page = customers_page(listing({"first_name": "x" * 81}), "/p", HUB)
    assert not page.customers and "OFN customer 1 left out" in page.skipped[0]
