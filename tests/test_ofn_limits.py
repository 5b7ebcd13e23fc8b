"""The OFN client's limits over real sockets: small servers on 127.0.0.1 that misbehave on purpose.

Each server speaks raw HTTP/1.1 from a thread, so the client meets what it would meet in the field:
a body trickled a byte at a time, a body without end, a 429 with Retry-After, a connection
dropped before or in the middle of the answer, nobody listening, a certificate nobody signed.
Nothing sleeps to hope: the client's sleep is recorded, and a trickle is bounded by the deadline.
"""

from __future__ import annotations

import shutil
import socket
import socketserver
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from appliance.ofn.client import OfnClient, OfnUnavailable

KEY = "0123456789abcdef0123456789abcdef0123456789abcdef"
ORDER = b'{"number": "R1", "state": "complete", "line_items": [], "total": "0.0"}'

#: What a test server does with one connection: the socket, and an event set when the test ends.
Behaviour = Callable[[socket.socket, threading.Event], None]


class _Connection(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        self.server.requests += 1
        try:
            self.server.behaviour(self.request, self.server.stop)
        except OSError:  # the client hung up: what a misbehaving server expects
            pass


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True

    def __init__(self, behaviour: Behaviour, context: ssl.SSLContext | None):
        super().__init__(("127.0.0.1", 0), _Connection)
        self.behaviour = behaviour
        self.context = context
        self.stop = threading.Event()
        self.requests = 0

    def get_request(self) -> tuple[socket.socket, object]:
        connection, address = super().get_request()
        if self.context is not None:
            connection = self.context.wrap_socket(connection, server_side=True, do_handshake_on_connect=False)
        return connection, address


@pytest.fixture
def serve() -> Iterator[Callable[..., _Server]]:
    """Start servers for a test; its finalizer stops them and joins their threads."""
    started: list[tuple[_Server, threading.Thread]] = []

    def start(behaviour: Behaviour, context: ssl.SSLContext | None = None) -> _Server:
        server = _Server(behaviour, context)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        started.append((server, thread))
        return server

    yield start
    for server, thread in started:
        server.stop.set()
        server.shutdown()
        server.server_close()  # joins the connections' threads: each ends on ``stop`` or a hang-up
        thread.join(5)


def url(server: _Server, scheme: str = "http") -> str:
    return f"{scheme}://127.0.0.1:{server.server_address[1]}"


def client(server_url: str, **options: object) -> OfnClient:
    options.setdefault("sleep", lambda seconds: None)
    return OfnClient(server_url, KEY, **options)  # type: ignore[arg-type]


def read_request(connection: socket.socket) -> bytes:
    """The request's head and body (by Content-Length), as the server received them."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    while len(body) < length:
        body += connection.recv(65536)
    return data


def respond(status: str, body: bytes = b"", *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Content-Type: application/json", f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# -- one overall deadline ------------------------------------------------------------------------


def trickle(connection: socket.socket, stop: threading.Event) -> None:
    """A valid head, then one byte of body every 0.1 s: no read ever times out."""
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n[")
    while not stop.wait(0.1):
        connection.sendall(b" ")


def test_a_trickling_server_cannot_hold_a_request_past_its_deadline(serve: Callable[..., _Server]) -> None:
    server = serve(trickle)
    with client(url(server), deadline=0.5, read_attempts=1) as slow:
        with pytest.raises(OfnUnavailable) as caught:
            slow.order("R1")
    assert "OFN took more than 0.5 s to answer GET /api/v0/orders/R1" in str(caught.value)
    assert "sales wait in the box" in str(caught.value)


def test_a_write_that_trickles_past_its_deadline_may_have_been_applied(serve: Callable[..., _Server]) -> None:
    server = serve(trickle)
    with client(url(server), deadline=0.5) as slow, pytest.raises(OfnUnavailable) as caught:
        slow.add("R1", 5, 1, None)
    assert caught.value.maybe_applied and server.requests == 1


# -- a cap on the body ---------------------------------------------------------------------------


def endless(connection: socket.socket, stop: threading.Event) -> None:
    """A 200 whose chunked body never ends: no Content-Length warns the client."""
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"[" + b"0," * 32767
    while not stop.is_set():
        connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")


def test_an_endless_body_is_cut_at_the_cap_in_plain_words(serve: Callable[..., _Server]) -> None:
    server = serve(endless)
    with client(url(server), max_body=2**20, read_attempts=1) as flooded, pytest.raises(OfnUnavailable) as caught:
        list(flooded.shop_pages(12, 3))
    message = str(caught.value)
    assert message.startswith("OFN's answer to GET /api/v0/order_cycles/12/products is larger than 1 MiB")
    assert "OFN or a proxy in between is misbehaving" in message and "sales wait in the box" in message
    assert caught.value.transient


def test_a_declared_huge_body_is_refused_before_it_is_read(serve: Callable[..., _Server]) -> None:
    def huge(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9437184\r\n\r\n[")
        stop.wait(10)  # the rest never comes: a client waiting for it would hit the deadline

    server = serve(huge)
    with client(url(server), deadline=5, read_attempts=1) as flooded, pytest.raises(OfnUnavailable) as caught:
        flooded.order("R1")
    assert "is larger than 8 MiB" in str(caught.value)


# -- Retry-After ---------------------------------------------------------------------------------


def busy_then_ok(status: str, retry_after: str) -> Behaviour:
    """The first request is refused with Retry-After, the next one answered (one per connection)."""
    answered = threading.Event()

    def behaviour(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        if answered.is_set():
            connection.sendall(respond("200 OK", ORDER))
        else:
            answered.set()
            connection.sendall(respond(status, b"", f"Retry-After: {retry_after}", "Connection: close"))

    return behaviour


def test_a_read_refused_with_retry_after_waits_at_least_that_long(serve: Callable[..., _Server]) -> None:
    server = serve(busy_then_ok("429 Too Many Requests", "7"))
    slept: list[float] = []
    with client(url(server), sleep=slept.append) as patient:
        assert patient.order("R1").number == "R1"
    assert server.requests == 2 and len(slept) == 1 and slept[0] >= 7


def test_a_write_refused_with_retry_after_is_not_repeated_and_says_how_long(serve: Callable[..., _Server]) -> None:
    server = serve(busy_then_ok("503 Service Unavailable", "30"))
    slept: list[float] = []
    with client(url(server), sleep=slept.append) as patient, pytest.raises(OfnUnavailable) as caught:
        patient.add("R1", 5, 1, None)
    assert (caught.value.retry_after, caught.value.maybe_applied) == (30.0, False)
    assert "try again in 30 s" in str(caught.value) and "sales wait in the box" in str(caught.value)
    assert server.requests == 1 and slept == []


# -- dropped connections, nobody listening, a bad certificate --------------------------------------


def hang_up(connection: socket.socket, stop: threading.Event) -> None:
    read_request(connection)  # read it all (OFN may apply it), then close without a word


def half_answer(connection: socket.socket, stop: threading.Event) -> None:
    read_request(connection)
    connection.sendall(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"num')


@pytest.mark.parametrize("behaviour", [hang_up, half_answer], ids=["before the answer", "mid-answer"])
def test_a_dropped_connection_is_said_plainly_and_a_write_may_have_been_applied(
    serve: Callable[..., _Server], behaviour: Behaviour
) -> None:
    server = serve(behaviour)
    with client(url(server)) as dropped, pytest.raises(OfnUnavailable) as caught:
        dropped.add("R1", 5, 1, None)
    message = str(caught.value)
    assert message.startswith("The connection to OFN broke before its answer to POST /api/v0/orders/R1/shipments")
    assert "sales wait in the box" in message and "Error" not in message
    assert caught.value.maybe_applied and server.requests == 1


def test_a_server_that_never_answers_times_out_and_a_write_may_have_been_applied(
    serve: Callable[..., _Server],
) -> None:
    def silent(connection: socket.socket, stop: threading.Event) -> None:
        read_request(connection)
        stop.wait(10)

    server = serve(silent)
    timeout = httpx.Timeout(1.0, read=0.2)
    with client(url(server), timeout=timeout) as waiting, pytest.raises(OfnUnavailable) as caught:
        waiting.set_note("R1", "handed over")
    assert str(caught.value) == "OFN did not answer PUT /api/v0/orders/R1 in time: sales wait in the box"
    assert caught.value.maybe_applied


def test_nobody_listening_is_a_refused_connection_and_the_write_never_left(serve: Callable[..., _Server]) -> None:
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    with client(f"http://127.0.0.1:{port}") as nobody, pytest.raises(OfnUnavailable) as caught:
        nobody.add("R1", 5, 1, None)
    assert str(caught.value).startswith("Cannot reach OFN: 127.0.0.1 refused the connection")
    assert "ofn.base_url" in str(caught.value) and "sales wait in the box" in str(caught.value)
    assert caught.value.maybe_applied is False


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    """A server context with a certificate no authority signed (made by openssl for this run)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    directory: Path = tmp_path_factory.mktemp("tls")
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        + ["-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_a_certificate_that_is_not_valid_says_to_check_the_clock(
    serve: Callable[..., _Server], self_signed: ssl.SSLContext
) -> None:
    def handshake(connection: socket.socket, stop: threading.Event) -> None:
        connection.do_handshake()  # type: ignore[attr-defined]  # fails: the client rejects the certificate

    server = serve(handshake, self_signed)
    with client(url(server, "https")) as wary, pytest.raises(OfnUnavailable) as caught:
        wary.add("R1", 5, 1, None)
    assert str(caught.value) == (
        "Cannot reach OFN: the certificate of 127.0.0.1 is not valid:"
        " check the box's clock and ofn.base_url; sales wait in the box"
    )
    assert caught.value.maybe_applied is False
