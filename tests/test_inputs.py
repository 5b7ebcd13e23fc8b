"""Safe inputs and files: names and reasons, amounts, tendered cash, export cells, modes, logs."""

from __future__ import annotations

import csv
import io
import os
import stat
import string
import tempfile
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli import logs
from appliance.cli.main import main
from appliance.config import Config
from appliance.core import text as text_module
from appliance.core.money import MoneyError, parse_amount
from appliance.core.sale import MAX_CHANGE, Discount, DiscountKind, Sale, SaleError
from appliance.core.text import NAME_MAX, REASON_MAX, TextError, clean_text
from appliance.reports.export import FORMULA_STARTS, safe_cell
from appliance.store.catalogue import upsert_variants
from appliance.store.database import write_transaction
from appliance.till import Till

from .helpers import CASH, item

REFUSED = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


# -- names and reasons --------------------------------------------------------------------------

PLAIN = st.text(st.characters(exclude_categories=tuple(REFUSED)), min_size=1, max_size=NAME_MAX).filter(str.strip)


@given(PLAIN)
def test_plain_text_within_the_limit_is_kept_as_typed(text: str) -> None:
    assert clean_text(text, "A name", NAME_MAX) == text.strip()


@given(PLAIN, st.characters(categories=("Cc", "Cf", "Zl", "Zp")))
def test_a_control_or_invisible_character_anywhere_is_refused(text: str, bad: str) -> None:
    typed = f"x{text[: len(text) // 2]}{bad}{text[len(text) // 2 :]}x"[: NAME_MAX + 3]
    with pytest.raises(TextError, match="control or invisible character"):
        clean_text(typed, "A name", NAME_MAX + 3)


