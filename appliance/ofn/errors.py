"""What can go wrong between the box and OFN, each as a class the sync engine and the daemon act on.

Every error reads as a sentence a manager understands: what happened, then what to do
(``next_step``), never an exception's class name and never the API key. ``transient`` says
whether waiting helps: the daemon shows a transient error as "offline" and retries, any other as
"attention".
"""

from __future__ import annotations

from typing import Any

#: The advice every transient error carries: nothing is lost while OFN cannot be reached.
SALES_WAIT = "sales wait in the box"


class OfnError(Exception):
    """A failure of OFN or of the road to it; ``next_step`` is what a person does about it."""

    transient = False

    def __init__(self, message: str, next_step: str = ""):
        super().__init__(message)
        self.message = message
        self.next_step = next_step

    def __str__(self) -> str:
        return f"{self.message}: {self.next_step}" if self.next_step else self.message

    def hide(self, secret: str) -> None:
        """Take ``secret`` out of the words, whatever put it there (an answer that echoes the key)."""
        if secret:
            self.message = self.message.replace(secret, "[API key]")
            self.next_step = self.next_step.replace(secret, "[API key]")
            self.args = (self.message,)


class OfnUnavailable(OfnError):
    """No answer, or OFN's own failure (5xx, 504): try again later; the box keeps selling.

    ``maybe_applied`` matters for writes, which the client never repeats: False only when the
    request provably never reached OFN's application, so the sync engine may send it again at
    once; True when OFN may have applied it and only reading the order can tell. ``retry_after``
    is how many seconds the server asked the box to wait (``Retry-After`` on a 429 or a 503),
    already capped, or None.

    ``may_apply_later`` is what the sync engine's "in doubt" needs: whether the request may still
    take effect after this error. It can only if it may have reached OFN and is not over: a lost
    answer, or a proxy's 502/503/504 (the application behind it may still be serving it). OFN's
    application answering itself (a 500, or its own timeout answer) means the request is over:
    a read now shows all it did.
    """

    transient = True

    def __init__(
        self,
        message: str,
        next_step: str = SALES_WAIT,
        *,
        maybe_applied: bool = True,
        retry_after: float | None = None,
        over: bool = False,
    ):
        super().__init__(message, next_step)
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after
        self.may_apply_later = maybe_applied and not over


class UnexpectedAnswer(OfnError):
    """OFN answered, but with something the box will not use: a wrong type, a value out of range.

    Not transient in the retry sense (asking again gets the same answer), so the daemon shows it
    as needing attention; nothing of the answer reaches the catalogue or the orders.
    """

    def __init__(self, path: str, field: str, value: Any, expected: str):
        super().__init__("", f"{SALES_WAIT}; if it lasts, correct that record in OFN or tell support")
        self.path = path
        self.field = field
        self.value = value
        self.expected = expected
        self.hide("")

    def hide(self, secret: str) -> None:
        """Words rebuilt from the value with ``secret`` taken out before it is shortened, not after."""
        self.message = f"OFN answered something unexpected at {self.path}: {self.field}, {shown(self.value, secret)}"
        self.message += f" ({self.expected})"
        super().hide(secret)


class KeyRejected(OfnError):
    """OFN does not know the API key (cleared, regenerated, or mistyped)."""


class NotAllowed(OfnError):
    """The key's user may not do this: not a manager of the hub."""


class OrderCycleClosed(OfnError):
    """The configured order cycle is closed (or the hub has nothing in it)."""


class NotFound(OfnError):
    """The order, line or variant does not exist in OFN."""


class Refused(OfnError):
    """OFN refused a change (422); the message carries OFN's own words."""


class _Missing:
    def __repr__(self) -> str:
        return "missing"


#: A key absent from OFN's answer, as ``UnexpectedAnswer`` shows it.
MISSING: Any = _Missing()


def shown(value: Any, secret: str = "", limit: int = 60) -> str:
    """A value as a message shows it: short, so a huge answer cannot flood a status line."""
    text = repr(value)
    if secret:
        text = text.replace(secret, "[API key]")
    return text if len(text) <= limit else text[: limit - 1] + "…"
