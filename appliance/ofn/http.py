"""The road to OFN: one request at a time, within limits, every failure put in plain words.

Limits, because the box is a Raspberry Pi that must keep selling whatever the other end does:

- **a deadline per request** (``DEADLINE``): httpx's timeouts are per phase, and a server that
  trickles a byte every few seconds never trips the read timeout, so the clock is checked
  between the chunks of the body; each phase's own timeout is also cut to the deadline. A
  request gives up within its deadline plus at most one read timeout.
- **a cap on the body** (``MAX_BODY``), read as a stream: a huge answer is refused before it is
  in memory. A 100-product shopfront page with OFN's full fields is about 0.4 MB, 0.7 MB with
  long descriptions, 2.5 MB in an extreme case (10,000-character descriptions, 5 variants per
  product); 8 MiB is three times that, and parses to under 20 MiB of Python objects.
- **Retry-After** on 429 and 503, capped at ``MAX_RETRY_AFTER``: reads wait at least that long
  before they are retried; writes are never retried here, their error carries ``retry_after``.

Reads are retried with jittered backoff (repeating a read is harmless). Writes are sent once:
``add`` and ``remove`` are not idempotent in OFN, so the sync engine never repeats one blindly,
it reads the order and decides; for that it needs ``OfnUnavailable.maybe_applied`` (see
:func:`_answer`). The API key travels in a header and never appears in a message or a log.
"""

from __future__ import annotations

import errno
import json
import logging
import socket
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from appliance.core.clock import Clock, SystemClock
from appliance.ofn.errors import SALES_WAIT, KeyRejected, NotAllowed, NotFound, OfnError, OfnUnavailable, Refused

log = logging.getLogger(__name__)

T = TypeVar("T")

TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=10.0, pool=5.0)
DEADLINE = 30.0  # seconds for a whole request, its body included
MAX_BODY = 8 * 2**20  # bytes of an answer, after decompression
MAX_RETRY_AFTER = 300.0  # seconds: a longer Retry-After is taken as this

#: The errno values of a machine that has no way out (no cable, no Wi-Fi, no default route).
NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN}


