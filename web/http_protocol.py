"""The server's HTTP protocol: uvicorn's (httptools), each response leaving in one write.

uvicorn writes a response's status line and headers when the application starts it, and
its body when the application sends it: two ``send`` calls to the socket, and a client that
wakes for the headers alone, parses them, and waits again for the body. Under
``bench/web.py``'s load that second wake-up cost the clients' process about a fifth of its
CPU a request, on the two cores it shares with the server (decision 0628).

:class:`OneWriteHttp` is uvicorn's protocol with its transport behind
:class:`WritesJoined`, which keeps a write back until the next one comes and then hands
both to the socket joined, at once; a write that no other follows in the same turn of the
event loop leaves alone at the start of the next. So a response that the application sends
in one go (every page, answer and error) leaves as one write, and without waiting: keeping
every write until the loop's next turn held each response behind every other request the
loop had ready, some tens of ms under load. A streamed download still leaves chunk by
chunk, and the transport's flow control sees every byte before the application is asked
for more.

``jixiao serve`` names it to uvicorn by its import string (``cli.serve_cmd.HTTP_PROTOCOL``),
as does the bench (``uvicorn --http web.http_protocol:OneWriteHttp``).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from web.connection_share import ConnectionShare, process_share

#: This process's count of its connections beside the other processes' (None: not kept).
_SHARE: list[ConnectionShare | None] = []


def _share() -> ConnectionShare | None:
    if not _SHARE:
        _SHARE.append(process_share())
    return _SHARE[0]


class WritesJoined:
    """A transport that joins each write with the one after it, or sends it alone at the
    loop's next turn.

    Everything but ``write`` and ``close`` is the wrapped transport's own.
    """

    __slots__ = ("_loop", "_pending", "_transport")

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> None:
        """Keep ``data`` until the next write or the loop's next turn, whichever comes
        first; the next write leaves with it at once."""
        if self._pending:
            self._pending.append(data)
            self.flush()
            return
        self._pending.append(data)
        self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Hand what is kept to the socket, joined, unless the connection is closing."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if not self._transport.is_closing():
            self._transport.write(pending[0] if len(pending) == 1 else b"".join(pending))

    def close(self) -> None:
        """Write what is kept, then close (a response with ``Connection: close``)."""
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class OneWriteHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing through :class:`WritesJoined`; in a process
    holding more than its share of the server's connections, answering with
    ``Connection: close`` (:mod:`web.connection_share`)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        # What uvicorn reads off the transport (addresses, flow control) it has read from
        # the socket's own; only the writes go through the wrapper.
        self.transport = WritesJoined(self.transport, self.loop)  # type: ignore[assignment]
        self.share = _share()
        if self.share is not None:
            self.share.opened()

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        if self.share is not None:
            self.share.closed()
            self.share = None

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        if self.share is not None and self.share.over_share():
            # Answered, then closed: the client's next connection is hashed afresh.
            self.cycle.keep_alive = False
