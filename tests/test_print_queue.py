"""The print queue: a sale never waits for the printer, and every receipt comes out exactly once.

The worker's pauses run on a manual clock the test moves, so a retry happens when the test says
and never because some real time went by; the printer is the twin, in memory or behind a real
pseudo-terminal that is unplugged and plugged back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from appliance.core.document import Cut, Document, DrawerKick, Text
from drivers.print_queue import JobState, PrintQueue, QueueSnapshot, exponential_backoff
from drivers.printer import Printer, PrinterSettings
from drivers.printer_twin import PrinterTwin, PtyPrinter, read_bytes

WAIT = 10.0  # real seconds before a wait_for gives up: only reached when the code is broken


@pytest.fixture(scope="module", autouse=True)
def escpos_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ESCPOS_CAPABILITIES_PICKLE_DIR", str(tmp_path_factory.mktemp("escpos-cache")))
        yield


class ManualClock:
    """Time that moves only when the test says; the worker's sleeps end on advance()."""

    def __init__(self) -> None:
        self._now = 0.0
        self._lock = threading.Lock()
        self._conditions: set[threading.Condition] = set()
        self._asleep = threading.Condition(self._lock)
        self._sleeping = 0

    def now(self) -> float:
        return self._now

    def sleep(self, condition: threading.Condition, seconds: float | None) -> None:
        # Called with ``condition`` held, so advance() (which takes it) cannot slip in before wait().
        with self._lock:
            self._conditions.add(condition)
            self._sleeping += 1
            self._asleep.notify_all()
        try:
            condition.wait()
        finally:
            with self._lock:
                self._sleeping -= 1

    def wait_until_asleep(self) -> None:
        with self._lock:
            assert self._asleep.wait_for(lambda: self._sleeping > 0, WAIT), "the worker never went to sleep"

    def advance(self, seconds: float) -> None:
        self.wait_until_asleep()
        with self._lock:
            conditions = list(self._conditions)
        self._now += seconds
        for condition in conditions:
            with condition:  # the worker is in wait(): it sees the new time when it wakes
                condition.notify_all()


def receipt(number: int) -> Document:
    return Document((Text(f"RECEIPT No {number}"), Text("Café 3,50 €"), Cut()))


def pieces(twin: PrinterTwin) -> list[list[str]]:
    return twin.printout().pieces()


def job_is(job_id: int, state: JobState, problem: str = "") -> Callable[[QueueSnapshot], bool]:
    def check(snapshot: QueueSnapshot) -> bool:
        job = snapshot.job(job_id)
        return job.state is state and problem in job.problem

    return check


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def twin() -> PrinterTwin:
    return PrinterTwin()


@pytest.fixture
def queue(twin: PrinterTwin, clock: ManualClock) -> Iterator[PrintQueue]:
    with PrintQueue(Printer(twin.connection, PrinterSettings()), clock=clock) as running:
        yield running


def test_out_of_paper_the_sale_goes_on_and_the_receipt_prints_once_paper_is_back(
    queue: PrintQueue, twin: PrinterTwin, clock: ManualClock
) -> None:
    twin.set_status(paper_out=True)
    job = queue.submit(receipt(1), "Receipt No 1")
    assert queue.wait_for(job_is(job, JobState.WAITING, "out of paper"), WAIT)
    snapshot = queue.snapshot()
    assert snapshot.printer == "out of paper" and snapshot.needs_attention and snapshot.waiting == 1
    assert snapshot.message == (
        "Printer out of paper: load a new roll. Sale saved: 1 receipt waits and prints once it is fixed"
    )
    assert b"RECEIPT" not in twin.received  # only status requests reached the printer
    clock.advance(60)  # retries while still out of paper: still nothing sent
    assert queue.wait_for(lambda s: s.job(job).attempts >= 2 and s.job(job).state is JobState.WAITING, WAIT)
    assert b"RECEIPT" not in twin.received
    twin.set_status(paper_out=False)
    clock.advance(60)
    assert queue.wait_for(job_is(job, JobState.PRINTED), WAIT)
    clock.advance(600)  # nothing left to retry: no second copy, ever
    queue.retry_now()
    assert queue.wait_for(lambda s: s.waiting == 0, WAIT)
    assert pieces(twin) == [["RECEIPT No 1", "Café 3,50 €"]]
    assert twin.received.count(b"RECEIPT No 1") == 1
    final = queue.snapshot()
    assert final.printer == "ready" and not final.needs_attention and final.message == "Printer ready"


