"""From a scan to the variant, on a real store: aliases, SKUs in any GTIN form, scale labels, PLUs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlite_utils import Database

from appliance.core.barcodes import PRESETS, interpret
from appliance.core.sale import PricedBy
from appliance.store.catalogue import CatalogueError, Variant, upsert_variants
from appliance.store.database import open_store, write_transaction
from appliance.store.scan_lookup import (
    MAX_CHOICES,
    Ambiguous,
    Match,
    NoMatch,
    ScanLookup,
    Via,
    link_code,
    links,
    plus,
    remove_plu,
    set_plu,
    unlink_code,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FR = PRESETS["fr"]


def variant(variant_id: int, name: str, sku: str, priced_by: PricedBy = PricedBy.EACH) -> Variant:
    grams = 1000 if priced_by is PricedBy.WEIGHT else None
    return Variant(variant_id, variant_id, name, sku, 450, priced_by, grams, 1, 10, False)


CATALOGUE = [
    variant(1, "Hazelnut spread", "3017620422003"),
    variant(2, "Soup (UPC-A in OFN)", "042100005264"),
    variant(3, "Tomatoes", "12345", PricedBy.WEIGHT),
    variant(4, "Comté (Odoo-style base code)", "2154321000008", PricedBy.WEIGHT),
    variant(5, "Bread (fixed in-store code)", "2000000000015"),
    variant(6, "Honey", "1234"),
    variant(7, "Apples", "PLU-7", PricedBy.WEIGHT),
    variant(8, "Jam A", "3760000000017"),
    variant(9, "Jam B", "3760000000017"),
    variant(10, "Tea (GTIN-8)", "96385074"),
]


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    store = open_store(tmp_path / "till.db")
    with write_transaction(store) as connection:
        upsert_variants(connection, CATALOGUE, NOW)
    yield store
    store.close()


@pytest.fixture
def lookup(db: Database) -> ScanLookup:
    return ScanLookup(db.conn, FR)


def matched(result: object) -> Match:
    assert isinstance(result, Match), result
    return result


def test_a_local_alias_beats_the_sku_which_beats_the_plu(db: Database, lookup: ScanLookup) -> None:
    with write_transaction(db) as connection:
        set_plu(connection, 1234, 3, NOW)
        link_code(connection, lookup.interpret("1234"), 1, NOW)
    assert (matched(lookup.read("1234")).variant.id, matched(lookup.read("1234")).via) == (1, Via.ALIAS)
    with write_transaction(db) as connection:
        assert unlink_code(connection, lookup.interpret("1234"))
    assert (matched(lookup.read("1234")).variant.id, matched(lookup.read("1234")).via) == (6, Via.SKU)
    with write_transaction(db) as connection:
        upsert_variants(connection, [replace(CATALOGUE[5], sku="HONEY")], NOW)
    assert (matched(lookup.read("1234")).variant.id, matched(lookup.read("1234")).via) == (3, Via.PLU)
    assert matched(lookup.read("01234")).variant.id == 3  # leading zeros typed on the keypad


def test_an_alias_beats_the_sku_for_a_gtin_too(db: Database, lookup: ScanLookup) -> None:
    assert matched(lookup.read("3017620422003")).variant.id == 1
    with write_transaction(db) as connection:
        stored = link_code(connection, lookup.interpret("3017620422003"), 6, NOW)
    assert stored == "03017620422003"
    result = matched(lookup.read("03017620422003"))  # the GTIN-14 form finds the same alias
    assert (result.variant.id, result.via) == (6, Via.ALIAS)
    assert [(link.code, link.variant_name) for link in links(db.conn)] == [("03017620422003", "Honey")]


@pytest.mark.parametrize(
    ("scanned", "expected"),
    [
        ("0042100005264", 2),  # EAN-13 form of a UPC-A SKU
        ("042100005264", 2),  # the UPC-A itself
        ("00042100005264", 2),  # GTIN-14 form
        ("04252614", 2),  # the UPC-E of the same product
        ("03017620422003", 1),  # GTIN-14 form of an EAN-13 SKU
        ("]E03017620422003", 1),  # with the scanner's symbology identifier
        ("96385074", 10),  # GTIN-8
        ("0000096385074", 10),  # GTIN-8 as an EAN-13
    ],
)
def test_every_gtin_form_finds_the_sku(lookup: ScanLookup, scanned: str, expected: int) -> None:
    result = matched(lookup.read(scanned))
    assert (result.variant.id, result.via, result.weight_g, result.price) == (expected, Via.SKU, None, None)


def test_a_weight_label_finds_the_variant_by_its_item_number_in_the_sku(lookup: ScanLookup) -> None:
    label = FR.rule_for("21").encode("12345", 734)  # 0.734 kg
    result = matched(lookup.read(label))
    assert (result.variant.name, result.via, result.code, result.weight_g) == ("Tomatoes", Via.SKU, "12345", 734)


def test_a_weight_label_finds_an_odoo_style_base_code_sku(lookup: ScanLookup) -> None:
    for grams in (1, 1500, 99_999):
        result = matched(lookup.read(FR.rule_for("21").encode("54321", grams)))
        assert (result.variant.id, result.code, result.weight_g) == (4, "02154321000008", grams)


def test_a_price_label_carries_its_price(lookup: ScanLookup, db: Database) -> None:
    with write_transaction(db) as connection:
        set_plu(connection, 77, 7, NOW)
    result = matched(lookup.read(FR.rule_for("28").encode("00077", 1234)))
    assert (result.variant.name, result.via, result.price, result.weight_g) == (
        "Apples",
        Via.PLU,
        Decimal("12.34"),
        None,
    )


def test_linking_one_label_links_every_label_of_the_product(db: Database, lookup: ScanLookup) -> None:
    first = FR.rule_for("26").encode("99999", 250)
    assert isinstance(lookup.read(first), NoMatch)
    with write_transaction(db) as connection:
        link_code(connection, lookup.interpret(first), 7, NOW)
    other = matched(lookup.read(FR.rule_for("26").encode("99999", 1830)))
    assert (other.variant.id, other.via, other.weight_g) == (7, Via.ALIAS, 1830)


def test_a_fixed_in_store_code_is_not_read_as_a_price(lookup: ScanLookup) -> None:
    """Under the French preset 20 carries a price, but a hub's own fixed 2x code in the SKU wins."""
    scan = lookup.interpret("2000000000015")
    assert scan.price == Decimal("0.01")
    result = matched(lookup.read("2000000000015"))
    assert (result.variant.id, result.price, result.weight_g) == (5, None, None)


