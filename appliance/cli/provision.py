"""``ofn-checkout provision``: set a box up from the support laptop, over SSH, with the Ansible role.

``provision HOST`` is the friendly front of ``provisioning/box.yml`` for one box: it checks the
config here first (a bad config never reaches a box), builds the app's wheel from this checkout
and the wheelhouse of its dependencies for the box's platform, and runs the playbook, whose
output (the doctor's verdict last) it shows as it comes. ``--check`` shows what would change
(Ansible's check and diff mode) and changes nothing. The API key is handed to Ansible as a file
name, never as a value, and the role writes it with ``no_log``: it appears in no output and no log.

``provision cloud-init`` writes the first-boot files of a flashed card; ``provision wheelhouse``
fetches the dependencies once for a fleet. The role and playbooks live in ``provisioning/`` of the
source checkout this command runs from (docs/provisioning.md).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from click_default_group import DefaultGroup

from appliance import config as config_module
from appliance.cli.cloud_init import CloudInitError, FirstBoot, write_files
from appliance.cli.options import EXIT_CANNOT, EXIT_PROBLEMS
from appliance.cli.wheelhouse import PLATFORM_TAGS, Target, WheelhouseError, build_app_wheel, build_wheelhouse
from appliance.config import Config
from appliance.config.channels import check_file
from appliance.config.channels.returns import read_receipt_key

SOURCE = Path(__file__).resolve().parents[2]
PROVISIONING = SOURCE / "provisioning"
BOX_PATHS = {"etc": Path("/etc/ofn-checkout"), "data": Path("/var/lib/ofn-checkout")}
#: ansible-playbook's exit codes: a task failed on the host, the host could not be reached.
ANSIBLE_HOST_FAILED, ANSIBLE_UNREACHABLE = 2, 4
#: A file of the laptop's that must exist: the config, the key files, the channel file, the wheel.
FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class ProvisionError(click.ClickException):
    """Something on the laptop's side stops the run before any box is touched."""

    exit_code = EXIT_CANNOT


@click.group("provision", cls=DefaultGroup, default="box", default_if_no_args=False)
def provision() -> None:
    """Set boxes up from this laptop: `provision HOST` over SSH, first-boot files, wheels."""


@provision.command("box")
@click.argument("host")
@click.option(
    "--config",
    "config_file",
    type=FILE,
    help="The box's config file (required the first time; else the box keeps its own)",
)
@click.option(
    "--key-file",
    type=FILE,
    help="File holding the hub's OFN API key (required the first time)",
)
@click.option(
    "--channels",
    "channels_file",
    type=FILE,
    help="The hub's channel file (docs/channels.md); else the box keeps its own",
)
@click.option(
    "--receipt-key-file",
    type=FILE,
    help="File holding the key the hub's boxes share to sign their receipts' codes",
)
@click.option("--check", is_flag=True, help="Show what would change, change nothing")
@click.option("--upgrade", is_flag=True, help="Allow a box running another version to be upgraded (or rolled back)")
@click.option("--port", type=click.IntRange(1, 65535), default=22, show_default=True, help="SSH port")
@click.option("--user", help="SSH user [default: the one in HOST (user@host), else ssh's own]")
@click.option("--identity", type=FILE, help="SSH private key")
@click.option(
    "--known-hosts",
    type=click.Path(dir_okay=False, path_type=Path),
    help="known_hosts file [default: ssh's]; a new box's host key is added, a changed one refused",
)
@click.option(
    "--wheel",
    type=FILE,
    help="The app's wheel [default: built from this checkout]",
)
@click.option(
    "--wheelhouse",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Dependency wheels for the box [default: fetched for --platform, kept in ~/.cache]",
)
@click.option(
    "--platform",
    "machine",
    type=click.Choice(sorted(PLATFORM_TAGS)),
    default="aarch64",
    show_default=True,
    help="The box's platform (uname -m) when the wheelhouse must be fetched",
)
@click.option(
    "--root",
    type=click.Path(path_type=Path),
    help="Install under this directory of the box instead of / (an image being prepared)",
)
@click.option("--service-user", default="ofn-checkout", show_default=True, help="The user the services run as")
@click.option(
    "-e",
    "--extra-vars",
    "extra_vars",
    multiple=True,
    help="A role variable, KEY=VALUE or @FILE (e.g. the devices' USB ids: docs/provisioning.md)",
)
def provision_box(host: str, **options: Any) -> int:
    """Provision (or check, or upgrade) the box at HOST ([user@]address) and show the doctor's verdict."""
    root: Path | None = options["root"]
    if root is not None and not root.is_absolute():
        raise ProvisionError(f"--root {root}: give an absolute path")
    variables = _role_variables(options)
    if "@" in host:
        options["user"], host = options["user"] or host.split("@", 1)[0], host.split("@", 1)[1]
    with tempfile.TemporaryDirectory(prefix="ofn-provision-") as work:
        variables.update(_software(Path(work), options))
        variables.update(_connection(options))
        extra = Path(work) / "vars.json"
        extra.write_text(json.dumps(variables), encoding="utf-8")
        extra.chmod(0o600)
        command = [_ansible_playbook(), "-i", f"{host},", str(PROVISIONING / "box.yml"), "-e", f"@{extra}", "--diff"]
        command += [arg for value in options["extra_vars"] for arg in ("-e", value)]
        if options["check"]:
            command.append("--check")
        with ssh_sessions() as control:
            env = _ansible_environment(options["known_hosts"], control)
            rc = subprocess.run(command, env=env, check=False).returncode
    return _verdict(rc, host, options["check"])


