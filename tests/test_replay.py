"""``ofn-checkout replay`` as support runs it: a real process, the real app headless, a real store
(a demo box with the sandbox and the sync daemon, or a training store and a printer twin on TCP).
What the summary says is checked against the journal, never against the screen alone.
"""

from __future__ import annotations

import json
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from appliance import config as config_module
from appliance.cli.demo import demo_config_text, demo_variants
from appliance.core.money import from_cents
from appliance.store.catalogue import upsert_variants
from appliance.store.database import write_transaction
from appliance.till import Till
from drivers.printer_twin import PrinterTwin, TcpPrinter

from .conftest import env_without_config
from .ofn_sandbox import BIN

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "sale.replay"
FLOUR = "3760000010719"
PASTA = "3760000010733"


def replay(tmp_path: Path, script: str | Path, *args: str) -> subprocess.CompletedProcess[str]:
    if isinstance(script, str):
        path = tmp_path / "script.replay"
        path.write_text(script, encoding="utf-8")
        script = path
    return subprocess.run(
        [str(BIN), "replay", str(script), *args],
        capture_output=True,
        text=True,
        env=env_without_config(tmp_path),
        timeout=240,
        check=False,
    )


def store_config(tmp_path: Path, *, training: bool = True, extra: str = "") -> Path:
    """A config and its store with the demo catalogue and a shift open: a training store unless asked."""
    text = (
        demo_config_text()
        .replace("/var/lib/ofn-checkout/demo.db", str(tmp_path / "till.db"))
        .replace("/var/lib/ofn-checkout/demo-api.key", str(tmp_path / "api.key"))
    )
    path = tmp_path / "config.toml"
    path.write_text(text + extra, encoding="utf-8")
    till = Till.create(config_module.load(path), training=training)
    try:
        with write_transaction(till.db) as connection:
            upsert_variants(connection, demo_variants(), till.clock.now())
        till.open_shift("Alice", Decimal("100.00"))
    finally:
        till.close()
    return path


def open_till(config_path: Path) -> Till:
    return Till.open(config_module.load(config_path), write=False)


def price_of(till: Till, sku: str) -> Decimal:
    return from_cents(till.connection.execute("SELECT price FROM variant WHERE sku = ?", (sku,)).fetchone()[0])


def outbox_status(till: Till, journal_seq: int) -> str:
    return str(till.connection.execute("SELECT status FROM outbox WHERE journal_seq = ?", (journal_seq,)).fetchone()[0])


def test_the_example_runs_on_a_demo_box_and_the_summary_is_the_journal(tmp_path: Path) -> None:
    data, receipts = tmp_path / "box", tmp_path / "receipts.txt"
    result = replay(tmp_path, EXAMPLE, "--demo", "--data", str(data), "--json", "--receipts", str(receipts))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary: dict[str, Any] = json.loads(result.stdout)
    assert summary["ok"] is True and summary["failure"] is None
    assert summary["ran"] == summary["actions"] == 30
    till = open_till(data / "config.toml")
    try:
        assert [sale["number"] for sale in summary["sales"]] == list(range(1, till.last_sale_number() + 1)) == [1, 2]
        for record in summary["sales"]:
            stored = till.find_sale(number=record["number"])
            assert stored is not None
            sale = stored.sale
            assert (record["uuid"], record["kind"], record["lines"]) == (sale.uuid, "sale", len(sale.lines))
            assert (Decimal(record["total"]), Decimal(record["change"])) == (
                from_cents(sale.total),
                from_cents(sale.change),
            )
            assert record["payments"] == [
                {"method": p.method, "amount": str(from_cents(p.amount)), "tendered": str(from_cents(p.tendered))}
                for p in sale.payments
            ]
            assert record["sync"] == outbox_status(till, stored.journal_seq) == "done"  # wait-sync waited for it
            assert record["synced"] is True
        assert Decimal(summary["total"]) == sum(Decimal(sale["total"]) for sale in summary["sales"])
        first = till.find_sale(number=1).sale  # type: ignore[union-attr]
        assert [(line.sku, line.quantity) for line in first.lines if not line.weight_g] == [(FLOUR, 2), (PASTA, 3)]
        assert [(line.name, line.weight_g) for line in first.lines if line.weight_g] == [("Apples Gala", 734)]
        assert (first.total, first.tendered) == (5324, 6000)
        second = till.find_sale(number=2).sale  # type: ignore[union-attr]
        assert [(p.method, p.amount) for p in second.payments] == [("cash", 500), ("card", second.total - 500)]
        assert first.cashier == second.cashier == "Chloé"  # who logged in on the PIN screen
    finally:
        till.close()
    assert summary["receipts"] == 1  # sale 1's, asked for; sale 2 went without
    text = receipts.read_text(encoding="utf-8")
    assert "Till 1  No 1 " in text and "S00000001" in text  # the sale's number, in words and as the barcode's data
    assert "0,734 kg × 9,80 €/kg" in text and "53,24 €" in text
    assert "No 2" not in text
    logged = (tmp_path / "logs" / "replay.log").read_text(encoding="utf-8")
    assert "replay line 6 done: type (a PIN, not logged)" in logged and "type 1111" not in logged