def test_german_labels_under_the_german_preset(db: Database) -> None:
    lookup = ScanLookup.from_settings(db.conn, {"nomenclature": "de", "gs1": True, "rules": ()})
    with write_transaction(db) as connection:
        set_plu(connection, 4711, 3, NOW)
    result = matched(lookup.read(PRESETS["de"].rule_for("28").encode("4711", 1250)))
    assert (result.variant.id, result.via, result.weight_g) == (3, Via.PLU, 1250)


def test_a_gs1_databar_brings_weight_lot_and_expiry(lookup: ScanLookup) -> None:
    result = matched(lookup.read("]e0010301762042200331030012501726033110L42"))
    assert (result.variant.id, result.via, result.weight_g) == (1, Via.SKU, 1250)
    assert result.scan.lot == "L42" and str(result.scan.expiry) == "2026-03-31"


def test_the_same_ean_on_two_variants_asks_the_cashier(lookup: ScanLookup) -> None:
    result = lookup.read("3760000000017")
    assert isinstance(result, Ambiguous)
    assert [v.id for v in result.variants] == [8, 9] and "2 products share the code" in result.message


def test_an_unknown_barcode_says_what_to_do(lookup: ScanLookup) -> None:
    result = lookup.read("5000000000005")
    assert isinstance(result, NoMatch)
    assert result.message == "Unknown barcode 5000000000005"
    assert any("PLU" in hint for hint in result.hints) and any("link this barcode" in hint for hint in result.hints)


def test_a_misread_says_scan_again(lookup: ScanLookup) -> None:
    result = lookup.read("3017620422004")
    assert isinstance(result, NoMatch)
    assert result.message == "Barcode 3017620422004 was misread (check digit should be 3)"
    assert result.hints == ("Scan it again, or type the number printed under the bars",)


def test_unknown_plu_and_scale_label(lookup: ScanLookup) -> None:
    plu = lookup.read("999")
    assert isinstance(plu, NoMatch) and plu.message == "No product has PLU 999"
    label = lookup.read(FR.rule_for("21").encode("00888", 500))
    assert isinstance(label, NoMatch) and "item 00888" in label.message
    assert any("PLU 888" in hint for hint in label.hints)


