"""``ofn-checkout replay SCRIPT``: the real counter app, headless, driven one action a line.

Support staff use it to reproduce what a cashier did (the keys, the scans, the weights) on the
same app the box runs, and tests use it for whole flows. The script is read and checked before
anything starts (``tui/replay_script.py``); then Textual's test driver presses the keys, a scan is
posted as the scanner's bridge posts it, a weight is put on the demo's simulated scale, and every
``expect-*`` line is checked against the app's state or the screen's text. The first line that
fails stops the run; its number and text are said, and the command exits 1.

With ``--demo`` it runs on a :class:`~tui.demo.DemoBox` (the sandbox, the sync daemon, the scale
and printer twins) in a temp dir; with ``--config`` on the configured store and devices, which on
a lane's real store seals real sales, so it refuses a store that is not a training store unless
``--real`` says so. The keyboard never doubles as the scanner here: ``type`` is typing.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from textual.binding import Binding

from appliance import config as config_module
from appliance.config import Config
from appliance.core.money import from_cents, to_cents
from appliance.core.text import agreeing, counted
from appliance.store.sync_state import Status
from appliance.till import Till
from drivers.assembly import Devices, build_devices
from drivers.scale.reading import State
from drivers.scale_twin import ScaleTwin

from .app import CheckoutApp
from .messages import ScanRead
from .replay_receipts import copy_receipts, drain, write_receipts
from .replay_script import ScriptError, Step, parse
from .replay_summary import Failure, Outcome, summary, table
from .screens.pin import PinAsking

log = logging.getLogger(__name__)

#: The box's console: the app is laid out as the cashier sees it.
SIZE = (80, 25)
#: How long one line may take before the run gives up on the app (wait-sync adds its own wait).
STEP_TIMEOUT = 30.0
#: How long ``expect-*`` lines and ``weigh`` wait for what they expect to show.
EXPECT_TIMEOUT = 3.0
NO_SCALE = (
    "there is no simulated scale to put a weight on: `weigh` needs --demo"
    " (on a till, weigh the goods on its own scale and leave the line out)"
)


class Refused(click.ClickException):
    """The replay cannot start (a bad script, a real store without --real): one line, exit 3."""

    exit_code = 3


class Mismatch(Exception):
    """What a line found instead of what it expected: the run stops at that line."""


def screen_text(app: CheckoutApp) -> str:
    """The text of the screen as a terminal shows it, the screens under a dialog included."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()


