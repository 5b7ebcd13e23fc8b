"""The accounting export's new columns and `report hub` on files: what it refuses, what it flags.

The check against OFN over real HTTP is in test_channels_month.py; here the exports come from real
stores (and, for what one box cannot produce alone, rows of those exports moved to another lane).
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli.main import main
from appliance.core.sale import Discount, DiscountKind
from appliance.reports import export
from appliance.reports.hub import (
    LaneExport,
    Line,
    Payment,
    _Expected,
    counter_expectations,
    hub_totals,
    not_yet_counted,
    ofn_differences,
    read_export,
)
from appliance.store import journal as journal_store
from appliance.store.database import write_transaction
from appliance.store.sales import StoredSale
from appliance.till import Till

from .conftest import MONDAY_MORNING
from .sales_kit import pay
from .test_channel_reports import EACH, WEIGHED, RuleDiscount

#: The export's columns before channels (issue 16): they keep their names and order.
BEFORE = (
    "record", "local_date", "local_time", "completed_at_utc", "lane_id", "channel", "sale_number", "sale_uuid",
    "sale_kind", "original_sale_uuid", "cashier", "line_no", "variant_id", "sku", "description", "quantity",
    "weight_g", "unit_price", "discount", "amount", "vat_code", "vat_rate", "vat_base", "vat_amount",
    "voided", "payment_method", "payment_amount", "cash_tendered",
)  # fmt: skip
DAY = MONDAY_MORNING.date()


def rows_of(till: Till) -> list[dict[str, str]]:
    out = io.StringIO()
    export.write_csv(till.connection, out, DAY, DAY, till.zone)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def sale_with_a_rule_and_a_return(till: Till) -> tuple[StoredSale, StoredSale]:
    sale = till.new_sale("Alice")
    sale.add(till.item(EACH[0]), 2)
    sale.add_weighed(till.item(WEIGHED), 1250)
    sale.discount_line(1, RuleDiscount(DiscountKind.PERCENT, Decimal(10), "offer", rule="Saturday veg"))
    sold = pay(till, sale, "cash")
    back = till.new_return(sold, "Alice")
    till.add_return_line(back, sold, 1, quantity=1)
    return sold, pay(till, back, "cash")


def test_the_export_appends_the_rule_and_the_returned_line_and_keeps_the_old_columns(till: Till) -> None:
    assert export.COLUMNS[: len(BEFORE)] == BEFORE
    assert export.COLUMNS[len(BEFORE) :] == (
        "discount_rule", "returns_sale_uuid", "returns_line_no", "returns_lane_id", "returns_number",
        "ofn_order", "ofn_unit_g", "not_in_ofn",
    )  # fmt: skip
    sold, back = sale_with_a_rule_and_a_return(till)
    rows = [r for r in rows_of(till) if r["record"] == "line"]
    first, weighed, returned = rows
    assert (first["discount_rule"], weighed["discount_rule"], returned["discount_rule"]) == ("Saturday veg", "", "")
    assert (returned["returns_sale_uuid"], returned["returns_line_no"]) == (sold.sale.uuid, "1")
    assert (returned["returns_lane_id"], returned["returns_number"]) == ("", "")
    assert first["returns_sale_uuid"] == first["returns_line_no"] == ""
    assert (first["ofn_order"], first["ofn_unit_g"], weighed["ofn_unit_g"]) == ("", "", "1000")  # not synced yet
    assert first["not_in_ofn"] == weighed["not_in_ofn"] == returned["not_in_ofn"] == ""  # but on its way


def test_a_voided_line_names_no_order_and_says_why(till: Till) -> None:
    """The sync folds a whole sale into the counter order; a voided line of it was counted into none."""
    sale = till.new_sale("Alice")
    sale.add(till.item(EACH[0]), 2)
    sale.add(till.item(EACH[1]), 1)
    sale.void(2)
    sold = pay(till, sale, "cash")
    with write_transaction(till.db) as connection:
        connection.execute("UPDATE outbox SET folded_into = 'R42' WHERE journal_seq = ?", (sold.journal_seq,))
    kept, voided = (r for r in rows_of(till) if r["record"] == "line")
    assert (kept["ofn_order"], kept["not_in_ofn"]) == ("R42", "")
    assert (voided["voided"], voided["ofn_order"], voided["ofn_unit_g"], voided["not_in_ofn"]) == (
        "1",
        "",
        "",
        "voided",
    )


def test_a_sale_paid_by_credit_exports_the_order_it_was_counted_into(till: Till) -> None:
    """Such a sale queues two outbox rows (its lines, and the posting to the customer's credit,
    store/sales.py): the export names the order the lines were folded into, never the posting's none."""
    sold, _ = sale_with_a_rule_and_a_return(till)
    seq = till.connection.execute("SELECT seq FROM journal WHERE ref = ?", (sold.sale.uuid,)).fetchone()[0]
    with write_transaction(till.db) as connection:
        connection.execute("UPDATE outbox SET folded_into = 'R42' WHERE journal_seq = ?", (seq,))
        connection.execute(  # as _queue_credit writes it: the same entry, never folded
            "INSERT INTO outbox (journal_seq, kind, payload, created_at, updated_at) VALUES (?, 'credit', '{}', ?, ?)",
            (seq, "2026-03-02T09:00:00Z", "2026-03-02T09:00:00Z"),
        )
    first = next(r for r in rows_of(till) if r["record"] == "line")
    assert first["ofn_order"] == "R42"