@given(st.text(string.ascii_letters, min_size=NAME_MAX + 1, max_size=NAME_MAX + 50))
def test_a_name_longer_than_a_receipt_line_holds_is_refused(text: str) -> None:
    with pytest.raises(TextError, match=f"at most {NAME_MAX}"):
        clean_text(text, "A name", NAME_MAX)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--cashier", "Bo\x1b[2JZ", "control or invisible character (U+001B"),
        ("--cashier", "Bo\nTOTAL 0,00", "control or invisible character (U+000A"),
        ("--cashier", "Bo\u202eecivres", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("--cashier", "B" * (NAME_MAX + 1), f"at most {NAME_MAX}"),
        ("--reason", "r" * (REASON_MAX + 1), f"at most {REASON_MAX}"),
        ("--reason", "   ", "must not be empty"),
    ],
)
def test_the_command_line_refuses_such_names_and_reasons(
    till: Till, config_file: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, message: str
) -> None:
    args = {"--amount": "5", "--reason": "change", "--cashier": "Bo", option: value}
    code, out = run(capsys, "shift", "cash-in", "--config", str(config_file), *(x for kv in args.items() for x in kv))
    assert code == 2 and message in out


def test_the_till_refuses_them_too(till: Till) -> None:
    """The UI comes to the till without the command line's checks: the till checks again."""
    with pytest.raises(TextError):
        till.move_cash("in", Decimal("5"), "bank\r\nTOTAL", "Alice")
    with pytest.raises(TextError):
        till.new_sale("A" * 100)
    with pytest.raises(SaleError, match="control or invisible"):
        Discount(DiscountKind.PERCENT, Decimal("10"), "member\x07")
    sale = till.new_sale("Alice")
    sale.add(till.item(1100), 1)
    with pytest.raises(SaleError, match="control or invisible"):
        sale.override_price(1, Decimal("1"), "price\u200bmatch")


# -- amounts and tendered cash -------------------------------------------------------------------


@given(st.integers(min_value=0, max_value=999_999_999), st.sampled_from([".", ","]), st.booleans())
def test_a_plain_decimal_reads_exactly(cents: int, separator: str, negative: bool) -> None:
    text = f"{'-' if negative and cents else ''}{cents // 100}{separator}{cents % 100:02d}"
    assert (
        parse_amount(text, allow_negative=True)
        == Decimal(text.replace(",", "."))
        == Decimal(cents if not negative else -cents) / 100
    )


@given(
    st.one_of(
        st.builds(lambda a, b: f"{a}e{b}", st.integers(0, 99), st.integers(-3, 3)),
        st.builds(lambda a, b: f"{a}_{b:03d}", st.integers(1, 99), st.integers(0, 999)),
        st.builds(lambda d: d, st.characters(categories=("Nd",)).filter(lambda c: not c.isascii())),
        st.sampled_from(["-0", "-0.00", "-0,0", "+1", "inf", "NaN", "1.", "1,2,3", "", "  ", "0x10", "1 000"]),
    )
)
def test_anything_but_a_plain_decimal_is_refused(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_amount(text, allow_negative=True)


def test_a_non_ascii_digit_is_refused_though_decimal_reads_it() -> None:
    assert Decimal("\u0663") == 3  # Arabic-Indic three
    with pytest.raises(MoneyError):
        parse_amount("\u0663")


def test_tendered_cash_has_a_cap_on_the_change(till: Till) -> None:
    sale = till.new_sale("Alice")
    sale.add(item(1, "10.00"), 1)
    with pytest.raises(SaleError, match="more than a till gives"):
        sale.tender(CASH, Decimal(10) + Decimal(MAX_CHANGE + 1) / 100)
    sale.tender(CASH, Decimal(10) + Decimal(MAX_CHANGE) / 100)
    assert sale.totals().change == MAX_CHANGE


# -- the accounting export -----------------------------------------------------------------------


@given(st.text(max_size=30))
def test_a_text_cell_is_never_a_formula(text: str) -> None:
    cell = safe_cell(text)
    assert isinstance(cell, str)
    if text.startswith(FORMULA_STARTS):
        assert cell == "'" + text
    else:
        assert cell == text
    assert not cell.startswith(FORMULA_STARTS)


@given(st.one_of(st.integers(), st.decimals(allow_nan=False, allow_infinity=False, places=2), st.none()))
def test_numbers_are_left_alone(value: object) -> None:
    assert safe_cell(value) is value


def test_the_export_neutralises_formulas_and_keeps_amounts_numbers(
    till: Till, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with write_transaction(till.db) as connection:
        upsert_variants(connection, [_variant(till, 1100, '=HYPERLINK("http://evil.example","x")')], till.clock.now())
    sale = till.new_sale("@SUM(A1)")
    sale.add(till.item(1100), 1)
    sale.tender(till.payment("card"), Decimal(sale.totals().total) / 100)
    original = till.complete(sale)
    back = till.new_return(original, "-Bo")
    till.add_return_line(back, original, 1, quantity=1)
    back.tender(till.payment("card"), Decimal(back.totals().total) / 100)
    till.complete(back)
    out = tmp_path / "export.csv"
    code, _ = run(
        capsys,
        "journal",
        "export",
        "--config",
        str(config_file),
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-02",
        "--out",
        str(out),
    )
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert code == 0 and stat.S_IMODE(out.stat().st_mode) == 0o600
    lines = [r for r in rows if r["record"] == "line"]
    assert {r["description"] for r in lines} == {"'" + '=HYPERLINK("http://evil.example","x")'}
    assert {r["cashier"] for r in rows} == {"'@SUM(A1)", "'-Bo"}
    refund = next(r for r in lines if r["sale_kind"] == "return")
    assert refund["amount"].startswith("-") and Decimal(refund["amount"]) < 0  # an amount stays a number
    assert not any(v.startswith(FORMULA_STARTS) for r in rows for k, v in r.items() if k not in _NUMBERS)


_NUMBERS = {
    "unit_price",
    "discount",
    "amount",
    "vat_base",
    "vat_amount",
    "payment_amount",
    "cash_tendered",
    "quantity",
    "weight_g",
}


def _variant(till: Till, variant_id: int, name: str):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from appliance.store.catalogue import get_variant

    variant = get_variant(till.connection, variant_id)
    assert variant is not None
    return replace(variant, name=name)


# -- file modes and logs -------------------------------------------------------------------------


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_its_key_witness_and_logs_are_the_service_user_s_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = os.umask(0o022)  # a permissive shell
    try:
        home = tmp_path / "box" / "lane"
        assert run(capsys, "store", "init", "--db", str(home / "till.db"))[0] == 0
        till_db = home / "till.db"
        assert {p.name: mode(p) for p in home.iterdir()} == {
            "till.db": 0o600,
            "journal.key": 0o600,
            "journal.head": 0o600,
        }
        assert mode(home) == 0o700
        assert run(capsys, "shift", "open", "--db", str(till_db), "--float", "5", "--cashier", "Bo")[0] == 0
        assert mode(tmp_path / "logs" / "cli.log") == 0o600 and mode(tmp_path / "logs") == 0o700
        assert os.umask(0o022) == 0o022  # the command restored the caller's umask
    finally:
        os.umask(old)


def test_the_wal_and_shm_files_take_the_store_s_mode(till: Till, config: Config) -> None:
    for suffix in ("-wal", "-shm"):
        assert mode(Path(f"{config.store_path}{suffix}")) == 0o600


def test_the_services_run_with_the_same_umask() -> None:
    units = (Path(__file__).resolve().parents[1] / "systemd").glob("*.service")
    assert all("\nUMask=0077\n" in unit.read_text() for unit in units)


@pytest.fixture
def shared_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The temp dir the log fallback uses, with the configured and default log dirs unusable."""
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(tempfile, "tempdir", str(shared))
    monkeypatch.setenv("OFN_CHECKOUT_LOG_DIR", str(blocked))
    monkeypatch.setattr(logs, "DEFAULT_DIR", blocked / "logs")
    monkeypatch.setattr(logs, "_installed", None)
    return shared


def test_the_log_fallback_in_the_temp_dir_is_made_private(shared_tmp: Path) -> None:
    path = logs.setup_logging("probe")
    assert path == shared_tmp / f"ofn-checkout-{os.getuid()}" / "probe.log"
    assert mode(path.parent) == 0o700 and mode(path) == 0o600


def test_a_fallback_someone_else_prepared_is_not_used(shared_tmp: Path) -> None:
    target = shared_tmp / "elsewhere"
    target.mkdir()
    (shared_tmp / f"ofn-checkout-{os.getuid()}").symlink_to(target)
    assert logs.setup_logging("probe") is None and list(target.iterdir()) == []
    (shared_tmp / f"ofn-checkout-{os.getuid()}").unlink()
    opened = shared_tmp / f"ofn-checkout-{os.getuid()}"
    opened.mkdir(mode=0o777)
    opened.chmod(0o777)
    assert logs.setup_logging("probe") is None and list(opened.iterdir()) == []


def test_a_log_file_that_is_a_link_is_not_followed(shared_tmp: Path) -> None:
    directory = shared_tmp / f"ofn-checkout-{os.getuid()}"
    directory.mkdir(mode=0o700)
    victim = shared_tmp / "victim"
    victim.write_text("keep me")
    (directory / "probe.log").symlink_to(victim)
    assert logs.setup_logging("probe") is None
    assert victim.read_text() == "keep me"


def test_unicode_categories_refused_are_those_documented() -> None:
    assert text_module._REFUSED_CATEGORIES == REFUSED
    assert unicodedata.category("\u202e") == "Cf" and unicodedata.category("\x1b") == "Cc"


def test_a_discount_or_price_change_reason_is_sealed_as_cleaned_as_every_other_reason() -> None:
    """Surrounding spaces go, as for a cash movement's reason: one rule for what the journal keeps."""
    assert Discount(DiscountKind.AMOUNT, Decimal("1"), "  short date ").reason == "short date"
    sale = Sale(lane_id=1, channel="shop counter", cashier="Alice", started_at=datetime(2026, 3, 2, 9, tzinfo=UTC))
    sale.add(item(1, "2.00"), 1)
    sale.override_price(1, Decimal("1.50"), " bruised  ")
    assert sale.lines[0].override_reason == "bruised"