class OfnHttp:
    """One OFN instance and one API key; transport, sleep and clocks are injectable for tests."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        deadline: float = DEADLINE,
        max_body: int = MAX_BODY,
        read_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        clock: Clock | None = None,
    ):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), transport=transport, timeout=_within(timeout, deadline)
        )
        self.host = urlsplit(base_url).hostname or base_url
        self.api_key = api_key
        self._deadline = deadline
        self._max_body = max_body
        self._attempts = read_attempts
        self._sleep = sleep
        self._monotonic = monotonic
        self._clock = clock or SystemClock()
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def read(self, path: str, params: dict[str, Any] | None, parse: Callable[[Any, str], T]) -> T:
        """GET and parse, retried while OFN is unavailable; each wait is at least its Retry-After."""
        retrying = Retrying(
            stop=stop_after_attempt(self._attempts),
            wait=_at_least_asked(wait_random_exponential(multiplier=0.5, max=8)),
            retry=retry_if_exception_type(OfnUnavailable),
            before_sleep=_log_retry,
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(self._exchange, "GET", path, parse, params=params)

    def write(self, method: str, path: str, body: dict[str, Any], parse: Callable[[Any, str], T]) -> T:
        """Send once: only the sync engine, after reading the order, may send a change again."""
        return self._exchange(method, path, parse, json=body)

    def _exchange(self, method: str, path: str, parse: Callable[[Any, str], T], **kwargs: Any) -> T:
        try:
            return parse(self._send(method, path, **kwargs), path)
        except OfnError as error:
            error.hide(self.api_key)  # whatever words OFN sent back, the key is not shown
            raise

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        self.requests += 1
        headers = {"X-Api-Token" if path.startswith("/api/v1/") else "X-Spree-Token": self.api_key}
        started = self._monotonic()
        try:
            with self._http.stream(method, path, headers=headers, **kwargs) as response:
                body = self._body(response, started, method, path)
        except httpx.HTTPError as exc:
            raise self._failure(exc, method, path) from exc  # the log keeps the detail, the words stay plain
        asked = retry_after(response, self._clock.now()) if response.status_code in (429, 503) else None
        return _answer(method, path, response, _json(body), asked)

    def _body(self, response: httpx.Response, started: float, method: str, path: str) -> bytes:
        """The body, read chunk by chunk within the deadline and the size cap."""
        declared = response.headers.get("Content-Length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self._max_body:
            raise self._too_large(method, path)
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > self._max_body:
                raise self._too_large(method, path)
            if self._monotonic() - started > self._deadline:
                raise OfnUnavailable(f"OFN took more than {self._deadline:g} s to answer {method} {path}")
        return bytes(body)

    def _too_large(self, method: str, path: str) -> OfnUnavailable:
        return OfnUnavailable(
            f"OFN's answer to {method} {path} is larger than {self._max_body / 2**20:g} MiB",
            f"OFN or a proxy in between is misbehaving; {SALES_WAIT}",
        )

    def _failure(self, exc: httpx.HTTPError, method: str, path: str) -> OfnUnavailable:
        """An httpx exception as a person understands it.

        Only a failure to connect (no name, refused, no route, TLS handshake, connect or pool
        timeout) proves that the request never left the box: ``maybe_applied=False``. Once it
        was sent, OFN may have applied it, however the answer was lost.
        """
        host, cause = self.host, _root_cause(exc)
        if isinstance(exc, httpx.ConnectTimeout):
            return _unsent(f"{host} did not accept a connection in time", f"check the network; {SALES_WAIT}")
        if isinstance(exc, httpx.PoolTimeout):
            return _unsent(f"every connection to {host} is busy", SALES_WAIT)
        if isinstance(exc, httpx.ConnectError):
            if isinstance(cause, socket.gaierror):
                return _unsent(f"cannot find {host}", f"check the network or ofn.base_url; {SALES_WAIT}")
            if isinstance(cause, ssl.SSLCertVerificationError):
                return _unsent(
                    f"the certificate of {host} is not valid", f"check the box's clock and ofn.base_url; {SALES_WAIT}"
                )
            if isinstance(cause, ssl.SSLError):
                return _unsent(
                    f"the secure connection to {host} failed",
                    f"check that ofn.base_url is OFN's https address; {SALES_WAIT}",
                )
            if isinstance(cause, ConnectionRefusedError):
                return _unsent(
                    f"{host} refused the connection", f"OFN may be down, or ofn.base_url has a wrong port; {SALES_WAIT}"
                )
            if isinstance(cause, OSError) and cause.errno in NO_ROUTE:
                return _unsent(f"no route to {host}", f"check the network (cable, Wi-Fi, router); {SALES_WAIT}")
            return _unsent(f"cannot connect to {host}", f"check the network; {SALES_WAIT}")
        if isinstance(exc, httpx.ReadTimeout):
            return OfnUnavailable(f"OFN did not answer {method} {path} in time")
        if isinstance(exc, httpx.WriteTimeout | httpx.WriteError):
            return OfnUnavailable(f"The connection to OFN broke while sending {method} {path}")
        if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
            return OfnUnavailable(f"The connection to OFN broke before its answer to {method} {path} was complete")
        if isinstance(exc, httpx.DecodingError):
            return OfnUnavailable(f"OFN's answer to {method} {path} arrived garbled (a proxy in between?)")
        return OfnUnavailable(f"The request {method} {path} to OFN failed on the way")


def _unsent(what: str, next_step: str) -> OfnUnavailable:
    """The box could not even connect: the request never left it, whatever it was."""
    return OfnUnavailable(f"Cannot reach OFN: {what}", next_step, maybe_applied=False)


def _root_cause(exc: BaseException) -> BaseException:
    """httpx wraps httpcore's exception, which wraps the socket's: the last one says what happened."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    return seen


def _within(timeout: httpx.Timeout, deadline: float) -> httpx.Timeout:
    """Each phase's timeout, but never longer than the whole request's deadline."""
    return httpx.Timeout(
        connect=min(timeout.connect or deadline, deadline),
        read=min(timeout.read or deadline, deadline),
        write=min(timeout.write or deadline, deadline),
        pool=min(timeout.pool or deadline, deadline),
    )


#: What an empty or non-JSON body reads as (a proxy's error page, say); JSON's null is None.
NOT_JSON: Any = object()


def _json(body: bytes) -> Any:
    if not body:
        return NOT_JSON
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: JSON nested deeper than Python's stack
        return NOT_JSON


def retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Seconds the server asked the box to wait, from ``Retry-After`` (seconds or an HTTP-date).

    A date is measured against the answer's own ``Date`` when it has one, so a box whose clock is
    wrong still waits what the server meant; the box's clock is the fallback. Capped at
    ``MAX_RETRY_AFTER``; None when the header is absent or unreadable.
    """
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    when = _http_date(value)
    if when is None:
        return None
    reference = _http_date(response.headers.get("Date", "")) or now
    return min(max((when - reference).total_seconds(), 0.0), MAX_RETRY_AFTER)


def _http_date(text: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _at_least_asked(backoff: Callable[[RetryCallState], float]) -> Callable[[RetryCallState], float]:
    """The backoff's wait, or the server's Retry-After if it asked for longer."""

    def wait(state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        asked = getattr(error, "retry_after", None) or 0.0
        return max(backoff(state), asked)

    return wait


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome is not None else None
    wait = state.next_action.sleep if state.next_action is not None else 0.0
    log.info("%s; reading again in %.1f s", error, wait)


def _answer(method: str, path: str, response: httpx.Response, body: Any, asked: float | None) -> Any:
    """OFN's answer as JSON, or the error its status means.

    Was a failed write applied? OFN runs behind nginx, on unicorn or puma workers with
    rack-timeout. OFN itself has no rate limiting, so a 429 comes from a proxy in front; a 503
    comes from a proxy or a maintenance switch, or from rack-timeout dropping a request that
    waited too long in the queue, before any of OFN's code ran. A server that sends
    ``Retry-After`` with either is refusing the request up front and telling when to come back:
    ``maybe_applied=False``. Without the header a 503 may be a proxy that lost its upstream in
    the middle of the request, and a 429 cannot be told from one, so it is True, as for every
    other failure: a 500 is an exception inside OFN, possibly after its transaction committed; a
    502 is nginx losing the worker mid-request; a 504 is rack-timeout aborting a request that
    ran too long, or nginx giving up waiting, while the worker may go on to commit. True costs
    one read of the order; a wrong False would send a sale twice.
    """
    status = response.status_code
    if 200 <= status < 300:
        if body is NOT_JSON:
            raise OfnUnavailable(f"OFN answered {method} {path} with an empty or non-JSON body")
        return body
    words = _ofn_words(body)
    if status == 401:
        if "Invalid API key" in words:
            raise KeyRejected("OFN rejected the API key", "re-provision the key (docs/ofn-setup.md)")
        raise NotAllowed("OFN refused: the key's user does not manage this hub", "use a hub manager's API key")
    if status == 404:
        raise NotFound(f"Not found in OFN: {method} {path}" + (f" ({words})" if words else ""))
    if status == 422 and "ran for longer than" in words:
        # OFN's v0 API answers its own request timeout (rack-timeout) as a 422 "exception". The
        # request is over, but it may have committed part of its work: a read shows what it did.
        raise OfnUnavailable(f"OFN gave up on {method} {path}: it took too long", over=True)
    if status == 422:
        raise Refused(f"OFN refused {method} {path}: {words or 'no reason given'}")
    if status in (429, 503):
        later = f"{SALES_WAIT}; try again in {asked:g} s" if asked is not None else f"{SALES_WAIT}; it retries"
        busy = "is too busy" if status == 429 else "is unavailable"
        raise OfnUnavailable(
            f"OFN {busy} ({status} on {method} {path})", later, maybe_applied=asked is None, retry_after=asked
        )
    if status >= 500 or status == 408:
        raise OfnUnavailable(
            f"OFN is failing ({status} on {method} {path})", f"{SALES_WAIT}; it retries", over=status in (500, 408)
        )
    if 300 <= status < 400 and (moved := response.headers.get("Location")):
        raise OfnError(f"OFN answered {method} {path} with {status}, moved to {moved}", "correct ofn.base_url")
    raise OfnError(f"OFN answered {status} to {method} {path}" + (f": {words}" if words else ""))


def _ofn_words(body: Any) -> str:
    """OFN's own message, from whichever of its error shapes the endpoint uses."""
    if not isinstance(body, dict):
        return ""
    parts: list[str] = []
    if isinstance(body.get("error"), str):
        parts.append(body["error"])
    if isinstance(body.get("exception"), str):
        parts.append(body["exception"])
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts.extend(
            f"{field} {message}" if field != "base" else message
            for field, messages in errors.items()
            for message in (messages if isinstance(messages, list) else [messages])
        )
    elif isinstance(errors, list):
        parts.extend(str(e.get("detail")) for e in errors if isinstance(e, dict))
    meta = body.get("meta")
    validation = meta.get("validation_errors") if isinstance(meta, dict) else None
    if isinstance(validation, list):
        parts.extend(str(message) for message in validation)
    return "; ".join(str(part) for part in parts)
