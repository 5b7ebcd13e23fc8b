"""The OFN client's mapping of answers to typed results and plain-worded errors (httpx MockTransport)."""

from __future__ import annotations

import errno
import itertools
import logging
import re
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from appliance.core.sale import PricedBy
from appliance.ofn.client import (
    KeyRejected,
    NotAllowed,
    NotFound,
    OfnClient,
    OfnError,
    OfnUnavailable,
    OrderCycleClosed,
    Refused,
    cents,
    shop_variant,
)
from appliance.ofn.http import retry_after

KEY = "0123456789abcdef0123456789abcdef0123456789abcdef"


def client_answering(*answers: Any, seen: list[httpx.Request] | None = None) -> OfnClient:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        return httpx.Response(status, json=body) if body is not None else httpx.Response(status)

    return OfnClient("https://ofn.example", KEY, transport=httpx.MockTransport(handler), sleep=lambda s: None)


def test_a_rejected_key_says_to_reprovision_and_never_shows_the_key() -> None:
    client = client_answering((401, {"error": f"Invalid API key ({KEY}) specified."}))
    with pytest.raises(KeyRejected) as caught:
        client.order("R123456789")
    assert "re-provision" in str(caught.value) and KEY not in str(caught.value)


def test_a_user_who_does_not_manage_the_hub_is_told_so() -> None:
    with pytest.raises(NotAllowed):
        client_answering((401, {"error": "You are not authorized to perform that action."})).order("R1")


def test_a_closed_cycle_names_the_config_key_to_change() -> None:
    client = client_answering((404, {}))
    with pytest.raises(OrderCycleClosed) as caught:
        list(client.shop_pages(12, 3))
    assert "ofn.order_cycle_id" in str(caught.value)


def test_a_422_carries_ofns_own_words() -> None:
    body = {
        "error": "Invalid resource. Please fix errors and try again.",
        "errors": {"quantity": ['"Leeks" is out of stock.']},
    }
    with pytest.raises(Refused) as caught:
        client_answering((422, body)).add("R1", 5, 2, "H12345678901")
    assert '"Leeks" is out of stock.' in str(caught.value)


def test_reads_are_retried_on_5xx_and_dropped_connections_then_succeed() -> None:
    seen: list[httpx.Request] = []
    order = {"number": "R1", "state": "complete", "line_items": [], "total": "0.0"}
    client = client_answering((502, None), httpx.RemoteProtocolError("dropped"), (200, order), seen=seen)
    assert client.order("R1").number == "R1"
    assert len(seen) == 3 and all(r.headers["X-Spree-Token"] == KEY for r in seen)


def test_reads_give_up_after_three_attempts_with_a_transient_error() -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(OfnUnavailable) as caught:
        client_answering((504, None), seen=seen).order("R1")
    assert len(seen) == 3 and caught.value.transient


def test_writes_are_sent_once_even_when_the_answer_is_lost() -> None:
    """add/remove are not idempotent: only the sync engine, after reading the order, may resend."""
    seen: list[httpx.Request] = []
    with pytest.raises(OfnUnavailable):
        client_answering(httpx.ReadTimeout("slow"), seen=seen).add("R1", 5, 1, None)
    assert len(seen) == 1 and seen[0].method == "POST" and seen[0].url.path == "/api/v0/orders/R1/shipments"


def test_not_found_and_other_statuses_are_errors_not_tracebacks() -> None:
    with pytest.raises(NotFound):
        client_answering((404, {"error": "The resource you were looking for could not be found."})).order("R9")
    with pytest.raises(OfnError) as caught:
        client_answering((418, {"error": "teapot"})).order("R9")
    assert "418" in str(caught.value) and "teapot" in str(caught.value)
    with pytest.raises(OfnUnavailable):
        client_answering((200, None)).order("R9")


@given(st.decimals(min_value=Decimal("-100000"), max_value=Decimal("100000"), places=2))
def test_decimal_strings_become_exact_cents(amount: Decimal) -> None:
    assert cents(str(amount)) == int(amount * 100)


@given(st.text(max_size=12))
def test_anything_that_is_not_an_amount_is_a_clear_error(text: str) -> None:
    try:
        value = Decimal(text)
        well_formed = value.is_finite() and value == value.quantize(Decimal("0.01"))
    except ArithmeticError:
        well_formed = False
    if not well_formed:
        with pytest.raises(OfnError):
            cents(text)


