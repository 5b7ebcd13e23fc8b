"""`ofn-checkout support-bundle`: what support needs in one archive, and no secret in it, whatever
the box's logs hold."""

from __future__ import annotations

import gzip
import io
import json
import stat
import tarfile
from pathlib import Path

import pytest

from appliance import config as config_module
from appliance.cli.main import main
from appliance.store.keys import read_key_file

from .ofn_sandbox import Box


def members(archive: Path) -> dict[str, str]:
    with tarfile.open(archive) as tar:
        return {
            info.name.split("/", 1)[1]: tar.extractfile(info).read().decode()  # type: ignore[union-attr]
            for info in tar.getmembers()
        }


def test_the_bundle_holds_what_support_needs_and_no_secret(
    box: Box, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    box.sell(5, seed=3)
    config = config_module.load(box.config_path)
    api_key = box.sandbox.api_key
    journal_key = read_key_file(config.key_file_for(config.store_path)).key.hex()
    logs = tmp_path / "logs"  # where the tests' commands log (conftest)
    logs.mkdir(exist_ok=True)
    with (logs / "cli.log").open("a") as log:  # a key pasted into a log by mistake
        log.write(f"2026-03-02 INFO someone typed {api_key} and {journal_key.upper()} here\n")
    output = tmp_path / "bundle.tar.gz"

    assert main(["support-bundle", "--config", str(box.config_path), "--output", str(output)]) == 0
    assert "no secrets" in capsys.readouterr().out
    assert stat.S_IMODE(output.stat().st_mode) == 0o600

    files = members(output)
    assert {"README.txt", "versions.txt", "config.toml", "doctor.txt", "journal-verify.txt", "store.json"} <= set(files)
    assert files["config.toml"].endswith(box.config_path.read_text())
    assert "ofn-checkout 0.1.0" in files["versions.txt"]
    assert "OK    ofn" in files["doctor.txt"]
    assert "journal OK" in files["journal-verify.txt"]
    figures = json.loads(files["store.json"])
    assert figures["rows"]["outbox"] >= 5 and figures["journal"]["entries"] >= 6
    assert figures["files"]["box.db-wal"] is not None
    assert {row["status"] for row in figures["outbox"]} <= {"pending", "done", "attention"}
    assert figures["sync"]["state"] == "online"
    assert "[REDACTED]" in files["logs/logs/cli.log"]

    everything = gzip.decompress(output.read_bytes())
    for secret in (api_key, journal_key, journal_key.upper()):
        assert secret.encode() not in everything
    assert not any(secret in text for text in files.values() for secret in (api_key, journal_key))


def test_a_bundle_is_made_even_when_the_config_and_store_are_broken(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[ofn]\nbase_url = 'nope'\n")
    output = tmp_path / "bundle.tar.gz"
    assert main(["support-bundle", "--config", str(config), "--output", str(output)]) == 0
    files = members(output)
    assert "nope" in files["config.toml"]
    assert "FAIL  config" in files["doctor.txt"]
    assert "cannot verify" in files["journal-verify.txt"] or "NOT OK" in files["journal-verify.txt"]


def test_an_unwritable_output_is_one_line_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    output = tmp_path / "missing-dir" / "bundle.tar.gz"
    assert main(["support-bundle", "--output", str(output)]) == 3
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err


def test_the_archive_is_one_tar_with_a_top_directory(tmp_path: Path) -> None:
    output = tmp_path / "b.tar.gz"
    assert main(["support-bundle", "--output", str(output)]) == 0
    with tarfile.open(fileobj=io.BytesIO(output.read_bytes())) as tar:
        assert {name.split("/")[0] for name in tar.getnames()} == {"b"}
