"""The serial scale driver against its twin over real ptys: each protocol, each way a scale misbehaves.

The driver opens the twin's symlink with pyserial as it opens /dev/serial/by-id/... on the Pi.
Reads that must succeed get a generous timeout (they return as soon as the frame is in); reads
that must time out get a short one. Waiting is done on events and request counters, never sleeps.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import serial

from drivers.scale import Backoff, SerialScale, State, Unsupported, probe
from drivers.scale_twin import ScaleTwin, Step
from drivers.weighing import WeighGate

PROTOCOLS = ["toledo8217", "nci", "cas"]
ANSWERS = 2.0  # seconds a read may take when the twin answers (it returns in milliseconds)
SILENT = 0.2  # seconds a read waits when the twin is not going to answer
# noise that contains each protocol's own frame delimiters, to make resynchronising necessary
NOISE = {
    "toledo8217": b"\x00\xff\r\x02junk\r\x02",
    "nci": b"\x00\n\x03\nnoise\r\x03\n",
    "cas": b"\x00\x01\x02short\x03\x04\x01\x02",
}


@pytest.fixture(params=PROTOCOLS)
def protocol(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "ttyScale"


@pytest.fixture
def twin(protocol: str, link: Path) -> Iterator[ScaleTwin]:
    with ScaleTwin(protocol, link) as running:
        yield running


@pytest.fixture
def scale(twin: ScaleTwin, protocol: str, link: Path) -> Iterator[SerialScale]:
    with SerialScale(str(link), protocol, timeout=ANSWERS, backoff=Backoff(first=0.0)) as device:
        yield device


def test_a_stable_weight_reads_as_grams(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.show(1234)
    reading = scale.read()
    assert (reading.state, reading.grams, reading.connected) == (State.STABLE, 1234, True)
    assert reading.raw  # the frame is kept for the log


def test_motion_then_stable(twin: ScaleTwin, scale: SerialScale, protocol: str) -> None:
    twin.play([Step(480, motion=True), Step(505, motion=True), Step(505)])
    first, second, third = scale.read(), scale.read(), scale.read()
    assert [first.state, second.state, third.state] == [State.MOTION, State.MOTION, State.STABLE]
    assert third.grams == 505
    if protocol != "toledo8217":  # Toledo sends only a status while moving
        assert (first.grams, second.grams) == (480, 505)


def test_below_zero(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.show(-40)
    reading = scale.read()
    assert reading.state is State.UNDER_ZERO
    assert reading.grams in (None, -40)


def test_over_capacity(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.show(twin.capacity_grams + 500)
    reading = scale.read()
    assert reading.state is State.OVER_CAPACITY


@pytest.mark.parametrize("protocol", ["toledo8217", "nci"])
def test_zero_takes_a_small_offset_off(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.show(60)
    result = scale.zero()
    assert result.accepted, result.detail
    assert (scale.read().state, scale.read().grams) == (State.STABLE, 0)


@pytest.mark.parametrize("protocol", ["toledo8217", "nci"])
def test_zero_is_refused_with_goods_on_the_pan(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.show(2000)
    result = scale.zero()
    assert not result.accepted
    assert "empty the pan" in result.detail
    assert scale.read().grams == 2000


@pytest.mark.parametrize("protocol", ["toledo8217", "nci"])
def test_zero_is_refused_while_moving(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.show(10, motion=True)
    result = scale.zero()
    assert not result.accepted
    assert "moving" in result.detail


@pytest.mark.parametrize("protocol", ["toledo8217"])
def test_tare_then_net_weights_then_clear(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.show(250)  # the empty container
    assert scale.tare().accepted
    empty = scale.read()
    assert (empty.grams, empty.net) == (0, True)
    twin.show(1250)
    assert (scale.read().grams, scale.read().net) == (1000, True)
    assert scale.clear_tare().accepted
    assert (scale.read().grams, scale.read().net) == (1250, False)


@pytest.mark.parametrize(("protocol", "command"), [("cas", "zero"), ("cas", "tare"), ("nci", "tare")])
def test_unsupported_commands_send_nothing(twin: ScaleTwin, scale: SerialScale, command: str) -> None:
    with pytest.raises(Unsupported, match="scale's own key"):
        getattr(scale, command)()
    assert twin.commands == []


def test_noise_around_frames_is_skipped(twin: ScaleTwin, scale: SerialScale, protocol: str) -> None:
    twin.set_faults(garbage_before=NOISE[protocol], garbage_after=b"\x7f\x00" + NOISE[protocol])
    twin.show(730)
    assert (scale.read().state, scale.read().grams) == (State.STABLE, 730)
    twin.show(731)
    assert scale.read().grams == 731  # the noise after the last frame did not poison this one


def test_a_frame_in_pieces_is_waited_for(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(split_at=3)
    twin.show(640)
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(scale.read)
        assert twin.partial_sent.wait(ANSWERS)
        assert not pending.done()  # the rest has not been sent: the driver must still be waiting
        twin.release()
        reading = pending.result(timeout=ANSWERS)
    assert (reading.state, reading.grams) == (State.STABLE, 640)


def test_a_frame_never_completed_is_no_answer(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(split_at=3)
    twin.show(640)
    scale.timeout = SILENT
    reading = scale.read()
    assert reading.state is State.NO_ANSWER
    assert reading.connected
    assert "incomplete" in reading.detail
    twin.set_faults(split_at=None)
    scale.timeout = ANSWERS
    assert scale.read().grams == 640  # the lost tail does not spoil the next reading


def test_a_silent_scale_is_no_answer_but_connected(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(mute=True)
    scale.timeout = SILENT
    reading = scale.read()
    assert (reading.state, reading.connected) == (State.NO_ANSWER, True)
    assert "did not answer" in reading.detail
    assert twin.wait_for_commands(1)  # it was asked, and kept quiet


@pytest.mark.parametrize("baud", [2400, 4800])
def test_a_scale_at_another_baud_rate_answers_garbage_and_the_cashier_is_told_so(
    twin: ScaleTwin, scale: SerialScale, protocol: str, baud: int
) -> None:
    """Not "is it switched on?": it is on and talking, at a speed (or in a protocol) the till does not read."""
    twin.set_faults(reply_baud=baud)
    twin.show(1234)
    reading = scale.read()
    assert (reading.state, reading.connected, reading.grams) == (State.GARBLED, True, None)
    assert "garbage: check its baud rate and protocol" in reading.detail and reading.raw
    assert WeighGate().check(reading).message == "The scale answers garbage: check its baud rate and protocol"
    twin.set_faults(reply_baud=None)  # set right: the next reading is the weight
    assert (scale.read().state, scale.read().grams) == (State.STABLE, 1234)


def test_an_echoing_cable_is_detected_and_skipped(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(echo=True)
    twin.show(910)
    assert (scale.read().state, scale.read().grams) == (State.STABLE, 910)
    assert scale.echo_detected


def test_an_echo_alone_is_not_taken_for_an_answer(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(echo=True, mute=True)
    scale.timeout = SILENT
    reading = scale.read()
    assert reading.state is State.NO_ANSWER
    assert "echo" in reading.detail
    assert scale.echo_detected


@pytest.mark.parametrize("protocol", ["toledo8217"])
def test_toledo_scales_that_repeat_as_status_keep_their_weight(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(repeat_as_status=True)
    twin.show(455)
    first, second = scale.read(), scale.read()
    assert first.raw.startswith(b"\x0200.455")
    assert second.raw.startswith(b"\x02?")
    assert (second.state, second.grams) == (State.STABLE, 455)


@pytest.mark.parametrize("protocol", ["cas"])
def test_cas_nak_is_an_error(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(nak=True)
    reading = scale.read()
    assert reading.state is State.ERROR
    assert "NAK" in reading.detail


def test_unplug_and_replug_while_weighing(twin: ScaleTwin, scale: SerialScale, link: Path) -> None:
    twin.show(500)
    assert scale.read().grams == 500
    twin.unplug()
    assert not link.exists()
    lost = scale.read()
    assert (lost.state, lost.connected) == (State.NO_ANSWER, False)
    gone = scale.read()
    assert (gone.state, gone.connected) == (State.NO_ANSWER, False)
    assert "No scale at" in gone.detail
    twin.replug()
    twin.show(750)
    back = scale.read()
    assert (back.state, back.grams, back.connected) == (State.STABLE, 750, True)


def test_reopening_waits_for_the_backoff(twin: ScaleTwin, protocol: str, link: Path) -> None:
    """While unplugged, reads within the backoff delay do not touch the port at all."""
    now = [0.0]
    opened: list[str] = []

    def opener(path: str, **settings: object) -> serial.Serial:
        opened.append(path)
        return serial.Serial(path, **settings)  # type: ignore[arg-type]

    with SerialScale(
        str(link), protocol, opener=opener, clock=lambda: now[0], backoff=Backoff(1.0, 2.0, 8.0)
    ) as device:
        twin.unplug()
        assert device.read().connected is False  # first attempt: fails to open, retry in 1 s
        assert device.read().connected is False  # within the delay: no attempt
        assert len(opened) == 1
        now[0] += 1.0
        assert device.read().connected is False  # second attempt, retry in 2 s
        assert len(opened) == 2
        twin.replug()
        twin.show(300)
        now[0] += 1.0
        assert device.read().connected is False  # still inside the 2 s
        assert len(opened) == 2
        now[0] += 1.0
        device.timeout = 1e9  # the stepping clock never advances during the exchange: bound it by the frame
        assert device.read().grams == 300
        assert len(opened) == 3


def test_a_port_held_by_another_program_is_reported(twin: ScaleTwin, scale: SerialScale, protocol: str) -> None:
    twin.show(100)
    assert scale.read().grams == 100  # holds the port open (exclusively)
    with SerialScale(str(twin.link), protocol, timeout=SILENT) as second:
        reading = second.read()
    assert (reading.state, reading.connected) == (State.NO_ANSWER, False)
    assert "in use by another program" in reading.detail


def test_a_missing_port_is_reported_without_raising(tmp_path: Path, protocol: str) -> None:
    with SerialScale(str(tmp_path / "nothing"), protocol, timeout=SILENT) as device:
        reading = device.read()
    assert (reading.state, reading.connected) == (State.NO_ANSWER, False)
    assert "No scale at" in reading.detail


@pytest.mark.parametrize("protocol", ["toledo8217", "nci"])
def test_a_command_to_a_missing_port_is_refused_without_raising(tmp_path: Path, protocol: str) -> None:
    with SerialScale(str(tmp_path / "nothing"), protocol, timeout=SILENT) as device:
        result = device.zero()
    assert (result.accepted, result.answered, result.connected) == (False, False, False)
    assert "No scale at" in result.detail


@pytest.mark.parametrize("other", PROTOCOLS)
def test_probe_claims_a_port_only_for_its_own_protocol(twin: ScaleTwin, protocol: str, other: str) -> None:
    twin.show(0)
    assert probe(str(twin.link), other, timeout=ANSWERS if other == protocol else SILENT) is (other == protocol)


def test_probe_does_not_claim_a_loopback(twin: ScaleTwin) -> None:
    """An adapter that echoes with no scale behind it: the Adam lesson, no probe may say yes."""
    twin.set_faults(echo=True, mute=True)
    assert not any(probe(str(twin.link), name, timeout=SILENT) for name in PROTOCOLS)


def test_the_twin_cleans_up_its_link_and_descriptors(tmp_path: Path, protocol: str) -> None:
    before = set(Path("/proc/self/fd").iterdir())
    link = tmp_path / "short-lived"
    with ScaleTwin(protocol, link) as twin:
        twin.unplug()
        twin.replug()
        assert link.is_symlink()
    assert not link.exists() and not link.is_symlink()
    assert set(Path("/proc/self/fd").iterdir()) <= before


def test_the_twin_never_replaces_a_real_file(tmp_path: Path) -> None:
    precious = tmp_path / "ttyUSB0"
    precious.write_text("not a link")
    with pytest.raises(FileExistsError):
        ScaleTwin("nci", precious).start()
    assert precious.read_text() == "not a link"
