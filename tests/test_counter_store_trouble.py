"""The store emptied or damaged behind a running till: the cashier is told what happened and what to
do, in words, the status bar says so for as long as it lasts, and the basket is kept."""

from __future__ import annotations

import logging
import os
import sqlite3
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import appliance.till
from appliance.config import Config
from appliance.store.database import StoreError, StoreUnreadable
from appliance.store.sync_state import Status
from appliance.till import Till
from tui.bridge import Bridge
from tui.guard import STORE_WENT_BAD, store_words
from tui.screens.payment import PaymentScreen
from tui.screens.receipt import ReceiptScreen

from .counter_kit import (
    FLOUR,
    PASTA,
    app_for,
    counter_kit,
    last_sale,
    message,
    scan,
    screen_text,
    type_keys,
    until,
)


def bar(app: object) -> str:
    return screen_text(app).splitlines()[0]  # type: ignore[arg-type]


async def test_a_store_emptied_under_the_till_is_said_shown_and_refused_until_the_till_restarts(
    till: Till, config: Config, tmp_path: Path
) -> None:
    config = replace(config, counter={**config.counter, "status_poll_ms": 200})
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await until(pilot, lambda: app.sync is not None, what="the first status read")
            assert "STORE UNREADABLE" not in bar(app)

            saved = till.path.read_bytes()  # what support would put back
            till.path.write_bytes(b"")  # the file emptied behind the running till's back

            await until(pilot, lambda: app.store_problem is not None, what="the store's trouble")
            assert "STORE UNREADABLE" in bar(app)
            assert message(app) == STORE_WENT_BAD
            assert "is empty: this store was emptied or replaced" in app.store_problem
            assert app.unexpected == 0, "said as what it is, not as an unexpected error"

            await scan(pilot, PASTA)  # whatever the scan makes of it, never the generic line
            assert "Something went wrong" not in message(app)
            assert "Flour" in screen_text(app), "the basket is kept"

            await type_keys(pilot, "+")
            await pilot.press("enter")  # exact cash: paid in full, but the sale cannot be saved
            await until(pilot, lambda: "Nothing was saved: till.db went bad while the till ran" in message(app))
            assert isinstance(app.screen, PaymentScreen)

            till.path.write_bytes(saved)  # put back in place: the till's connection still holds the old pages
            await pilot.pause(0.5)  # two polls
            await pilot.press("enter")
            await until(pilot, lambda: "call support, then restart the till" in message(app))
            assert isinstance(app.screen, PaymentScreen) and "STORE UNREADABLE" in bar(app)
            assert till.connection.execute("SELECT count(*) FROM sale").fetchone()[0] == 0
            assert app.unexpected == 0


async def test_a_sale_paid_in_full_that_could_not_be_saved_is_saved_by_enter_once_it_can(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk under the sale's commit: the payments stay, and Enter (nothing typed) saves it."""
    complete = till.complete
    failures = [sqlite3.OperationalError("database or disk is full")]

    def full_once(*args: object, **kwargs: object) -> object:
        if failures:
            raise failures.pop()
        return complete(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(till, "complete", full_once)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await type_keys(pilot, "+")
            await pilot.press("enter")
            await until(pilot, lambda: "the disk is full; nothing was recorded" in message(app))
            assert message(app).endswith("The basket is kept") and isinstance(app.screen, PaymentScreen)
            await pilot.press("enter")  # space freed: Enter with nothing typed saves the sale
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen), what="the receipt choice")
            assert last_sale(till).number == 1
            assert till.connection.execute("SELECT count(*) FROM sale").fetchone()[0] == 1, "saved once"


def unreadable(read: Callable[[], object]) -> str:
    try:
        read()
    except StoreUnreadable as exc:
        return str(exc)
    raise AssertionError("the store was read")


