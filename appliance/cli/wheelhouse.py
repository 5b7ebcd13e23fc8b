"""What the support laptop sends a box: the app's wheel and a wheelhouse of its dependencies.

The box installs from these files alone (``pip --no-index``): it needs no package registry, and
every box of a hub runs exactly the versions that were tested (the pins of this installation,
which ``provisioning/constraints.txt`` made). The laptop fetches the dependencies once, for the
box's platform, which is not the laptop's: a Raspberry Pi on the 64-bit system is aarch64 (the
32-bit one is not supported: its binary dependencies publish no wheels for it), so binary wheels
are downloaded for that platform (``pip download --platform``). A dependency that publishes no
wheel at all (evdev) goes as its source, with setuptools to build it; the box builds it with its
own compiler (the role installs gcc and the Python headers).
"""

from __future__ import annotations

import platform
import subprocess
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

#: Published as a source distribution only (no wheel for any platform).
SOURCE_ONLY = frozenset({"evdev"})
#: What pip needs on the box to build those (and pip itself, which installs everything); pinned in
#: provisioning/constraints.txt like the rest.
BUILD_TOOLS = ("setuptools", "pip")
#: manylinux tags pip may pick for each box platform, newest first (Raspberry Pi OS bookworm has glibc 2.36).
PLATFORM_TAGS = {
    "aarch64": ("manylinux_2_36_aarch64", "manylinux_2_28_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"),
    "x86_64": ("manylinux_2_36_x86_64", "manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64"),
}


class WheelhouseError(Exception):
    """The wheels could not be made; the message says what pip said and what to do."""


@dataclass(frozen=True)
class Target:
    machine: str  # uname -m of the box
    python: str  # "3.11"

    @classmethod
    def here(cls) -> Target:
        return cls(platform.machine(), f"{sys.version_info.major}.{sys.version_info.minor}")

    @property
    def is_here(self) -> bool:
        return self == Target.here()

    def environment(self) -> dict[str, str]:
        """The marker environment of the box, for the dependencies that depend on it."""
        from packaging.markers import default_environment  # the laptop's [provision] extra

        env = {key: str(value) for key, value in default_environment().items()}
        env.update(
            sys_platform="linux",
            platform_system="Linux",
            platform_machine=self.machine,
            python_version=self.python,
            python_full_version=f"{self.python}.0",
            implementation_name="cpython",
            platform_python_implementation="CPython",
        )
        return env


def runtime_pins(target: Target, root: str = "ofn-checkout") -> list[str]:
    """``name==version`` for every package the app needs on the box, as installed here (the tested pins)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    todo = [(root, frozenset[str]())]
    env = target.environment()
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            raise WheelhouseError(f"{name} is needed on the box but not installed here: run install-deps.sh") from None
        if key != canonicalize_name(root):
            pins[key] = f"{dist.metadata['Name']}=={dist.version}"
        for text in dist.requires or []:
            requirement = Requirement(text)
            wanted = [{**env, "extra": extra} for extra in extras or {""}]
            if requirement.marker is not None and not any(requirement.marker.evaluate(e) for e in wanted):
                continue
            if canonicalize_name(requirement.name) not in pins:
                todo.append((requirement.name, frozenset(requirement.extras)))
    return sorted(pins.values(), key=str.lower)


def build_wheelhouse(output: Path, target: Target) -> list[Path]:
    """Download (or build) the dependencies' wheels for ``target`` into ``output``."""
    from packaging.utils import canonicalize_name

    output.mkdir(parents=True, exist_ok=True)
    pins = runtime_pins(target) + [_installed_pin(tool) for tool in BUILD_TOOLS]
    pins = sorted(set(pins), key=str.lower)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    if target.is_here:  # the laptop is the box's platform (the tests): build what has no wheel
        _pip([*pip, "wheel", "--no-deps", "--wheel-dir", str(output), *pins])
    else:
        if target.machine not in PLATFORM_TAGS:
            raise WheelhouseError(f"unknown box platform {target.machine!r}: one of {', '.join(PLATFORM_TAGS)}")
        binary = [pin for pin in pins if canonicalize_name(pin.split("==")[0]) not in SOURCE_ONLY]
        source = [pin for pin in pins if canonicalize_name(pin.split("==")[0]) in SOURCE_ONLY]
        tags = [arg for tag in PLATFORM_TAGS[target.machine] for arg in ("--platform", tag)]
        _pip(
            [*pip, "download", "--no-deps", "--only-binary=:all:", *tags, "--python-version", target.python]
            + ["--implementation", "cp", "--dest", str(output), *binary]
        )
        if source:
            _pip([*pip, "download", "--no-deps", "--no-binary=:all:", "--dest", str(output), *source])
    return sorted(output.iterdir())


def _installed_pin(name: str) -> str:
    try:
        return f"{name}=={metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return name


def build_app_wheel(source: Path, output: Path, wheelhouse: Path | None = None) -> Path:
    """The app's wheel from a source checkout, into ``output`` (a new directory); offline when a
    wheelhouse (which holds setuptools, to build it) is given."""
    output.mkdir(parents=True)
    offline = ["--no-index", "--find-links", str(wheelhouse)] if wheelhouse else []
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel", "--no-deps", *offline]
    _pip([*pip, "--wheel-dir", str(output), str(source)])
    built = sorted(output.glob("ofn_checkout-*.whl"))
    if len(built) != 1:
        raise WheelhouseError(f"pip made no wheel of {source}")
    return built[0]


def _pip(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise WheelhouseError(f"pip failed ({' '.join(command[3:6])} …):\n{tail}")
