"""The rules every command opens a store by: who may set one up, read-only opening, schema levels,
training stores, and what a read-only or full disk says."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from appliance.cli.main import main
from appliance.config import Config
from appliance.store import journal as journal_store
from appliance.store.database import write_transaction
from appliance.store.keys import create_key, read_key_file
from appliance.store.schema import migrations
from appliance.store.schema_audit import known_migrations
from appliance.till import Till

TRAINING = "*** TRAINING — NOT FISCAL ***"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.out + captured.err
    return code, captured.out + captured.err


def content(db: Path) -> list[str]:
    with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as connection:
        return list(connection.iterdump())


# -- setting up ---------------------------------------------------------------------------------


def test_store_init_binds_a_new_key_to_the_new_store(config_file: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    code, out = run(capsys, "store", "init", "--config", str(config_file))
    assert code == 0 and "created" in out
    key = read_key_file(tmp_path / "journal.key")
    with closing(sqlite3.connect(tmp_path / "till.db")) as connection:
        (payload,) = connection.execute("SELECT payload FROM journal WHERE seq = 1").fetchone()
        info = connection.execute("SELECT store_id, training FROM store_info").fetchone()
    assert key.store_id is not None and json.loads(payload)["store_id"] == key.store_id
    assert info == (key.store_id, 0)
    assert (tmp_path / "journal.head").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing temporary left


def test_store_init_refuses_a_key_that_belongs_to_a_store(config_file: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert run(capsys, "store", "init", "--config", str(config_file))[0] == 0
    assert run(capsys, "shift", "open", "--config", str(config_file), "--float", "10", "--cashier", "Bo")[0] == 0
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp_path / 'till.db'}{suffix}").unlink(missing_ok=True)
    code, out = run(capsys, "store", "init", "--config", str(config_file))
    assert code == 3 and "already belongs to a store" in out and "nothing was written" in out
    assert not (tmp_path / "till.db").exists()


def test_store_init_finishes_a_set_up_interrupted_before_the_store_was_in_place(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The key is written first; a crash before the database is linked into place leaves a key with
    an identity and no witness: running store init again finishes the set-up with that key."""
    create_key(tmp_path / "journal.key", "ab" * 16)
    assert run(capsys, "store", "init", "--config", str(config_file))[0] == 0
    assert read_key_file(tmp_path / "journal.key").store_id == "ab" * 16
    assert run(capsys, "journal", "verify", "--config", str(config_file))[0] == 0


