"""The fleet playbook: the same role over an inventory of two boxes, each with its own lane and its
own API key from Ansible Vault; a second run changes nothing on either.

Both boxes are prefix roots behind one real sshd; the inventory, group_vars and config template
are the shipped example's (provisioning/fleet/), with the hub's settings pointed at the sandbox.
"""

from __future__ import annotations

import json
import shutil
import stat
import tomllib
from pathlib import Path

import pytest

from appliance.cli.main import main
from appliance.cli.provision import ssh_sessions

from .ofn_sandbox import running_sandbox
from .provisioning_kit import BIN, ROOT, SERVICE_USER, WHEELHOUSE, Laptop, Releases, Run, leaks
from .sshd import running_sshd

pytestmark = pytest.mark.timeout(900)
BOXES = ("box-1", "box-2")
RECEIPT_KEY = "5f1e" * 16  # the hub's receipt key, in the vault beside each till's API key


def test_the_fleet_playbook_sets_up_two_boxes_with_their_lanes_and_vault_keys_idempotently(
    tmp_path: Path, releases: Releases
) -> None:
    laptop = Laptop(tmp_path / "work")
    fleet = tmp_path / "fleet"
    shutil.copytree(
        ROOT / "provisioning" / "fleet", fleet, ignore=shutil.ignore_patterns("inventory.example.yml", "host_vars")
    )
    password = tmp_path / "vault-password"
    password.write_text("correct horse battery staple\n")
    with running_sandbox(tmp_path / "ofn-data") as sandbox, running_sshd(tmp_path / "sshd") as sshd:
        hosts = {}
        for lane, name in enumerate(BOXES, start=1):
            (tmp_path / name).mkdir()
            hosts[name] = {
                "ansible_host": "127.0.0.1",
                "ofn_checkout_root": str(tmp_path / name),
                "lane_id": lane,
                "lane_name": f"Till {lane}",
                "counter_order": sandbox.lanes[str(lane)],
            }
            vault = fleet / "host_vars" / name / "vault.yml"
            vault.parent.mkdir(parents=True)
            vault.write_text(f"vault_ofn_api_key: {sandbox.api_key}\nvault_hub_receipt_key: {RECEIPT_KEY}\n")
            encrypted = laptop.run(BIN / "ansible-vault", "encrypt", "--vault-password-file", password, vault)
            assert encrypted.rc == 0, encrypted.output
            assert sandbox.api_key not in vault.read_text()
        connection = {
            "ansible_user": sshd.user,
            "ansible_port": sshd.port,
            "ansible_ssh_private_key_file": str(sshd.identity),
        }
        inventory = fleet / "inventory.yml"
        inventory.write_text(json.dumps({"tills": {"hosts": hosts, "vars": connection}}))
        hub = {
            "hub_ofn_url": sandbox.url,
            "hub_id": sandbox.hub_id,
            "hub_order_cycle_id": sandbox.open_oc,
            "ofn_checkout_user": SERVICE_USER,
            "ofn_checkout_serial": 2,
        }

        def play(*extra: str) -> Run:
            with ssh_sessions() as control:  # the SSH master ansible leaves is ended with the run
                ssh = f"-o ControlMaster=auto -o ControlPersist=60s -o ControlPath={control}/%C"
                env = {
                    "OFN_CHECKOUT_WHEEL": str(releases.current),
                    "OFN_CHECKOUT_WHEELHOUSE": str(WHEELHOUSE),
                    "ANSIBLE_CONFIG": str(ROOT / "provisioning" / "ansible.cfg"),
                    "ANSIBLE_SSH_ARGS": f"{ssh} -o UserKnownHostsFile={sshd.known_hosts}",
                }
                return laptop.run(
                    BIN / "ansible-playbook", "-i", inventory, ROOT / "provisioning" / "fleet.yml",
                    "--vault-password-file", password, "-e", json.dumps(hub), *extra, env=env,
                )  # fmt: skip

        first = play()
        assert first.rc == 0, first.output
        assert len(first.changed) == 2 and all(n > 0 for n in first.changed)
        for lane, name in enumerate(BOXES, start=1):
            root = tmp_path / name
            config = tomllib.loads((root / "etc/ofn-checkout/config.toml").read_text())
            assert config["lane"]["id"] == lane
            assert config["ofn"]["counter_order"] == sandbox.lanes[str(lane)]
            assert config["ofn"]["other_counter_orders"] == [sandbox.lanes[str(3 - lane)]]
            key = root / "etc/ofn-checkout/api.key"
            assert key.read_text().strip() == sandbox.api_key
            assert stat.S_IMODE(key.stat().st_mode) == 0o600
            assert (root / "var/lib/ofn-checkout/checkout.db").exists()
            channels = root / "etc/ofn-checkout/channels.toml"
            assert channels.read_text() == (fleet / "channels.toml").read_text()
            assert config["lane"]["channels_file"] == str(channels)
            receipt_key = root / "etc/ofn-checkout/hub-receipt.key"
            assert receipt_key.read_text().strip() == RECEIPT_KEY
            assert stat.S_IMODE(receipt_key.stat().st_mode) == 0o600
        assert first.output.count("OK    ofn") == 2, "each box's doctor speaks"

        second = play()
        assert second.rc == 0, second.output
        assert second.changed == [0, 0]

        allowed = {tmp_path / name / "etc/ofn-checkout/api.key" for name in BOXES}
        allowed |= {tmp_path / name / "var/lib/ofn-checkout/journal.key" for name in BOXES}
        receipt_keys = {tmp_path / name / "etc/ofn-checkout/hub-receipt.key" for name in BOXES}
        assert not leaks(RECEIPT_KEY, [laptop.work, *(tmp_path / name for name in BOXES)], laptop.outputs, receipt_keys)
        # The hub's report: each box's export of a period fetched to the laptop, one file a lane.
        exports = tmp_path / "exports"
        period = {"export_from": "2026-01-01", "export_to": "2026-12-31", "export_dir": str(exports)}
        fetched = play("--tags", "exports", "-e", json.dumps(period))
        assert fetched.rc == 0, fetched.output
        files = sorted(exports.iterdir())
        assert [path.name for path in files] == ["lane-1.csv", "lane-2.csv"]
        assert all(path.read_text().startswith("record,local_date,") for path in files)
        assert main(["report", "hub", "--no-ofn", *map(str, files)]) == 0

        assert not leaks(sandbox.api_key, [laptop.work, *(tmp_path / name for name in BOXES)], laptop.outputs, allowed)
        assert not leaks("correct horse", [laptop.work], laptop.outputs, set())