def test_weighed_variants_are_priced_per_kg_from_their_unit() -> None:
    data = {
        "id": 7,
        "product_name": "Carrots",
        "sku": "",
        "price": "1.25",
        "unit_value": 500.0,
        "unit_price_unit": "kg",
        "on_demand": False,
        "on_hand": 40,
    }
    variant = shop_variant(data, {7: 1})
    assert (variant.priced_by, variant.unit_grams, variant.price, variant.tax_category_id) == (
        PricedBy.WEIGHT,
        500,
        250,
        1,
    )
    each = shop_variant({**data, "unit_price_unit": "item", "unit_value": 1.0, "on_demand": True}, {})
    assert (each.priced_by, each.price, each.on_hand, each.tax_category_id) == (PricedBy.EACH, 125, None, None)


# -- whether a failed write may have been applied ------------------------------------------------


def gaierror_connect() -> httpx.ConnectError:
    """What httpx raises when the name does not resolve: the socket's gaierror at the root."""
    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    return error


def refused_connect() -> httpx.ConnectError:
    error = httpx.ConnectError("[Errno 111] Connection refused")
    error.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return error


def unreachable_connect() -> httpx.ConnectError:
    error = httpx.ConnectError("[Errno 101] Network is unreachable")
    error.__cause__ = OSError(errno.ENETUNREACH, "Network is unreachable")
    return error


def tls_connect() -> httpx.ConnectError:
    error = httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number")
    error.__cause__ = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    return error


NEVER_SENT = [
    (gaierror_connect(), "Cannot reach OFN: cannot find ofn.example: check the network or ofn.base_url"),
    (refused_connect(), "Cannot reach OFN: ofn.example refused the connection"),
    (unreachable_connect(), "Cannot reach OFN: no route to ofn.example: check the network"),
    (tls_connect(), "Cannot reach OFN: the secure connection to ofn.example failed"),
    (httpx.ConnectTimeout("timed out"), "Cannot reach OFN: ofn.example did not accept a connection in time"),
    (httpx.PoolTimeout("no connection"), "Cannot reach OFN: every connection to ofn.example is busy"),
    ((429, None, {"Retry-After": "12"}), "OFN is too busy (429 on POST /api/v0/orders/R1/shipments)"),
    ((503, None, {"Retry-After": "12"}), "OFN is unavailable (503 on POST /api/v0/orders/R1/shipments)"),
]
MAYBE_APPLIED = [
    (httpx.ReadTimeout("slow"), "OFN did not answer POST /api/v0/orders/R1/shipments in time"),
    (httpx.RemoteProtocolError("Server disconnected"), "The connection to OFN broke before its answer"),
    (httpx.ReadError("reset"), "The connection to OFN broke before its answer"),
    (httpx.WriteError("broken pipe"), "The connection to OFN broke while sending POST"),
    (httpx.WriteTimeout("stalled"), "The connection to OFN broke while sending POST"),
    (httpx.DecodingError("bad gzip"), "arrived garbled"),
    ((500, None, {}), "OFN is failing (500 on POST"),
    ((502, None, {}), "OFN is failing (502 on POST"),
    ((504, None, {}), "OFN is failing (504 on POST"),
    ((503, None, {}), "OFN is unavailable (503 on POST"),
    ((429, None, {}), "OFN is too busy (429 on POST"),
    ((200, b"<html>proxy</html>", {}), "OFN answered POST /api/v0/orders/R1/shipments with an empty or non-JSON"),
]


def failing_with(answer: Any) -> OfnClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(answer, Exception):
            raise answer
        status, content, headers = answer
        return httpx.Response(status, content=content, headers=headers)

    return OfnClient("https://ofn.example", KEY, transport=httpx.MockTransport(handler), sleep=lambda s: None)


@pytest.mark.parametrize(("answer", "words"), NEVER_SENT, ids=lambda v: str(v)[:40])
def test_a_write_that_provably_never_reached_ofn_says_so(answer: Any, words: str) -> None:
    with pytest.raises(OfnUnavailable) as caught:
        failing_with(answer).add("R1", 5, 1, None)
    assert caught.value.maybe_applied is False
    assert str(caught.value).startswith(words) and "sales wait in the box" in str(caught.value)


@pytest.mark.parametrize(("answer", "words"), MAYBE_APPLIED, ids=lambda v: str(v)[:40])
def test_a_write_whose_answer_was_lost_may_have_been_applied(answer: Any, words: str) -> None:
    with pytest.raises(OfnUnavailable) as caught:
        failing_with(answer).add("R1", 5, 1, None)
    assert caught.value.maybe_applied is True and caught.value.retry_after is None
    assert words in str(caught.value) and "sales wait in the box" in str(caught.value)


