"""A leak in Textual that a till open all day cannot live with, stopped until Textual fixes it.

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

from functools import lru_cache
from typing import Any

from textual._styles_cache import StylesCache


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