def test_a_set_up_killed_before_linking_its_store_is_finished_by_the_next(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The last step links the database into place after its witness (entry 1) is on disk: a key and
    a witness of entry 1 without a store is a set-up to finish, told as such, never "emptied"."""
    assert run(capsys, "store", "init", "--config", str(config_file))[0] == 0
    (tmp_path / "till.db").unlink()
    code, out = run(capsys, "report", "x", "--config", str(config_file))
    assert code == 3 and "did not finish; run it again" in out
    assert run(capsys, "journal", "verify", "--config", str(config_file))[0] == 3
    assert run(capsys, "store", "init", "--config", str(config_file))[0] == 0
    assert run(capsys, "journal", "verify", "--config", str(config_file))[0] == 0


def test_a_key_without_an_identity_sets_up_no_new_store(config_file: Path, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    create_key(tmp_path / "journal.key")  # an older version's key: its store is somewhere
    code, out = run(capsys, "store", "init", "--config", str(config_file))
    assert code == 3 and "already belongs to a store" in out and not (tmp_path / "till.db").exists()


def test_the_anchor_row_only_moves_onto_the_last_entry(till: Till) -> None:
    raw = sqlite3.connect(till.db.conn.execute("PRAGMA database_list").fetchone()[2], isolation_level=None)
    with closing(raw):
        with pytest.raises(sqlite3.IntegrityError, match="only moves forward"):
            raw.execute("UPDATE journal_anchor SET seq = 1, hash = (SELECT hash FROM journal WHERE seq = 1)")
        with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
            raw.execute("DELETE FROM journal_anchor")
        with pytest.raises(sqlite3.IntegrityError, match="last entry only"):
            raw.execute("INSERT INTO journal_anchor VALUES (2, 1, (SELECT hash FROM journal WHERE seq = 1), 'x')")


# -- schema levels ------------------------------------------------------------------------------


def legacy_store(path: Path) -> None:
    """A store as the previous version set it up: migrations 1 to 5, a key without identity, no witness."""
    with closing(sqlite3.connect(path)) as connection:
        db = Database(connection)
        connection.execute("PRAGMA journal_mode = WAL")
        migrations.apply(db, stop_before="m006_store_identity")
        key = create_key(path.parent / "journal.key")
        now = datetime(2026, 3, 2, 8, tzinfo=UTC)
        with write_transaction(db) as c:
            c.execute("INSERT INTO store_info (lane_id, created_at) VALUES (1, '2026-03-02T08:00:00.000000Z')")
            journal_store.append(c, key, 1, "store_created", "1", {"lane_id": 1, "software": "0.1.0"}, now)


def test_a_store_of_the_previous_version_is_read_as_it_is_and_migrated_by_a_write(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "till.db"
    legacy_store(db)
    code, out = run(capsys, "journal", "verify", "--config", str(config_file))
    assert code == 0 and "journal OK: 1 entry verified" in out and "head witness" in out  # read-only: still level 5
    assert len(content(db)) and "m006_store_identity" not in "".join(content(db))
    assert run(capsys, "shift", "open", "--config", str(config_file), "--float", "50", "--cashier", "Bo")[0] == 0
    assert "m006_store_identity" in "".join(content(db))
    code, out = run(capsys, "journal", "verify", "--config", str(config_file))
    assert code == 0 and "journal OK" in out and "warning" not in out


def test_a_store_from_a_newer_version_is_refused_with_both_levels(
    till: Till, config: Config, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with closing(sqlite3.connect(config.store_path, isolation_level=None)) as connection:
        connection.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('ofn-checkout', 'm099_future', 'x')"
        )
    ours = f"this version knows level {len(known_migrations())}, {known_migrations()[-1]}"
    for command in (("report", "x"), ("shift", "cash-in", "--amount", "1", "--reason", "r", "--cashier", "B")):
        code, out = run(capsys, *command, "--config", str(config_file))
        assert code == 3 and "newer version" in out and "m099_future" in out and ours in out
    code, out = run(capsys, "journal", "verify", "--config", str(config_file))
    assert code == 3 and "newer version" in out


def test_statistics_from_analyze_are_not_a_schema_change(till: Till, config_file: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    till.connection.execute("ANALYZE")
    till.connection.commit()
    assert run(capsys, "journal", "verify", "--config", str(config_file))[0] == 0


def test_an_index_added_by_hand_is_named(till: Till, config: Config, config_file: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with closing(sqlite3.connect(config.store_path, isolation_level=None)) as connection:
        connection.execute("CREATE INDEX my_index ON journal (kind)")
    code, out = run(capsys, "journal", "verify", "--config", str(config_file))
    assert code == 1 and "indexes were added: my_index" in out


# -- training stores ----------------------------------------------------------------------------


def test_simulate_on_a_new_path_sets_up_a_training_store_that_says_so(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = ("--config", str(config_file))
    assert run(capsys, "simulate", *cfg, "--sales", "5", "--start", "2026-03-02T09:00", "--leave-open")[0] == 0
    code, out = run(capsys, "report", "x", *cfg)
    assert code == 0 and out.splitlines()[0].strip() == TRAINING
    assert json.loads(run(capsys, "report", "x", *cfg, "--json")[1])["training"] is True
    code, out = run(capsys, "receipt", "show", "1", *cfg)
    assert code == 0 and out.count(TRAINING) == 2  # first and last line of the receipt
    code, out = run(capsys, "receipt", "reprint", "1", *cfg, "--cashier", "Bo")
    assert code == 0 and out.count(TRAINING) == 2
    code, out = run(capsys, "report", "z", *cfg, "--counted", "0")
    assert code == 0 and TRAINING in out
    code, out = run(capsys, "report", "closures", *cfg)
    assert code == 0 and all(TRAINING in text for text in out.split("\n\n") if text.strip())


def test_simulate_never_writes_to_a_lane_s_real_store(
    config_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = ("--config", str(config_file))
    assert run(capsys, "store", "init", *cfg)[0] == 0
    before = content(tmp_path / "till.db")
    code, out = run(capsys, "simulate", *cfg, "--sales", "3")
    assert code == 3 and "is a lane's real store" in out and "nothing was written" in out
    assert content(tmp_path / "till.db") == before
    assert "TRAINING" not in run(capsys, "report", "closures", *cfg)[1]


def test_simulate_fills_a_store_set_up_for_training(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = ("--config", str(config_file))
    assert run(capsys, "store", "init", "--training", *cfg)[0] == 0
    assert run(capsys, "simulate", *cfg, "--sales", "3", "--leave-open")[0] == 0
    x = json.loads(run(capsys, "report", "x", *cfg, "--json")[1])
    assert x["training"] is True and x["totals"]["sales_count"] + x["totals"]["returns_count"] == 3


def test_a_simulated_day_until_now_comes_before_the_reports(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One clock for the simulated day: set-up, shift and sales all come before the real time at
    which the reports are printed."""
    cfg = ("--config", str(config_file))
    started = datetime.now(UTC)
    assert run(capsys, "simulate", *cfg, "--sales", "40", "--pace", "600", "--until-now", "--leave-open")[0] == 0
    x = json.loads(run(capsys, "report", "x", *cfg, "--json")[1])
    assert x["totals"]["sales_count"] + x["totals"]["returns_count"] == 40
    with closing(sqlite3.connect(config_file.parent / "till.db")) as connection:
        first, last = connection.execute("SELECT min(created_at), max(created_at) FROM journal").fetchone()
    assert x["opened_at"] >= first and last <= x["printed_at"]
    assert datetime.fromisoformat(last) <= started  # the day ended when the run began, not later


# -- read-only opening and a disk that cannot take a write --------------------------------------


def mount_tmpfs(mount: Path, size: str) -> bool:
    """A small file system of its own (needs root); False where it cannot be had."""
    mount.mkdir()
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mount)]).returncode == 0


