"""Needs attention: what sync parked or found, by order and variant, each with what to do in OFN.

A manager reads why each change could not be posted and what to correct on which page of OFN's
admin, fixes it there, and presses Enter: the parked changes go back in the sync's queue (the
till takes the sync's pass lock for it, in a worker, so the screen never waits on a pass), and
the screen follows each one until a read of OFN shows it arrived, or it is parked again. The
printer's waiting jobs are retried by the same key. The oldest sale still waiting for OFN is
shown with the wait that turns the status light red.

Everything comes from the store (``Till.attention``); the list is read again whenever the sync
state the bridge polls changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from appliance.core.text import counted
from appliance.reports.attention import AttentionList, Task, headline
from appliance.store.sync_attention import CREDIT, Key, LineState
from appliance.store.sync_state import Status, duration

from ..keymap import bindings
from ..widgets.footer import Footer
from ..widgets.status_bar import StatusBar
from .base import CASHIER_ERRORS, CounterScreen, Said
from .choose import Choice, ChooseScreen

T = TypeVar("T")

#: How long a retry waits for a sync pass in progress to end before saying so.
RETRY_WAIT_S = 30.0


@dataclass
class ChangedUnderLock(Message):
    """A change made in a worker under the sync's pass lock: its result for ``then``, or why it failed."""

    then: Callable[[Any], None]
    result: Any = None
    error: str = ""


