"""Snapshots of the store: taken while the till sells, verified before the oldest is dropped, put back
without losing a sale. The nightly service is run as systemd would run it."""

from __future__ import annotations

import configparser
import os
import shlex
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.config import Config
from appliance.store import backup as backups
from appliance.store.audit import verify_path
from appliance.store.database import StoreError
from appliance.till import Till

from .test_tampering import attacker, trade

ROOT = Path(__file__).resolve().parents[1]
INSTALLED = "/opt/ofn-checkout/current/bin/ofn-checkout"
BOX_CONFIG = "/etc/ofn-checkout/config.toml"
NOW = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)


def key_path(config: Config) -> Path:
    return config.key_file_for(config.store_path)


def test_a_snapshot_holds_what_verify_needs_for_the_service_user_alone(
    till: Till, config: Config, tmp_path: Path
) -> None:
    trade(till, 3)
    snapshot = backups.take(config.store_path, key_path(config), config.lane_id, tmp_path / "snap")
    assert snapshot.verdict.ok, snapshot.verdict.findings
    assert snapshot.path == tmp_path / "snap"
    assert sorted(p.name for p in snapshot.path.iterdir()) == ["checkout.db", "journal.head", "journal.key"]
    assert stat.S_IMODE(snapshot.path.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in snapshot.path.iterdir())
    # on its own, through the command support staff use on an archive
    assert verify_path(snapshot.database, snapshot.path / "journal.key", config.lane_id).entries == till_entries(till)


def till_entries(till: Till) -> int:
    return int(till.connection.execute("SELECT count(*) FROM journal").fetchone()[0])


