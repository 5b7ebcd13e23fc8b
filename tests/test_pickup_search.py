"""Finding an order on the pick-up list as the cashier types: by name, e-mail or number, on a keypad by
the number's digits, and where each order stands."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from appliance.core.handover import PickupLine, PickupOrder
from appliance.core.pickup_list import PickupEntry, PickupState, search
from appliance.core.text import folded
from appliance.ofn.answers import Order
from appliance.ofn.refresh import store_pickup
from appliance.store.database import open_store
from appliance.store.handovers import pickup_orders

NAMES = ["Léa Martin", "Zoé Dubois", "Jean-Pierre Lefèvre", "Hugo Petit", "Inès Richard", "Anaïs Roux"]


def order(
    number: str, name: str, email: str = "", *, total: int = 1000, paid: int = 0, shipment: str = "pending"
) -> PickupOrder:
    email = email or f"{folded(name).replace(' ', '.')}@example.org"
    return PickupOrder(number, name, email, None, shipment, total, paid, (PickupLine(1, "Jam", 2, 500),))


def entries_of(numbers: list[int]) -> list[PickupEntry]:
    return [PickupEntry(order(f"R{n:09d}", NAMES[i % len(NAMES)])) for i, n in enumerate(numbers)]


numbers = st.lists(st.integers(10**8, 10**9 - 1), min_size=1, max_size=40, unique=True)


@given(numbers=numbers, data=st.data())
def test_any_run_of_digits_finds_that_order_and_only_orders_holding_it(numbers: list[int], data: st.DataObject) -> None:
    entries = entries_of(numbers)
    target = data.draw(st.sampled_from(entries))
    digits = target.order.number[1:]
    start = data.draw(st.integers(0, len(digits) - 1))
    typed = digits[start : data.draw(st.integers(start + 1, len(digits)))]
    found = search(entries, typed)
    assert target in found
    assert all(typed in entry.order.number for entry in found)
    assert len(found) == sum(1 for entry in entries if typed in entry.order.number)


@given(numbers=numbers, data=st.data())
def test_the_whole_number_puts_its_order_first_with_or_without_its_r(numbers: list[int], data: st.DataObject) -> None:
    entries = entries_of(numbers)
    target = data.draw(st.sampled_from(entries))
    for typed in (target.order.number[1:], target.order.number, target.order.number.lower()):
        assert search(entries, typed)[0] == target


def test_a_name_is_found_without_its_accents_case_or_word_order() -> None:
    entries = [PickupEntry(order(f"R10000000{i}", name, f"c{i}@example.org")) for i, name in enumerate(NAMES)]
    assert [e.order.full_name for e in search(entries, "lea")] == ["Léa Martin"]
    assert [e.order.full_name for e in search(entries, "LEFEVRE jean")] == ["Jean-Pierre Lefèvre"]
    assert [e.order.full_name for e in search(entries, "jean-p")] == ["Jean-Pierre Lefèvre"]
    assert [e.order.full_name for e in search(entries, "anaïs")] == ["Anaïs Roux"]
    assert search(entries, "lea zoe") == [], "every word must match the same order"
    assert search(entries, "") == entries and search(entries, "   ") == entries


def test_an_email_is_found_by_any_part_of_it() -> None:
    entries = [
        PickupEntry(order("R100000001", "Léa Martin", "lea.m@example.org")),
        PickupEntry(order("R100000002", "Léa Martin", "martin.family@mail.fr")),
    ]
    assert [e.order.number for e in search(entries, "family@")] == ["R100000002"]
    assert [e.order.number for e in search(entries, "lea.m@ex")] == ["R100000001"]


def test_orders_starting_with_what_was_typed_come_first() -> None:
    entries = [
        PickupEntry(order("R912340000", "Thomas Camara")),
        PickupEntry(order("R123400000", "Amandine Roux")),
    ]
    assert [e.order.number for e in search(entries, "1234")] == ["R123400000", "R912340000"]
    assert [e.order.full_name for e in search(entries, "ama")] == ["Amandine Roux", "Thomas Camara"]


def test_where_an_order_stands() -> None:
    due = PickupEntry(order("R1", "A", total=1500, paid=500))
    paid = PickupEntry(order("R2", "B", total=1500, paid=1500))
    here = PickupEntry(order("R3", "C", shipment="shipped"), "2026-03-02T09:00:00.000000+00:00", "Alice")
    elsewhere = PickupEntry(order("R4", "D", paid=1000, shipment="shipped"))
    assert (due.state, due.to_pay, due.items) == (PickupState.TO_HAND_OVER, 1000, 2)
    assert (paid.state, paid.to_pay) == (PickupState.TO_HAND_OVER, 0)
    assert here.state is PickupState.HANDED_OVER, "this box's own record comes first"
    assert elsewhere.state is PickupState.PICKED_UP


def test_digits_alone_are_the_order_number_not_the_digits_of_an_email() -> None:
    entries = [
        PickupEntry(order("R555555555", "Léa Martin", "lea42@example.org")),
        PickupEntry(order("R114200000", "Zoé Dubois")),
    ]
    assert [e.order.number for e in search(entries, "42")] == ["R114200000"], "a keypad types order numbers"
    assert [e.order.number for e in search(entries, "lea42")] == ["R555555555"], "with letters, the e-mail too"


def test_the_kept_list_reads_as_a_list_of_names_accents_and_case_aside(tmp_path: Path) -> None:
    db = open_store(tmp_path / "till.db")
    names = ["Lucas Leroy", "léa Leroy", "Léa Leroy", "Louis Leroy", "eric", "Inès Leroy", "Émile Zola"]
    for n, name in enumerate(names):
        kept = Order(f"R{n:09d}", "complete", "balance_due", "ready", 12, "a@example.org", name, 100, "", ())
        store_pickup(db, kept, "2026-03-02T08:00:00.000000+00:00")
    listed = [kept.full_name for kept in pickup_orders(db.conn)]
    assert listed == ["Émile Zola", "eric", "Inès Leroy", "Léa Leroy", "léa Leroy", "Louis Leroy", "Lucas Leroy"]
    db.close()