def test_submit_returns_at_once_even_while_the_printer_is_busy_sending(twin: PrinterTwin, clock: ManualClock) -> None:
    entered, release = threading.Event(), threading.Event()

    class SlowPrinter(Printer):
        def send(self, data: bytes, *, needs_paper: bool = True):  # type: ignore[no-untyped-def]
            entered.set()
            assert release.wait(WAIT)
            return super().send(data, needs_paper=needs_paper)

    with PrintQueue(SlowPrinter(twin.connection), clock=clock) as queue:
        first = queue.submit(receipt(1))
        assert entered.wait(WAIT)
        second = queue.submit(receipt(2))  # the worker is stuck in send(): this must not wait for it
        assert queue.snapshot().job(second).state is JobState.WAITING
        assert queue.snapshot().job(first).state is JobState.PRINTING
        release.set()
        assert queue.wait_for(lambda s: s.waiting == 0, WAIT)
    assert [piece[0] for piece in pieces(twin)] == ["RECEIPT No 1", "RECEIPT No 2"]


def test_receipts_come_out_in_the_order_of_the_sales(queue: PrintQueue, twin: PrinterTwin, clock: ManualClock) -> None:
    twin.set_status(cover_open=True)
    jobs = [queue.submit(receipt(n)) for n in range(1, 5)]
    assert queue.wait_for(job_is(jobs[0], JobState.WAITING, "cover open"), WAIT)
    assert queue.snapshot().printer == "cover open"
    assert "4 receipts wait" in queue.snapshot().message
    twin.set_status(cover_open=False)
    clock.advance(60)
    assert queue.wait_for(lambda s: s.waiting == 0, WAIT)
    assert [piece[0] for piece in pieces(twin)] == [f"RECEIPT No {n}" for n in range(1, 5)]


def test_an_unplugged_pty_printer_gets_the_job_once_plugged_back(tmp_path: Path, clock: ManualClock) -> None:
    twin = PrinterTwin()
    wire = PtyPrinter(twin, tmp_path / "ttyUSB-printer")
    printer = Printer.from_url(f"serial:{wire.link}")
    with PrintQueue(printer, clock=clock) as queue:
        job = queue.submit(receipt(7), "Receipt No 7")  # never plugged in yet
        assert queue.wait_for(job_is(job, JobState.WAITING, "No printer at"), WAIT)
        assert queue.snapshot().printer == "printer offline"
        wire.plug()
        try:
            clock.advance(60)
            assert queue.wait_for(job_is(job, JobState.PRINTED), WAIT)
            assert twin.wait_for("cut")
            wire.unplug()  # pulled out between two sales
            second = queue.submit(receipt(8), "Receipt No 8")
            assert queue.wait_for(job_is(second, JobState.WAITING, "No printer at"), WAIT)
            wire.plug()
            clock.advance(60)
            assert queue.wait_for(job_is(second, JobState.PRINTED), WAIT)
            assert twin.wait_for("cut", 2)
        finally:
            wire.unplug()
    assert pieces(twin) == [["RECEIPT No 7", "Café 3,50 €"], ["RECEIPT No 8", "Café 3,50 €"]]


def test_a_file_device_that_disappears_and_comes_back(tmp_path: Path, clock: ManualClock) -> None:
    """As /dev/usb/lp0: gone while the printer is off, there again once it is on."""
    device = tmp_path / "usb" / "lp0"
    with PrintQueue(Printer.from_url(f"file:{device}"), clock=clock) as queue:
        job = queue.submit(receipt(3))
        assert queue.wait_for(job_is(job, JobState.WAITING, "No printer at"), WAIT)
        device.parent.mkdir()
        clock.advance(60)
        assert queue.wait_for(job_is(job, JobState.PRINTED), WAIT)
    assert read_bytes(device.read_bytes()).pieces() == [["RECEIPT No 3", "Café 3,50 €"]]


def test_a_job_cut_off_part_way_is_not_sent_again_by_itself(
    queue: PrintQueue, twin: PrinterTwin, clock: ManualClock
) -> None:
    twin.unplug_after(9 + 12)  # the three status requests, then 12 bytes of the job
    job = queue.submit(receipt(5), "Receipt No 5")
    assert queue.wait_for(job_is(job, JobState.INTERRUPTED, "part-way"), WAIT)
    snapshot = queue.snapshot()
    assert snapshot.needs_attention and "Receipt No 5 may be incomplete" in snapshot.message
    twin.plug()
    clock.advance(600)
    queue.retry_now()
    other = queue.submit(receipt(6))
    assert queue.wait_for(job_is(other, JobState.PRINTED), WAIT)
    assert twin.received.count(b"RECEIPT No 5") == 0  # the 12 bytes did not reach the text
    assert queue.snapshot().job(job).state is JobState.INTERRUPTED
    again = queue.reprint(job)  # the cashier looked at the paper and asked for it
    assert queue.wait_for(job_is(again, JobState.PRINTED), WAIT)
    assert queue.snapshot().job(again).reprint_of == job
    assert not queue.snapshot().needs_attention
    assert [piece[0] for piece in pieces(twin)] == ["RECEIPT No 6", "RECEIPT No 5"]