class AttentionScreen(CounterScreen):
    BINDINGS = bindings("retry", "credit_answer", "back", hidden=("up", "down", "help"))

    def __init__(self) -> None:
        super().__init__()
        self.report: AttentionList | None = None
        self.retried: dict[Key, str] = {}  # what the last retry put back (and where), followed into OFN
        self.retried_at = ""
        self._seen: Status | None = None

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static(id="attention-head")
        with VerticalScroll(id="attention-body"):
            yield Static(id="attention-list")
        yield Said(id="said")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.reload()
        self.refresh_status()

    def on_screen_resume(self) -> None:
        super().on_screen_resume()
        self.reload()

    def refresh_status(self) -> None:
        """The bridge saw the sync state change: read the list again (a pass parked or sent)."""
        super().refresh_status()
        if self.checkout.sync is not self._seen and self.report is not None:
            self.reload()

    # -- what the screen shows -------------------------------------------------------------------

    def reload(self) -> None:
        checkout = self.checkout
        self._seen = checkout.sync
        self.report = report = checkout.till.attention(checkout.attention_after_s)
        self.paint("#attention-head", self._head(report))
        body: list[RenderableType] = []
        self._waiting(body, report.waiting)
        if self.retried:
            self._retried(body, checkout.till.retried(list(self.retried)))
        if report.found:
            body.append(Text("\nFound in OFN lately (nothing waits on them)", style="bold #00aaaa"))
            for task in report.found:
                self._show_task(body, task, "found")
        self._printer(body)
        self.paint("#attention-list", Group(*body))
        self.refresh_bindings()  # * comes and goes with the credit postings that wait for an answer

    def _head(self, report: AttentionList) -> Text:
        fmt = self.checkout.fmt
        head = Text("Needs attention\n", style="bold")
        head.append(headline(report.status, fmt.moment) + "\n")
        age = report.status.oldest_pending_s
        limit = duration(report.attention_after_s)
        if age is None:
            head.append(f"No sale waits for OFN. The light turns red when one waits {limit}.")
        else:
            style = "bold #ffffff on #aa0000" if report.overdue else ""
            head.append(f"Oldest sale waiting for OFN: {duration(age)}", style=style)
            head.append(f" (the light turns red at {limit})")
        return head

    def _waiting(self, body: list[RenderableType], waiting: list[Task]) -> None:
        if not waiting:
            body.append(Text("Nothing is parked: sync needs nothing from you.", style="bold #55ff55"))
            return
        body.append(Text(f"Waiting for you ({len(waiting)}): fix each in OFN, then Enter", style="bold #ffff55"))
        for task in waiting:
            self._show_task(body, task, "parked")

    def _show_task(self, body: list[RenderableType], task: Task, what: str) -> None:
        when = f" · {what} {self.checkout.fmt.moment(task.at)}" if task.at else ""
        body.append(Text(f"{task.where}{when}", style="bold"))
        body.append(indented(task.said))
        then = " Then Enter here to retry." if task.retry_helps and what == "parked" else ""
        if task.answer_needed and what == "parked":
            then = " Then * here to say which."
        body.append(indented(f"To do: {task.todo}{then}", "#00aaaa"))

    def _retried(self, body: list[RenderableType], states: list[LineState]) -> None:
        body.append(Text(f"\nRetried at {self.retried_at}", style="bold"))
        for state in states:
            where = self.retried[state.key]
            if state.state == "in OFN":
                held = f": the order holds {state.held}" if state.held is not None else ""
                body.append(indented(f"{where}: in OFN now{held}", "bold #55ff55"))
            elif state.state == "parked":
                body.append(indented(f"{where}: parked again (see above)", "bold #ffff55"))
            else:
                body.append(indented(f"{where}: back in the queue, waiting for the sync's next pass"))

    def _printer(self, body: list[RenderableType]) -> None:
        queue = self.checkout.devices.printer
        if queue is None:
            return
        snapshot = queue.snapshot()
        if not snapshot.waiting and not snapshot.needs_attention:
            return
        body.append(Text("\nPrinter", style="bold"))
        body.append(indented(f"{snapshot.printer}: {snapshot.message}"))

    # -- actions -----------------------------------------------------------------------------------

    @property
    def waiting(self) -> list[Task]:
        return self.report.waiting if self.report is not None else []

    def action_retry(self) -> None:
        parked = self.waiting
        queue = self.checkout.devices.printer
        if queue is not None:
            queue.retry_now()
        if not parked:
            self.say("Nothing is parked: nothing to send again" + ("; the printer is tried again" if queue else ""))
            return
        where = {task.key: task.where for task in parked if not task.answer_needed}  # those wait for *
        if not where:
            self.say("What is parked waits for your answer, not a retry: * for each credit posting", "warn")
            return
        self.say("Putting the parked changes back in the sync's queue...")
        till = self.checkout.till
        self._in_worker(lambda: till.retry_parked(wait_s=RETRY_WAIT_S), lambda count: self._back_in_queue(where, count))

    def _back_in_queue(self, where: dict[Key, str], count: int) -> None:
        checkout = self.checkout
        self.retried = where
        self.retried_at = checkout.fmt.moment_of(checkout.till.now)
        interval = checkout.config.sync.get("interval_s", 5)
        self.say(
            f"{counted(count, 'parked change')} back in the sync's queue: the sync sends them within"
            f" {interval} s when OFN answers; this screen shows when they arrive",
            "ok",
        )
        self.reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``*`` is offered only while a credit posting waits for the manager's answer."""
        if action == "credit_answer":
            return any(task.answer_needed for task in self.waiting)
        return True

    def action_credit_answer(self) -> None:
        """A credit posting in doubt: which one (when several), then whether it is in OFN."""
        asked = [task for task in self.waiting if task.answer_needed]
        if not asked:
            self.say("No posting to a customer's credit waits for an answer")
            return
        if len(asked) == 1:
            self._ask_found(asked[0])
            return
        choices = [Choice(task.where, task) for task in asked]
        self.push(ChooseScreen("Which credit posting did you look for in OFN?", choices), self._ask_found)

    def _ask_found(self, task: Task | None) -> None:
        if task is None or task.credit is None:
            return
        credit = task.credit
        choices = [
            Choice("It is there: it landed, never send it again", True),
            Choice("It is not there: send it again", False),
        ]
        title = f'"{credit.description}" on {credit.who}\'s credit in OFN?'
        self.push(ChooseScreen(title, choices), lambda found: self._answer(credit.posting, found))

    def _answer(self, posting: int, found: bool | None) -> None:
        if found is None:
            return
        self.say("Saying so to the sync...")
        till = self.checkout.till
        self._in_worker(
            lambda: till.answer_credit(posting, found=found, wait_s=RETRY_WAIT_S),
            lambda _: self._answered(posting, found),
        )

    def _answered(self, posting: int, found: bool) -> None:
        if found:
            self.say(f"Credit posting {posting} is in OFN: nothing more is sent for it", "ok")
        else:
            self.retried = {(CREDIT, posting): f"credit posting {posting}"}
            self.retried_at = self.checkout.fmt.moment_of(self.checkout.till.now)
            self.say(f"Credit posting {posting} back in the sync's queue: it is sent again", "ok")
        self.reload()

    def _in_worker(self, change: Callable[[], T], then: Callable[[T], None]) -> None:
        """``change`` in a worker thread (it waits for a sync pass in progress, never on the screen's
        loop), then ``then`` with its result on the screen; a refusal is said instead."""

        def work() -> None:
            try:
                result = change()
            except CASHIER_ERRORS as error:
                self.post_message(ChangedUnderLock(then, error=str(error)))
                return
            self.post_message(ChangedUnderLock(then, result))

        self.run_worker(work, thread=True, group="retry", exclusive=True, exit_on_error=False)

    def on_changed_under_lock(self, message: ChangedUnderLock) -> None:
        if message.error:
            self.say(message.error, "error")
            return
        message.then(message.result)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_up(self) -> None:
        self.query_one("#attention-body", VerticalScroll).scroll_up(animate=False)

    def action_down(self) -> None:
        self.query_one("#attention-body", VerticalScroll).scroll_down(animate=False)

    def action_help(self) -> None:
        self.checkout.show_help(self)


def indented(text: str, style: str = "") -> Padding:
    """A paragraph under its heading: wrapped lines keep the indent."""
    return Padding(Text(text, style=style), (0, 0, 0, 2))
