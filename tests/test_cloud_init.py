"""`ofn-checkout provision cloud-init`: first-boot files a flashed card comes up with, valid for
cloud-init itself (its schema check, its own network-config parser)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from appliance.cli.main import main

CLOUD_INIT = shutil.which("cloud-init")
needs_cloud_init = pytest.mark.skipif(CLOUD_INIT is None, reason="cloud-init is not installed (install-deps.sh --test)")
NETPLAN = shutil.which("netplan")


@pytest.fixture
def laptop(tmp_path: Path) -> Path:
    (tmp_path / "id_ed25519.pub").write_text(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJxqExampleKeyOnlyForTests support@laptop\n"
    )
    (tmp_path / "wifi.txt").write_text("a wifi secret 42\n")
    return tmp_path


def generate(laptop: Path, *extra: str) -> int:
    return main(
        ["provision", "cloud-init", "--hostname", "till-1", "--ssh-key", str(laptop / "id_ed25519.pub")]
        + ["--output", str(laptop / "boot"), *extra]
    )


def schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CLOUD_INIT or "cloud-init", "schema", "-c", str(path)], capture_output=True, text=True)


@needs_cloud_init
def test_the_user_data_is_valid_cloud_config_and_lets_support_in_by_key_only(
    laptop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wifi = ("--wifi-ssid", "Marché", "--wifi-password-file", str(laptop / "wifi.txt"))
    assert generate(laptop, *wifi, "--data-label", "ofn-data") == 0
    assert "a wifi secret" not in capsys.readouterr().out
    user_data = laptop / "boot" / "user-data"
    result = schema(user_data)
    assert result.returncode == 0 and "Valid cloud-config" in result.stdout, result.stdout + result.stderr
    text = user_data.read_text()
    assert text.startswith("#cloud-config\n")
    data = yaml.safe_load(text)
    assert data["hostname"] == "till-1"
    assert data["ssh_pwauth"] is False
    [user] = data["users"]
    assert user["lock_passwd"] is True and user["ssh_authorized_keys"][0].startswith("ssh-ed25519 ")
    assert ["raspi-config", "nonint", "do_wifi_country", "FR"] in data["runcmd"]
    assert data["mounts"][0][:3] == ["LABEL=ofn-data", "/var/lib/ofn-checkout", "ext4"]
    assert "a wifi secret" not in text
    assert yaml.safe_load((laptop / "boot" / "meta-data").read_text())["instance-id"] == "ofn-checkout-till-1"


@pytest.mark.skipif(NETPLAN is None, reason="netplan is not installed (install-deps.sh --test)")
def test_the_network_config_is_what_netplan_turns_into_connections(laptop: Path) -> None:
    """cloud-init hands network-config to netplan as it is (Raspberry Pi OS renders it for
    NetworkManager): netplan's own generator reads it and makes the wired and the Wi-Fi connection."""
    assert generate(laptop, "--wifi-ssid", "Marché", "--wifi-password-file", str(laptop / "wifi.txt")) == 0
    network = yaml.safe_load((laptop / "boot" / "network-config").read_text())
    network["network"]["renderer"] = "NetworkManager"
    root = laptop / "root"
    netplan_file = root / "etc" / "netplan" / "50-cloud-init.yaml"
    netplan_file.parent.mkdir(parents=True)
    netplan_file.write_text(yaml.safe_dump(network, allow_unicode=True))
    netplan_file.chmod(0o600)
    result = subprocess.run([NETPLAN or "netplan", "generate", "--root-dir", str(root)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    connections = root / "run" / "NetworkManager" / "system-connections"
    assert sorted(path.name for path in connections.iterdir()) == [
        "netplan-eth0.nmconnection",
        "netplan-wlan0-Marché.nmconnection",
    ]
    wifi = (connections / "netplan-wlan0-Marché.nmconnection").read_text()
    assert "ssid=Marché" in wifi and "psk=a wifi secret 42" in wifi


@needs_cloud_init
def test_the_schema_check_does_catch_a_bad_value(laptop: Path) -> None:
    assert generate(laptop) == 0
    broken = laptop / "broken"
    broken.write_text((laptop / "boot" / "user-data").read_text().replace("ssh_pwauth: false", "ssh_pwauth: 42"))
    assert schema(broken).returncode != 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hostname", "Till_1"], "--hostname"),
        (["--wifi-ssid", "x"], "--wifi-password-file"),
    ],
)
def test_bad_settings_are_one_line_and_write_nothing(
    laptop: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(
        ["provision", "cloud-init", "--hostname", "till-1", "--ssh-key", str(laptop / "id_ed25519.pub")]
        + ["--output", str(laptop / "boot"), *args]
    )
    assert code == 3
    assert message in capsys.readouterr().err
    assert not (laptop / "boot").exists()


def test_a_private_key_given_as_the_ssh_key_is_refused(laptop: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (laptop / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n")
    code = main(
        ["provision", "cloud-init", "--hostname", "till-1", "--ssh-key", str(laptop / "id_ed25519")]
        + ["--output", str(laptop / "boot")]
    )
    assert code == 3
    assert "public key" in capsys.readouterr().err
