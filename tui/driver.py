"""Textual's terminal driver, handing what one read of the terminal holds to the app in one go.

Textual's input thread parses what the terminal sent and posts each key to the app as a coroutine
of its own (``asyncio.run_coroutine_threadsafe``): a task made and run by the app's event loop for
every key, each waking the loop. A keyboard-wedge scan is fourteen keys in one burst, so the loop
made and ran fourteen tasks before the first digit reached the entry; the keyboard scan showed its
line 0.4 ms later than with a plain post (bench/counter_scan.py, docs/benchmarks.md).

:class:`KeysAtOnce` changes two things, and nothing else (the same parser, the same messages, the
same order; tests/test_counter_driver.py and tests/test_counter_keys.py hold them):

- the input thread parses the whole of one read before it wakes the app's loop, once. Waking the
  loop at the first key let the loop take the GIL in the middle of the parse (the wake is a write
  to a socket, which lets the GIL go): 2 scans in 30 reached the app as one digit, a frame, then
  the other thirteen keys, a frame later;
- keys that follow one another reach the app as one :class:`~tui.messages.KeysRead`: the app takes
  them one by one, in order, and the entry types a run of digits in one change of its text;
- a read with no escape in it, while the parser is between sequences and outside a paste, is
  turned into keys by the parser's own table (:func:`parsed`), without the parser's per-character
  machinery: what a scan is, fourteen plain characters. That machinery (a generator step, a debug
  line formatted and a timeout checked for each character) took five times the table's time, on
  the input thread, between the read and the app's first look at the keys.

The names used are Textual's, of the version pinned in provisioning/constraints.txt; the input
loop is Textual's ``LinuxDriver.run_input_thread`` of that version but for the hand-over.
"""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable, Iterator

from textual import events
from textual._parser import ParseError, Read1
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver
from textual.keys import Keys
from textual.message import Message

from .messages import KeysRead


class KeysAtOnce(LinuxDriver):
    """The Linux driver, what one read of the terminal holds handed over in one batch, one wake of
    the loop a batch."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._outbox: list[Message] = []
        self._woken = False  # the loop has been asked to take the outbox and has not yet
        self._reading = False  # the input thread is parsing a read: it wakes the loop at the end

    def send_message(self, message: Message) -> None:
        """Queue ``message``; the loop is woken at the end of the read it came from, or at once if
        it came from elsewhere (a resize)."""
        with self._lock:
            self._outbox.append(message)
            if self._woken or self._reading:
                return
            self._woken = True
        self._loop.call_soon_threadsafe(self._hand_over)

    def _read_done(self) -> None:
        """On the input thread, once a read is parsed: wake the loop for what it queued."""
        self._reading = False
        with self._lock:
            if self._woken or not self._outbox:
                return
            self._woken = True
        self._loop.call_soon_threadsafe(self._hand_over)

    def _hand_over(self) -> None:
        """On the app's loop: every message read since the last batch, in order, to the app's queue."""
        with self._lock:
            batch, self._outbox, self._woken = self._outbox, [], False
        for message in grouped(batch):
            self._app.post_message(message)

    def run_input_thread(self) -> None:
        """Textual's input loop, each read parsed whole before the loop is woken (_read_done)."""
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode
        try:
            while not self.exit_event.is_set():
                self._read(selector.select(0.1), parser, decode)
            selector.unregister(self.fileno)
            self._read(selector.select(0.1), parser, decode, final=True)
        finally:
            selector.close()
            try:
                for _ in parser.feed(""):
                    pass
            except (EOFError, ParseError):
                pass

    def _read(
        self,
        ready: list[tuple[selectors.SelectorKey, int]],
        parser: XTermParser,
        decode: Callable[..., str],
        *,
        final: bool = False,
    ) -> None:
        """What the terminal sent (``ready``: the select's answer), parsed, then handed over."""
        self._reading = True
        try:
            for index, (_key, mask) in enumerate(ready):
                if mask & selectors.EVENT_READ:
                    text = decode(os.read(self.fileno, 1024 * 4), final=final and index == len(ready) - 1)
                    if not text:
                        break  # stdin is a pipe that was closed
                    for event in parsed(parser, text):
                        self.process_message(event)
            for event in parser.tick():  # an escape key alone, once its wait is over
                self.process_message(event)
        finally:
            self._read_done()


def parsed(parser: XTermParser, text: str) -> Iterator[Message]:
    """What ``parser`` makes of ``text``: the same messages, in the same order, as ``parser.feed``.

    Text with no escape, read while the parser waits for the first character of whatever comes
    next (not in the middle of a sequence, nor of a bracketed paste), is a key or more for each
    character, as the parser's loop would make them with its table (``_sequence_to_key_events``)
    and then drop the keys to ignore: here without the loop. Anything else, or a parser whose
    state this Textual does not show as expected, goes through the parser.
    """
    if "\x1b" in text or not at_rest(parser):
        yield from parser.feed(text)
        return
    keys_of = parser._sequence_to_key_events
    for character in text:
        for event in keys_of(character):
            if event.key != Keys.Ignore:
                yield event


def at_rest(parser: XTermParser) -> bool:
    """Whether ``parser`` waits for the next character with nothing begun: no sequence (a read
    without a timeout), no key held back, no bracketed paste open (read from the parser's
    suspended loop: a paste's text comes in reads with no escape, and must stay a paste)."""
    awaiting = parser._awaiting
    if type(awaiting) is not Read1 or awaiting.timeout is not None or parser._tokens or parser.is_eof:
        return False
    frame = getattr(parser._gen, "gi_frame", None)  # a generator's suspended frame
    return frame is not None and frame.f_locals.get("bracketed_paste") is False


def grouped(batch: list[Message]) -> Iterator[Message]:
    """The messages of ``batch`` in order, keys that follow one another as one :class:`KeysRead`
    (the app takes them one by one, in order, and types a run of digits at once); a lone key and
    every other message as it is."""
    keys: list[events.Key] = []
    for message in batch:
        if isinstance(message, events.Key):
            keys.append(message)
            continue
        yield from _keys(keys)
        keys = []
        yield message
    yield from _keys(keys)


def _keys(keys: list[events.Key]) -> Iterator[Message]:
    if len(keys) > 1:
        yield KeysRead(tuple(keys))
    else:
        yield from keys