@pytest.fixture
def archive(till: Till, config: Config, tmp_path: Path) -> Iterator[Path]:
    """A copy of the store and its key on read-only media: a file system remounted read-only (root),
    or else a directory and files without write permission (which root would write through)."""
    media = tmp_path / "media"
    mounted = mount_tmpfs(media, "8m")
    with closing(sqlite3.connect(media / "till.db")) as target:
        till.connection.backup(target)
    for name in ("journal.key", "journal.head"):
        shutil.copy(config.store_path.parent / name, media / name)
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(media)], check=True)
    else:
        for path in media.iterdir():
            path.chmod(0o444)
        media.chmod(0o555)
    try:
        yield media
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(media)], check=True)
        else:
            media.chmod(0o755)


def test_read_only_commands_read_an_archive_on_read_only_media(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = ("--db", str(archive / "till.db"))
    code, out = run(capsys, "journal", "verify", *db)
    assert code == 0 and "journal OK" in out, out
    assert run(capsys, "report", "x", *db)[0] == 0
    code, out = run(capsys, "journal", "export", *db, "--from", "2026-03-02", "--to", "2026-03-02")
    assert code == 0 and "record," in out
    code, out = run(capsys, "receipt", "show", "1", *db)
    assert code == 3 and "no sale number 1" in out, out  # opened read-only, and found no sale 1
    code, out = run(capsys, "shift", "cash-in", *db, "--amount", "1", "--reason", "r", "--cashier", "B")
    assert code == 3 and "is read-only" in out and "not a usable" not in out, out
    assert sorted(p.name for p in archive.iterdir()) == ["journal.head", "journal.key", "till.db"]


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB file system of its own (tmpfs), to fill up: needs root to mount."""
    mount = tmp_path / "disk"
    if not mount_tmpfs(mount, "2m"):
        pytest.skip("mounting a small file system needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(directory: Path) -> None:
    with open(directory / "filler", "wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError:
            pass


def test_a_full_disk_says_so_and_leaves_the_last_export_whole(
    till: Till, config_file: Path, tiny_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = ("--config", str(config_file))
    export = (
        "journal",
        "export",
        *cfg,
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-02",
        "--out",
        str(tiny_disk / "x.csv"),
    )
    assert run(capsys, *export)[0] == 0
    previous = (tiny_disk / "x.csv").read_bytes()
    fill(tiny_disk)
    code, out = run(capsys, *export)
    assert code == 3 and "the disk is full" in out
    assert (tiny_disk / "x.csv").read_bytes() == previous
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["filler", "x.csv"]


def test_a_full_disk_under_the_store_says_so(config: Config, tiny_disk: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    db = ("--db", str(tiny_disk / "till.db"))
    assert run(capsys, "store", "init", *db)[0] == 0
    fill(tiny_disk)
    code, out = run(capsys, "shift", "open", *db, "--float", "10", "--cashier", "Bo")
    assert code == 3 and "the disk is full" in out and "not a usable" not in out
