"""`ofn-checkout provision` over a real sshd: a box set up, left alone by a second run, checked
without being touched, and upgraded, rolled back when the doctor fails, without a secret leaking.

The box is a prefix root on this machine (the role's ``--root``): no user is created (the service
user is ``daemon``, which exists here), units are enabled offline with ``systemctl --root``, and
nothing is started. Everything else is what a real box gets: the wheel and its wheelhouse copied
over SSH, a virtualenv per version, the config, the key, the udev rules, the store, the doctor run
on the box against the local OFN (the sandbox).
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest

from .ofn_sandbox import Sandbox, box_config, running_sandbox
from .provisioning_kit import (
    BIN,
    PROBE_TABLE,
    ROOT,
    SERVICE_USER,
    UPGRADE_VERSION,
    WHEELHOUSE,
    Laptop,
    Releases,
    Run,
    leaks,
    tree,
)
from .sshd import Sshd, running_sshd

pytestmark = pytest.mark.timeout(900)
#: USB ids of the till's devices, as support staff read them with lsusb: the udev names come from them.
DEVICES = {
    "scanner": {"vendor": "0c2e", "product": "0200", "serial": "A1"},
    "scale": {"vendor": "067b", "product": "2303"},
    "printer": {"vendor": "04b8", "product": "0202"},
}


#: The hub's channel file the box gets (docs/channels.md): its lane's channel takes cash and card.
CHANNELS = """version = 1
[hub]
name = "Provisioned hub"
[channels."pickup point".payment]
methods = ["cash", "card"]
cash_limit = "1000.00"
"""


@dataclass
class Box:
    """A prefix root behind the sshd, and the laptop's files to provision it with."""

    laptop: Laptop
    sshd: Sshd
    sandbox: Sandbox
    root: Path
    config: Path
    key_file: Path
    devices: Path
    channels: Path
    receipt_key: Path

    def provision(
        self, wheel: Path, *extra: str, config: Path | None = None, key_file: Path | None = None, keep: bool = False
    ) -> Run:
        """A run of `provision`; ``keep``: without --config and --key-file (the box keeps its own)."""
        given = [] if keep else ["--config", config or self.config, "--key-file", key_file or self.key_file]
        given += [] if keep else ["--channels", self.channels, "--receipt-key-file", self.receipt_key]
        return self.laptop.run(
            BIN / "ofn-checkout", "provision", f"{self.sshd.user}@127.0.0.1", "--port", str(self.sshd.port),
            "--identity", self.sshd.identity, "--known-hosts", self.sshd.known_hosts, *given,
            "--wheel", wheel, "--wheelhouse", WHEELHOUSE, "--root", self.root, "--service-user", SERVICE_USER,
            "-e", f"@{self.devices}", *extra,
        )  # fmt: skip

    @property
    def current(self) -> str:
        return os.readlink(self.root / "opt/ofn-checkout/current")

    @property
    def store(self) -> Path:
        return self.root / "var/lib/ofn-checkout/checkout.db"

    def tables(self) -> set[str]:
        with closing(sqlite3.connect(f"{self.store.as_uri()}?mode=ro", uri=True)) as connection:
            return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Box]:
    root = tmp_path / "box"
    root.mkdir()
    laptop_files = tmp_path / "laptop"
    laptop_files.mkdir()
    with running_sandbox(tmp_path / "ofn-data") as sandbox, running_sshd(tmp_path / "sshd") as sshd:
        config = box_config(laptop_files, sandbox)
        channels_file = f'channels_file = "{root / "etc/ofn-checkout/channels.toml"}"'
        config.write_text(
            config.read_text()
            .replace(str(laptop_files / "api.key"), str(root / "etc/ofn-checkout/api.key"))
            .replace(str(laptop_files / "box.db"), str(root / "var/lib/ofn-checkout/checkout.db"))
            .replace('channel = "pickup point"', f'channel = "pickup point"\n{channels_file}')
        )
        devices = laptop_files / "devices.json"
        devices.write_text(json.dumps({"ofn_checkout_devices": DEVICES}))
        channels = laptop_files / "channels.toml"
        channels.write_text(CHANNELS)
        receipt_key = laptop_files / "hub-receipt.key"
        receipt_key.write_text(secrets.token_hex(32) + "\n")
        yield Box(
            Laptop(tmp_path / "work"),
            sshd,
            sandbox,
            root,
            config,
            laptop_files / "api.key",
            devices,
            channels,
            receipt_key,
        )


