"""The basket keeper: the counter hands the basket over and goes on; the newest version reaches the file."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from appliance.store import basket_file
from appliance.store.basket_file import Keeper


@pytest.fixture
def stuck_disk(monkeypatch: pytest.MonkeyPatch) -> tuple[threading.Event, threading.Event, list[dict[str, Any]]]:
    """Writes that wait until ``release`` is set, as a rename waits for a busy file system's journal;
    ``started`` is set when the first write begins; each record written is listed."""
    release, started = threading.Event(), threading.Event()
    written: list[dict[str, Any]] = []
    real_keep = basket_file.keep

    def slow_keep(path: Path, data: bytes) -> None:
        started.set()
        assert release.wait(30), "the test never released the disk"
        real_keep(path, data)
        written.append(json.loads(data))

    monkeypatch.setattr(basket_file, "keep", slow_keep)
    return release, started, written


def test_the_counter_never_waits_for_a_busy_disk_and_the_newest_basket_wins(
    tmp_path: Path, stuck_disk: tuple[threading.Event, threading.Event, list[dict[str, Any]]]
) -> None:
    release, started, written = stuck_disk
    path = tmp_path / "till.db.basket"
    keeper = Keeper(path)
    keeper.keep({"lines": 1})
    assert started.wait(10)  # the first write is stuck on the disk…
    for lines in range(2, 6):
        keeper.keep({"lines": lines})  # …and the scans go on: each call came back without writing
    assert not path.exists() and written == []
    assert not keeper.flush(timeout=0.05)  # still waiting for the disk
    release.set()
    assert keeper.flush(timeout=10)
    assert written == [{"lines": 1}, {"lines": 5}]  # the versions in between were never worth writing
    assert basket_file.kept(path) == {"lines": 5}
    keeper.close()


def test_no_basket_any_more_drops_the_file_in_turn(tmp_path: Path) -> None:
    path = tmp_path / "till.db.basket"
    keeper = Keeper(path)
    keeper.keep({"lines": 2})
    assert keeper.flush(timeout=10) and basket_file.kept(path) == {"lines": 2}
    keeper.keep(None)  # sealed or cancelled
    keeper.close()
    assert not path.exists()
    keeper = Keeper(path)
    keeper.keep(None)
    keeper.keep({"lines": 3})  # a new basket starts
    keeper.close()  # what is waiting is written before the thread stops
    assert basket_file.kept(path) == {"lines": 3}
    with pytest.raises(RuntimeError):
        keeper.keep({"lines": 4})


def test_a_write_that_fails_is_logged_and_the_next_one_is_made(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "gone"
    keeper = Keeper(folder / "till.db.basket")
    keeper.keep({"lines": 1})  # the folder is missing: the write fails
    assert keeper.flush(timeout=10)
    assert "keeping the basket in progress failed" in caplog.text
    folder.mkdir()
    keeper.keep({"lines": 2})
    keeper.close()
    assert basket_file.kept(folder / "till.db.basket") == {"lines": 2}


def test_a_change_waits_for_the_caller_s_moment_unless_someone_waits_for_it(tmp_path: Path) -> None:
    """The counter draws its new line while the keeper waits; flush (a restart reading the basket
    back) and close do not wait for that moment."""
    path = tmp_path / "till.db.basket"
    keeper = Keeper(path, settle=60)
    keeper.keep({"lines": 1})
    keeper.keep({"lines": 2})
    assert not path.exists()  # settling
    assert keeper.flush(timeout=10) and basket_file.kept(path) == {"lines": 2}
    keeper.keep({"lines": 3})
    assert basket_file.kept(path) == {"lines": 2}  # settling: not written yet
    keeper.close()
    assert basket_file.kept(path) == {"lines": 3}
