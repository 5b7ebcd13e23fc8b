"""Two costs of Textual's that a till open all day cannot live with, stopped until Textual fixes them.

A leak (:func:`apply`):

``textual._styles_cache.StylesCache.get_inner_outer`` (Textual 8.2.8) is an instance method under
``functools.lru_cache(1024)``, so the cache's keys hold the ``StylesCache`` instances themselves:
every widget ever drawn leaves its ``StylesCache`` behind, with the rendered lines it keeps, long
after the widget is gone, until 1,024 newer ones push it out (Textualize/textual#6665, open). At
the counter, each sale's payment and receipt screens are built and removed again: measured with
``bench/counter_scan.py``, about a thousand dead caches kept ~100,000 objects alive, which every
full collection of Python's had to walk (28-135 ms, in the middle of a scan) and which grew the
memory through the day.

The method never reads its instance: its result depends on the two colours alone. :func:`apply`
puts in its place the same function, cached on the two colours only. If Textual's method is no
longer cached that way (a release that fixed it), nothing is changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from rich.segment import Segment
from textual._styles_cache import StylesCache
from textual.cache import FIFOCache
from textual.strip import Strip

#: Strip's caches and their sizes, as Strip.__init__ of Textual 8.2.8 makes them.
STRIP_CACHES = {
    "_divide_cache": 4,
    "_crop_cache": 16,
    "_style_cache": 16,
    "_filter_cache": 4,
    "_line_length_cache": 4,
    "_crop_extend_cache": 4,
    "_offsets_cache": 4,
}
#: Everything else Strip.__init__ of Textual 8.2.8 sets or calls: a release that sets more is left alone.
STRIP_PLAIN = {"_segments", "_cell_length", "_render_cache", "_link_ids", "_cell_count", "list", "FIFOCache"}


def apply() -> bool:
    """Cache ``get_inner_outer`` on its colours, not on the instance; False if there is nothing to fix."""
    method = StylesCache.__dict__.get("get_inner_outer")
    original = getattr(method, "__wrapped__", None)
    if original is None or not hasattr(method, "cache_clear"):
        return False

    @lru_cache(1024)
    def inner_outer(base_background: Any, background: Any) -> Any:
        return original(None, base_background, background)

    def get_inner_outer(self: StylesCache, base_background: Any, background: Any) -> Any:
        return inner_outer(base_background, background)

    get_inner_outer.__doc__ = original.__doc__
    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign, assignment]
    return True


def lazy_strip_caches(strip: type = Strip) -> bool:
    """``strip`` (Textual's ``Strip``) makes each of its caches when first asked for it; False if there
    is nothing to change (already done, or a Textual whose ``Strip.__init__`` sets or calls anything
    but what the one of 8.2.8 does: a cache made lazy there could leave something else unset)."""
    made = vars(strip)
    if "__getattr__" in made or "__init__" not in made:
        return False
    if set(made["__init__"].__code__.co_names) != set(STRIP_CACHES) | STRIP_PLAIN:
        return False
    if not set(STRIP_CACHES) <= set(made.get("__slots__", ())):
        return False

    def __init__(self: Strip, segments: Iterable[Segment], cell_length: int | None = None) -> None:
        self._segments = list(segments)
        self._cell_length = cell_length
        self._render_cache = None
        self._link_ids = None
        self._cell_count = None

    def __getattr__(self: Strip, name: str) -> FIFOCache[Any, Any]:
        """A cache not made yet: reading a slot never set raises AttributeError, which lands here."""
        size = STRIP_CACHES.get(name)
        if size is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        cache: FIFOCache[Any, Any] = FIFOCache(size)
        setattr(self, name, cache)
        return cache

    __init__.__doc__ = made["__init__"].__doc__
    setattr(strip, "__init__", __init__)  # noqa: B010  (a class's own method, replaced)
    setattr(strip, "__getattr__", __getattr__)  # noqa: B010
    return True