def test_a_return_of_another_lanes_sale_exports_that_lane_and_number(till: Till) -> None:
    """The fields chan-returns seals on such a line (lane_id, number) reach the export through the view."""
    _, back = sale_with_a_rule_and_a_return(till)
    payload = json.loads(
        till.connection.execute("SELECT payload FROM journal WHERE ref = ?", (back.sale.uuid,)).fetchone()[0]
    )
    other = str(uuid.uuid4())
    payload["lines"][0]["returns"] = {"sale_uuid": other, "line_no": 3, "lane_id": 2, "number": 41}
    with write_transaction(till.db) as connection:
        journal_store.append(connection, till.key, 1, "return", str(uuid.uuid4()), payload, MONDAY_MORNING)
    last = [r for r in rows_of(till) if r["record"] == "line"][-1]
    assert (last["returns_sale_uuid"], last["returns_line_no"], last["returns_lane_id"], last["returns_number"]) == (
        other,
        "3",
        "2",
        "41",
    )


def test_a_channel_named_like_a_formula_is_neutralised_and_read_back(till: Till, tmp_path: Path) -> None:
    sale = till.new_sale("Alice")
    sale.channel = "=HYPERLINK(1)"
    sale.add(till.item(EACH[1]), 1)
    pay(till, sale, "card")
    rows = rows_of(till)
    assert {r["channel"] for r in rows} == {"'=HYPERLINK(1)"}
    path = tmp_path / "lane1.csv"
    write(path, rows)
    assert {line.channel for line in read(path).lines} == {"=HYPERLINK(1)"}


