"""CAS PD-II: ``CR W`` at 9600 7E1, the weight back as a line; stable once two readings agree.

The twin's PD-II (drivers/scale_frames.py ``pd2_weight_line``, and its streaming of each change
after ``W`` until CR) against the driver's decoder (drivers/scale/cas_pd2.py), over real ptys;
the pure decoder over recorded and generated lines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.cli.main import main
from drivers.assembly import build_scale
from drivers.scale import Backoff, SerialScale, State, Unsupported, cas_pd2, probe, protocol_named
from drivers.scale.wire import FrameError, Wire
from drivers.scale_twin import Display, ScaleTwin, Step, pd2_weight_line
from drivers.weighing import WeighGate

from .scale_port import ScriptedPort, SteppingClock

ANSWERS = 2.0


class LinePort(ScriptedPort):
    """A PD-II: its weight ``line`` (which a test may change) after every ``W``."""

    def __init__(self, line: bytes, clock: SteppingClock) -> None:
        super().__init__(lambda data: self.line if data.endswith(b"W") else b"", clock)
        self.line = line


def weigh(speaker: cas_pd2.CasPd2, port: ScriptedPort) -> tuple[State, int | None]:
    clock = port._clock
    reading = speaker.weigh(Wire(port, 1.0, clock, mask=0x7F))
    return reading.state, reading.grams


# -- the line --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "grams"),
    [
        (b"01.234\r", 1234),
        (b"\x0201.234\r", 1234),  # the Toledo frame's STX: uniCenta's reader skips it, so do we
        (b" 1.234\r", 1234),
        (b"0012.500\r", 12500),
        (b"-00.020\r", -20),
        (bytes(b | 0x80 for b in b"01.234\r"), 1234),  # parity bits, on a port left at 8N1
    ],
)
def test_weight_lines_decode_to_grams(line: bytes, grams: int) -> None:
    assert cas_pd2.parse(line) == grams


@pytest.mark.parametrize(
    ("line", "reason"),
    [(b"02.72\r", "two decimals"), (b"W01.234\r", "bad CAS PD-II"), (b"1234\r", "bad"), (b"01.234kg\r", "bad")],
)
def test_other_lines_are_refused_with_the_reason(line: bytes, reason: str) -> None:
    with pytest.raises(FrameError, match=reason):
        cas_pd2.parse(line)


def test_the_till_asks_cr_w_and_calls_a_weight_stable_only_when_two_readings_agree() -> None:
    speaker, port = protocol_named("cas-pd2"), LinePort(b"01.234\r", SteppingClock())
    assert isinstance(speaker, cas_pd2.CasPd2)
    assert weigh(speaker, port) == (State.MOTION, 1234)  # no stability flag: wait for a second one
    assert weigh(speaker, port) == (State.STABLE, 1234)
    port.line = b"01.240\r"
    assert weigh(speaker, port) == (State.MOTION, 1240)
    assert port.written == [b"\rW"] * 3


@given(grams=st.integers(-99_999, 99_999), motion=st.booleans())
def test_every_display_round_trips_through_twin_and_driver(grams: int, motion: bool) -> None:
    line = pd2_weight_line(Display(grams, motion=motion, under=grams < 0))
    speaker, port = cas_pd2.CasPd2(), LinePort(line, SteppingClock())
    first, second = weigh(speaker, port), weigh(speaker, port)
    if grams < 0:
        assert first == second == (State.UNDER_ZERO, grams)
    else:
        assert (first, second) == ((State.MOTION, grams), (State.STABLE, grams))


# -- over a pty, against the twin ----------------------------------------------------------------


@pytest.fixture
def link(tmp_path: Path) -> Path:
    return tmp_path / "ttyPD2"


@pytest.fixture
def twin(link: Path) -> Iterator[ScaleTwin]:
    with ScaleTwin("cas-pd2", link) as running:
        yield running


@pytest.fixture
def scale(twin: ScaleTwin, link: Path) -> Iterator[SerialScale]:
    with SerialScale(str(link), "cas-pd2", timeout=ANSWERS, backoff=Backoff(first=0.0)) as device:
        yield device


def test_a_pd2_weight_is_sold_once_it_has_settled(twin: ScaleTwin, scale: SerialScale) -> None:
    gate = WeighGate()
    twin.play([Step(480, motion=True), Step(505, motion=True), Step(505)])
    readings = [scale.read() for _ in range(3)]
    assert [(r.state, r.grams) for r in readings] == [(State.MOTION, 480), (State.MOTION, 505), (State.STABLE, 505)]
    assert not gate.check(readings[1]).accepted and gate.take(readings[2]) == 505
    twin.show(-40)
    assert (scale.read().state, scale.read().grams) == (State.UNDER_ZERO, -40)


def test_a_pd2_streams_changes_after_w_and_the_till_still_reads_the_weight_now(
    twin: ScaleTwin, scale: SerialScale
) -> None:
    twin.show(300)
    assert scale.read().grams == 300 and scale.read().state is State.STABLE
    twin.show(800)  # the scale sends 800 on its own: it was told W and no CR since
    twin.show(810)
    assert (scale.read().state, scale.read().grams) == (State.MOTION, 810)
    assert (scale.read().state, scale.read().grams) == (State.STABLE, 810)
    assert twin.commands[:2] == [b"\r", b"W"]


def test_a_pd2_takes_no_zero_or_tare_from_the_till(twin: ScaleTwin, scale: SerialScale) -> None:
    for command in (scale.zero, scale.tare, scale.clear_tare):
        with pytest.raises(Unsupported, match="CAS PD-II cannot .* use the scale's own key"):
            command()
    assert twin.commands == []


def test_a_pd2_at_another_baud_rate_answers_garbage(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(reply_baud=2400)
    twin.show(1234)
    reading = scale.read()
    assert reading.state is State.GARBLED and "CAS PD-II at 9600 baud 7E1" in reading.detail


def test_an_echo_and_noise_are_skipped(twin: ScaleTwin, scale: SerialScale) -> None:
    twin.set_faults(echo=True, garbage_before=b"\x00junk\r", garbage_after=b"\x7f")
    twin.show(910)
    assert [scale.read().grams for _ in range(2)] == [910, 910] and scale.echo_detected


def test_the_cas_ecr_protocol_gets_no_answer_from_a_pd2(twin: ScaleTwin, link: Path) -> None:
    """Why PD-II is a protocol of its own: a PD-II in this mode ignores ENQ and DC1."""
    twin.show(500)
    with SerialScale(str(link), "cas", timeout=0.3) as ecr:
        reading = ecr.read()
    assert reading.state is State.NO_ANSWER and "did not answer" in reading.detail


def test_probe_claims_a_pd2_and_cannot_tell_a_toledo_scale_from_one(twin: ScaleTwin, tmp_path: Path) -> None:
    assert probe(str(twin.link), "cas-pd2", timeout=ANSWERS)
    assert not probe(str(twin.link), "toledo8217", timeout=0.3)  # no answer to the Ehello echo test
    with ScaleTwin("toledo8217", tmp_path / "ttyToledo") as toledo:
        toledo.show(100)
        assert probe(str(toledo.link), "cas-pd2", timeout=ANSWERS)  # STX 00.100 CR is a PD-II line too


def test_the_till_and_the_commands_speak_pd2_when_configured(
    twin: ScaleTwin, link: Path, config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    section = {"enabled": True, "port": str(link), "protocol": "cas-pd2"}
    scale = build_scale(section)
    assert scale is not None and isinstance(scale.protocol, cas_pd2.CasPd2)
    scale.close()
    config_file.write_text(
        config_file.read_text() + f'\n[devices.scale]\nenabled = true\nport = "{link}"\nprotocol = "cas-pd2"\n'
    )
    twin.show(1250)
    assert main(["scale", "read", "--config", str(config_file), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["grams"] == 1250