def test_a_sale_sealed_while_the_copy_is_made_never_makes_the_snapshot_fail(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The witness is copied before the database: a sale right after the copy moves the live witness
    past the copy's last entry, which must not be in the snapshot's witness."""
    trade(till, 2)
    vacuum = backups._vacuum_into

    def then_a_sale(db_path: Path, target: Path) -> None:
        vacuum(db_path, target)
        trade(till, 1)

    monkeypatch.setattr(backups, "_vacuum_into", then_a_sale)
    snapshot = backups.take(config.store_path, key_path(config), config.lane_id, tmp_path / "snap")
    assert snapshot.verdict.ok, snapshot.verdict.findings
    assert snapshot.verdict.entries == till_entries(till) - 1


def test_rotation_keeps_the_newest_and_drops_the_oldest(till: Till, config: Config, tmp_path: Path) -> None:
    directory = tmp_path / "backups"
    made = []
    for day in range(1, 6):
        trade(till, 1)
        rotation = backups.backup(
            config.store_path, key_path(config), config.lane_id, directory, NOW.replace(day=day), keep=3
        )
        made.append(rotation.snapshot.path)
    assert backups.snapshots(directory) == made[-3:]
    assert rotation.dropped == [made[1]]
    assert not made[0].exists() and not made[1].exists()


def test_a_snapshot_that_does_not_verify_drops_nothing(
    till: Till, config: Config, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "backups"
    for _ in range(2):
        trade(till, 1)
        assert main(["store", "backup", "--config", str(config_file), "--dir", str(directory), "--keep", "2"]) == 0
    good = backups.snapshots(directory)
    assert len(good) == 2
    with attacker(config.store_path) as connection:
        connection.execute("UPDATE journal SET payload = replace(payload, '\"Alice\"', '\"Mallory\"') WHERE seq = 3")
    capsys.readouterr()
    assert main(["store", "backup", "--config", str(config_file), "--dir", str(directory), "--keep", "1"]) == 1
    out = capsys.readouterr().out
    assert "does NOT verify" in out and "nothing dropped" in out
    assert backups.snapshots(directory) == good
    assert len(backups.failed(directory)) == 1


def test_restore_puts_the_snapshot_back_and_keeps_what_it_replaced(
    till: Till, config: Config, config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    trade(till, 2)
    snapshot = backups.take(config.store_path, key_path(config), config.lane_id, tmp_path / "snap").path
    till.close()
    with closing(sqlite3.connect(config.store_path)) as connection:  # what an upgrade's migration might do
        connection.execute("CREATE TABLE from_the_new_version (x)")
        connection.commit()
    capsys.readouterr()
    assert main(["store", "restore", str(snapshot), "--config", str(config_file)]) == 0
    assert "restored" in capsys.readouterr().out
    with closing(sqlite3.connect(config.store_path)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "from_the_new_version" not in tables
    assert main(["journal", "verify", "--config", str(config_file)]) == 0
    aside = list(tmp_path.glob("till.db.replaced-*"))
    assert len(aside) == 1 and (aside[0] / "till.db").exists()


def test_restore_refuses_to_lose_sales_made_after_the_snapshot(till: Till, config: Config, tmp_path: Path) -> None:
    trade(till, 2)
    snapshot = backups.take(config.store_path, key_path(config), config.lane_id, tmp_path / "snap").path
    trade(till, 1)
    before = config.store_path.read_bytes()
    with pytest.raises(StoreError, match="journal entries the snapshot does not"):
        backups.restore(snapshot, config.store_path, key_path(config), config.lane_id, NOW)
    assert config.store_path.read_bytes() == before


def test_restore_refuses_another_store_s_snapshot(till: Till, config: Config, tmp_path: Path) -> None:
    other = Till.create(config, tmp_path / "other" / "till.db")
    other.close()
    snapshot = backups.take(tmp_path / "other" / "till.db", tmp_path / "other" / "journal.key", 1, tmp_path / "s")
    with pytest.raises(StoreError, match="another store"):
        backups.restore(snapshot.path, config.store_path, key_path(config), config.lane_id, NOW)


def unit_command(name: str, config_file: Path) -> list[str]:
    """The unit's ExecStart, with this test's install and config in place of the box's."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "systemd" / name)
    command = unit["Service"]["ExecStart"]
    assert command.startswith(INSTALLED) and BOX_CONFIG in command
    command = command.replace(INSTALLED, str(Path(sys.executable).parent / "ofn-checkout"))
    return shlex.split(command.replace(BOX_CONFIG, str(config_file)))


def test_the_nightly_backup_service_snapshots_verifies_and_keeps_n(
    till: Till, config_file: Path, tmp_path: Path
) -> None:
    config_file.write_text(config_file.read_text() + f'\n[backup]\ndir = "{tmp_path / "nightly"}"\nkeep = 2\n')
    command = unit_command("ofn-checkout-backup.service", config_file)
    env = {**os.environ, "OFN_CHECKOUT_LOG_DIR": str(tmp_path / "logs")}
    for _night in range(3):
        trade(till, 1)
        result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "journal OK" in result.stdout
    kept = backups.snapshots(tmp_path / "nightly")
    assert len(kept) == 2
    for snapshot in kept:
        assert verify_path(snapshot / "checkout.db", snapshot / "journal.key", 1).ok
    newest = kept[-1] / "checkout.db"
    with closing(sqlite3.connect(f"{newest.as_uri()}?mode=ro", uri=True)) as connection:
        assert connection.execute("SELECT count(*) FROM journal").fetchone()[0] == till_entries(till)


def test_the_doctor_says_when_the_last_good_snapshot_is_old_or_one_failed(
    till: Till, config: Config, tmp_path: Path
) -> None:
    from appliance.cli.doctor import _backups

    assert _backups(config, NOW)[0] == "warn"
    trade(till, 1)
    backups.backup(config.store_path, key_path(config), config.lane_id, config.backup_dir, NOW, keep=3)
    assert _backups(config, NOW.replace(day=4))[:2] == ("ok", "backup")
    verdict = _backups(config, NOW.replace(day=9))
    assert verdict[0] == "warn" and "2026-03-02" in verdict[2]
    (config.backup_dir / "checkout-20260303T000000.000000Z.failed").mkdir()
    assert "did not verify" in _backups(config, NOW.replace(day=4))[2]
