"""How the scale twin answers each protocol: commands split as each frames them, replies from the pan.

A mixin of :class:`drivers.scale_twin.ScaleTwin`, which owns the pty, the thread and the state
these read and change (what is on the pan, zero and tare, the protocol's conversation state);
kept apart so the twin's plumbing and its protocol behaviour each fit in one screenful.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .scale_frames import (
    Display,
    cas_weight_reply,
    nci_status_reply,
    nci_weight_reply,
    pd2_weight_line,
    toledo_status,
    toledo_weight_reply,
)

if TYPE_CHECKING:
    from .scale_twin import Faults, Step


class ProtocolAnswers:
    """The twin's firmware: what it makes of each command, and the reply (b"" for none)."""

    # set up by ScaleTwin.__init__
    protocol: str
    capacity_grams: int
    zero_range_grams: int
    bit5_always: bool
    check_from_soh: bool
    faults: Faults
    _state: threading.Condition
    _script: deque[Step]
    _shown: Step
    _zero_offset: int
    _tare: int
    _last_sent: tuple[int, bool] | None
    _inbox: bytes
    _armed: bool
    _echo_mode: bool
    _streaming: bool

    def display(self, step: Step | None = None) -> Display:
        raise NotImplementedError

    def _write(self, data: bytes) -> None:
        raise NotImplementedError

    def _commands_in(self, data: bytes) -> Iterator[bytes]:
        """Split what the host sent into commands, as each protocol frames them.

        A generator on purpose: a Toledo ``E`` switches echo mode on for the bytes that follow
        it in the same write, so each command is answered before the next byte is looked at.
        """
        if self.protocol == "nci":
            self._inbox += data
            while b"\r" in self._inbox:
                line, _, self._inbox = self._inbox.partition(b"\r")
                line = line.strip(b"\n ")
                if line:
                    yield line + b"\r"
            self._inbox = self._inbox[-64:]
            return
        for byte in data:
            letter = bytes((byte,))
            if self.protocol == "toledo8217" and self._echo_mode:
                if letter == b"F":
                    self._echo_mode = False
                else:
                    self._write(letter)
            elif letter not in (b"\r", b"\n") or (self.protocol == "cas-pd2" and letter == b"\r"):
                yield letter  # CR is a command to a PD-II: stop sending

    def _take_step(self) -> Display:
        with self._state:
            if self._script:
                self._shown = self._script.popleft()
        return self.display()

    def _answer(self, command: bytes) -> bytes:
        if self.protocol == "toledo8217":
            return self._answer_toledo(command)
        if self.protocol == "nci":
            return self._answer_nci(command)
        if self.protocol == "cas-pd2":
            return self._answer_pd2(command)
        return self._answer_cas(command)

    def _answer_pd2(self, command: bytes) -> bytes:
        if command == b"W":
            self._streaming = True
            return pd2_weight_line(self._take_step())
        if command == b"\r":
            self._streaming = False
        return b""

    def _answer_toledo(self, command: bytes) -> bytes:
        if command == b"W":
            shown = self._take_step()
            key = (shown.grams, shown.net)
            if self.faults.repeat_as_status and self._last_sent == key and not (shown.motion or shown.under):
                return toledo_status(net=shown.net, bit5_always=self.bit5_always)
            reply = toledo_weight_reply(shown, bit5_always=self.bit5_always)
            self._last_sent = key if reply[1:2] != b"?" else None
            return reply
        if command == b"E":
            self._echo_mode = True
            return b"\x02E\r"
        if command in (b"Z", b"T", b"C"):
            refused = self._operate(command)
            shown = self.display()
            return toledo_status(
                motion=shown.motion,
                over=shown.over,
                under=shown.under,
                outside_zero=refused == "outside_zero",
                centre=shown.grams == 0 and not shown.motion,
                net=shown.net,
                bit5_always=self.bit5_always,
            )
        return b""

    def _answer_nci(self, command: bytes) -> bytes:
        if command == b"W\r":
            return nci_weight_reply(self._take_step())
        if command == b"S\r":
            return nci_status_reply(self.display())
        if command == b"Z\r":
            self._operate(b"Z")
            return nci_status_reply(self.display())
        return b"\n?\r\x03"

    def _answer_cas(self, command: bytes) -> bytes:
        if command == b"\x05":
            self._armed = not self.faults.nak
            return b"\x15" if self.faults.nak else b"\x06"
        if command == b"\x11" and self._armed:
            self._armed = False
            return cas_weight_reply(self._take_step(), check_from_soh=self.check_from_soh)
        return b""

    def _operate(self, command: bytes) -> str:
        """Zero, tare or clear the tare as the scale would; returns why it refused, or ""."""
        with self._state:
            step = self._shown
            if step.motion:
                return "motion"
            gross = step.grams - self._zero_offset
            if command == b"Z":
                if self._tare or abs(gross) > self.zero_range_grams:
                    return "outside_zero"
                self._zero_offset = step.grams
            elif command == b"T":
                if gross <= 0 or gross > self.capacity_grams:
                    return "no_tare"
                self._tare = gross
            elif command == b"C":
                self._tare = 0
            self._last_sent = None
            return ""
