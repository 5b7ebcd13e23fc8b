"""Shared fixtures: a demo config pointed at a temp dir, a till on a stepping clock, the CLI.

Autouse fixtures keep tests off the machine's own state: logs go to the test's temp dir and no
config is discovered from /etc or the environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from appliance import config as config_module
from appliance.cli.demo import demo_config_text
from appliance.config import Config
from appliance.core.clock import SteppingClock
from appliance.till import Till

from .ofn_sandbox import Box, running_sandbox, synced_box
from .provisioning_kit import Releases, build_releases
from .store_kit import demo_till

settings.register_profile("ci", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)
settings.load_profile("ci")

MONDAY_MORNING = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may read /etc/ofn-checkout or write /var/log: both point into the test's temp dir."""
    monkeypatch.setenv("OFN_CHECKOUT_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv(config_module.ENV_VAR, str(tmp_path / "absent-config.toml"))
    monkeypatch.setenv("ESCPOS_CAPABILITIES_PICKLE_DIR", str(tmp_path / "escpos-cache"))


@pytest.fixture
def config(tmp_path: Path) -> Config:
    demo = config_module.parse(demo_config_text())
    return replace(demo, store_path=tmp_path / "till.db", api_key_file=tmp_path / "api.key")


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """The demo config as a file, with its paths in the temp dir."""
    text = demo_config_text()
    text = text.replace("/var/lib/ofn-checkout/demo.db", str(tmp_path / "till.db"))
    text = text.replace("/var/lib/ofn-checkout/demo-api.key", str(tmp_path / "api.key"))
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clock() -> SteppingClock:
    return SteppingClock(MONDAY_MORNING)


@pytest.fixture
def till(config: Config, clock: SteppingClock) -> Iterator[Till]:
    """A new store's till with the demo catalogue and an open shift (float 100.00)."""
    with demo_till(config, clock) as till:
        yield till


def env_without_config(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["OFN_CHECKOUT_LOG_DIR"] = str(tmp_path / "logs")
    env[config_module.ENV_VAR] = str(tmp_path / "absent-config.toml")
    return env


@pytest.fixture
def box(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Box]:
    args = getattr(request, "param", ())
    with running_sandbox(tmp_path / "ofn", *args) as sandbox, synced_box(tmp_path, sandbox, seed=1) as synced:
        yield Box(sandbox, synced.config_path, synced.till, synced.client, synced.daemon, synced.clock)


@pytest.fixture(scope="session")
def releases(tmp_path_factory: pytest.TempPathFactory) -> Releases:
    """The wheels a support laptop ships (this version, and one on): built once for all xdist workers."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    return build_releases(shared / "provisioning-releases")