def test_a_failed_expect_total_names_the_line_and_stops_there(tmp_path: Path) -> None:
    config = store_config(tmp_path)
    script = f"scan {FLOUR}\nexpect-screen Flour T65\n\n# what the cashier saw\nexpect-total 12.34\nkey plus\nkey enter"
    result = replay(tmp_path, script, "--config", str(config), "--json")
    till = open_till(config)
    try:
        flour = price_of(till, FLOUR)
        assert result.returncode == 1, result.stderr
        assert f"line 5: expect-total 12.34: the sale in progress totals {flour}, not 12.34" in result.stderr
        assert "Traceback" not in result.stderr
        summary = json.loads(result.stdout)
        assert summary["ok"] is False and summary["ran"] == 2 and summary["actions"] == 5
        assert summary["failure"]["line"] == 5 and summary["failure"]["text"] == "expect-total 12.34"
        assert summary["sales"] == [] and till.last_sale_number() == 0  # the lines after it (pay) never ran
    finally:
        till.close()


def test_an_unknown_action_is_refused_before_anything_runs(tmp_path: Path) -> None:
    config = store_config(tmp_path)
    script = f"scan {FLOUR}\nkey plus\nkey enter\nkee plus\n"
    result = replay(tmp_path, script, "--config", str(config))
    assert result.returncode == 3
    assert "line 4: kee plus: unknown action 'kee'" in result.stderr and "nothing was run" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    till = open_till(config)
    try:
        assert till.last_sale_number() == 0  # the sale of lines 1-3 was never made
    finally:
        till.close()


def test_weigh_needs_the_demo_s_simulated_scale(tmp_path: Path) -> None:
    config = store_config(tmp_path)
    result = replay(tmp_path, "type 1\nkey enter\nweigh 734\n", "--config", str(config))
    assert result.returncode == 3
    assert "line 3: weigh 734: there is no simulated scale" in result.stderr


def test_wait_sync_without_a_sync_daemon_fails_with_what_waits(tmp_path: Path) -> None:
    config = store_config(tmp_path)
    result = replay(tmp_path, f"scan {PASTA}\nkey plus\nkey enter\nwait-sync 1\n", "--config", str(config), "--json")
    assert result.returncode == 1
    assert "line 4: wait-sync 1: 1 sale still waits after 1 s" in result.stderr
    assert "sync daemon running" in result.stderr
    (sale,) = json.loads(result.stdout)["sales"]
    assert (sale["number"], sale["synced"], sale["sync"]) == (1, False, "pending")


def test_a_real_store_needs_real_and_its_receipts_are_what_the_printer_printed(tmp_path: Path) -> None:
    printer = PrinterTwin()
    with TcpPrinter(printer) as wire:
        extra = f'\n[devices.printer]\nenabled = true\nurl = "{wire.url}"\ncolumns = 42\n'
        config = store_config(tmp_path, training=False, extra=extra)
        script = f"scan {FLOUR}\nkey plus\nkey enter\nexpect-screen No change to give\nkey plus\n"
        refused = replay(tmp_path, script, "--config", str(config))
        assert refused.returncode == 3
        assert "real store" in refused.stderr and "--real" in refused.stderr
        receipts = tmp_path / "receipts.txt"
        result = replay(tmp_path, script, "--config", str(config), "--real", "--receipts", str(receipts))
        assert result.returncode == 0, result.stderr
        assert "Warning: replaying on Till 1's real store" in result.stderr
        paper = printer.printout().pieces()
    till = open_till(config)
    try:
        assert till.last_sale_number() == 1  # the refused run sold nothing; the --real one sold once
    finally:
        till.close()
    assert len(paper) == 1
    assert receipts.read_text(encoding="utf-8") == "\n".join(paper[0]).rstrip() + "\n" + "-" * 42 + "\n"
    assert "Till 1  No 1 " in receipts.read_text(encoding="utf-8")


def test_typing_is_typing_even_where_the_keyboard_doubles_as_the_scanner(tmp_path: Path) -> None:
    """Keys 100 ms apart or closer, then Enter, would be a scan from this keyboard-scanner; in a replay
    they are the cash the customer handed over."""
    config = store_config(tmp_path, extra="\n[counter]\nkeyboard_scanner = true\nscan_gap_ms = 100\n")
    script = f"scan {FLOUR}\nkey plus\ntype 100.00\nkey enter\nexpect-screen CHANGE\n"
    result = replay(tmp_path, script, "--config", str(config), "--json")
    assert result.returncode == 0, result.stderr
    (sale,) = json.loads(result.stdout)["sales"]
    assert sale["payments"][0]["tendered"] == "100.00"
