"""The Printer: the renderer, a fresh connection per job and the status check, put together.

What the rest of the till holds: ``print(document)`` checks the status where the printer can
tell it, then sends the job whole; every failure is a :class:`PrinterError` to show.
"""

from __future__ import annotations

from collections.abc import Callable

from appliance.core.document import Document

from .address import parse_url
from .code_pages import CodePage
from .connections import DEFAULT_STALL_TIMEOUT, Connection, open_connection
from .render import PrinterSettings, Renderer
from .status import DEFAULT_STATUS_TIMEOUT, PrinterStatus, query_status


class Printer:
    """One receipt printer: render documents, read its status, send jobs. Blocking; call from a worker.

    ``connect`` opens a fresh connection per job (the httpx transport idea): a URL in production, a
    twin's in-memory connection in tests and the demo.
    """

    def __init__(
        self,
        connect: Callable[[], Connection],
        settings: PrinterSettings | None = None,
        *,
        description: str = "printer",
        status_timeout: float = DEFAULT_STATUS_TIMEOUT,
    ):
        self._connect = connect
        self.renderer = Renderer(settings or PrinterSettings())
        self.description = description
        self.status_timeout = status_timeout

    @classmethod
    def from_url(
        cls, url: str, settings: PrinterSettings | None = None, *, stall_timeout: float = DEFAULT_STALL_TIMEOUT
    ) -> Printer:
        address = parse_url(url)
        return cls(lambda: open_connection(address, stall_timeout), settings, description=str(address))

    @property
    def settings(self) -> PrinterSettings:
        return self.renderer.settings

    @property
    def columns(self) -> int:
        return self.renderer.columns

    @property
    def code_page(self) -> CodePage:
        return self.renderer.code_page

    def render(self, document: Document) -> bytes:
        return self.renderer.render(document)

    def status(self) -> PrinterStatus:
        connection = self._connect()
        try:
            return query_status(connection, self.status_timeout)
        finally:
            connection.close()

    def send(self, data: bytes, *, needs_paper: bool = True) -> PrinterStatus:
        """Check the status where the printer can tell it, then send ``data`` whole.

        Raises the :class:`PrinterError` to show; returns the status seen before sending.
        """
        connection = self._connect()
        try:
            status = query_status(connection, self.status_timeout)
            problem = status.problem(needs_paper=needs_paper)
            if problem is not None:
                raise problem
            connection.write(data)
            return status
        finally:
            connection.close()

    def print(self, document: Document) -> PrinterStatus:
        return self.send(self.render(document), needs_paper=document.needs_paper)
