"""The print queue: a sale never waits for the printer.

``submit()`` files the job and returns at once; one worker thread renders and sends jobs in order.
A printer that is out of paper, offline or unplugged keeps the jobs waiting (the head job and all
behind it, so receipts come out in the order of the sales), and the worker tries again with a
growing pause, so a receipt comes out by itself once paper is loaded or the cable is back. The
cashier's "retry" (:meth:`PrintQueue.retry_now`) skips the pause.

Exactly once: a job is sent again only when nothing of it reached the printer (the device could
not be opened, reported a problem before the job was sent, or refused the first byte). When the
connection fails after the printer took part of a job, the job is NOT sent again by itself: the
printer may still print what it holds once paper or power is back, and a second copy would be an
unmarked duplicate receipt. The job is shown as "may be incomplete" and the cashier reprints it
with one key if the paper shows it is needed.

Jobs live in memory only. The sale itself is in the journal, and a receipt can always be printed
again from it (a numbered duplicate); a queue written to disk would, after a power cut, print
receipts for customers who left long ago.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

from .printer import (
    CoverOpen,
    PaperOut,
    PrinterBusy,
    PrinterError,
    PrinterNotFound,
    PrinterOffline,
    PrinterPermissionDenied,
    PrinterStatus,
    PrintInterrupted,
)

if TYPE_CHECKING:
    from appliance.core.document import Document

log = logging.getLogger(__name__)


class PrinterLike(Protocol):
    def render(self, document: Document) -> bytes: ...

    def send(self, data: bytes, *, needs_paper: bool = True) -> PrinterStatus: ...

    def status(self) -> PrinterStatus: ...


class Clock(Protocol):
    """Time for the worker's pauses; a test drives a manual one so that no test sleeps."""

    def now(self) -> float: ...

    def sleep(self, condition: threading.Condition, seconds: float | None) -> None:
        """Wait on ``condition`` (held) for up to ``seconds``; may return early, callers check again."""


class SystemClock:
    def now(self) -> float:
        return time.monotonic()

    def sleep(self, condition: threading.Condition, seconds: float | None) -> None:
        condition.wait(seconds)


def exponential_backoff(failures: int) -> float:
    """0.5 s, 1 s, 2 s, then every 5 s: short enough that a receipt follows the paper change."""
    return min(5.0, 0.5 * 2 ** max(0, failures - 1))


class JobState(Enum):
    WAITING = "waiting"
    PRINTING = "printing"
    PRINTED = "printed"
    INTERRUPTED = "may be incomplete"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = {JobState.PRINTED, JobState.INTERRUPTED, JobState.FAILED, JobState.CANCELLED}


@dataclass(frozen=True)
class JobView:
    id: int
    label: str
    state: JobState
    attempts: int
    problem: str
    reprint_of: int | None = None
    dismissed: bool = False


@dataclass(frozen=True)
class QueueSnapshot:
    """The queue as the cashier's screen shows it."""

    jobs: tuple[JobView, ...]
    printer: str  # ready | out of paper | cover open | printer offline | no permission | busy | unknown
    message: str

    @property
    def waiting(self) -> int:
        return sum(1 for job in self.jobs if job.state in (JobState.WAITING, JobState.PRINTING))

    @property
    def needs_attention(self) -> bool:
        """The printer needs a person: something waits on it, or a job may be incomplete."""
        return any(
            (job.state is JobState.WAITING and job.problem)
            or (job.state in (JobState.INTERRUPTED, JobState.FAILED) and not job.dismissed)
            for job in self.jobs
        )

    def job(self, job_id: int) -> JobView:
        """The job with this id; KeyError once it has been forgotten (finished, beyond ``keep_finished``)."""
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(f"no print job {job_id}")


@dataclass
class _Job:
    id: int
    label: str
    document: Document
    reprint_of: int | None = None
    state: JobState = JobState.WAITING
    attempts: int = 0
    failures: int = 0
    problem: str = ""
    data: bytes | None = None
    next_try: float = 0.0
    seen: bool = field(default=False)

    def view(self) -> JobView:
        return JobView(self.id, self.label, self.state, self.attempts, self.problem, self.reprint_of, self.seen)


