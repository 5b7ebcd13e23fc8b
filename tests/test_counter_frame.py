"""What a scan costs the screen: no layout pass, and only the lines that changed drawn again.

The figures are in docs/benchmarks.md (bench/counter_scan.py); these tests hold the mechanisms that
give them, on the real app: a layout pass styles and places every widget of the screen, and each
line drawn is styled again, so a scan that laid the screen out, or drew a panel whole, was two to
three times slower to show its line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual._compositor import Compositor
from textual.widget import Widget

from appliance.config import Config
from appliance.till import Till
from tui.compositor import SpanCompositor
from tui.messages import KeysRead
from tui.screens.base import Said
from tui.widgets.basket import Basket
from tui.widgets.entry import Entry
from tui.widgets.panels import BigAmount, LastItem

from .counter_kit import FLOUR, PASTA, app_for, counter_kit, price, scan, screen_text, until

DRAWN = (Said, LastItem, Basket, BigAmount)


@pytest.fixture
def drawn(monkeypatch: pytest.MonkeyPatch) -> Counter[tuple[str, int]]:
    """(widget class, line) for each line drawn, as Textual asks each widget for its lines."""
    lines: Counter[tuple[str, int]] = Counter()
    for kind in DRAWN:

        def spy(self: Any, y: int, original: Any = kind.render_line, name: str = kind.__name__) -> Any:
            lines[(name, y)] += 1
            return original(self, y)

        monkeypatch.setattr(kind, "render_line", spy)
    return lines


def layouts_of(app: Any, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one for each layout pass of the screen in front."""
    passes: list[int] = []
    screen = app.screen
    original = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> Any:
        passes.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(screen, "_refresh_layout", counted)
    return passes


def lines_of(drawn: Counter[tuple[str, int]], kind: type) -> set[int]:
    return {y for name, y in drawn if name == kind.__name__}


def piece_codes(till: Till, count: int) -> list[str]:
    """Barcodes (in the SKU, as OFN holds them) of products sold by the piece."""
    rows = till.connection.execute(
        "SELECT sku FROM variant WHERE priced_by = 'each' AND length(sku) = 13 ORDER BY id LIMIT ?", (count,)
    ).fetchall()
    assert len(rows) == count, "the demo catalogue has fewer products sold by the piece"
    return [sku for (sku,) in rows]


async def test_a_scan_lays_nothing_out_and_draws_only_the_lines_it_changed(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drawn: Counter[tuple[str, int]]
) -> None:
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)  # 8,15 €: the total is four characters wide
            await pilot.pause()
            passes = layouts_of(app, monkeypatch)
            drawn.clear()
            await scan(pilot, PASTA)  # 17,90 €: five
            await pilot.pause()
            total = app.fmt.amount(price(till, FLOUR) + price(till, PASTA))
            assert "Added Pasta" in screen_text(app) and app.screen.query_one(BigAmount).value == total
            assert passes == [], "a scan laid the whole screen out again"
            # The row the highlight left and the new row; not the header, not the rest of the table.
            assert lines_of(drawn, Basket) == {1, 2}
            assert lines_of(drawn, Said) == {0}  # "Added Pasta…" over "Added Flour…"; the blank lines under it stay
            # Both names take two lines, then the quantity and the amount; the note's line stays blank.
            assert lines_of(drawn, LastItem) == {0, 1, 2, 3}
            assert lines_of(drawn, BigAmount) == {0, 1, 2, 3}  # "TOTAL  (2 lines)" and the three rows of digits