def test_a_box_set_up_over_ssh_then_unchanged_checked_upgraded_and_rolled_back(box: Box, releases: Releases) -> None:
    """One box's life, in the order support staff live it (each step needs the one before)."""
    first = box.provision(releases.current)
    assert first.rc == 0, first.output
    assert first.changed[0] > 0
    assert "the box is set up" in first.output
    assert "OK    ofn" in first.output and "OK    store" in first.output, "the doctor's verdict is shown"

    key = box.root / "etc/ofn-checkout/api.key"
    info = key.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert pwd.getpwuid(info.st_uid).pw_name == SERVICE_USER
    assert key.read_text().strip() == box.sandbox.api_key
    assert (box.root / "etc/ofn-checkout/config.toml").read_text() == box.config.read_text()
    assert box.current == "versions/0.1.0"
    installed = box.root / "opt/ofn-checkout/current/bin/ofn-checkout"
    assert installed.exists() and list((box.root / "opt/ofn-checkout/current/lib").rglob("store/__pycache__/*.pyc"))
    wants = box.root / "etc/systemd/system"
    assert (wants / "multi-user.target.wants/ofn-checkout-sync.service").is_symlink()
    assert (wants / "timers.target.wants/ofn-checkout-backup.timer").is_symlink()
    kiosk = (wants / "multi-user.target.wants/ofn-checkout-kiosk.service").is_symlink()
    assert kiosk == (box.laptop.run(BIN / "ofn-checkout", "run", "--help").rc == 0), "on once the app has `run`"
    rules = (box.root / "etc/udev/rules.d/99-ofn-checkout.rules").read_text()
    assert 'ATTRS{idVendor}=="067b", ATTRS{idProduct}=="2303", SYMLINK+="ofn-scale", GROUP="dialout"' in rules
    assert 'ATTRS{serial}=="A1", SYMLINK+="ofn-scanner", GROUP="input"' in rules
    assert 'ATTR{idProduct}=="0202", SYMLINK+="ofn-printer-usb", GROUP="lp"' in rules
    assert box.store.exists() and "journal" in box.tables()
    channels = box.root / "etc/ofn-checkout/channels.toml"
    assert channels.read_text() == CHANNELS and stat.S_IMODE(channels.stat().st_mode) == 0o640
    receipt_key = box.root / "etc/ofn-checkout/hub-receipt.key"
    assert receipt_key.read_text() == box.receipt_key.read_text()
    assert stat.S_IMODE(receipt_key.stat().st_mode) == 0o600
    assert pwd.getpwuid(receipt_key.stat().st_uid).pw_name == SERVICE_USER
    console = (box.root / "etc/default/console-setup").read_text()
    assert 'CODESET="Uni2"' in console and 'FONTFACE="TerminusBold"' in console  # the font test_counter_console reads

    before = tree(box.root)
    second = box.provision(releases.current)
    assert second.rc == 0, second.output
    assert second.changed == [0]
    assert tree(box.root) == before

    edited = box.config.with_name("edited.toml")
    edited.write_text(box.config.read_text().replace('name = "Till 1"', 'name = "Till One"'))
    checked = box.provision(releases.current, "--check", config=edited)
    assert checked.rc == 0, checked.output
    assert checked.changed[0] >= 1
    assert '-name = "Till 1"' in checked.output and '+name = "Till One"' in checked.output, "the diff is shown"
    assert tree(box.root) == before, "--check changed the box"

    refused = box.provision(releases.upgrade)
    assert refused.rc == 1
    assert "with --upgrade" in refused.output
    assert tree(box.root) == before

    blank = box.root.with_name("blank-box")
    blank.mkdir()
    first_needs = box.laptop.run(
        BIN / "ofn-checkout", "provision", f"{box.sshd.user}@127.0.0.1", "--port", str(box.sshd.port),
        "--identity", box.sshd.identity, "--known-hosts", box.sshd.known_hosts, "--wheel", releases.current,
        "--wheelhouse", WHEELHOUSE, "--root", blank, "--service-user", SERVICE_USER,
    )  # fmt: skip
    assert first_needs.rc == 1 and "has no config yet: give --config" in first_needs.output
    assert not list(blank.iterdir()), "a box with nothing to set it up with is left alone"

    box.sandbox.admin("POST", "revoke_key")  # OFN now refuses the box's key: the new version's doctor fails
    failed = box.provision(releases.upgrade, "--upgrade")
    assert failed.rc == 1, failed.output
    assert f"The upgrade to {UPGRADE_VERSION} failed" in failed.output
    assert "FAIL  ofn" in failed.output
    assert box.current == "versions/0.1.0"
    assert (box.root / f"opt/ofn-checkout/versions/{UPGRADE_VERSION}/.installed").exists(), "kept beside, unused"
    assert PROBE_TABLE not in box.tables(), "the store was not put back"
    migrated = next(box.store.parent.glob("checkout.db.replaced-*")) / "checkout.db"
    with closing(sqlite3.connect(f"{migrated.as_uri()}?mode=ro", uri=True)) as connection:
        assert connection.execute(f"SELECT count(*) FROM {PROBE_TABLE}").fetchone() == (0,)
    old = box.root / "opt/ofn-checkout/current/bin/ofn-checkout"
    verified = box.laptop.run(old, "journal", "verify", "--config", box.root / "etc/ofn-checkout/config.toml")
    assert verified.rc == 0, verified.output

    new_key = box.config.with_name("new-api.key")
    new_key.write_text(box.sandbox.admin("GET", "key")["api_key"])
    key.write_text(new_key.read_text())  # the hub's new key, put in place by hand this time
    upgraded = box.provision(releases.upgrade, "--upgrade", keep=True)  # the box keeps its config and key
    assert upgraded.rc == 0, upgraded.output
    assert box.current == f"versions/{UPGRADE_VERSION}"
    assert os.readlink(box.root / "opt/ofn-checkout/previous") == "versions/0.1.0"
    assert PROBE_TABLE in box.tables()
    assert "OK    ofn" in upgraded.output
    assert list((box.root / "var/lib/ofn-checkout/upgrades").iterdir()), "the snapshot taken before is kept"

    journal_key = (box.root / "var/lib/ofn-checkout/journal.key").read_text().split()[0]
    key_files = {box.key_file, new_key, key, box.root / "var/lib/ofn-checkout/journal.key"}
    key_files |= set((box.root / "var/lib/ofn-checkout").rglob("journal.key"))  # the snapshots' copies
    key_files |= {box.receipt_key, box.root / "etc/ofn-checkout/hub-receipt.key"}
    secrets = (box.sandbox.api_key, new_key.read_text(), journal_key, box.receipt_key.read_text().strip())
    for secret in secrets:
        found = leaks(secret, [box.laptop.work, box.root, box.sshd.log.parent], box.laptop.outputs, key_files)
        assert not found, f"a key appears in {found}"


