"""The command line, used over SSH: reports, shifts, export, and clear errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from appliance.cli import cli, main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_shift_from_open_to_z_on_the_command_line(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(config_file)]
    assert run(capsys, "simulate", *cfg, "--sales", "12", "--seed", "3", "--start", "2026-03-02T09:00",
               "--leave-open")[0] == 0
    code, out, _ = run(capsys, "shift", "cash-in", *cfg, "--amount", "20,00", "--reason", "change", "--cashier", "Bo")
    assert code == 0 and "cash in: 20.00" in out
    code, out, _ = run(capsys, "report", "x", *cfg, "--json")
    x = json.loads(out)
    assert x["kind"] == "X" and x["totals"]["sales_count"] + x["totals"]["returns_count"] == 12
    assert x["cash"]["cash_in"] >= 2000
    code, _, err = run(capsys, "report", "z", *cfg)
    assert code == 3 and "give --counted AMOUNT" in err
    code, out, _ = run(capsys, "report", "z", *cfg, "--counted", str(x["cash"]["expected"] / 100), "--json")
    z = json.loads(out)
    assert z["kind"] == "Z" and z["cash"]["difference"] == 0 and z["totals"] == x["totals"]
    code, out, _ = run(capsys, "report", "z", *cfg)
    assert code == 0 and "Z REPORT" in out and "Perpetual grand total" in out
    code, out, _ = run(capsys, "shift", "open", *cfg, "--float", "150", "--cashier", "Bo")
    assert code == 0 and "shift 2 open" in out


def test_export_rows_reconcile_with_the_z_report(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(config_file)]
    run(capsys, "simulate", *cfg, "--sales", "40", "--seed", "9", "--start", "2026-03-02T09:00")
    z = json.loads(run(capsys, "report", "z", *cfg, "--json")[1])
    code, out, err = run(capsys, "journal", "export", *cfg, "--from", "2026-03-02", "--to", "2026-03-02")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and f"{len(rows)} rows exported" in err
    lines = [r for r in rows if r["record"] == "line"]
    payments = [r for r in rows if r["record"] == "payment"]
    cents = lambda value: round(float(value) * 100)  # noqa: E731 - reading CSV text back
    assert sum(cents(r["amount"]) for r in lines) == z["totals"]["total"]
    assert sum(cents(r["payment_amount"]) for r in payments) == z["totals"]["total"]
    for vat in z["totals"]["vat"]:
        mine = [r for r in lines if r["vat_code"] == vat["code"]]
        assert sum(cents(r["vat_amount"]) for r in mine) == vat["vat"]
        assert sum(cents(r["vat_base"]) for r in mine) == vat["base"]
    empty = run(capsys, "journal", "export", *cfg, "--from", "2026-03-03", "--to", "2026-03-04")[1]
    assert empty.strip().count("\n") == 0  # header only


def test_person_errors_are_one_line_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "report", "x", "--db", str(tmp_path / "nowhere.db"))
    assert code == 3 and "No database at" in err and "Traceback" not in err + out
    code, _, err = run(capsys, "shift", "open", "--db", str(tmp_path / "t.db"), "--float", "1.234", "--cashier", "A")
    assert code == 2 and "more than two decimals" in err


def test_an_internal_error_is_logged_not_shown(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import appliance.cli as cli_module

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the secret detail")

    monkeypatch.setattr(cli_module, "open_till", explode)
    code, out, err = run(capsys, "report", "x", "--db", str(tmp_path / "t.db"))
    assert code == 70 and "Internal error" in err and "secret detail" not in err + out
    log = (tmp_path / "logs" / "cli.log").read_text()
    assert "Traceback" in log and "the secret detail" in log


def test_every_command_has_help_and_is_documented() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    docs = "".join(p.read_text(encoding="utf-8") for p in (Path(__file__).resolve().parents[1] / "docs").glob("*.md"))

    def walk(group, prefix):  # type: ignore[no-untyped-def]
        for name, command in group.commands.items():
            full = f"{prefix} {name}".strip()
            assert command.help or command.short_help or command.callback.__doc__, full
            if hasattr(command, "commands"):
                yield from walk(command, full)
            else:
                yield full

    for full in walk(cli, ""):
        assert f"ofn-checkout {full}" in docs + readme, full