_STATE_OF_ERROR: list[tuple[type[PrinterError], str]] = [
    (PaperOut, "out of paper"),
    (CoverOpen, "cover open"),
    (PrinterPermissionDenied, "no permission"),
    (PrinterBusy, "busy"),
    (PrinterNotFound, "printer offline"),
    (PrinterOffline, "printer offline"),
]


def _state_of(error: PrinterError) -> str:
    return next((state for kind, state in _STATE_OF_ERROR if isinstance(error, kind)), "printer offline")


class PrintQueue:
    """Jobs for one printer, sent in order by one worker thread. Use as a context manager or start/stop."""

    def __init__(
        self,
        printer: PrinterLike,
        *,
        clock: Clock | None = None,
        backoff: Callable[[int], float] = exponential_backoff,
        on_change: Callable[[QueueSnapshot], object] | None = None,
        keep_finished: int = 20,
    ):
        self.printer = printer
        self.clock = clock or SystemClock()
        self.backoff = backoff
        self.on_change = on_change
        self.keep_finished = keep_finished
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._device = threading.Lock()  # one conversation with the printer at a time: a job, or a status check
        self._jobs: list[_Job] = []
        self._ids = itertools.count(1)
        self._printer_state = "unknown"
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- life cycle -------------------------------------------------------------------------------

    def start(self) -> PrintQueue:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="print-queue", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> int:
        """Stop the worker after the job it is sending; returns how many jobs were left unprinted."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("print queue worker did not stop within %.0f s", timeout)
            self._thread = None
        with self._lock:
            left = sum(1 for job in self._jobs if job.state not in FINISHED)
        if left:
            log.warning("print queue stopped with %d %s not printed", left, "job" if left == 1 else "jobs")
        return left

    def __enter__(self) -> PrintQueue:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the till calls ----------------------------------------------------------------------

    def submit(self, document: Document, label: str = "Receipt", *, first: bool = False) -> int:
        """File a job and return its id at once. ``first`` puts it before waiting jobs (a drawer kick)."""
        with self._changed:
            job = _Job(next(self._ids), label, document)
            if first:
                position = next((i for i, j in enumerate(self._jobs) if j.state is JobState.WAITING), len(self._jobs))
                self._jobs.insert(position, job)
            else:
                self._jobs.append(job)
            self._changed.notify_all()
        self._notify()
        return job.id

    def reprint(self, job_id: int) -> int:
        """Send a job's document again, as a new job (the cashier's "reprint")."""
        with self._lock:
            original = self._find(job_id)
            if original.state is JobState.INTERRUPTED:
                original.seen = True
        return self._resubmit(original)

    def _resubmit(self, original: _Job) -> int:
        with self._changed:
            job = _Job(next(self._ids), original.label, original.document, reprint_of=original.id)
            job.data = original.data
            self._jobs.append(job)
            self._changed.notify_all()
        self._notify()
        return job.id

    def cancel(self, job_id: int) -> bool:
        """Drop a job that has not started printing; a job being sent cannot be called back."""
        with self._changed:
            job = self._find(job_id)
            if job.state is not JobState.WAITING:
                return False
            job.state = JobState.CANCELLED
            job.seen = True
            self._changed.notify_all()
        self._notify()
        return True

    def dismiss(self, job_id: int) -> None:
        """The cashier checked an incomplete or failed job: stop showing it as needing attention."""
        with self._changed:
            self._find(job_id).seen = True
            self._changed.notify_all()
        self._notify()

    def retry_now(self) -> None:
        """Try the waiting jobs now instead of after the pause (paper just loaded, cable plugged)."""
        with self._changed:
            for job in self._jobs:
                if job.state is JobState.WAITING:
                    job.next_try = 0.0
            self._changed.notify_all()

    def check_status(self) -> PrinterStatus:
        """Ask the printer how it is (paper, cover, online) between two jobs, never in the middle
        of one. Blocks for the exchange: call it from a worker (the diagnostics screen does).
        Raises the :class:`PrinterError` the printer gives, as a job would; either way the queue's
        printer state learns it, so the status bar shows paper out before the next receipt."""
        with self._device:
            try:
                status = self.printer.status()
            except PrinterError as exc:
                self._learned(_state_of(exc))
                raise
        if status.known:
            problem = status.problem()
            self._learned(_state_of(problem) if problem is not None else status.state)
        return status

    def _learned(self, printer_state: str) -> None:
        with self._changed:
            self._printer_state = printer_state
            self._changed.notify_all()
        self._notify()

    def snapshot(self) -> QueueSnapshot:
        with self._lock:
            return self._snapshot()

    def wait_for(self, predicate: Callable[[QueueSnapshot], bool], timeout: float) -> bool:
        """Block until ``predicate(snapshot)`` holds or ``timeout`` real seconds pass (shutdown, tests)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self._snapshot()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    # -- the worker -------------------------------------------------------------------------------

    def _run(self) -> None:
        while True:
            with self._changed:
                if self._stopping:
                    return
                job = next((j for j in self._jobs if j.state is JobState.WAITING), None)
                if job is None:
                    self.clock.sleep(self._changed, None)
                    continue
                delay = job.next_try - self.clock.now()
                if delay > 0:
                    self.clock.sleep(self._changed, delay)
                    continue
                job.state = JobState.PRINTING
                job.attempts += 1
                self._changed.notify_all()
            self._notify()
            self._attempt(job)
            self._notify()

    def _attempt(self, job: _Job) -> None:
        try:
            with self._device:
                if job.data is None:
                    job.data = self.printer.render(job.document)
                status = self.printer.send(job.data, needs_paper=job.document.needs_paper)
        except PrintInterrupted as exc:
            log.warning("%s (job %d) interrupted after %d of %d bytes: %s", job.label, job.id, exc.sent, exc.total, exc)
            self._finish(job, JobState.INTERRUPTED, str(exc), "printer offline")
        except PrinterError as exc:
            if exc.retry:
                log.info("%s (job %d) waits: %s", job.label, job.id, exc)
                with self._changed:
                    job.state = JobState.WAITING
                    job.failures += 1
                    job.problem = str(exc)
                    job.next_try = self.clock.now() + self.backoff(job.failures)
                    self._printer_state = _state_of(exc)
                    self._changed.notify_all()
            else:
                log.error("%s (job %d) cannot be printed: %s", job.label, job.id, exc)
                self._finish(job, JobState.FAILED, str(exc), "unknown")
        except Exception:
            log.exception("%s (job %d) failed", job.label, job.id)
            self._finish(job, JobState.FAILED, "Could not be printed (details in the log): reprint it", None)
        else:
            self._finish(job, JobState.PRINTED, "", status.state if status.known else "ready")

    def _finish(self, job: _Job, state: JobState, problem: str, printer_state: str | None) -> None:
        with self._changed:
            job.state = state
            job.problem = problem
            if printer_state is not None:
                self._printer_state = printer_state
            self._forget_old()
            self._changed.notify_all()

    def _forget_old(self) -> None:
        finished = [j for j in self._jobs if j.state in FINISHED and (j.seen or j.state is not JobState.INTERRUPTED)]
        for job in finished[: max(0, len(finished) - self.keep_finished)]:
            self._jobs.remove(job)

    # -- helpers ----------------------------------------------------------------------------------

    def _find(self, job_id: int) -> _Job:
        for job in self._jobs:
            if job.id == job_id:
                return job
        raise KeyError(f"no print job {job_id}")

    def _snapshot(self) -> QueueSnapshot:
        attention = [job for job in self._jobs if job.state in (JobState.INTERRUPTED, JobState.FAILED) and not job.seen]
        return QueueSnapshot(tuple(job.view() for job in self._jobs), self._printer_state, self._message(attention))

    def _message(self, attention: list[_Job]) -> str:
        waiting = [job for job in self._jobs if job.state in (JobState.WAITING, JobState.PRINTING)]
        parts = []
        blocked = next((job for job in waiting if job.problem), None)
        if blocked is not None:
            count = len(waiting)
            waits = "receipt waits and prints" if count == 1 else "receipts wait and print"
            parts.append(f"{blocked.problem}. Sale saved: {count} {waits} once it is fixed")
        for job in attention:
            if job.state is JobState.INTERRUPTED:
                parts.append(f"{job.label} may be incomplete: check it, reprint it from the print queue if needed")
            else:
                parts.append(f"{job.label}: {job.problem}")
        if not parts:
            return "Printing" if waiting else "Printer ready"
        return ". ".join(parts)

    def _notify(self) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(self.snapshot())
        except Exception:  # a screen callback must not kill the worker
            log.exception("print queue on_change callback failed")
