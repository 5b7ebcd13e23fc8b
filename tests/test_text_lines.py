"""TextLines: wrapped text that draws again only the lines a new text changed, and draws them right."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Region

from tui.widgets.text_lines import TextLines, wrapped


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


WORDS = st.text(alphabet=st.sampled_from(list("ab ÿ漢\n\t-.€")), max_size=40)


@st.composite
def styled_texts(draw: st.DrawFn) -> Text:
    """A text with a style of its own and spans over parts of it, as the screens make them."""
    text = Text(draw(WORDS), style=draw(st.sampled_from(["", "bold", "red on white"])))
    for _ in range(draw(st.integers(0, 3))):
        start = draw(st.integers(0, len(text.plain)))
        text.stylize(
            draw(st.sampled_from(["bold", "italic", "green"])), start, draw(st.integers(start, len(text.plain)))
        )
    return text


@given(text=styled_texts(), width=st.integers(-1, 30))
@settings(max_examples=400, deadline=None)
def test_the_lines_are_the_ones_rich_s_wrap_gives(text: Text, width: int) -> None:
    """``wrapped`` takes a line that fits as it is; the lines must still be Rich's own, spans included."""
    console = Console(width=80)
    mine = wrapped(console, text, width)
    rich = [] if width <= 0 or not text.plain else list(text.wrap(console, width))
    assert [(line.plain, line.spans, line.style) for line in mine] == [
        (line.plain, line.spans, line.style) for line in rich
    ]
    assert all(line is not text for line in mine)  # a copy: the widget's own text is never changed through a line


def colour_of(app: App[None], y: int = 0) -> Any:
    """The foreground colour the widget's line ``y`` is drawn in (its first segment with text)."""
    widget = app.screen.query_one(TextLines)
    strip = widget.render_lines(Region(0, y, widget.size.width, 1))[0]
    return next(segment.style.color for segment in strip if segment.text.strip())


class Styled(App[None]):
    CSS = "TextLines { width: 20; height: 2; color: #00aa00; } TextLines.alert { color: #aa0000; }"

    def compose(self) -> ComposeResult:
        yield TextLines("stock low")


async def test_the_styles_kept_between_frames_follow_a_class_an_inline_style_and_a_parent_s_style() -> None:
    """tui/widgets/kept_styles.py: the styles are looked up once, and again whenever they may have changed."""
    app = Styled()
    async with app.run_test(size=(30, 4)) as pilot:
        widget = app.screen.query_one(TextLines)
        assert colour_of(app).triplet.hex == "#00aa00"
        widget.update("stock very low")  # a repaint of one line keeps the styles
        await pilot.pause()
        assert colour_of(app).triplet.hex == "#00aa00"
        widget.add_class("alert")
        await pilot.pause()
        assert colour_of(app).triplet.hex == "#aa0000"
        widget.styles.color = "#0000aa"
        await pilot.pause()
        assert colour_of(app).triplet.hex == "#0000aa"
        widget.styles.clear_rule("color")
        widget.remove_class("alert")
        app.screen.styles.background = "#aaaa00"  # the parent's background shows through
        await pilot.pause()
        strip = widget.render_lines(Region(0, 0, widget.size.width, 1))[0]
        assert {segment.style.bgcolor.triplet.hex for segment in strip if segment.style.bgcolor} == {"#aaaa00"}
