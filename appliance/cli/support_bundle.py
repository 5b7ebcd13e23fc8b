"""``ofn-checkout support-bundle``: one archive with what support needs to see a box from afar.

The config, recent logs, the doctor's verdicts, the journal check, the store's figures and the
versions, in a ``.tar.gz`` a hub manager can send by mail. What it must never carry is a secret:
the config holds only the *paths* of the key files, and every text put in the archive is scrubbed
of the API key and the journal key anyway (a key pasted into a log by mistake, a config that names
a key inline), so the archive can leave the box whatever the box holds.

Loaded only when named (an entry point): it runs the doctor, which imports the HTTP stack.
"""

from __future__ import annotations

import io
import json
import os
import platform
import shutil
import socket
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import click

from appliance import config as config_module
from appliance.cli.doctor import Verdict, config_or_demo, run_checks, verdict_lines
from appliance.cli.logs import log_directories
from appliance.cli.options import EXIT_CANNOT, config_option, db_option
from appliance.config import Config
from appliance.store.audit import verify_path
from appliance.store.backup import failed, snapshots
from appliance.store.database import StoreError
from appliance.store.keys import ApiKeyError, JournalKeyError, load_api_key, read_key_file
from appliance.store.statistics import store_statistics

REDACTED = "[REDACTED]"
LOG_LINES = 2000
UNITS = ("ofn-checkout-kiosk", "ofn-checkout-sync", "ofn-checkout-backup")
COMMAND_TIMEOUT_S = 30


@click.command("support-bundle")
@config_option
@db_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Archive to write [default: ofn-checkout-support-HOST-TIME.tar.gz here]",
)
def support_bundle(config_path: Path | None, db_path: Path | None, output: Path | None) -> int:
    """Write one archive for support: config (no secrets), logs, doctor, journal check, store figures, versions."""
    now = datetime.now(UTC)
    output = output or Path(f"ofn-checkout-support-{socket.gethostname()}-{now:%Y%m%dT%H%M%SZ}.tar.gz")
    config, config_verdict = config_or_demo(config_path)
    path = db_path or config.store_path
    secrets = _secrets(config, path)
    members = dict(_members(config, config_path, path, config_verdict, now))
    scrubbed = {name: _scrub(text, secrets) for name, text in members.items()}
    try:
        _write_archive(output, scrubbed, now)
    except OSError as exc:
        click.echo(f"Error: cannot write {output}: {exc.strerror or exc}; choose another --output", err=True)
        return EXIT_CANNOT
    click.echo(f"wrote {output} ({len(scrubbed)} files, no secrets): send it to support")
    return 0


def _members(
    config: Config, config_path: Path | None, db_path: Path, config_verdict: Verdict | None, now: datetime
) -> Iterable[tuple[str, str]]:
    yield "README.txt", _readme(now)
    yield "versions.txt", _versions()
    yield "config.toml", _config_text(config_path)
    yield "doctor.txt", _doctor(config, db_path, config_verdict)
    yield "journal-verify.txt", _journal_check(config, db_path)
    figures = store_statistics(db_path, now)
    figures["backups"] = {
        "directory": str(config.backup_dir),
        "verified": [p.name for p in snapshots(config.backup_dir)],
        "failed": [p.name for p in failed(config.backup_dir)],
    }
    yield "store.json", json.dumps(figures, indent=2, sort_keys=True, default=str)
    for directory in log_directories():
        for log in sorted(directory.glob("*.log")) if directory.is_dir() else []:
            yield f"logs/{directory.name}/{log.name}", _tail(log, LOG_LINES)
    if shutil.which("journalctl"):
        units = [arg for unit in UNITS for arg in ("-u", unit)]
        yield "logs/journal.txt", _run(["journalctl", "--no-pager", "-n", str(LOG_LINES), "--since", "-3d", *units])
    if shutil.which("systemctl"):
        yield "services.txt", _run(["systemctl", "--no-pager", "status", *(f"{unit}.*" for unit in UNITS)])