def test_the_status_reader_finds_a_store_overwritten_and_the_till_refuses_to_write_until_it_restarts(
    till: Till, tmp_path: Path
) -> None:
    read = till.sync_status_reader()
    assert read().state and till.store_trouble is None  # a healthy store reads
    good = till.path.read_bytes()

    till.path.write_bytes(b"not a database at all, but long enough to be read as one" * 100)  # in place
    assert unreadable(read).startswith(f"{till.path} is no longer an SQLite database")
    assert till.store_trouble is not None
    with pytest.raises(StoreError, match="Nothing was saved: till.db went bad while the till ran"):
        till.move_cash("in", Decimal("1"), "float top-up", "Alice")
    till.path.write_bytes(good)  # put back in place: the till's connection still holds the old pages
    assert unreadable(read).startswith(f"{till.path} is no longer an SQLite database"), "until the till restarts"
    with pytest.raises(StoreError, match="Nothing was saved"):
        till.retry_parked(wait_s=0)  # the sync's state, on a connection of its own, is refused too


def test_a_store_replaced_under_the_till_is_found(till: Till, tmp_path: Path) -> None:
    read = till.sync_status_reader()
    assert read().state
    (tmp_path / "other.db").write_bytes(till.path.read_bytes())
    os.replace(tmp_path / "other.db", till.path)  # another file renamed over it: the till writes the old one
    assert "was replaced by another file while the till had it open: restart the till" in unreadable(read)
    with pytest.raises(StoreError, match="Nothing was saved"):
        till.move_cash("in", Decimal("1"), "float top-up", "Alice")


def test_an_sqlite_error_once_is_a_passing_one_twice_the_store_gone_bad(
    till: Till, monkeypatch: pytest.MonkeyPatch
) -> None:
    errors: list[Exception] = []
    real_read_status = appliance.till.read_status

    def read_status(*args: Any) -> Status:
        if errors:
            raise errors.pop()
        return real_read_status(*args)

    monkeypatch.setattr(appliance.till, "read_status", read_status)
    read = till.sync_status_reader()
    errors.append(sqlite3.DatabaseError("disk I/O error"))
    with pytest.raises(sqlite3.DatabaseError):
        read()  # once: a passing error, raised as it came
    assert till.store_trouble is None
    assert read().state, "a good read in between forgets it"
    errors.extend([sqlite3.DatabaseError("disk I/O error")] * 2)
    with pytest.raises(sqlite3.DatabaseError):
        read()
    assert "is not a usable checkout database (disk I/O error)" in unreadable(read)
    assert till.store_trouble is not None
    errors.append(sqlite3.OperationalError("database is locked"))
    assert "disk I/O error" in unreadable(read), "kept until the till restarts"


def test_a_disk_full_under_a_sale_says_so() -> None:
    class App:
        store_problem = None

    words = store_words(App(), sqlite3.OperationalError("database or disk is full"))
    assert store_words(App(), ValueError("not the store")) is None
    assert words == (
        "The till's store cannot be written: the disk is full; nothing was recorded: free some space and try again."
        " The basket is kept"
    )


def test_the_bridge_logs_a_failing_read_once_and_posts_the_trouble_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    posted: list[object] = []

    class App:
        def post_message(self, message: object) -> None:
            posted.append(message)

    healthy = Status("online", "", None, 0, 0, None)
    answers: list[Status | Exception] = [
        OSError("locked for a moment"),
        OSError("locked for a moment"),
        healthy,
        StoreUnreadable("till.db is empty"),
        StoreUnreadable("till.db is empty"),
    ]
    bridge = Bridge(App(), None, lambda: None, status_poll=0)  # type: ignore[arg-type]

    def read() -> Status:
        answer = answers.pop(0)
        if not answers:
            bridge._stop.set()
        if isinstance(answer, Exception):
            raise answer
        return answer

    bridge.sync_status = read
    with caplog.at_level(logging.INFO, logger="tui.bridge"):
        bridge._watch_sync()
    assert [type(m).__name__ for m in posted] == ["SyncChanged", "StoreTrouble"]
    assert posted[1].problem == "till.db is empty"  # type: ignore[attr-defined]
    logged = [record.getMessage() for record in caplog.records]
    assert logged == [
        "reading the sync state failed (said again only if it changes)",
        "the store cannot be read: till.db is empty",
    ]
