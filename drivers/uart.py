"""What a serial port reading at one speed makes of bytes sent at another: a wrong baud rate, simulated.

A pty carries bytes, not bits, so it cannot show what a scale set to 2400 baud looks like to a
till listening at 9600. This module draws the bits on the line (a start bit, eight bits least
significant first, a stop bit, the line idle high between characters) at the sender's speed and
samples them as a receiving UART does at its own: it waits for a falling edge, checks the start
bit at its middle, reads each bit at its middle, and hands over a NUL for a character whose stop
bit is low (a framing error, as Linux does unless told to mark it). Bytes with bit 7 set to the
parity of the other seven are exactly a 7E1 character, so the same drawing serves 7E1 and 8N1.
"""

from __future__ import annotations

from fractions import Fraction

FRAME_BITS = 10  # start, 8 data bits, stop
OVERSAMPLING = 16  # a UART looks for the start edge 16 times per bit


def line_bits(data: bytes) -> list[int]:
    """The levels on the wire for ``data``, one per bit time, idle (1) for a character after."""
    bits: list[int] = []
    for byte in data:
        bits += [0, *((byte >> shift) & 1 for shift in range(8)), 1]
    return bits + [1] * FRAME_BITS


def misread(data: bytes, sent_baud: int, read_baud: int) -> bytes:
    """The bytes a UART at ``read_baud`` receives when ``data`` is sent at ``sent_baud``."""
    if sent_baud == read_baud:
        return bytes(data)
    bits = line_bits(data)
    bit_time, read_bit = Fraction(1, sent_baud), Fraction(1, read_baud)

    def level(at: Fraction) -> int:
        index = int(at / bit_time)
        return bits[index] if index < len(bits) else 1

    received = bytearray()
    at, end, tick = Fraction(0), len(bits) * bit_time, read_bit / OVERSAMPLING
    while at < end:
        if level(at) or level(at + read_bit / 2):  # idle, or a glitch shorter than half a bit
            at += tick
            continue
        value = sum(level(at + (index + Fraction(3, 2)) * read_bit) << index for index in range(8))
        received.append(value if level(at + Fraction(19, 2) * read_bit) else 0)
        at += Fraction(19, 2) * read_bit  # from the middle of the stop bit, look for the next start
    return bytes(received)
