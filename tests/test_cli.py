"""The command line, used over SSH: reports, shifts, export, and clear errors without tracebacks."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import click
import pytest

from appliance.cli.main import cli, main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_shift_from_open_to_z_on_the_command_line(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ["--config", str(config_file)]
    assert (
        run(capsys, "simulate", *cfg, "--sales", "12", "--seed", "3", "--start", "2026-03-02T09:00", "--leave-open")[0]
        == 0
    )
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


def test_leave_open_leaves_a_shift_open_even_when_the_last_sale_fills_it(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A run that ends exactly on a full shift keeps it open for what comes next (a hand-over, a sale)."""
    cfg = ["--config", str(config_file), "--start", "2026-03-02T09:00", "--shift-size", "5"]
    assert run(capsys, "simulate", *cfg, "--sales", "5", "--seed", "4", "--leave-open")[0] == 0
    code, out, _ = run(capsys, "report", "x", "--config", str(config_file), "--json")
    assert code == 0 and json.loads(out)["totals"]["sales_count"] + json.loads(out)["totals"]["returns_count"] == 5
    assert run(capsys, "simulate", *cfg, "--sales", "5", "--seed", "4", "--leave-open")[0] == 0
    code, out, _ = run(capsys, "report", "x", "--config", str(config_file), "--json")
    x = json.loads(out)
    assert code == 0 and x["shift_id"] == 2 and x["totals"]["sales_count"] + x["totals"]["returns_count"] == 5


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