def test_a_config_that_would_fail_on_a_box_is_refused_before_the_box_is_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from appliance.cli.main import main

    config = tmp_path / "till.toml"
    config.write_text(
        (ROOT / "appliance/data/demo-config.toml").read_text() + '\n[backup]\ndir = "/home/support/backups"\n'
    )  # the demo's key and store paths are not a box's
    key = tmp_path / "hub.key"
    key.write_text("k" * 40)
    code = main(["provision", "127.0.0.1", "--port", "9", "--config", str(config), "--key-file", str(key)])
    err = capsys.readouterr().err
    assert code == 3
    assert "ofn.api_key_file = '/var/lib/ofn-checkout/demo-api.key': must be '/etc/ofn-checkout/api.key'" in err
    assert "store.path" in err and "backup.dir" in err
    assert "k" * 40 not in err


def test_a_receipt_key_the_box_would_not_use_is_refused_before_the_box_is_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from appliance.cli.main import main

    key = tmp_path / "hub-receipt.key"
    key.write_bytes(b"short-key\n")
    wheel = tmp_path / "ofn_checkout-0-py3-none-any.whl"
    wheel.touch()  # given, so that a key let through would go no further than an unreachable box
    given = ["--port", "9", "--wheel", str(wheel), "--wheelhouse", str(tmp_path), "--receipt-key-file", str(key)]
    code = main(["provision", "127.0.0.1", *given])
    err = capsys.readouterr().err
    assert code == 3
    assert f"--receipt-key-file: the hub's receipt key file {key} holds 10 bytes, fewer than 16" in err
    assert "short-key" not in err
    for blank in (b" \n", b" " * 40 + b"\n"):  # blanks are no key, however many: the till refuses them too
        key.write_bytes(blank)
        assert main(["provision", "127.0.0.1", *given]) == 3
        assert f"--receipt-key-file: the hub's receipt key file {key} is empty" in capsys.readouterr().err


def test_a_channel_file_that_would_fail_on_a_box_is_refused_before_the_box_is_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from appliance.cli.main import main

    channels = tmp_path / "channels.toml"
    channels.write_text(CHANNELS.replace('"card"]', '"card", "bitcoin"]').replace("version = 1", "version = 2"))
    code = main(["provision", "127.0.0.1", "--port", "9", "--channels", str(channels)])
    err = capsys.readouterr().err
    assert code == 3
    assert f"the channel file {channels} cannot be used" in err and "version = 2: this box reads version 1" in err
    config = tmp_path / "till.toml"
    text = (ROOT / "appliance/data/demo-config.toml").read_text()
    text = text.replace("/var/lib/ofn-checkout/demo-api.key", "/etc/ofn-checkout/api.key")
    text = text.replace("/var/lib/ofn-checkout/demo.db", "/var/lib/ofn-checkout/checkout.db")
    config.write_text(text.replace('channel = "pickup point"', 'channel = "market stall"'))
    channels.write_text(CHANNELS)
    assert main(["provision", "127.0.0.1", "--port", "9", "--config", str(config), "--channels", str(channels)]) == 3
    err = capsys.readouterr().err
    assert "lane.channel = 'market stall': is not a channel of the channel file" in err