def _role_variables(options: dict[str, Any]) -> dict[str, Any]:
    """What the role needs to know beyond the software: the config, the key file, where things go."""
    root: Path | None = options["root"]
    variables: dict[str, Any] = {
        "ofn_checkout_upgrade": options["upgrade"],
        "ofn_checkout_user": options["service_user"],
        "ofn_checkout_root": str(root) if root else "",
    }
    config = None
    if options["config_file"] is not None:
        config = config_module.load(options["config_file"])
        _check_box_paths(config, root)
        variables["ofn_checkout_config_file"] = str(options["config_file"].resolve())
    if options["channels_file"] is not None:
        _check_channels(options["channels_file"], config)
        variables["ofn_checkout_channels_file"] = str(options["channels_file"].resolve())
    if options["receipt_key_file"] is not None:
        _check_receipt_key(options["receipt_key_file"])
        variables["ofn_checkout_receipt_key_file"] = str(options["receipt_key_file"].resolve())
    if options["key_file"] is not None:
        if not options["key_file"].read_text(encoding="utf-8", errors="replace").strip():
            raise ProvisionError(f"--key-file {options['key_file']} is empty: put the hub's OFN API key in it")
        variables["ofn_checkout_api_key_file"] = str(options["key_file"].resolve())
    return variables


def _check_receipt_key(path: Path) -> None:
    """The hub's receipt key, read as the till on the box reads it: a key the box would not use
    (empty, blank or too short) would leave its receipts without the hub code, which only a log
    line would say."""
    try:
        read_receipt_key(path)
    except ValueError as exc:
        raise ProvisionError(f"--receipt-key-file: {exc}") from None


def _check_box_paths(config: Config, root: Path | None) -> None:
    """The box's files are where the role puts them, and the services may write only under
    /var/lib/ofn-checkout (their units' ProtectSystem=strict): a config that says otherwise would
    fail on the box, so it is refused here, every problem at once."""
    base = root or Path("/")
    etc, data = (base / path.relative_to("/") for path in BOX_PATHS.values())
    problems = []
    places = [
        ("ofn.api_key_file", config.api_key_file, etc / "api.key"),
        ("store.path", config.store_path, data / "checkout.db"),
    ]
    if config.channels_file is not None:
        places.append(("lane.channels_file", config.channels_file, etc / "channels.toml"))
    for key, path, wanted in places:
        if path != wanted:
            problems.append(f"{key} = {str(path)!r}: must be {str(wanted)!r} on a box (where the role puts it)")
    for key, optional in (("journal.key_file", config.journal_key_file), ("backup.dir", config.backup["dir"])):
        if optional is not None and not optional.is_relative_to(data):
            problems.append(f"{key} = {str(optional)!r}: must be under {data} (the only place the services may write)")
    if problems:
        raise ProvisionError("the config cannot be used on a box:\n  " + "\n  ".join(problems))