def write(path: Path, rows: list[dict[str, Any]], header: tuple[str, ...] = export.COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read(path: Path) -> LaneExport:
    with path.open(encoding="utf-8", newline="") as handle:
        return read_export(str(path), handle)


def hub(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["report", "hub", "--no-ofn", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def moved_to_lane(rows: list[dict[str, str]], lane: int) -> list[dict[str, str]]:
    """Rows as another box would have written them for its own sales (its lane, its own UUIDs)."""
    uuids: dict[str, str] = {}
    return [{**r, "lane_id": str(lane), "sale_uuid": uuids.setdefault(r["sale_uuid"], str(uuid.uuid4()))} for r in rows]


def test_hub_refuses_files_that_are_not_one_lane_export_of_ours(
    till: Till, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sale_with_a_rule_and_a_return(till)
    rows = rows_of(till)
    good = write(tmp_path / "lane1.csv", rows)
    cases = {
        write(tmp_path / "notes.csv", [{"a": 1}], ("a",)): "is not an accounting export of OFN Checkout",
        write(tmp_path / "old.csv", rows, BEFORE): "another version of OFN Checkout (it lacks discount_rule",
        write(tmp_path / "again.csv", rows): "again.csv repeats lane 1 (already in",
        write(tmp_path / "mixed.csv", rows + moved_to_lane(rows, 2)): "mixed.csv holds lanes 1, 2",
        write(tmp_path / "bad.csv", [{**rows[0], "amount": "12.3x"}]): "bad.csv, line 2:",
        write(tmp_path / "why.csv", [{**rows[0], "not_in_ofn": "lost"}]): (
            "why.csv, line 2: not_in_ofn 'lost' is none of voided, shelf, damaged; export it again"
        ),
    }
    (tmp_path / "empty.csv").write_text("")
    cases[tmp_path / "empty.csv"] = "empty.csv is empty"
    (tmp_path / "latin1.csv").write_bytes("record;caf\xe9\n".encode("latin-1"))
    cases[tmp_path / "latin1.csv"] = "latin1.csv is not UTF-8 text"
    for path, said in cases.items():
        files = [str(good), str(path)] if path.name == "again.csv" else [str(path)]
        code, out, err = hub(capsys, *files)
        assert (code, out) == (3, ""), path
        assert said in err and err.count("\n") == 1 and "Traceback" not in err, err
    code, _, err = hub(capsys, str(good), str(tmp_path / ".." / tmp_path.name / "lane1.csv"))
    assert code == 3 and "given twice" in err


def test_hub_flags_a_line_returned_at_two_lanes_and_says_when_more_came_back_than_was_sold(
    till: Till, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sold, _ = sale_with_a_rule_and_a_return(till)  # 2 sold on lane 1, 1 returned there
    rows = rows_of(till)
    lane1 = write(tmp_path / "lane1.csv", rows)
    returned = [r for r in rows if r["sale_kind"] == "return"]
    lane2 = write(tmp_path / "lane2.csv", moved_to_lane(returned, 2))  # 1 more returned at lane 2: 2 of 2
    code, out, _ = hub(capsys, "--json", str(lane1), str(lane2))
    [flag] = json.loads(out)["returns_at_two_lanes"]
    assert code == 0 and flag["sale_uuid"] == sold.sale.uuid and flag["line_no"] == 1
    assert (flag["lanes"], flag["sold"], flag["returned"], flag["over_returned"]) == ([1, 2], 2, 2, False)

    twice = [{**r, "line_no": "2"} for r in moved_to_lane(returned, 3)]
    lane3 = write(tmp_path / "lane3.csv", moved_to_lane(returned, 3) + twice)  # and 2 more at lane 3
    code, out, _ = hub(capsys, str(lane1), str(lane2), str(lane3))
    assert code == 1 and "returned at lanes 1 and 2 and 3, 4 pieces in all; 2 pieces sold" in out
    assert "MORE RETURNED THAN SOLD" in out
    code, out, _ = hub(capsys, str(lane1))
    assert code == 0 and "RETURNS AT TWO LANES\n  none" in out


def test_hub_totals_by_lane_and_channel_add_up(till: Till, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sale_with_a_rule_and_a_return(till)
    market = till.new_sale("Bruno")
    market.channel = "market stall"
    market.add(till.item(EACH[2]), 3)
    pay(till, market, "card")
    rows = rows_of(till)
    files = [str(write(tmp_path / "lane1.csv", rows)), str(write(tmp_path / "lane2.csv", moved_to_lane(rows, 2)))]
    code, out, _ = hub(capsys, "--json", *files)
    report = json.loads(out)
    whole = report["hub"]
    for key in ("sales_count", "returns_count", "sales_total", "returns_total", "total"):
        assert (
            sum(p[key] for p in report["lanes"].values())
            == whole[key]
            == sum(p[key] for p in report["channels"].values())
        ), key
    x = till.x_report().totals
    assert whole["total"] == 2 * x.total and whole["sales_count"] == 2 * x.sales_count
    assert report["channels"]["market stall"]["payments"] == {"card": 2 * market.totals().total}
    assert sum(whole["payments"].values()) == whole["total"]


def line(
    order: str, variant: int, quantity: int = 0, grams: int = 0, lane: int = 1, not_in_ofn: str = ""
) -> dict[str, Any]:
    return {
        "lane_id": lane,
        "variant_id": variant,
        "quantity": quantity,
        "weight_g": grams,
        "ofn_order": order,
        "not_in_ofn": not_in_ofn,
    }


def expectations(*lines: dict[str, Any]) -> dict[str, dict[int, _Expected]]:
    return counter_expectations(exports_of(*lines))


def exports_of(*lines: dict[str, Any]) -> list[LaneExport]:
    """Each lane's export of ``lines``, written as the box writes it and read back."""
    rows = []
    for number, values in enumerate(lines):
        rows.append(
            {
                **dict.fromkeys(export.COLUMNS, ""),
                "record": "line",
                "channel": "shop",
                "sale_uuid": f"s{number}",
                "sale_kind": "sale" if (values["quantity"] or values["weight_g"]) > 0 else "return",
                "line_no": 1,
                "description": "thing",
                "amount": "1.00",
                "vat_code": "A",
                "vat_rate": "5.5",
                "vat_amount": "0.05",
                "voided": 0,
                "ofn_unit_g": 1000 if values["weight_g"] else "",
                **values,
            }
        )
    exports = []
    for lane in sorted({row["lane_id"] for row in rows}):
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=export.COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(row for row in rows if row["lane_id"] == lane)
        exports.append(read_export(f"lane{lane}.csv", io.StringIO(out.getvalue())))
    return exports


def test_counter_orders_are_expected_as_sync_counts_them() -> None:
    """Pieces as they are, returns taken off, weighed goods by their running total rounded once."""
    expected = expectations(
        line("R1", 10, quantity=3),
        line("R1", 10, quantity=-1),
        line("R1", 20, grams=400),
        line("R1", 20, grams=400),
        line("R1", 20, grams=400),  # 1200 g: 1 kg on the order, though no sale alone made half a kg
        line("R1", 30, grams=1600),
        line("R1", 30, grams=-200),  # 1400 g: 1
        line("R2", 10, quantity=1, lane=2),
    )
    assert {n: {v: e.units for v, e in lines.items()} for n, lines in expected.items()} == {
        "R1": {10: 2, 20: 1, 30: 1},
        "R2": {10: 1},
    }
    assert ofn_differences(expected, {"R1": {10: 2, 20: 1, 30: 1}, "R2": {10: 1}}) == ()
    differences = ofn_differences(expected, {"R1": {10: 2, 20: 2, 30: 1, 40: 5}, "R2": "the order is not in OFN"})
    assert [(d.lanes, d.order, d.variant_id, d.export_says, d.ofn_holds, d.reason) for d in differences] == [
        ((1,), "R1", 20, 1, 2, ""),
        ((1,), "R1", 40, 0, 5, "on the order in OFN, in none of the exports"),
        ((2,), "R2", 0, 0, None, "the order is not in OFN"),
    ]


def test_lines_left_out_of_ofn_are_neither_on_an_order_nor_waiting_for_one() -> None:
    """A shelf-only item and damaged goods given back: the box's export says so, OFN never sees them."""
    exports = exports_of(
        line("R1", 10, quantity=3),
        line("R1", 10, quantity=-1, not_in_ofn="damaged"),  # stays sold in the counter order
        line("R1", 20, grams=1500),
        line("R1", 20, grams=-600, not_in_ofn="damaged"),  # 1500 g still: 2 units, not 1
        line("", 0, quantity=2, not_in_ofn="shelf"),
        line("", 30, quantity=1, lane=2),  # lane 2 had not synced this one
        line("", 0, quantity=1, lane=2, not_in_ofn="shelf"),
    )
    expected = counter_expectations(exports)
    assert {n: {v: e.units for v, e in lines.items()} for n, lines in expected.items()} == {"R1": {10: 3, 20: 2}}
    assert not_yet_counted(exports) == {2: 1}


def test_an_amount_is_read_exactly(tmp_path: Path, till: Till) -> None:
    sale = till.new_sale("Alice")
    sale.add(till.item(EACH[3]), 1)
    sale.discount_line(1, Discount(DiscountKind.AMOUNT, Decimal("0.01"), "dent"))
    stored = pay(till, sale, "cash")
    [one] = read(write(tmp_path / "l.csv", rows_of(till))).lines
    assert one.amount == stored.sale.total


LINES = st.lists(
    st.tuples(
        st.integers(1, 4),  # lane
        st.sampled_from(["shop counter", "market stall", "=odd"]),
        st.sampled_from(["sale", "return"]),
        st.integers(-(10**6), 10**6),  # amount, cents
        st.sampled_from(["cash", "card"]),
    ),
    max_size=40,
)


@given(lines=LINES)
def test_any_exports_lanes_and_channels_add_up_to_the_hub_to_the_cent(lines: list[tuple[Any, ...]]) -> None:
    exports = []
    for lane in sorted({lane for lane, *_ in lines}):
        mine = [values for values in lines if values[0] == lane]
        rows = [
            Line(
                lane,
                channel,
                f"s{n % 7}",
                kind,
                n,
                1,
                "x",
                1,
                0,
                amount,
                "A 5.5",
                amount // 20,
                False,
                "",
                None,
                "",
                None,
            )
            for n, (_, channel, kind, amount, _) in enumerate(mine)
        ]
        paid = tuple(Payment("payment", lane, channel, method, amount) for _, channel, _, amount, method in mine)
        exports.append(LaneExport(f"lane{lane}.csv", lane, tuple(rows), paid))
    totals = hub_totals(exports)
    whole = totals.hub
    for parts in (totals.lanes.values(), totals.channels.values()):
        for name in ("sales_count", "returns_count", "sales_total", "returns_total", "total"):
            assert sum(getattr(p, name) for p in parts) == getattr(whole, name), name
        for method in ("cash", "card"):
            assert sum(p.payments.get(method, 0) for p in parts) == whole.payments.get(method, 0)
        assert sum(p.vat.get("A 5.5", {}).get("vat", 0) for p in parts) == whole.vat.get("A 5.5", {}).get("vat", 0)
    assert whole.total == sum(amount for *_, amount, _ in lines)
    assert sum(whole.payments.values()) == whole.total