def _readme(now: datetime) -> str:
    return (
        f"OFN Checkout support bundle, made {now:%Y-%m-%d %H:%M} UTC on {socket.gethostname()}.\n"
        "versions.txt  the software and the system\n"
        "config.toml   the config file (key files are named by path; keys are never included)\n"
        "doctor.txt    `ofn-checkout doctor`, one verdict per line\n"
        "journal-verify.txt  `ofn-checkout journal verify`\n"
        "store.json    the store's files and sizes (a large -wal: is the sync daemon running?), rows per table,\n"
        "              the outbox by kind and status, the sync state, the backups\n"
        "logs/         the last lines of each log, and of the services' journal\n"
        f"Every occurrence of the API key or the journal key was replaced by {REDACTED}.\n"
    )


def _versions() -> str:
    lines = [
        f"ofn-checkout {_version('ofn-checkout')}",
        f"python {sys.version.split()[0]} ({sys.executable})",
        f"sqlite {sqlite3.sqlite_version}",
        f"platform {platform.platform()} {platform.machine()}",
    ]
    os_release = Path("/etc/os-release")
    if os_release.is_file():
        lines += [line for line in os_release.read_text(errors="replace").splitlines() if line.startswith("PRETTY")]
    lines.append("")
    lines += sorted(f"{d.metadata['Name']}=={d.version}" for d in metadata.distributions() if d.metadata["Name"])
    return "\n".join(lines) + "\n"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _config_text(config_path: Path | None) -> str:
    path = config_module.resolve_path(config_path)
    try:
        return f"# {path}\n" + path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"# {path} cannot be read: {exc.strerror or exc}\n"


def _doctor(config: Config, db_path: Path, config_verdict: Verdict | None) -> str:
    return "\n".join(verdict_lines(run_checks(config, db_path, config_verdict=config_verdict))) + "\n"


def _journal_check(config: Config, db_path: Path) -> str:
    try:
        verdict = verify_path(db_path, config.key_file_for(db_path), config.lane_id)
    except (StoreError, JournalKeyError) as exc:
        return f"cannot verify: {exc}\n"
    lines = [f"warning: {warning}" for warning in verdict.warnings]
    lines.append(f"journal {'OK' if verdict.ok else 'NOT OK'}: {verdict.counted} checked")
    lines += [f"  {finding}" for finding in verdict.findings]
    return "\n".join(lines) + "\n"


def _tail(path: Path, lines: int) -> str:
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            handle.seek(max(handle.tell() - lines * 400, 0))
            text = handle.read().decode("utf-8", errors="backslashreplace")
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}\n"
    return "\n".join(text.splitlines()[-lines:]) + "\n"


def _run(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S, errors="replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"$ {' '.join(command)}\nfailed: {exc}\n"
    return f"$ {' '.join(command)}\n{result.stdout}{result.stderr}"


def _secrets(config: Config, db_path: Path) -> list[str]:
    """Every form of the keys that could show up in a text: the API key, the journal key's hex."""
    found: list[str] = []
    try:
        found.append(load_api_key(config.api_key_file))
    except ApiKeyError:
        pass
    try:
        key = read_key_file(config.key_file_for(db_path)).key
        found += [key.hex(), key.hex().upper()]
    except JournalKeyError:
        pass
    return [secret for secret in found if len(secret) >= 8]  # a key too short to be real is not searched for


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


def _write_archive(output: Path, members: dict[str, str], now: datetime) -> None:
    """The archive, for its reader alone (0600), written beside its name and renamed whole."""
    temporary = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
            top = output.name.removesuffix(".tar.gz")
            for name, text in members.items():
                data = text.encode("utf-8")
                info = tarfile.TarInfo(f"{top}/{name}")
                info.size, info.mode, info.mtime = len(data), 0o600, int(now.timestamp())
                archive.addfile(info, io.BytesIO(data))
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