class Replayer:
    """Runs checked steps against a counter app in Textual's test driver."""

    def __init__(
        self,
        app: CheckoutApp,
        *,
        scale: ScaleTwin | None = None,
        expect_timeout: float = EXPECT_TIMEOUT,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.app = app
        self.scale = scale
        self.expect_timeout = expect_timeout
        self.monotonic = monotonic
        self.ran = 0
        self._sync_status = app.till.sync_status_reader()
        self._pilot: Any = None

    async def run(self, steps: list[Step]) -> Failure | None:
        async with self.app.run_test(size=SIZE, notifications=True) as pilot:
            self._pilot = pilot
            await pilot.pause()
            for step in steps:
                failure = await self._one(step)
                if failure is not None:
                    return failure
                self.ran += 1
        return None

    async def _one(self, step: Step) -> Failure | None:
        app = self.app
        if not app.is_running:
            return Failure(step.line_no, step.line, "the counter has quit (an earlier line closed it)")
        before = app.unexpected
        secret = step.action == "type" and isinstance(app.screen, PinAsking)  # a PIN: never in the log
        act = getattr(self, "_" + step.action.replace("-", "_"))
        budget = STEP_TIMEOUT + (float(step.value) if step.action == "wait-sync" else 0.0)  # type: ignore[arg-type]
        try:
            await asyncio.wait_for(act(step.value), budget)
        except Mismatch as mismatch:
            return Failure(step.line_no, step.line, str(mismatch))
        except TimeoutError:
            return Failure(step.line_no, step.line, f"the counter did not answer within {budget:.0f} s")
        if app.unexpected > before:
            where = f" ({app.log_path})" if app.log_path else ""
            return Failure(step.line_no, step.line, f"the counter hit an unexpected error: details in the log{where}")
        log.info("replay line %d done: %s", step.line_no, "type (a PIN, not logged)" if secret else step.line)
        return None

    async def _until(self, condition: Callable[[], bool], seconds: float) -> bool:
        deadline = self.monotonic() + seconds
        while not condition():
            if self.monotonic() > deadline:
                return False
            await self._pilot.pause(0.05)
        return True

    # -- the actions (one method each, named for the action) ---------------------------------------

    async def _key(self, names: tuple[str, ...]) -> None:
        await self._pilot.press(*names)

    async def _type(self, names: tuple[str, ...]) -> None:
        for name in names:  # one key at a time, each handled before the next, as a cashier types
            await self._pilot.press(name)

    async def _scan(self, code: str) -> None:
        self.app.post_message(ScanRead(code, "replay"))
        await self._pilot.pause()

    async def _weigh(self, grams: int) -> None:
        scale = self.scale
        if scale is None:
            raise Mismatch(NO_SCALE)
        scale.show(grams)
        state = State.OVER_CAPACITY if grams > scale.capacity_grams else State.STABLE

        def shown() -> bool:
            reading = self.app.reading
            if reading is None or reading.state is not state:
                return False
            return state is not State.STABLE or reading.grams == grams

        if not await self._until(shown, self.expect_timeout + 2):
            reading = self.app.reading
            reads = f"{reading.state.value}, {reading.grams} g" if reading is not None else "nothing yet"
            raise Mismatch(f"the counter did not read {grams} g from the scale (it reads: {reads})")
        await self._pilot.pause()

    async def _wait_sync(self, seconds: float) -> None:
        status: Status | None = None

        def posted() -> bool:
            nonlocal status
            try:
                status = self._sync_status()
            except Exception:  # a store busy or locked for a moment: read again at the next poll
                log.exception("reading the sync state failed")
                return False
            return status.pending == 0 or status.attention > 0 or status.state in ("key_rejected", "cycle_closed")

        if not await self._until(posted, seconds):
            if status is None:
                raise Mismatch(f"the sync state could not be read in {seconds:.0f} s (details in the log)")
            raise Mismatch(
                f"{counted(status.pending, 'sale')} still {agreeing(status.pending, 'waits', 'wait')}"
                f" after {seconds:.0f} s: {status.summary()}"
                " (is the sync daemon running? `systemctl status ofn-checkout-sync`, `ofn-checkout sync status`)"
            )
        assert status is not None  # posted() held, so it read one
        if status.pending or status.attention:
            raise Mismatch(f"sync cannot post every sale: {status.summary()}")

    async def _expect_total(self, expected: Decimal) -> None:
        if not await self._until(lambda: self._total()[0] == to_cents(expected), self.expect_timeout):
            cents, what = self._total()
            raise Mismatch(f"{what} totals {from_cents(cents)}, not {expected}")

    async def _expect_screen(self, text: str) -> None:
        if not await self._until(lambda: text in screen_text(self.app), self.expect_timeout):
            shown = "\n".join(f"  | {line.rstrip()}" for line in screen_text(self.app).splitlines())
            raise Mismatch(f"the screen does not show {text!r}; it shows:\n{shown}")

    def _total(self) -> tuple[int, str]:
        counter = self.app.counter
        if counter.sale is not None:
            return counter.sale.totals().total, "the sale in progress"
        if counter.last_completed is not None:
            return counter.last_completed.sale.total, f"sale {counter.last_completed.number} (the last completed)"
        return 0, "no sale was started: the total"


# -- what the replay runs on ------------------------------------------------------------------------


@dataclass
class Rig:
    """The till, its config and devices, and (with --demo) the twins and the demo's keys."""

    till: Till
    config: Config
    devices: Devices
    scale: ScaleTwin | None = None
    bindings: list[Binding] = field(default_factory=list)
    prepare: Callable[[CheckoutApp], None] = lambda app: None
    pin_note: str = ""  # the demo's people and PINs, on its PIN screen


@contextmanager
def demo_rig(data: Path | None) -> Iterator[Rig]:
    """A demo box in ``data`` (a temp dir, removed afterwards, when not given)."""
    from .demo import DEMO_BINDINGS, DEMO_PIN_NOTE, DemoBox, install_demo_actions

    folder = (data or Path(tempfile.mkdtemp(prefix="ofn-checkout-replay-"))).absolute()
    click.echo(f"Starting a demo box in {folder} (sandbox, sync daemon, scale and printer twins)…", err=True)
    try:
        with DemoBox(folder, keyboard_scanner=False) as box:
            config = box.config()
            till = Till.open(config)
            try:
                with box.devices() as devices:
                    prepare = lambda app: install_demo_actions(app, box)  # noqa: E731
                    yield Rig(till, config, devices, box.scale, DEMO_BINDINGS, prepare, DEMO_PIN_NOTE)
            finally:
                till.close()
    finally:
        if data is None:
            shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def config_rig(config_path: Path | None, real: bool) -> Iterator[Rig]:
    """The configured store and devices; a lane's real store only with ``real``."""
    config = config_module.load(config_module.resolve_path(config_path))
    config = replace(config, counter={**config.counter, "keyboard_scanner": False})
    till = Till.open(config)
    try:
        if not till.training:
            if not real:
                raise Refused(
                    f"{config.store_path} is {till.lane.name}'s real store: a replay would seal real sales in its"
                    " journal and send them to OFN. Replay on a training store (`ofn-checkout store init"
                    " --training`, or --demo), or add --real if that is what you mean"
                )
            click.echo(
                f"Warning: replaying on {till.lane.name}'s real store: every sale is real, sealed and sent to OFN",
                err=True,
            )
        with build_devices(config.devices) as devices:
            yield Rig(till, config, devices)
    finally:
        till.close()


def read_script(path: Path) -> list[Step]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused(f"The script {path} cannot be read: {getattr(exc, 'strerror', None) or exc}") from None
    try:
        return parse(text)
    except ScriptError as exc:
        raise Refused(f"{path}, {exc}: nothing was run") from None


@click.command()
@click.argument("script", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="the till's config")
@click.option("--demo", is_flag=True, help="run on a demo box: sandbox, sync daemon, scale and printer twins")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), help="with --demo: keep the box here")
@click.option("--receipts", type=click.Path(dir_okay=False, path_type=Path), help="write printed receipts here")
@click.option("--json", "as_json", is_flag=True, help="the summary as JSON on stdout")
@click.option("--real", is_flag=True, help="allow a lane's real store: its sales are real")
@click.option(
    "--expect-timeout",
    type=click.FloatRange(0, 60),
    default=EXPECT_TIMEOUT,
    show_default=True,
    help="seconds an expect line waits",
)
def replay(
    script: Path,
    config_path: Path | None,
    demo: bool,
    data: Path | None,
    receipts: Path | None,
    as_json: bool,
    real: bool,
    expect_timeout: float,
) -> int:
    """Run the counter headless, one cashier's action a line of SCRIPT (docs/replay.md)."""
    from appliance.cli.logs import setup_logging

    steps = read_script(script)
    if demo and config_path is not None:
        raise Refused("Choose --demo or --config, not both")
    if data is not None and not demo:
        raise Refused("--data names the demo box's folder: use it with --demo")
    if not demo and (weigh := next((step for step in steps if step.action == "weigh"), None)):
        raise Refused(f"{script}, {Failure(weigh.line_no, weigh.line, NO_SCALE)}: nothing was run")
    log_path = setup_logging("replay")
    with ExitStack() as stack:
        rig = stack.enter_context(demo_rig(data) if demo else config_rig(config_path, real))
        os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", str(rig.config.store_path.parent))
        columns = rig.config.devices.get("printer", {}).get("columns", 42)
        copier = copy_receipts(rig.devices.printer, columns)
        after = rig.till.last_sale_number()
        from .start import make_app

        app = make_app(
            rig.till, rig.config, rig.devices, log_path=log_path, extra_bindings=rig.bindings, pin_note=rig.pin_note
        )
        log.info("replay of %s: %s on %s", script, counted(len(steps), "action"), rig.config.store_path)
        rig.prepare(app)
        replayer = Replayer(app, scale=rig.scale, expect_timeout=expect_timeout)
        failure = asyncio.run(replayer.run(steps))
        log.info("replay of %s stopped after %s: %s", script, counted(replayer.ran, "action"), failure or "all done")
        unprinted = drain(rig.devices.printer)
        printed = write_receipts(receipts, copier) if receipts is not None else len(copier.printed if copier else [])
        outcome = Outcome(len(steps), replayer.ran, failure, printed, unprinted)
        record = summary(rig.till, after, outcome, store=str(rig.config.store_path))
        if as_json:
            click.echo(json.dumps(record, indent=2))
        else:
            click.echo(table(record, app.fmt), nl=False)
    if unprinted:
        click.echo(
            f"Warning: {counted(unprinted, 'receipt')} {agreeing(unprinted, 'was', 'were')} still waiting"
            " for the printer",
            err=True,
        )
    if failure is not None:
        click.echo(f"Error: {script}, {failure}", err=True)
        return 1
    return 0
