"""A real OpenSSH server for the provisioning tests: on 127.0.0.1, a free port, its own host key and
one authorized test key, everything in a temp dir; stopped with every session it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .processes import die_with_parent

SSHD = Path("/usr/sbin/sshd")


@dataclass(frozen=True)
class Sshd:
    port: int
    user: str
    identity: Path  # the client's private key
    known_hosts: Path
    log: Path
    pid: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "ofn-test", "-f", str(path)], check=True)


@contextmanager
def running_sshd(directory: Path) -> Iterator[Sshd]:
    """sshd in the foreground of a process of ours; on the way out it and its sessions are killed."""
    directory.mkdir(parents=True, exist_ok=True)
    _keygen(directory / "host_key")
    _keygen(directory / "client_key")
    (directory / "authorized_keys").write_text((directory / "client_key.pub").read_text())
    host_key = (directory / "host_key.pub").read_text().split()
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation directory
    for _ in range(5):  # another test may take the port between the probe and the bind
        port = _free_port()
        config = directory / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress 127.0.0.1\nHostKey {directory / 'host_key'}\n"
            f"PidFile {directory / 'sshd.pid'}\nAuthorizedKeysFile {directory / 'authorized_keys'}\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
            "PermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\nLogLevel VERBOSE\n"
            "MaxStartups 50\nMaxSessions 50\n"
        )
        log = directory / "sshd.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config)],
            stdout=handle,
            stderr=handle,
            start_new_session=True,
            preexec_fn=die_with_parent,
        )
        handle.close()
        if _listening(port, process):
            break
        process.kill()
        process.wait()
    else:
        raise RuntimeError(f"sshd did not start: {log.read_text()}")
    known_hosts = directory / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key[0]} {host_key[1]}\n")
    try:
        yield Sshd(port, _login(), directory / "client_key", known_hosts, log, process.pid)
    finally:
        _stop(process)


def _login() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def _listening(port: int, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    """The listener and every session it forked (each session is a session of its own, so they are
    found by parentage, before the listener goes): nothing of it lingers."""
    sessions = _descendants(process.pid)
    for pid in [process.pid, *sessions]:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=10)


def _descendants(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, frontier = [], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found
