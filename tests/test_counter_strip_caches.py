"""Textual's strips make their caches when first asked for them (tui/textual_fixes.py): a frame's
lines no longer come with seven empty caches each, and what a strip gives is what it gave before."""

from __future__ import annotations

import gc

from hypothesis import given
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style
from textual.cache import FIFOCache
from textual.strip import Strip

from tui import textual_fixes

textual_fixes.lazy_strip_caches()  # as tui/app.py does at import

texts = st.lists(st.text(alphabet="ab é漢", min_size=1, max_size=6), min_size=1, max_size=5)
cuts = st.lists(st.integers(0, 30), max_size=4).map(sorted)


def caches_of(strip: Strip) -> list[FIFOCache]:
    return [ref for ref in gc.get_referents(strip) if isinstance(ref, FIFOCache)]


def eager(segments: list[Segment]) -> Strip:
    """A strip with every cache made at once, as Textual's own ``Strip.__init__`` makes them."""
    strip = Strip(segments)
    for name, size in textual_fixes.STRIP_CACHES.items():
        setattr(strip, name, FIFOCache(size))
    return strip


def what_it_gives(strip: Strip, start: int, end: int, width: int, at: list[int]) -> list[object]:
    style = Style(italic=True)
    return [
        strip.crop(start, end),
        strip.adjust_cell_length(width),
        strip.crop_extend(start, end, style),
        list(strip.divide(at)),
        strip.apply_style(style),
        strip.apply_offsets(start, end),
        strip.extend_cell_length(width),
        strip.text,
    ]


def test_a_new_strip_has_no_cache_until_one_is_used() -> None:
    strip = Strip([Segment("hello "), Segment("world", Style(bold=True))])
    assert caches_of(strip) == []
    cropped = strip.crop(0, 5)
    assert [cache._maxsize for cache in caches_of(strip)] == [textual_fixes.STRIP_CACHES["_crop_cache"]]
    assert strip.crop(0, 5) is cropped  # the second crop comes from the cache
    assert cropped.text == "hello"
    assert len(caches_of(eager([Segment("x")]))) == len(textual_fixes.STRIP_CACHES)


@given(texts, st.integers(0, 20), st.integers(0, 20), st.integers(0, 24), cuts)
def test_a_lazy_strip_gives_what_an_eager_one_gives(
    words: list[str], start: int, length: int, width: int, at: list[int]
) -> None:
    segments = [Segment(word, Style(bold=index % 2 == 0)) for index, word in enumerate(words)]
    lazy, made_eagerly = Strip(segments), eager(segments)
    first = what_it_gives(lazy, start, start + length, width, at)
    assert first == what_it_gives(made_eagerly, start, start + length, width, at)
    assert what_it_gives(lazy, start, start + length, width, at) == first  # now from its caches


def test_a_name_that_is_not_a_cache_is_still_missing() -> None:
    strip = Strip([Segment("x")])
    try:
        strip.not_a_cache  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as error:
        assert "not_a_cache" in str(error)
    else:
        raise AssertionError("a name that is not a cache was made up")
    assert not hasattr(strip, "_crop_cache_")


def test_a_strip_that_sets_more_than_textual_8_2_8_is_left_alone() -> None:
    class Other:
        """Textual 8.2.8's slots, and an ``__init__`` that sets one thing more than its own."""

        __slots__ = (*Strip.__slots__, "_extra")

        def __init__(self, segments: list[Segment], cell_length: int | None = None) -> None:
            self._segments = list(segments)
            self._cell_length = cell_length
            for name, size in textual_fixes.STRIP_CACHES.items():
                setattr(self, name, FIFOCache(size))
            self._render_cache = self._link_ids = self._cell_count = None
            self._extra = 1

    before = Other.__init__
    assert textual_fixes.lazy_strip_caches(Other) is False
    assert Other.__init__ is before and "__getattr__" not in vars(Other)
    assert textual_fixes.lazy_strip_caches() is False  # Textual's is changed already