def test_an_internal_error_is_logged_not_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import appliance.cli.report as cli_module

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
        """Every command, including those other layers add through entry points."""
        context = click.Context(group)
        for name in group.list_commands(context):
            command = group.get_command(context, name)
            full = f"{prefix} {name}".strip()
            assert command.help or command.short_help or command.callback.__doc__, full
            if hasattr(command, "commands"):
                yield from walk(command, full)
            else:
                yield full

    for full in walk(cli, ""):
        assert f"ofn-checkout {full}" in docs + readme, full


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["shift", "open", "--float", "99999999", "--cashier", "A"], 2, "too large"),
        (["shift", "open", "--float", "1e3", "--cashier", "A"], 2, "is not an amount"),
        (["shift", "open", "--float", "10", "--cashier", "Ren\udce9"], 2, "not valid UTF-8"),
        (["receipt", "show", "99999999999999999999"], 2, "99999999999999999999"),
        (["journal", "export", "--from", "0001-01-01", "--to", "9999-12-31"], 2, "between 2000-01-01 and 2999-12-31"),
        (["report", "z", "--shift", "1", "--counted", "10"], 2, "not both"),
        (
            ["journal", "export", "--from", "2026-03-02", "--to", "2026-03-02", "--out", "/nonexistent/dir/x.csv"],
            3,
            "/nonexistent/dir/x.csv",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message(
    config_file: Path, capsys: pytest.CaptureFixture[str], args: list[str], code: int, message: str
) -> None:
    run(capsys, "store", "init", "--config", str(config_file))
    result, out, err = run(capsys, *args, "--config", str(config_file))
    assert result == code and message in err + out and "Traceback" not in err + out


def test_no_command_but_store_init_creates_a_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "tll.db"
    code, _, err = run(capsys, "shift", "open", "--db", str(typo), "--float", "10", "--cashier", "A")
    assert code == 3 and "No database at" in err and not typo.exists()
    code, out, _ = run(capsys, "store", "init", "--db", str(typo))
    assert code == 0 and "back it up" in out and typo.exists() and (tmp_path / "journal.key").exists()
    code, _, err = run(capsys, "store", "init", "--db", str(typo))
    assert code == 3 and "already exists" in err


def test_a_damaged_database_fails_verification_cleanly(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "simulate", "--config", str(config_file), "--sales", "30", "--start", "2026-03-02T09:00")
    db = tmp_path / "till.db"
    data = bytearray(db.read_bytes())
    data[4096 * 3 : 4096 * 3 + 2000] = b"\xff" * 2000
    db.write_bytes(bytes(data))
    for leftover in (tmp_path / "till.db-wal", tmp_path / "till.db-shm"):
        leftover.unlink(missing_ok=True)
    code, out, err = run(capsys, "journal", "verify", "--config", str(config_file))
    assert code == 1 and "NOT OK" in out and "Traceback" not in out + err


def test_an_unwritable_log_location_is_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the log directory should be")
    monkeypatch.setenv("OFN_CHECKOUT_LOG_DIR", str(blocked))
    code, out, err = run(capsys, "config", "check", "--config", str(tmp_path / "missing.toml"))
    assert code == 1 and "file not found" in out and "Traceback" not in out + err


def test_a_bad_time_zone_is_a_config_problem(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config_file.write_text(config_file.read_text().replace('timezone = "Europe/Paris"', 'timezone = "Europe"'))
    code, out, _ = run(capsys, "config", "check", "--config", str(config_file))
    assert code == 1 and "locale.timezone = 'Europe': must be a time zone" in out


def test_database_errors_are_explained(config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    from appliance.cli.options import database_problem

    assert "disk is full" in database_problem(sqlite3.OperationalError("database or disk is full"))
    assert "busy" in database_problem(sqlite3.OperationalError("database is locked"))
    assert "read-only" in database_problem(sqlite3.OperationalError("attempt to write a readonly database"))
    assert "damaged" in database_problem(sqlite3.DatabaseError("database disk image is malformed"))


def test_a_command_runs_with_the_cyclic_collector_on_though_its_loading_had_it_paused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The collector is paused while a command is resolved and imported (what that builds lives as
    long as the process), and collects again before the command runs: a long-running one (the sync
    daemon) must not pile up cyclic garbage. And main() leaves it as it found it."""
    import gc

    from appliance.cli import main as main_module

    seen: dict[str, bool] = {}

    @click.command("collector-probe")
    def probe() -> None:
        seen["running"] = gc.isenabled()

    resolve = main_module.PluginGroup.get_command

    def get_command(self: main_module.PluginGroup, ctx: click.Context, name: str) -> click.Command | None:
        seen["loading"] = gc.isenabled()
        return probe if name == "collector-probe" else resolve(self, ctx, name)

    monkeypatch.setattr(main_module.PluginGroup, "get_command", get_command)
    assert gc.isenabled()
    assert main(["collector-probe"]) == 0
    assert seen == {"loading": False, "running": True}
    assert gc.isenabled()


#: What the console script's start must not read (a subprocess: the tests' own process has it).
NO_METADATA_AT_START = """
import sys

from appliance.store.schema_audit import expected_objects, known_migrations
from tui.command import main

try:
    main(["run", "--help"])
except SystemExit:
    pass
expected_objects(known_migrations())
sys.exit("importlib.metadata was imported" if "importlib.metadata" in sys.modules else 0)
"""


def test_run_and_the_schema_check_read_no_install_metadata() -> None:
    """``ofn-checkout`` (tui/command.py) finds ``run`` without scanning the entry points, and the
    expected schema is built without sqlite-utils' plugins: reading every installed distribution's
    metadata cost the counter's start ~20 ms (docs/benchmarks.md)."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", NO_METADATA_AT_START], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "The counter screen" in result.stdout


#: ``run``'s command lines, and whether the console script reads them itself (else click does).
RUN_LINES = [
    (["run"], True),
    (["run", "--kiosk", "--config", "/etc/ofn-checkout/config.toml"], True),  # the kiosk's systemd unit
    (["run", "--config=/tmp/till config.toml", "--cashier", "Bo Li"], True),
    (["run", "--cashier=Alice", "--kiosk"], True),
    (["run", "--help"], False),
    (["run", "--kiosk", "--kiosk"], False),
    (["run", "--cashier", "Bo", "--cashier", "Al"], False),
    (["run", "--config"], False),
    (["run", "--cashier", "-x"], False),
    (["run", "--cashier="], False),
    (["run", "--verbose"], False),
    (["run", "extra"], False),
    (["run", "--"], False),
    (["--version", "run"], False),
]


@pytest.mark.parametrize(("line", "read_here"), RUN_LINES, ids=[" ".join(line) for line, _ in RUN_LINES])
def test_the_console_script_reads_run_as_click_does_or_leaves_it_to_click(line: list[str], read_here: bool) -> None:
    """tui/command.py reads the kiosk's command line without click: what it reads, click reads as
    the same values; anything but the plain forms is left to click (its answers, its messages)."""
    from tui.command import counter_options
    from tui.run import run as run_command

    options = counter_options(line)
    if not read_here:
        assert options is None
        return
    assert options == run_command.make_context("run", line[1:]).params


CLICK_FREE_START = """
import sys

from tui.command import main

code = main(["run", "--config", sys.argv[1]])
loaded = sorted(name for name in ("click", "sqlite_utils") if name in sys.modules)
sys.exit(f"loaded {loaded}" if loaded else code)
"""


def test_the_kiosk_command_line_starts_the_counter_without_click(tmp_path: Path) -> None:
    """``run --config …`` goes as far as reading the config (missing here: exit 3, said in one line,
    as the root command says it) with the counter's modules imported, and neither click nor the
    migration library."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    missing = tmp_path / "missing.toml"
    result = subprocess.run(
        [sys.executable, "-c", CLICK_FREE_START, str(missing)], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 3, result.stderr[-2000:]
    assert "Error:" in result.stderr and str(missing) in result.stderr and "Traceback" not in result.stderr


def test_a_known_command_that_cannot_load_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    """A command the console script names (tui/command.py) fails as an entry point's would: one
    line that says to reinstall, the other commands unharmed."""
    assert main(["run"], known={"run": "tui.no_such_module:run"}) == 70
    assert "not installed correctly" in capsys.readouterr().err
