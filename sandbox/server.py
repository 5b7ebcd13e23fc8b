"""The sandbox's HTTP server, and the faults it injects on purpose.

A real server on a real socket, so the box's client meets what it meets in the field: latency,
5xx answers, a connection dropped after the change was applied (the answer is lost, the change
is not), a late write (the answer is dropped at once and the change lands later, as a request
still being served after the client gave up on it), an outage, a closed order cycle, a revoked
key. Faults are switched by flags at start and by the admin routes under ``/__sandbox/``, which
are never faulty themselves.
"""

from __future__ import annotations

import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .api import Api, Request, Response, route_name
from .state import NotFound, Store, demo_address

ADMIN = "/__sandbox/"


@dataclass
class Faults:
    """What goes wrong, and how often; ``error_rates`` maps a route name (or "*") to a probability."""

    latency_ms: int = 0
    error_rates: dict[str, float] = field(default_factory=dict)
    error_codes: tuple[int, ...] = (500, 502, 504)
    drop_rate: float = 0.0
    late_rate: float = 0.0  # writes whose answer is dropped at once and that are applied only later
    late_ms: int = 0  # how much later
    down_until: float = 0.0
    # For a test that needs one exact request to fail: per route, a letter for each of its next
    # writes, used up in order: k answered, d applied and its answer dropped, e a 502 from the proxy
    # (not applied), l dropped now and applied ``late_ms`` later. Once used up, every write is answered.
    scripts: dict[str, str] = field(default_factory=dict)

    def next_step(self, name: str) -> str:
        script = self.scripts.get(name, "")
        self.scripts[name] = script[1:]
        return script[:1] or "k"

    def error_rate(self, name: str) -> float:
        return self.error_rates.get(name, self.error_rates.get("*", 0.0))

    def update(self, changes: dict[str, Any]) -> None:
        for key in ("latency_ms", "drop_rate", "error_rates", "late_rate", "late_ms", "scripts"):
            if key in changes:
                setattr(self, key, changes[key])
        if "error_codes" in changes:
            self.error_codes = tuple(changes["error_codes"])
        if "down_for" in changes:
            self.down_until = time.monotonic() + float(changes["down_for"])

    def describe(self) -> dict[str, Any]:
        shown = asdict(self)
        shown.pop("down_until")
        shown["down_for"] = max(0.0, round(self.down_until - time.monotonic(), 3))
        return shown


class Sandbox(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], store: Store, faults: Faults, seed: int, *, legacy_add: bool):
        # The socket's family follows the address (the class's default, IPv4, refused ``--host ::1``).
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        super().__init__(address, Handler)
        self.store = store
        self.api = Api(store, legacy_add=legacy_add)
        self.faults = faults
        self.rng = random.Random(seed)
        self.rng_lock = threading.Lock()
        self.served: Counter[str] = Counter()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def roll(self) -> float:
        with self.rng_lock:
            return self.rng.random()


class Handler(BaseHTTPRequestHandler):
    server: Sandbox
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave together, without a delayed-ACK stall
    wbufsize = 64 * 1024

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        """Quiet: the sandbox prints one JSON line at start and nothing else on stdout."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PUT")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        body = self._body()
        if parts.path.startswith(ADMIN):
            try:
                self._answer(self._admin(method, parts.path, body))
            except NotFound as missing:
                self._answer(Response(404, {"error": f"no such record: {missing}"}))
            return
        faults = self.server.faults
        if time.monotonic() < faults.down_until:
            self._drop()
            return
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        name = route_name(method, parts.path) or "unknown"
        self.server.served[name] += 1
        if self.server.roll() < faults.error_rate(name):
            code = faults.error_codes[int(self.server.roll() * len(faults.error_codes))]
            self._answer(Response(code, None if code == 504 else {"error": "Internal Server Error"}))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        headers["x-base-url"] = self.server.url
        request = Request(method, parts.path, dict(parse_qsl(parts.query)), body, headers)
        with self.server.rng_lock:
            step = faults.next_step(name) if method != "GET" else "k"
        if step == "e":
            self._answer(Response(502, {"error": "Bad Gateway"}))
            return
        if step == "l":
            self._apply_later(request, faults.late_ms / 1000)
            self._drop()
            return
        if method != "GET" and faults.late_ms and self.server.roll() < faults.late_rate:
            self._apply_later(request, faults.late_ms / 1000)
            self._drop()
            return
        response = self.server.api.handle(request)
        if step == "d" or (response.changed and self.server.roll() < faults.drop_rate):
            self._drop()
            return
        self._answer(response)

    def _body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        if "json" in (self.headers.get("Content-Type") or ""):
            try:
                parsed = json.loads(raw)
            except ValueError:
                return {}
            return parsed if isinstance(parsed, dict) else {}
        return dict(parse_qsl(raw.decode("utf-8", "replace")))

    def _answer(self, response: Response) -> None:
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        self.send_response(response.status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _apply_later(self, request: Request, seconds: float) -> None:
        """A request still being served after the client gave up on it: it lands after the drop."""
        self.server.served["late_applied"] += 1
        served = self.server.served

        def land() -> None:
            self.server.api.handle(request)
            served["late_landed"] += 1  # what a test waits for (GET /__sandbox/stats)

        timer = threading.Timer(seconds, land)
        timer.daemon = True
        timer.start()

    def _drop(self) -> None:
        """Close without a word, as a proxy or a dying server does: the client sees a reset."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass

    # -- the admin routes tests and the demo use ------------------------------------------------

    def _admin(self, method: str, path: str, body: dict[str, Any]) -> Response:
        store, faults = self.server.store, self.server.faults
        action = path[len(ADMIN) :].strip("/")
        if action == "faults":
            if method != "GET":
                faults.update(body)
            return Response(200, faults.describe())
        if action == "state":
            return Response(200, _state(store))
        if action == "stats":
            return Response(200, dict(self.server.served))
        if action == "revoke_key" and method == "POST":
            store.revoke_key()
            return Response(200, {"revoked": True})
        if action == "key" and method == "GET":
            return Response(200, {"api_key": store.api_key})
        parts = action.split("/")
        if len(parts) == 3 and parts[0] == "order_cycles" and parts[2] == "close" and method == "POST":
            store.close_order_cycle(int(parts[1]))
            return Response(200, {"closed": int(parts[1])})
        if action == "stock" and method == "POST":
            levels = body.get("levels") or {body["variant_id"]: body["on_hand"]}
            with store.transaction() as db:
                db.executemany(
                    "UPDATE variant SET on_hand = ? WHERE id = ?", [(int(n), int(v)) for v, n in levels.items()]
                )
            return Response(200, {"updated": len(levels)})
        if action == "customers" and method == "POST":
            return Response(200, {"added": _add_customers(store, body)})
        if len(parts) == 3 and parts[0] == "customers" and parts[2] == "credit" and method == "GET":
            rows = store.credit_transactions(int(parts[1]))
            return Response(200, {"transactions": [dict(row) for row in rows]})
        if len(parts) == 2 and parts[0] == "variants" and method == "PUT":
            with store.transaction() as db:
                db.execute(
                    "UPDATE variant SET category_id = ?, tags = ? WHERE id = ?",
                    (body.get("category_id"), json.dumps(body.get("tags", [])), int(parts[1])),
                )
            return Response(200, {"updated": int(parts[1])})
        if len(parts) == 2 and parts[0] == "orders" and method == "GET":
            return Response(200, _order_state(store, parts[1]))
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "payments" and method == "POST":
            store.record_payment(parts[1], Decimal(str(body["amount"])), str(body.get("method", "Cash")))
            return Response(200, _order_state(store, parts[1]))
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "lines" and method == "POST":
            _set_line(store, parts[1], int(body["variant_id"]), int(body["quantity"]))
            return Response(200, _state(store)["orders"].get(parts[1], {}))
        return Response(404, {"error": f"no sandbox admin route {method} {path}"})


