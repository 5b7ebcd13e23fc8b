"""What `config check` refuses beyond the file's own values, what `doctor` says of the store, the key
permission warning said alike everywhere, and the paper witness a printed Z carries."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.config import Config, ConfigError
from appliance.store.keys import permission_warning
from appliance.till import Till


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err and "Internal error" not in captured.err
    return code, captured.out + captured.err


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://hub:secret@openfoodnetwork.org.uk", "must not hold a user name or password"),
        ("https://openfoodnetwork.org.uk/api/v0", "without a path, a query or a fragment"),
        ("https://openfoodnetwork.org.uk?token=x", "without a path, a query or a fragment"),
        ("https://openfoodnetwork.org.uk#top", "without a path, a query or a fragment"),
        ("https://openfoodnetwork.org.uk:99999", "has a bad port"),
        ("https://openfoodnetwork.org.uk:https", "has a bad port"),
        ("https://openfoodnetwork.org.uk:0", "has a bad port"),
    ],
)
def test_a_base_url_is_the_instance_s_address_alone(url: str, reason: str, config_file: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    config_file.write_text(config_file.read_text().replace("http://127.0.0.1:8765", url))
    code, out = run(capsys, "config", "check", "--config", str(config_file))
    assert code == 1 and reason in out
    assert "secret" not in out  # a password in the URL is not shown back


def test_a_good_base_url_with_a_port_is_kept() -> None:
    text = config_module.parse(
        (Path(__file__).resolve().parents[1] / "appliance/data/demo-config.toml")
        .read_text()
        .replace("http://127.0.0.1:8765", "https://ofn.example.org:8443/")
    )
    assert text.ofn_base_url == "https://ofn.example.org:8443"


@pytest.mark.parametrize("currency", ["JPY", "KWD"])
def test_a_currency_without_cents_is_refused_for_now(currency: str, config_file: Path) -> None:
    with pytest.raises(ConfigError, match="only currencies with cents"):
        config_module.parse(config_file.read_text().replace('currency = "EUR"', f'currency = "{currency}"'))


def test_config_check_refuses_empty_key_files_and_directories(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "api.key").write_text("\n")
    (tmp_path / "journal.key").mkdir()
    code, out = run(capsys, "config", "check", "--config", str(config_file))
    assert code == 1 and "2 problems" in out
    assert f"ofn.api_key_file = '{tmp_path / 'api.key'}': the file is empty" in out
    assert f"journal.key_file = '{tmp_path / 'journal.key'}': is a directory, not a key file" in out


def test_the_key_permission_warning_is_the_same_in_config_check_doctor_and_at_use(
    till: Till, config: Config, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = config.key_file_for(config.store_path)
    key.chmod(0o644)
    warning = permission_warning(key, "journal key")
    assert warning == f"journal key {key} can be read by other users (mode 0644): chmod 600 it"
    assert f"warning: {warning}" in run(capsys, "config", "check", "--config", str(config_file))[1]
    assert f"warning: {warning}" in run(capsys, "report", "x", "--config", str(config_file))[1]
    assert warning in run(capsys, "doctor", "--config", str(config_file))[1]
    assert warning in (tmp_path / "logs" / "cli.log").read_text()  # and the log at use, for the services


# -- doctor ---------------------------------------------------------------------------------------


def verdicts(output: str) -> list[tuple[str, str]]:
    return [(line.split()[0], line.split()[1]) for line in output.splitlines() if line[:4] in ("OK  ", "WARN", "FAIL")]


def test_doctor_names_catalogue_tax_categories_missing_from_the_vat_table(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(config.store_path)) as connection, connection:
        connection.execute("UPDATE variant SET tax_category_id = 97 WHERE id = 1100")
        connection.execute("UPDATE variant SET tax_category_id = 98 WHERE id = 1101")
    code, out = run(capsys, "doctor", "--config", str(config_file))
    assert code == 1
    assert "FAIL  vat" in out and "tax categories 97, 98 of the catalogue have no [[vat]]" in out


def test_doctor_keeps_going_without_a_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "doctor", "--db", str(tmp_path / "nowhere" / "till.db"))
    assert code == 1
    names = [name for _, name in verdicts(out)]
    assert names[:3] == ["config", "disk", "store"] and ("FAIL", "config") in verdicts(out)
    assert "file not found" in out and "run `ofn-checkout store init`" in out


def test_doctor_keeps_going_on_an_unreadable_store(
    config: Config, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config.store_path.write_bytes(b"this is not SQLite" * 500)
    code, out = run(capsys, "doctor", "--config", str(config_file))
    assert code == 1 and ("FAIL", "store") in verdicts(out) and "not a usable checkout database" in out
    assert ("OK", "config") in verdicts(out) and len(verdicts(out)) > 3  # and the checks after it ran


def test_doctor_reads_the_store_without_writing_it(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(config.store_path, isolation_level=None)) as connection:
        connection.execute("DROP TRIGGER journal_anchor_no_delete")
    code, out = run(capsys, "doctor", "--config", str(config_file))
    assert code == 1 and "protection triggers were removed: journal_anchor_no_delete" in out


def test_doctor_checks_the_journal_the_last_sync_and_the_version(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(capsys, "doctor", "--config", str(config_file))
    seen = verdicts(out)
    assert ("OK", "journal") in seen and "2 entries verified, the seal holds" in out
    assert ("WARN", "sync") in seen and "no sync pass has reached OFN yet: is the sync service running?" in out
    assert ("OK", "version") in seen and "ofn-checkout 0.1.0" in out
    with closing(sqlite3.connect(config.store_path, isolation_level=None)) as connection:
        triggers = connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _ in triggers:  # someone with write access to the file, who puts the triggers back after
            connection.execute(f"DROP TRIGGER {name}")
        connection.execute("UPDATE journal SET payload = replace(payload, '100', '900') WHERE seq = 2")
        for _, sql in triggers:
            connection.execute(sql)
    code, out = run(capsys, "doctor", "--config", str(config_file))
    assert code == 1 and ("FAIL", "journal") in verdicts(out) and ("OK", "store") in verdicts(out)
    assert "NOT OK after" in out and "`ofn-checkout journal verify`" in out


# -- the paper witness ----------------------------------------------------------------------------


def test_a_printed_z_carries_its_journal_entry_and_chain_hash(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = ("--config", str(config_file))
    code, closed = run(capsys, "report", "z", *cfg, "--counted", "100", "--json")
    z = json.loads(closed)
    with closing(sqlite3.connect(config.store_path)) as connection:
        seq, chain = connection.execute("SELECT seq, hash FROM journal WHERE kind = 'shift_close'").fetchone()
    assert code == 0 and (z["journal_entry"], z["chain_hash"]) == (seq, chain)
    code, text = run(capsys, "report", "z", *cfg)  # the reprint shows the same
    assert code == 0 and f"Journal entry{' ' * (42 - 13 - len(str(seq)))}{seq}" in text
    assert chain[:32] in text and chain[32:] in text
