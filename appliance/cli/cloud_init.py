"""First boot of a flashed card: the cloud-init files that make a blank box reachable over SSH.

Raspberry Pi OS images from Trixie on (October 2025) run cloud-init at first boot, reading
``user-data``, ``network-config`` and ``meta-data`` from the card's boot partition (the NoCloud
source). These files give the box its name, a ``support`` user that logs in with the support
laptop's SSH key only (no password at all), the network (wired, or Wi-Fi with its country), the
locale, time zone and keyboard. Everything else is the Ansible role's job, over that SSH login.

The Wi-Fi password is the one secret here; it goes into ``network-config`` only (cloud-init
needs it in clear), is read from a file rather than the command line (where ``ps`` and the shell's
history would show it), and is never printed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HOSTNAME = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
SUPPORT_USER = "support"
DATA_MOUNT = "/var/lib/ofn-checkout"


class CloudInitError(Exception):
    """The first-boot settings cannot be made; the message names the option and what is wrong."""


@dataclass(frozen=True)
class FirstBoot:
    hostname: str
    ssh_keys: tuple[str, ...]
    timezone: str = "Europe/Paris"
    locale: str = "fr_FR.UTF-8"
    keyboard: str = "fr"
    wifi_ssid: str = ""
    wifi_password: str = ""
    wifi_country: str = "FR"
    data_label: str = ""
    user: str = SUPPORT_USER

    def check(self) -> None:
        if not HOSTNAME.match(self.hostname):
            raise CloudInitError(f"--hostname {self.hostname!r}: lower-case letters, digits and '-', at most 63")
        if not self.ssh_keys or not all(_is_public_key(key) for key in self.ssh_keys):
            raise CloudInitError(
                "--ssh-key: give the support laptop's public key (a .pub file, e.g. ~/.ssh/id_ed25519.pub)"
            )
        if self.wifi_ssid and not 8 <= len(self.wifi_password) <= 63:
            raise CloudInitError("--wifi-password-file: a WPA password has 8 to 63 characters")
        if self.data_label and not re.match(r"^[A-Za-z0-9_-]{1,16}$", self.data_label):
            raise CloudInitError(f"--data-label {self.data_label!r}: an ext4 label, at most 16 letters, digits, - or _")
        if self.wifi_ssid and not re.match(r"^[A-Z]{2}$", self.wifi_country):
            raise CloudInitError(f"--wifi-country {self.wifi_country!r}: a two-letter country code, e.g. FR or GB")


def user_data(boot: FirstBoot) -> dict[str, Any]:
    config: dict[str, Any] = {
        "hostname": boot.hostname,
        "manage_etc_hosts": True,
        "timezone": boot.timezone,
        "locale": boot.locale,
        "keyboard": {"layout": boot.keyboard},
        "users": [
            {
                "name": boot.user,
                "gecos": "OFN Checkout support",
                "groups": ["sudo", "adm"],
                "shell": "/bin/bash",
                "sudo": "ALL=(ALL) NOPASSWD:ALL",
                "lock_passwd": True,
                "ssh_authorized_keys": list(boot.ssh_keys),
            }
        ],
        "disable_root": True,
        "ssh_pwauth": False,
        "ssh_deletekeys": True,
        "ssh_genkeytypes": ["ed25519"],
        "package_update": False,
    }
    if boot.wifi_ssid:  # the radio stays off until the country is set
        config["runcmd"] = [["raspi-config", "nonint", "do_wifi_country", boot.wifi_country]]
    if boot.data_label:  # the store on a partition of its own (docs/provisioning.md, "The SD card")
        options = "defaults,noatime,nofail,x-systemd.device-timeout=10s"
        config["mounts"] = [[f"LABEL={boot.data_label}", DATA_MOUNT, "ext4", options, "0", "2"]]
    return config


def network_config(boot: FirstBoot) -> dict[str, Any]:
    """Netplan version 2: wired by DHCP always; Wi-Fi as well when an SSID is given."""
    network: dict[str, Any] = {"version": 2, "ethernets": {"eth0": {"dhcp4": True, "optional": True}}}
    if boot.wifi_ssid:
        network["wifis"] = {
            "wlan0": {
                "dhcp4": True,
                "optional": True,
                "access-points": {boot.wifi_ssid: {"password": boot.wifi_password}},
            }
        }
    return {"network": network}


def write_files(boot: FirstBoot, directory: Path) -> list[Path]:
    """``user-data``, ``network-config`` and ``meta-data`` in ``directory`` (the card's boot partition)."""
    boot.check()
    try:
        import yaml
    except ImportError:
        raise CloudInitError("PyYAML is missing: pip install 'ofn-checkout[provision]'") from None
    directory.mkdir(parents=True, exist_ok=True)
    files = {
        "user-data": "#cloud-config\n" + yaml.safe_dump(user_data(boot), sort_keys=False, allow_unicode=True),
        "network-config": yaml.safe_dump(network_config(boot), sort_keys=False, allow_unicode=True),
        "meta-data": yaml.safe_dump({"instance-id": f"ofn-checkout-{boot.hostname}", "local-hostname": boot.hostname}),
    }
    written = []
    for name, text in files.items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o600)  # ignored on the FAT boot partition, kept on a laptop's disk
        written.append(path)
    return written


def _is_public_key(line: str) -> bool:
    parts = line.split()
    return len(parts) >= 2 and (parts[0].startswith(("ssh-", "ecdsa-sha2-", "sk-")))
