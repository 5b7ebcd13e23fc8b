"""The counter screen on the Linux console (``TERM=linux``): only characters the box's console font
draws, and only colours the console shows (16 for text, 8 for backgrounds).

The box's setup installs Debian's Terminus console font in its Uni2 code set (docs/provisioning.md);
its Unicode table is read from the font file itself, so a glyph Textual or a widget brings in that
the font lacks (Textual's tall borders and scrollbar blocks, ⏎, ▸…) fails here, not on a box.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import ColorSystem
from rich.segment import Segment

from appliance.config import Config
from appliance.till import Till

from .counter_kit import app_for, counter_kit
from .counter_tour import TOUR
from .psf_font import CONSOLE_FONTS, characters

BOX_FONT = CONSOLE_FONTS / "Uni2-TerminusBold16.psf.gz"


def screen_segments(app: object) -> list[Segment]:
    strips = app.screen._compositor.render_strips()  # type: ignore[attr-defined]
    return [segment for strip in strips for segment in strip]


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "linux")
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")


@pytest.mark.parametrize("name", list(TOUR))
async def test_every_screen_draws_with_the_console_font_and_colours(
    name: str, console: None, config: Config, tmp_path: Path, till: Till
) -> None:
    steps, grams, shift = TOUR[name]
    if not shift:
        close_shift(till)
    drawable = characters(BOX_FONT)
    with counter_kit(till, config, tmp_path, scale=grams is not None, printer=False) as kit:
        if kit.scale is not None and grams is not None:
            kit.scale.show(grams, motion=True)
        app = app_for(kit)
        async with app.run_test(size=(80, 25)) as pilot:
            await steps(pilot)
            segments = screen_segments(app)
    text = "".join(segment.text for segment in segments)
    assert not set(text) - drawable, f"{name}: the console font cannot draw {sorted(set(text) - drawable)}"
    for segment in segments:
        style = segment.style
        if style is None or style.bgcolor is None or style.bgcolor.is_default:
            continue
        number = style.bgcolor.downgrade(ColorSystem.STANDARD).number
        assert number is not None and number < 8, f"{name}: background {style.bgcolor} of {segment.text!r} is folded"


def test_the_font_reader_finds_what_a_font_lacks() -> None:
    """Textual's own tall-border and scrollbar glyphs are what the stock console fonts lack."""
    drawable = characters(BOX_FONT)
    assert {"─", "│", "┏", "━", "€", "é", "×"} <= drawable
    assert not {"▁", "▊", "▎", "▔", "⏎"} & drawable


def close_shift(till: Till) -> None:
    from decimal import Decimal

    till.close_shift(Decimal("100.00"), "Alice")