def test_a_link_to_a_variant_gone_from_the_catalogue(db: Database, lookup: ScanLookup) -> None:
    with write_transaction(db) as connection:
        link_code(connection, lookup.interpret("INTERNAL-7"), 7, NOW)
        set_plu(connection, 55, 7, NOW)
        connection.execute("DELETE FROM variant WHERE id = 7")  # what a catalogue refresh does
    result = lookup.read("INTERNAL-7")
    assert isinstance(result, NoMatch) and "relink it" in result.hints[0]
    assert [link.variant_name for link in plus(db.conn)] == [None]
    with write_transaction(db) as connection:
        assert remove_plu(connection, 55) and not remove_plu(connection, 55)


def test_links_are_refused_for_misreads_and_unknown_variants(db: Database, lookup: ScanLookup) -> None:
    with write_transaction(db) as connection:
        with pytest.raises(CatalogueError, match="misread"):
            link_code(connection, lookup.interpret("3017620422004"), 1, NOW)
        with pytest.raises(CatalogueError, match="No variant 404"):
            link_code(connection, lookup.interpret("3017620422003"), 404, NOW)
        with pytest.raises(CatalogueError, match="1 to 7 digits"):
            set_plu(connection, 12_345_678, 1, NOW)


def test_a_sku_change_from_ofn_moves_the_gtin(db: Database, lookup: ScanLookup) -> None:
    with write_transaction(db) as connection:
        upsert_variants(connection, [replace(CATALOGUE[0], sku=" 3017620422010 ")], NOW)
    assert isinstance(lookup.read("3017620422003"), NoMatch)
    assert matched(lookup.read("3017620422010")).variant.id == 1


def test_lookups_use_indexes(db: Database) -> None:
    """Speed is measured in bench/scan.py; here, that no lookup scans a table."""
    queries = [
        "SELECT variant_id FROM barcode_alias WHERE code = ?",
        "SELECT variant_id FROM plu WHERE plu = ?",
        "SELECT id FROM variant WHERE gtin14 = ? ORDER BY id LIMIT 100",
        "SELECT id FROM variant WHERE sku = ? ORDER BY id LIMIT 100",
    ]
    for sql in queries:
        plan = " ".join(row[3] for row in db.conn.execute("EXPLAIN QUERY PLAN " + sql, ("x",)))
        assert "SEARCH" in plan and "SCAN" not in plan, (sql, plan)


def test_interpret_is_the_lookups_own(lookup: ScanLookup) -> None:
    assert lookup.interpret("2112345015002") == interpret("2112345015002", FR)


def test_messages_never_print_control_characters(lookup: ScanLookup) -> None:
    result = lookup.read("]C110LOT42\x1d21SERIAL")
    assert isinstance(result, NoMatch)
    assert result.message.isprintable() and "LOT42 21SERIAL" in result.message


def test_words_typed_find_the_products_whose_name_holds_them_to_pick_from(lookup: ScanLookup) -> None:
    """What the unknown-code hint offers: a word of the name, case and accents aside, every word."""
    comte = lookup.read("comte")
    assert isinstance(comte, Ambiguous) and comte.via is Via.NAME
    assert [v.id for v in comte.variants] == [4] and comte.message == 'Products named "comte": pick one'
    jams = lookup.read("JAM")
    assert isinstance(jams, Ambiguous) and [v.id for v in jams.variants] == [8, 9]
    assert isinstance(lookup.read("jam b"), Ambiguous) and [v.id for v in lookup.read("jam  b").variants] == [9]
    assert matched(lookup.read("PLU-7")).via is Via.SKU  # a code with letters is a code first
    nothing = lookup.read("pear")
    assert isinstance(nothing, NoMatch) and nothing.message == "Unknown barcode pear"
    assert any("a word of its name" in hint for hint in nothing.hints)
    assert isinstance(lookup.read("50%_"), NoMatch)  # LIKE's own signs match only themselves


def test_a_name_matching_many_products_shows_the_first_and_says_to_narrow_it(db: Database) -> None:
    with write_transaction(db) as connection:
        upsert_variants(connection, [variant(100 + n, f"Cheese {n:02d}", f"C{n}") for n in range(12)], NOW)
    result = ScanLookup(db.conn, FR).read("cheese")
    assert isinstance(result, Ambiguous) and len(result.variants) == MAX_CHOICES
    assert [v.name for v in result.variants] == [f"Cheese {n:02d}" for n in range(MAX_CHOICES)]
    assert "type more of the name" in result.message
