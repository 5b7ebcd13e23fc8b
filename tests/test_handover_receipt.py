"""The hand-over receipt: what it says (order, customer, changes, payments, change, the OFN order that
sold the goods), that it fits every paper width, and that the printer prints exactly its layout."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from appliance.config import Config
from appliance.core.document import Rule, Text, text_lines
from appliance.core.handover import CompletedHandover, Handover, PickupLine, PickupOrder
from appliance.core.sale import Item, PaymentMethod, PricedBy
from appliance.core.tax import VatRate
from appliance.reports.formatting import TRAINING_BANNER, Formatter
from appliance.reports.handover_receipt import (
    PAID_HERE,
    TITLE,
    build_handover_receipt,
    handover_printed_by_itself,
    layout,
)
from appliance.reports.handover_receipt_document import handover_document
from drivers.printer import CodePage, PrinterSettings, Renderer
from drivers.printer_twin import read_bytes

FMT = Formatter("EUR", "fr_FR", ZoneInfo("Europe/Paris"))
NOW = datetime(2026, 11, 23, 16, 5, tzinfo=UTC)
CASH = PaymentMethod("cash", "Espèces", is_cash=True)
CARD = PaymentMethod("card", "Carte")
VAT = VatRate("A", Decimal("5.5"), "5.5%")
SELLER = {
    "legal_name": "Les Paniers du Marais SCIC",
    "address": ["12 rue des Halles", "79000 Niort"],
    "vat_number": "FR32123456789",
    "company_id": "SIRET 123 456 789 00012",
    "footer": ["Merci et à bientôt !"],
}
LABELS = {"cash": "Espèces", "card": "Carte"}
CP858 = CodePage("CP858", 19, "cp858")


def pickup(name: str = "Léa Martin", *, paid: int = 0) -> PickupOrder:
    lines = (PickupLine(1, "Jam apricot", 2, 450), PickupLine(2, "Bread spelt", 1, 520))
    total = sum(line.quantity * line.price for line in lines)
    return PickupOrder("R123456789", name, "lea@example.org", None, "pending", total, paid, lines)


def handed_over(order: PickupOrder, *tenders: tuple[PaymentMethod, str]) -> CompletedHandover:
    handover = Handover(order, lane_id=1, channel="pickup point", cashier="Zoé", started_at=NOW)
    handover.remove(2)
    handover.add(Item(3, "Eggs x6", Decimal("3.10"), PricedBy.EACH, VAT), 2)
    for method, amount in tenders:
        handover.tender(method, Decimal(amount))
    return handover.complete(NOW)


def test_it_says_which_order_went_to_whom_what_changed_and_what_was_paid_here() -> None:
    done = handed_over(pickup(), (CASH, "20"))
    receipt = build_handover_receipt(done, SELLER, "Till 1", FMT, LABELS)
    text = layout(receipt, FMT, 42)
    joined = "\n".join(text)
    assert done.due == 2 * 450 + 2 * 310 and done.change == 2000 - done.due
    for mention in (
        "Les Paniers du Marais SCIC",
        "VAT FR32123456789",
        TITLE,
        "Order R123456789",
        "2026-11-23 17:05",  # local time (Paris)
        "Customer: Léa Martin",
        "Till 1, cashier: Zoé",
        "Bread spelt",
        "taken off 1 × 5,20 €",
        "Eggs x6",
        "put on 2 × 3,10 €",
        "Sold by OFN order R123456789",
        "Merci et à bientôt !",
    ):
        assert mention in joined, mention
    assert _amount_of(text, PAID_HERE) == FMT.money(done.due)
    assert _amount_of(text, "  Espèces") == FMT.money(done.due), "the drawer keeps what was due"
    assert _amount_of(text, "  Given") == FMT.money(2000)
    assert _amount_of(text, "  Change") == FMT.money(done.change)
    assert _amount_of(text, "  Bread spelt") == FMT.money(-520)
    assert TRAINING_BANNER not in joined
    assert "TOTAL" not in joined and "S0" not in joined, "no sale total, no sale number: OFN sold the goods"


def test_an_order_paid_online_that_shrank_says_ofn_owes_the_difference() -> None:
    order = pickup(paid=2 * 450 + 520)
    handover = Handover(order, lane_id=1, channel="pickup point", cashier="Zoé", started_at=NOW)
    handover.remove(1)
    text = layout(build_handover_receipt(handover.complete(NOW), SELLER, "Till 1", FMT, LABELS), FMT, 42)
    assert _amount_of(text, PAID_HERE) == FMT.money(0)
    assert _amount_of(text, "Owed back by OFN") == FMT.money(450)
    assert not any(line.startswith("  Change") for line in text)


def test_a_training_store_says_so_first_and_last() -> None:
    done = handed_over(pickup(), (CARD, "15.20"))
    text = layout(build_handover_receipt(done, SELLER, "Till 1", FMT, LABELS, training=True), FMT, 42)
    assert text[0].strip() == TRAINING_BANNER and text[-1].strip() == TRAINING_BANNER
    assert _amount_of(text, "  Carte") == FMT.money(1520)


def test_a_hand_over_receipt_prints_by_itself_only_where_a_rule_wants_it() -> None:
    assert handover_printed_by_itself(SELLER, card_taken_back=False) == ""
    assert handover_printed_by_itself(SELLER, card_taken_back=True) == "a card payment was taken back"
    assert handover_printed_by_itself({**SELLER, "print": "always"}, card_taken_back=False)
    assert handover_printed_by_itself({**SELLER, "print_cancelled_card": False}, card_taken_back=True) == ""


names_in_cp858 = st.text(st.characters(codec="cp858", categories=("L", "N", "Zs")), min_size=1, max_size=50)


@given(customer=names_in_cp858, columns=st.sampled_from([32, 42, 48]), training=st.booleans())
def test_the_printout_read_back_is_the_layout_at_every_width(customer: str, columns: int, training: bool) -> None:
    done = handed_over(pickup(customer), (CASH, "50"))
    receipt = build_handover_receipt(done, SELLER, "Till 1", FMT, LABELS, training=training)
    document = handover_document(receipt, FMT, columns)
    lines = layout(receipt, FMT, columns)
    assert all(len(line) <= columns for line in lines)
    printout = read_bytes(Renderer(PrinterSettings(columns=columns)).render(document))
    assert lines == text_lines(document, columns)
    assert printout.text == [CP858.printable(line, columns) for line in lines]  # "—" prints as "-"
    assert printout.pieces() == [printout.text], "one piece of paper, cut"
    assert printout.of("barcode") == [] and printout.of("drawer") == []
    bold = {block.text.strip() for block in document.blocks if isinstance(block, Text) and block.bold}
    assert TITLE in bold and receipt.sold_by in bold
    assert any(isinstance(block, Rule) for block in document.blocks)


def test_the_till_builds_it_from_the_sealed_hand_over(config: Config) -> None:
    done = handed_over(pickup(), (CASH, "20"))
    receipt = build_handover_receipt(done, config.receipt, "Till 1", FMT, LABELS)
    assert receipt.header[0] == config.receipt["legal_name"]
    assert receipt.payments == (("Espèces", done.due),)


def _amount_of(text: list[str], label: str) -> str:
    line = next(line for line in text if line.startswith(label + " "))
    return line[len(label) :].strip()