def test_a_drawer_kick_goes_before_receipts_waiting_for_the_printer(
    queue: PrintQueue, twin: PrinterTwin, clock: ManualClock
) -> None:
    twin.unplug()
    waiting = queue.submit(receipt(1))
    assert queue.wait_for(job_is(waiting, JobState.WAITING, "No printer at"), WAIT)
    kick = queue.submit(Document((DrawerKick(),)), "Open drawer", first=True)
    assert [job.id for job in queue.snapshot().jobs] == [kick, waiting]
    twin.plug()
    clock.advance(60)
    assert queue.wait_for(lambda s: s.waiting == 0, WAIT)
    kinds = [event.kind for event in twin.printout().events if event.kind in ("drawer", "cut")]
    assert kinds == ["drawer", "drawer", "cut"]


def test_a_waiting_job_can_be_cancelled_and_a_failed_one_does_not_stop_the_queue(
    twin: PrinterTwin, clock: ManualClock
) -> None:
    class FussyPrinter(Printer):
        def render(self, document: Document) -> bytes:
            if document == receipt(2):
                raise RuntimeError("renderer bug")
            return super().render(document)

    with PrintQueue(FussyPrinter(twin.connection), clock=clock) as queue:
        twin.unplug()
        first = queue.submit(receipt(1))
        assert queue.wait_for(job_is(first, JobState.WAITING, "No printer at"), WAIT)
        assert queue.cancel(first) and not queue.cancel(first)
        broken = queue.submit(receipt(2), "Receipt No 2")
        third = queue.submit(receipt(3))
        twin.plug()
        clock.advance(60)
        assert queue.wait_for(job_is(third, JobState.PRINTED), WAIT)
        snapshot = queue.snapshot()
        assert snapshot.job(broken).state is JobState.FAILED and snapshot.needs_attention
        assert "Receipt No 2: Could not be printed (details in the log)" in snapshot.message
        queue.dismiss(broken)
        assert not queue.snapshot().needs_attention
    assert pieces(twin) == [["RECEIPT No 3", "Café 3,50 €"]]


def test_the_screen_is_told_of_every_change_and_a_failing_callback_harms_nothing(
    twin: PrinterTwin, clock: ManualClock
) -> None:
    seen: list[QueueSnapshot] = []

    def on_change(snapshot: QueueSnapshot) -> None:
        seen.append(snapshot)
        raise ValueError("screen gone")

    with PrintQueue(Printer(twin.connection), clock=clock, on_change=on_change) as queue:
        job = queue.submit(receipt(1))
        assert queue.wait_for(job_is(job, JobState.PRINTED), WAIT)
    # After stop() the worker is joined: every change has been reported, in the order it happened.
    order = [JobState.WAITING, JobState.PRINTING, JobState.PRINTED]
    states = [s.job(job).state for s in seen]
    assert states == sorted(states, key=order.index) and states[-1] is JobState.PRINTED
    assert JobState.PRINTING in states and len(seen) >= 3


def test_stop_joins_the_worker_and_says_what_was_left(twin: PrinterTwin, clock: ManualClock) -> None:
    twin.set_status(paper_out=True)
    queue = PrintQueue(Printer(twin.connection), clock=clock).start()
    thread = queue._thread
    job = queue.submit(receipt(1))
    assert queue.wait_for(job_is(job, JobState.WAITING, "paper"), WAIT)
    assert queue.stop() == 1
    assert thread is not None and not thread.is_alive()


def test_finished_jobs_are_kept_for_the_screen_up_to_a_limit(twin: PrinterTwin, clock: ManualClock) -> None:
    with PrintQueue(Printer(twin.connection), clock=clock, keep_finished=3) as queue:
        jobs = [queue.submit(receipt(n)) for n in range(6)]
        assert queue.wait_for(job_is(jobs[-1], JobState.PRINTED), WAIT)
        assert [job.id for job in queue.snapshot().jobs] == jobs[-3:]


def test_the_default_pause_grows_then_stays_short() -> None:
    assert [exponential_backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_replay_s_receipt_copier_passes_the_printer_s_status_through(queue: PrintQueue, twin: PrinterTwin) -> None:
    """``replay --receipts`` puts a copier before the printer; the diagnostics screen still asks the
    printer how it is through the queue (the copier once had no ``status``: an internal error)."""
    from tui.replay_receipts import copy_receipts

    copier = copy_receipts(queue, 48)
    assert copier is not None and queue.printer is copier
    twin.set_status(paper_out=True)
    status = queue.check_status()
    assert status.known and status.paper_out
    assert queue.snapshot().printer == "out of paper"
