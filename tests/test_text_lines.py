"""TextLines: wrapped text that draws again only the lines a new text changed, and draws them right."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult

from tui.widgets.text_lines import TextLines


class Lines(App[None]):
    CSS = "TextLines { width: 20; height: 4; }"

    def __init__(self, content: str | Text) -> None:
        super().__init__()
        self.content = content
        self.drawn: list[int] = []

    def compose(self) -> ComposeResult:
        yield Spy(self.content)


class Spy(TextLines):
    def render_line(self, y: int) -> Any:
        self.app.drawn.append(y)  # type: ignore[attr-defined]
        return super().render_line(y)


def shown(app: App[None]) -> list[str]:
    return [strip.text.rstrip() for strip in app.screen._compositor.render_strips()][:4]


async def test_a_new_text_draws_only_the_lines_that_differ_and_clears_the_ones_it_no_longer_has() -> None:
    app = Lines("one two three four five six")  # wraps to two lines at 20 cells
    async with app.run_test(size=(30, 6)) as pilot:
        assert shown(app)[:2] == ["one two three four", "five six"]
        app.drawn.clear()
        app.query_one(Spy).update("one two three four seven")  # the first line is the same
        await pilot.pause()
        assert app.drawn == [1] and shown(app)[:2] == ["one two three four", "seven"]
        app.drawn.clear()
        app.query_one(Spy).update("short")
        await pilot.pause()
        assert sorted(app.drawn) == [0, 1] and shown(app)[:2] == ["short", ""]


async def test_the_text_keeps_its_style_and_a_string_is_never_markup() -> None:
    app = Lines(Text("Printer out of paper", style="bold #ffff55"))
    async with app.run_test(size=(30, 6)) as pilot:
        strip = app.query_one(Spy).render_line(0)
        styles = {segment.style for segment in strip if segment.text.strip()}
        assert styles and all(style is not None and style.bold and style.color is not None for style in styles)
        assert all(style.color.triplet == (0xFF, 0xFF, 0x55) for style in styles if style and style.color)
        app.query_one(Spy).update("[bold]Unknown barcode[/bold] 123")
        await pilot.pause()
        assert shown(app)[0] == "[bold]Unknown"  # brackets from what the till says are text, not markup


async def test_the_same_words_in_another_style_are_drawn_again() -> None:
    """The message line says the same words as an error after saying them as information."""
    app = Lines(Text("The drawer did not open"))
    async with app.run_test(size=(30, 6)) as pilot:
        app.drawn.clear()
        app.query_one(Spy).update(Text("The drawer did not open", style="bold #ffffff on #aa0000"))
        await pilot.pause()
        assert app.drawn == [0, 1]  # wrapped on two lines at 20 cells, both drawn again
        styles = {segment.style for segment in app.query_one(Spy).render_line(0) if segment.text.strip()}
        assert styles and all(style.bgcolor is not None and style.bgcolor.triplet == (0xAA, 0, 0) for style in styles)