def _check_channels(path: Path, config: Config | None) -> None:
    """The channel file, and the box's config against it: a broken file never reaches a box (the
    till would refuse to start on it)."""
    _, problems = check_file(path, config)
    if problems:
        raise ProvisionError(f"the channel file {path} cannot be used:\n  " + "\n  ".join(map(str, problems)))


def _software(work: Path, options: dict[str, Any]) -> dict[str, str]:
    """The wheel and the wheelhouse, given or made here."""
    wheelhouse: Path | None = options["wheelhouse"]
    try:
        if wheelhouse is None:
            wheelhouse = _cached_wheelhouse(Target(options["machine"], "3.11"))
        wheel: Path = options["wheel"] or build_app_wheel(_source_checkout(), work / "wheel", wheelhouse)
    except WheelhouseError as exc:
        raise ProvisionError(str(exc)) from None
    return {"ofn_checkout_wheel": str(wheel.resolve()), "ofn_checkout_wheelhouse": str(wheelhouse.resolve())}


def _cached_wheelhouse(target: Target) -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ofn-checkout"
    directory = cache / f"wheelhouse-{target.machine}-py{target.python}"
    if not (directory / ".complete").exists():
        click.echo(f"fetching the dependencies for {target.machine} into {directory} (once) …", err=True)
        build_wheelhouse(directory, target)
        (directory / ".complete").touch()
    return directory


def _source_checkout() -> Path:
    if not (SOURCE / "pyproject.toml").exists():
        raise ProvisionError("no source checkout here to build the wheel from: give --wheel")
    return SOURCE


def _connection(options: dict[str, Any]) -> dict[str, Any]:
    variables: dict[str, Any] = {"ansible_port": options["port"]}
    if options["user"]:
        variables["ansible_user"] = options["user"]
    if options["identity"]:
        variables["ansible_ssh_private_key_file"] = str(options["identity"].resolve())
    return variables


def _ansible_playbook() -> str:
    beside = Path(sys.executable).parent / "ansible-playbook"
    found = str(beside) if beside.exists() else shutil.which("ansible-playbook")
    if found is None or not (PROVISIONING / "box.yml").exists():
        raise ProvisionError("Ansible or the role is missing: pip install -e '.[provision]' in a source checkout")
    return found


@contextmanager
def ssh_sessions() -> Iterator[Path]:
    """A directory for the run's shared SSH connection, and the connection closed after the run.

    One SSH connection serves every task of the run (ControlMaster), which saves a handshake per
    task, a lot over a hub's slow line. ssh leaves that master running in the background for a
    while (ControlPersist); it is ended here, by its process id (found by the socket path that is
    ours alone), so nothing of the run outlives it. The directory is short-named under /tmp: a
    socket's path may not be longer than 108 bytes.
    """
    directory = Path(tempfile.mkdtemp(prefix="ofn-ssh-", dir="/tmp"))
    try:
        yield directory
    finally:
        for pid in _processes_mentioning(str(directory)):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        shutil.rmtree(directory, ignore_errors=True)


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes() and int(cmdline.parent.name) != os.getpid():
                found.append(int(cmdline.parent.name))
        except (OSError, ValueError):
            continue
    return found