@pytest.mark.parametrize(("answer", "words"), NEVER_SENT + MAYBE_APPLIED, ids=lambda v: str(v)[:40])
def test_no_message_names_a_class_or_shows_the_key(answer: Any, words: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(OfnUnavailable) as caught:
        failing_with(answer).order("R1")  # a read: retried, each retry logged
    message = str(caught.value)
    assert not re.search(r"[A-Za-z]+(Error|Exception|Timeout)\b|httpx|httpcore", message), message
    assert KEY not in message and KEY not in caplog.text


def test_the_key_is_hidden_even_when_an_answer_echoes_it(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echoed = [
        (lambda c: c.add("R1", 5, 2, "H12345678901"), (422, {"errors": {"base": [f"token {KEY} is odd"]}})),
        (lambda c: c.order("R1"), (404, {"error": f"no order for {KEY}"})),
        (lambda c: c.order("R1"), (418, {"exception": KEY})),
        (lambda c: c.order("R1"), (200, {"number": "R1", "state": "complete", "line_items": [KEY + KEY]})),
        (lambda c: c.add("R1", 5, 1, None), (200, {"number": "x" * 30 + KEY})),  # cut short in the message
    ]
    for call, answer in echoed:
        with pytest.raises(OfnError) as caught:
            call(client_answering(answer))
        assert KEY not in str(caught.value) and KEY[:20] not in str(caught.value), str(caught.value)
    assert KEY not in caplog.text


# -- Retry-After ---------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "120"}, 120.0),
        ({"Retry-After": " 0 "}, 0.0),
        ({"Retry-After": "86400"}, 300.0),  # capped
        ({"Retry-After": "9" * 5000}, 300.0),
        ({"Retry-After": "Mon, 02 Mar 2026 08:02:00 GMT"}, 120.0),  # against the box's clock
        ({"Retry-After": "Mon, 02 Mar 2026 08:02:00 GMT", "Date": "Mon, 02 Mar 2026 08:01:30 GMT"}, 30.0),
        ({"Retry-After": "Mon, 02 Mar 2026 07:00:00 GMT"}, 0.0),  # already past
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-5"}, None),
        ({}, None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(headers: dict[str, str], seconds: float | None) -> None:
    assert retry_after(httpx.Response(503, headers=headers), NOW) == seconds


def test_reads_wait_at_least_what_the_server_asked_and_never_past_the_cap() -> None:
    slept: list[float] = []
    answers = [(503, {"Retry-After": "120"}), (429, {"Retry-After": "100000"}), (200, {})]

    def handler(request: httpx.Request) -> httpx.Response:
        status, headers = answers.pop(0)
        body = {"number": "R1", "state": "complete", "line_items": []} if status == 200 else None
        return httpx.Response(status, json=body, headers=headers)

    client = OfnClient("https://ofn.example", KEY, transport=httpx.MockTransport(handler), sleep=slept.append)
    assert client.order("R1").number == "R1"
    assert 120 <= slept[0] < 121 and slept[1] == 300


def test_the_deadline_is_checked_between_chunks_on_an_injected_clock() -> None:
    """A body that keeps coming stops at the deadline, measured on the client's monotonic clock."""
    clock = itertools.count()  # one second passes at every look
    sent: list[int] = []

    def chunks() -> Iterator[bytes]:
        for n in range(1000):
            sent.append(n)
            yield b" "

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=chunks())

    client = OfnClient(
        "https://ofn.example", KEY, transport=httpx.MockTransport(handler), deadline=10, monotonic=lambda: next(clock)
    )
    with pytest.raises(OfnUnavailable) as caught:
        client.add("R1", 5, 1, None)
    assert str(caught.value).startswith("OFN took more than 10 s to answer POST /api/v0/orders/R1/shipments")
    assert len(sent) < 20 and caught.value.maybe_applied


@pytest.mark.parametrize(
    ("answer", "later"),
    [
        ((500, {"error": "Internal Server Error"}), False),  # OFN's application answered: the request is over
        ((408, None), False),
        ((422, {"exception": "Request ran for longer than 30000ms"}), False),  # OFN's own timeout answer
        ((502, None), True),  # a proxy answered: the application may still be serving it
        ((504, None), True),
        (httpx.ReadTimeout("slow"), True),  # the answer was lost
        (httpx.ConnectError("refused"), False),  # it never left the box
    ],
)
def test_a_failed_write_says_whether_it_may_still_take_effect(answer: Any, later: bool) -> None:
    """What the sync engine's in-doubt rule reads: a wrong answer here doubles or loses a sale."""
    with pytest.raises(OfnUnavailable) as caught:
        client_answering(answer).add("R123456789", 34, 1, "H12345678901")
    assert caught.value.may_apply_later is later
