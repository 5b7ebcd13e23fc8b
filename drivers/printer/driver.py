"""The Printer: the renderer, a fresh connection per job and the status check, put together.

What the rest of the till holds: ``print(document)`` checks the status where the printer can
tell it, then sends the job whole; every failure is a :class:`PrinterError` to show.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from .address import parse_url
from .code_pages import profile_data
from .connections import DEFAULT_STALL_TIMEOUT, Connection, open_connection
from .settings import PrinterSettings
from .status import DEFAULT_STATUS_TIMEOUT, PrinterStatus, query_status

if TYPE_CHECKING:
    from appliance.core.document import Document

    from .code_pages import CodePage
    from .render import Renderer


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
        self._settings = settings or PrinterSettings()
        profile_data(self._settings.profile)  # an unknown profile is refused now, not at the first print
        self.description = description
        self.status_timeout = status_timeout

    @classmethod
    def from_url(
        cls, url: str, settings: PrinterSettings | None = None, *, stall_timeout: float = DEFAULT_STALL_TIMEOUT
    ) -> Printer:
        address = parse_url(url)
        return cls(lambda: open_connection(address, stall_timeout), settings, description=str(address))

    @cached_property
    def renderer(self) -> Renderer:
        """Made with the first document: the renderer and the print document's types it reads cost
        the counter's start ~7 ms, and nothing is printed before its first frame."""
        from .render import Renderer

        return Renderer(self._settings)

    @property
    def settings(self) -> PrinterSettings:
        return self._settings

    @property
    def columns(self) -> int:
        return self._settings.columns

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