def record_frames(screen: Any, monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The names of the widgets each frame of ``screen`` draws, one set a frame, from now on."""
    in_frame: list[set[str]] = []
    timer_update = screen._on_timer_update

    def frame() -> None:
        in_frame.append({type(widget).__name__ for widget in screen._dirty_widgets})
        timer_update()

    monkeypatch.setattr(screen, "_on_timer_update", frame)
    screen._update_timer._callback = frame  # the timer holds the bound method it was made with
    return in_frame


async def test_a_scan_s_widgets_join_the_next_frame_without_a_round_of_messages(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drawn: Counter[tuple[str, int]]
) -> None:
    """tui/widgets/repaint.py: a keyboard scan's line waited a frame when the widgets told the screen
    through their own message queues. Each widget that changed is in the frame's set as soon as it
    asks for its repaint, and the screen is never told again by message."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pilot.pause()
            screen = app.screen
            told: list[str] = []
            original = type(screen)._on_update

            async def on_update(self: Any, message: Any) -> None:
                told.append(type(message.widget).__name__)
                await original(self, message)

            monkeypatch.setattr(type(screen), "_on_update", on_update)
            in_frame = record_frames(screen, monkeypatch)
            drawn.clear()
            await scan(pilot, PASTA)
            await pilot.pause()
            assert "Added Pasta" in screen_text(app)
            assert {"Basket", "BigAmount", "LastItem", "Said"} <= set().union(*in_frame), in_frame
            assert not {"Basket", "BigAmount", "LastItem", "Said"} & set(told), told
            assert lines_of(drawn, Basket) == {1, 2}  # and what they changed is drawn


async def test_keys_read_together_draw_the_entry_once_a_frame_or_not_at_all(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A keyboard-wedge scan is fourteen keys read in one go (tui/driver.py): the entry is typed and
    emptied again by the Enter before the frame, so the frame leaves its line alone; digits read in
    one go draw it once (tui/widgets/entry.py)."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pilot.pause()
            screen = app.screen
            entry = screen.query_one(Entry)
            in_frame = record_frames(screen, monkeypatch)
            app.post_message(KeysRead(tuple(events.Key(char, char) for char in PASTA) + (events.Key("enter", "\r"),)))
            await until(pilot, lambda: "Added Pasta" in screen_text(app), what="the line")
            await pilot.pause()
            assert entry.text == "" and len(app.counter.lines) == 2
            assert {"Basket", "LastItem"} <= set().union(*in_frame), in_frame  # the frames were recorded
            assert not any("Entry" in widgets for widgets in in_frame), in_frame
            in_frame.clear()
            app.post_message(KeysRead(tuple(events.Key(char, char) for char in "123")))
            await until(pilot, lambda: entry.text == "123", what="the digits")
            await pilot.pause()
            assert sum("Entry" in widgets for widgets in in_frame) == 1, in_frame


async def test_an_entry_typed_back_to_what_it_shows_is_still_drawn_when_something_else_changed(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The entry's repaint is taken back only when its line is drawn from the same things: a new hint,
    a quantity waiting or a new style meanwhile draws it."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await pilot.pause()
            screen = app.screen
            entry = screen.query_one(Entry)
            in_frame = record_frames(screen, monkeypatch)
            entry.text = "9"
            entry.text = ""  # typed and taken before the frame: nothing to draw
            await pilot.pause()
            assert not any("Entry" in widgets for widgets in in_frame), in_frame
            changes = [
                ("hint", lambda: setattr(entry, "hint", "a hint of its own")),
                ("quantity", lambda: setattr(entry, "multiplier", 3)),
                ("style", lambda: entry.styles.__setattr__("background", "red")),
            ]
            for what, change in changes:
                in_frame.clear()
                entry.text = "9"
                change()
                entry.text = ""
                await pilot.pause()
                assert any("Entry" in widgets for widgets in in_frame), (what, in_frame)
            assert "3 × >" in screen_text(app)


async def test_a_basket_longer_than_the_screen_scrolls_with_the_last_line(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, drawn: Counter[tuple[str, int]]
) -> None:
    codes = piece_codes(till, 22)
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            basket = app.screen.query_one(Basket)
            visible = basket.scrollable_content_region.height - 1  # the header takes a line
            for code in codes[:visible]:
                await scan(pilot, code)
            await pilot.pause()
            assert basket.scroll_offset.y == 0
            for code in codes[visible:]:
                await scan(pilot, code)
            await pilot.pause()
            # The rows that fit, the newest last and highlighted: the view followed the new lines.
            assert basket.cursor_row == len(codes) - 1 and basket.scroll_offset.y == len(codes) - visible
            shown = screen_text(app)
            assert app.counter.lines[-1].item.name[:12] in shown and app.counter.lines[0].item.name[:12] not in shown
            passes = layouts_of(app, monkeypatch)
            drawn.clear()
            basket.move(-1)  # the highlight moves up a line still in view: two rows drawn, nothing laid out
            await pilot.pause()
            assert passes == [] and len(lines_of(drawn, Basket)) == 2


async def test_a_frame_writes_what_textual_s_own_would_and_draws_only_the_lines_it_writes(
    till: Till, config: Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """tui/compositor.py: Textual's partial update asked every widget of the screen for all its lines
    and kept the few its spans write. Ours asks the widgets the spans cross, and writes the same."""
    with counter_kit(till, config, tmp_path, scale=False, printer=False) as kit:
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await scan(pilot, FLOUR)
            await pilot.pause()
            compositor = app.screen._compositor
            assert isinstance(compositor, SpanCompositor)
            ours = compositor.render_partial_update
            written: list[tuple[str, str]] = []
            asked: list[str] = []
            render_lines = Widget.render_lines

            def spy(self: Widget, crop: Any) -> Any:
                asked.append(type(self).__name__)
                return render_lines(self, crop)

            def both() -> Any:
                regions = set(compositor._dirty_regions)
                monkeypatch.setattr(Widget, "render_lines", spy)
                try:
                    update = ours()
                finally:
                    monkeypatch.setattr(Widget, "render_lines", render_lines)
                if update is not None:  # Textual's own, from the same regions: the lines come from caches now
                    compositor._dirty_regions.update(regions)
                    textual_s = Compositor.render_partial_update(compositor)
                    assert textual_s is not None
                    written.append((update.render_segments(app.console), textual_s.render_segments(app.console)))
                return update

            monkeypatch.setattr(compositor, "render_partial_update", both)
            await scan(pilot, PASTA)
            await pilot.pause()
            basket = app.screen.query_one(Basket)
            basket.move(-1)  # a row of the basket alone
            await pilot.pause()
            assert "Added Pasta" in screen_text(app)
            assert len(written) >= 2 and all(ours_ == textual_s for ours_, textual_s in written), written
            # The four widgets the scan changed; not the footer, the status bar, the entry, the containers.
            assert set(asked) == {"Basket", "BigAmount", "LastItem", "Said"}, asked


@pytest.mark.parametrize(("environment", "expected"), [(None, 240), ("60", 60)])
def test_the_counter_paints_up_to_240_frames_a_second_unless_told_otherwise(
    environment: str | None, expected: int
) -> None:
    """A keyboard-wedge scan needs a second frame; at Textual's 60 it came 17-33 ms after the first."""
    env = {key: value for key, value in os.environ.items() if key != "TEXTUAL_FPS"}
    if environment is not None:
        env["TEXTUAL_FPS"] = environment
    probe = "import tui.app, textual.constants; print(textual.constants.MAX_FPS)"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert int(done.stdout) == expected