def _ansible_environment(known_hosts: Path | None, control: Path) -> dict[str, str]:
    """One SSH connection for the run (closed after it), a new box's host key accepted and a
    changed one refused, no colours when the output is not a terminal."""
    ssh = f"-o ControlMaster=auto -o ControlPersist=60s -o ControlPath={control}/%C"
    ssh += " -o StrictHostKeyChecking=accept-new"
    if known_hosts is not None:
        ssh += f" -o UserKnownHostsFile={known_hosts.resolve()}"
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(PROVISIONING / "ansible.cfg"),
        "ANSIBLE_SSH_ARGS": ssh,
        "ANSIBLE_DISPLAY_SKIPPED_HOSTS": "false",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "PYTHONWARNINGS": "ignore:DSA is deprecated",  # cryptography's, at ansible's start: noise to a reader
    }
    if not sys.stdout.isatty():
        env["ANSIBLE_NOCOLOR"] = "1"
    return env


def _verdict(rc: int, host: str, check: bool) -> int:
    if rc == 0:
        click.echo(f"{host}: nothing was changed (check mode)" if check else f"{host}: the box is set up")
        return 0
    if rc == ANSIBLE_UNREACHABLE:
        click.echo(f"Error: cannot reach {host} over SSH: check the address, --port, --user and --identity", err=True)
        return EXIT_CANNOT
    if rc == ANSIBLE_HOST_FAILED:
        click.echo(f"{host}: a step failed (see the message above); docs/provisioning.md says what to do", err=True)
        return EXIT_PROBLEMS
    click.echo(f"Error: ansible-playbook stopped ({rc}) before it could run (see above)", err=True)
    return EXIT_CANNOT


@provision.command("cloud-init")
@click.option("--hostname", required=True, help="The box's name on the network, e.g. till-1")
@click.option(
    "--ssh-key",
    "ssh_keys",
    multiple=True,
    required=True,
    type=FILE,
    help="Public key(s) of the support laptop",
)
@click.option("--wifi-ssid", default="", help="Wi-Fi network [default: wired only]")
@click.option(
    "--wifi-password-file",
    type=FILE,
    help="File holding the Wi-Fi password (never on the command line)",
)
@click.option("--wifi-country", default="FR", show_default=True, help="Country the Wi-Fi radio is allowed in")
@click.option("--timezone", default="Europe/Paris", show_default=True)
@click.option("--locale", default="fr_FR.UTF-8", show_default=True)
@click.option("--keyboard", default="fr", show_default=True, help="Console keyboard layout")
@click.option("--data-label", default="", help="Mount the ext4 partition of this label on /var/lib/ofn-checkout")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Where to write them: the card's boot partition",
)
def provision_cloud_init(
    ssh_keys: tuple[Path, ...], wifi_password_file: Path | None, output: Path, **settings: str
) -> int:
    """Write user-data, network-config and meta-data: a flashed card comes up reachable over SSH."""
    if settings["wifi_ssid"] and wifi_password_file is None:
        raise ProvisionError("--wifi-ssid needs --wifi-password-file")
    password = wifi_password_file.read_text(encoding="utf-8").strip() if wifi_password_file else ""
    keys = tuple(line.strip() for path in ssh_keys for line in path.read_text().splitlines() if line.strip())
    try:
        written = write_files(FirstBoot(ssh_keys=keys, wifi_password=password, **settings), output)
    except CloudInitError as exc:
        raise ProvisionError(str(exc)) from None
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"put the card in the box and power it on; then: ofn-checkout provision support@{settings['hostname']}.local"
    )
    return 0


@provision.command("wheelhouse")
@click.option("--platform", "machine", type=click.Choice(sorted(PLATFORM_TAGS)), default="aarch64", show_default=True)
@click.option("--python", "python", default="3.11", show_default=True, help="The box's Python (3.11 on bookworm)")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), required=True)
def provision_wheelhouse(machine: str, python: str, output: Path) -> int:
    """Fetch the dependencies' wheels for the boxes' platform (once, with network), for `provision --wheelhouse`."""
    try:
        files = build_wheelhouse(output, Target(machine, python))
    except WheelhouseError as exc:
        raise ProvisionError(str(exc)) from None
    click.echo(f"{len(files)} files in {output}")
    return 0