def _add_customers(store: Store, body: dict[str, Any]) -> list[int]:
    """Customers made in OFN's admin: the ones given (``customers``), or ``count`` generated ones."""
    given = body.get("customers") or []
    for index in range(int(body.get("count", 0))):
        first, last = f"Client{index:05d}", f"Nom{(index * 7919) % 10007:05d}"
        given.append(
            {
                "email": f"client{index:05d}.{body.get('batch', 'b')}@example.org",
                "first_name": first,
                "last_name": last,
                "code": f"C{index:05d}",
                "billing_address": demo_address(first, last, index),
            }
        )
    return [store.add_customer(fields)["id"] for fields in given]


def _state(store: Store) -> dict[str, Any]:
    """Stock and every order's lines, for tests that check what OFN ended up holding."""
    with store.lock:
        stock = {str(r["id"]): r["on_hand"] for r in store.db.execute("SELECT id, on_hand FROM variant")}
        orders: dict[str, dict[str, int]] = {}
        for row in store.db.execute(
            "SELECT o.number, l.variant_id, l.quantity FROM orders o LEFT JOIN line_item l ON l.order_id = o.id"
        ):
            lines = orders.setdefault(row["number"], {})
            if row["variant_id"] is not None:
                lines[str(row["variant_id"])] = row["quantity"]
    return {"stock": stock, "orders": orders}


def _order_state(store: Store, number: str) -> dict[str, Any]:
    """What OFN's admin shows of one order, the note included (the API never returns it)."""
    with store.lock:
        order = store.order(number)
        return {
            "number": number,
            "state": order["state"],
            "payment_state": order["payment_state"],
            "shipment_state": order["shipment_state"],
            "note": order["note"],
            "total": str(store.order_total(order["id"])),
            "fees": str(sum((amount for _, amount in store.order_fees(order["id"])), Decimal(0))),
            "payments": [
                {"amount": p["amount"], "method": p["method"], "state": p["state"]} for p in store.payments(order["id"])
            ],
            "lines": {str(line["variant_id"]): line["quantity"] for line in store.line_items(order["id"])},
        }


def _set_line(store: Store, number: str, variant_id: int, quantity: int) -> None:
    """A person editing the order by hand in OFN's admin: stock follows, as it does there."""
    order = store.order(number)
    with store.transaction() as db:
        row = db.execute(
            "SELECT quantity FROM line_item WHERE order_id = ? AND variant_id = ?", (order["id"], variant_id)
        ).fetchone()
        held = row["quantity"] if row else 0
        variant = store.variant(variant_id)
        if quantity == 0:
            db.execute("DELETE FROM line_item WHERE order_id = ? AND variant_id = ?", (order["id"], variant_id))
        else:
            db.execute(
                "INSERT INTO line_item (order_id, variant_id, quantity, price, tax_category_id) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT (order_id, variant_id) DO UPDATE SET quantity = excluded.quantity",
                (order["id"], variant_id, quantity, variant["price"], variant["tax_category_id"]),
            )
        db.execute("UPDATE variant SET on_hand = on_hand - ? WHERE id = ?", (quantity - held, variant_id))
