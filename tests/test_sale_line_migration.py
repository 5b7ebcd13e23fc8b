"""Migration 16: ``sale_line`` shows a line's ``shelf`` code and whether it came back ``damaged``
(what core/ofn_scope.py decides by), on a new store and on one of the previous level migrated, and
the schema check (``journal verify``) holds on both. Migration 17: ``stock_move`` moves no goods
for a damaged line, and names a shelf item by its code."""

from __future__ import annotations

import csv
import io
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from sqlite_utils import Database

from appliance.cli.main import main
from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.store.schema import migrations
from appliance.till import Till

from .channels_kit import PAPER_BAG, SHELF_ONLY
from .sales_kit import pay
from .store_kit import demo_till

MIGRATION = "m016_sale_line_ofn_scope"
STOCK_MOVE_MIGRATION = "m017_stock_move_scope"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def sell_a_bag_and_return_damaged_goods(till: Till) -> None:
    """A sale of two pieces and a paper bag from the shelf; one piece comes back damaged."""
    variant = till.connection.execute("SELECT id FROM variant WHERE priced_by = 'each' ORDER BY id").fetchone()[0]
    bag = till.shelf_item(PAPER_BAG)
    assert bag is not None
    sale = till.new_sale("Alice")
    sale.add(till.item(variant), 2)
    sale.add(bag, 1)
    sold = pay(till, sale)
    draft = till.return_draft(str(sold.number), "Alice")
    draft.give_back(1, 1)
    assert draft.turn_damaged(1) is True
    pay(till, draft.sale)


def as_the_previous_level_left_it(store: Path) -> None:
    """The store's views as migration 15 left them, and the migrations since not recorded: a store
    of that version, with the same sealed entries."""
    reference = Database(memory=True)
    migrations.apply(reference, stop_before=MIGRATION)
    views = reference.conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'view'").fetchall()
    known = [name for (name,) in reference.conn.execute("SELECT name FROM _sqlite_migrations")]
    with closing(sqlite3.connect(store, isolation_level=None)) as connection:
        for name, sql in views:
            connection.execute(f"DROP VIEW {name}")
            connection.execute(sql)
        marks = ", ".join("?" * len(known))
        connection.execute(f"DELETE FROM _sqlite_migrations WHERE name NOT IN ({marks})", known)


def view_rows(store: Path) -> list[tuple[str, int, str, int]]:
    with closing(sqlite3.connect(f"{store.as_uri()}?mode=ro", uri=True)) as connection:
        return connection.execute(
            "SELECT sale_kind, line_no, shelf, damaged FROM sale_line ORDER BY sale_id, line_no"
        ).fetchall()


def exported(capsys: pytest.CaptureFixture[str], config_file: Path) -> list[tuple[str, str, str]]:
    code, out = run(
        capsys, "journal", "export", "--config", str(config_file), "--from", "2026-03-02", "--to", "2026-03-02"
    )
    assert code == 0, out
    rows = csv.DictReader(io.StringIO(out[: out.rindex("rows exported")]))
    return [(r["sale_kind"], r["line_no"], r["not_in_ofn"]) for r in rows if r["record"] == "line"]


def test_a_store_of_the_previous_level_is_verified_migrated_and_shows_what_keeps_a_line_from_ofn(
    config: Config, config_file: Path, clock: SteppingClock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    channels = tmp_path / "channels.toml"
    channels.write_text(SHELF_ONLY, encoding="utf-8")
    with demo_till(replace(config, channels_file=channels), clock) as till:
        sell_a_bag_and_return_damaged_goods(till)
    cfg = ("--config", str(config_file))
    new = [("sale", 1, "", 0), ("sale", 2, PAPER_BAG, 0), ("return", 1, "", 1)]
    assert view_rows(config.store_path) == new
    assert run(capsys, "journal", "verify", *cfg)[0] == 0  # a new store, at this level

    as_the_previous_level_left_it(config.store_path)
    code, out = run(capsys, "journal", "verify", *cfg)
    assert code == 0 and "journal OK" in out, out
    # A read-only export never migrates: it says how to bring the store up to date, not "damaged".
    code, out = run(capsys, "journal", "export", *cfg, "--from", "2026-03-02", "--to", "2026-03-02")
    assert code == 3 and "`ofn-checkout store migrate` brings it up to date" in out and "damaged" not in out, out
    code, out = run(capsys, "store", "migrate", *cfg)
    assert code == 0 and f"(new: {MIGRATION}, {STOCK_MOVE_MIGRATION})" in out, out
    code, out = run(capsys, "journal", "verify", *cfg)
    assert code == 0 and "journal OK" in out and "warning" not in out, out
    assert view_rows(config.store_path) == new
    assert exported(capsys, config_file) == [("sale", "1", ""), ("sale", "2", "shelf"), ("return", "1", "damaged")]


def test_stock_move_leaves_out_goods_that_came_back_damaged_and_names_a_shelf_item(
    config: Config, clock: SteppingClock, tmp_path: Path
) -> None:
    """Migration 17: a damaged line's goods never came back to the shelf; the other piece did."""
    channels = tmp_path / "channels.toml"
    channels.write_text(SHELF_ONLY, encoding="utf-8")
    with demo_till(replace(config, channels_file=channels), clock) as till:
        sell_a_bag_and_return_damaged_goods(till)
        draft = till.return_draft("1", "Alice")  # the other piece, back on the shelf
        draft.give_back(1, 1)
        pay(till, draft.sale)
        variant = till.connection.execute("SELECT id FROM variant WHERE priced_by = 'each' ORDER BY id").fetchone()[0]
        moves = till.connection.execute(
            "SELECT sale_id, variant_id, quantity, shelf FROM stock_move ORDER BY sale_id, variant_id"
        ).fetchall()
        kinds = dict(till.connection.execute("SELECT seq, kind FROM journal").fetchall())
    assert [(kinds[sale_id], *rest) for sale_id, *rest in moves] == [
        ("sale", 0, -1, PAPER_BAG),  # no variant of OFN's: the shelf code says what it was
        ("sale", variant, -2, ""),
        ("return", variant, 1, ""),  # the second return; the first (damaged) moved nothing
    ]
