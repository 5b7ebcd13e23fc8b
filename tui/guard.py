"""The safety net: an error nobody foresaw in a key's action, a device message or a screen's
callback is logged with its traceback and said in one line; the app keeps running.

Textual stops a widget's message loop at the first exception that escapes a handler, and ends the
app with a traceback on the terminal. A till must do neither: the basket lives in the counter,
not in the screen whose handler failed, so catching at each handler keeps it as it was before the
key that failed. Every ``action_*`` and ``on_*`` method of the counter's screens is wrapped when
the class is made (:class:`Guarded`), and callbacks go through :func:`guard`.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from appliance.store.database import explain_if_sqlite

log = logging.getLogger(__name__)

#: What the cashier reads when the store went bad under the till (the log says exactly how).
STORE_WENT_BAD = (
    "Sales cannot be saved: the till's store was emptied, replaced or damaged. Call support, then restart the"
    " till; the basket is kept"
)

F = TypeVar("F", bound=Callable[..., Any])


def report(app: Any, error: BaseException) -> None:
    """Log the traceback, count it, and tell the cashier in one line what happened and what to do."""
    log.error("unexpected error in the counter screen", exc_info=error)
    try:
        app.unexpected += 1
        words = store_words(app, error)
        if words is not None:
            app.say(words, "error")
            return
        where = f" ({app.log_path})" if getattr(app, "log_path", None) else ""
        app.say(f"Something went wrong: nothing was lost, the basket is kept; details in the log{where}", "error")
    except Exception:  # the report itself must never be what breaks the screen
        log.exception("could not show the error")


def store_words(app: Any, error: BaseException) -> str | None:
    """What the cashier is told when the store failed under an action (a full disk, a busy moment, a
    file emptied or damaged behind the till's back), or None for an error of another kind."""
    explained = explain_if_sqlite(error)
    if explained is None:
        return None
    if getattr(app, "store_problem", None):
        return STORE_WENT_BAD
    return f"The till's store {explained}. The basket is kept"


def guarded(method: F) -> F:
    """``method`` (a handler of a widget or the app) that reports an unexpected error instead of raising."""
    if inspect.iscoroutinefunction(method):

        @functools.wraps(method)
        async def run_async(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                return await method(self, *args, **kwargs)
            except Exception as error:
                report(self.app, error)
                return None

        return run_async  # type: ignore[return-value]

    @functools.wraps(method)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as error:
            report(self.app, error)
            return None

    return run  # type: ignore[return-value]


def guard(app: Any, callback: Callable[..., Any] | None) -> Callable[..., Any] | None:
    """A callback (a screen's result) that reports an unexpected error instead of raising."""
    if callback is None:
        return None

    @functools.wraps(callback)
    def run(*args: Any) -> Any:
        try:
            return callback(*args)
        except Exception as error:
            report(app, error)
            return None

    return run


class Guarded:
    """Mixed into the counter's screens: their actions and handlers are wrapped by :func:`guarded`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name, value in list(vars(cls).items()):
            if (name.startswith(("action_", "on_", "_on_"))) and inspect.isfunction(value):
                setattr(cls, name, guarded(value))
