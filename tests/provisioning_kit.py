"""What the provisioning tests share: the releases a laptop ships, a run of `ofn-checkout provision`,
and the checks on a box's tree (what changed, where a secret could have leaked).

A "box" here is a prefix root on this machine, reached over a real sshd on 127.0.0.1; the laptop
is this test's process. Everything is written under the test's temp dir.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
WHEELHOUSE = ROOT / ".venv" / "wheelhouse"
UPGRADE_VERSION = "0.1.0+upgrade1"
#: The services' user on a prefix root: one that exists here (a prefix root cannot have users of its own).
SERVICE_USER = "daemon"
PROBE_TABLE = "upgrade_probe"


@dataclass(frozen=True)
class Releases:
    current: Path  # this checkout's wheel
    upgrade: Path  # the same, one version on, with a migration that adds a table


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def build_releases(directory: Path) -> Releases:
    """Both wheels, built once for every xdist worker of the run (under a lock in ``directory``)."""
    directory.mkdir(parents=True, exist_ok=True)
    with _locked(directory / ".lock"):
        current, upgrade = directory / "current", directory / "upgrade"
        if not current.is_dir():
            _wheel(ROOT, current)
        if not upgrade.is_dir():
            source = directory / "upgrade-source"
            shutil.rmtree(source, ignore_errors=True)
            _copy_source(source)
            pyproject = source / "pyproject.toml"
            pyproject.write_text(
                re.sub(r'(?m)^version = ".*"$', f'version = "{UPGRADE_VERSION}"', pyproject.read_text())
            )
            schema = source / "appliance" / "store" / "schema.py"
            schema.write_text(
                schema.read_text()
                + f"\n\n@migrations()\ndef m999_{PROBE_TABLE}(db: Database) -> None:\n"
                + f'    _run(db, "CREATE TABLE {PROBE_TABLE} (x INTEGER)")\n'
            )
            _wheel(source, upgrade)
    return Releases(next(current.glob("*.whl")), next(upgrade.glob("*.whl")))


def _copy_source(target: Path) -> None:
    ignore = shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.egg-info", "build", "tests", "bench")
    shutil.copytree(ROOT, target, ignore=ignore)


def _wheel(source: Path, output: Path) -> None:
    if not WHEELHOUSE.is_dir():
        raise RuntimeError(f"{WHEELHOUSE} is missing: run `bash provisioning/install-deps.sh --test`")
    partial = output.with_name(output.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps", "--no-index"]
        + ["--find-links", str(WHEELHOUSE), "--wheel-dir", str(partial), str(source)],
        check=True,
        capture_output=True,
    )
    partial.rename(output)


@dataclass
class Run:
    rc: int
    output: str

    @property
    def changed(self) -> list[int]:
        """changed= of each host in the play recap."""
        return [int(n) for n in re.findall(r"changed=(\d+)", self.output.split("PLAY RECAP")[-1])]


@dataclass
class Laptop:
    """The support laptop: its working files, and every output it saw (to look for secrets in)."""

    work: Path
    outputs: list[str] = field(default_factory=list)

    def environment(self) -> dict[str, str]:
        """Ansible's and the CLI's own files in the test's temp dir, never in ~ or /tmp."""
        for name in ("tmp", "remote-tmp", "local-tmp", "ansible-home", "logs"):
            (self.work / name).mkdir(parents=True, exist_ok=True)
        return {
            **os.environ,
            "TMPDIR": str(self.work / "tmp"),
            "ANSIBLE_REMOTE_TMP": str(self.work / "remote-tmp"),
            "ANSIBLE_LOCAL_TEMP": str(self.work / "local-tmp"),
            "ANSIBLE_HOME": str(self.work / "ansible-home"),
            "ANSIBLE_LOG_PATH": str(self.work / "ansible.log"),
            "OFN_CHECKOUT_LOG_DIR": str(self.work / "logs"),
            "PYTHONWARNINGS": "ignore:DSA is deprecated",
        }

    def run(self, *command: str | Path, env: dict[str, str] | None = None) -> Run:
        result = subprocess.run(
            [str(part) for part in command],
            capture_output=True,
            text=True,
            env={**self.environment(), **(env or {})},
            timeout=600,
        )
        output = result.stdout + result.stderr
        self.outputs.append(output)
        return Run(result.returncode, output)


def tree(root: Path, *, skip: tuple[str, ...] = ("var/log/",)) -> dict[str, tuple[object, ...]]:
    """Every file under ``root``: its type, mode, owner and content (or link target): what "changed" means.

    SQLite's -shm (the readers' shared index, which reading writes to) and logs are left out.
    """
    found: dict[str, tuple[object, ...]] = {}
    for path in sorted(root.rglob("*")):
        name = str(path.relative_to(root))
        if name.endswith("-shm") or any(name.startswith(prefix) for prefix in skip):
            continue
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            content: object = os.readlink(path)
        elif stat.S_ISREG(info.st_mode):
            content = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            content = None
        found[name] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), info.st_uid, content)
    return found


def leaks(secret: str, where: list[Path], texts: list[str], allowed: set[Path]) -> list[str]:
    """Every file under ``where`` (but the key files themselves) and every text that holds ``secret``."""
    found = [f"output #{index}" for index, text in enumerate(texts) if secret in text]
    needle = secret.encode()
    for top in where:
        for path in top.rglob("*"):
            if path in allowed or not path.is_file() or path.is_symlink() or "versions" in path.parts:
                continue
            if needle in path.read_bytes():
                found.append(str(path))
    return found
