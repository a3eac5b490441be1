"""What a server process does once before it serves, so that its first users do not.

FastAPI works out how to match and call each route of an included router the first time a
request is matched against that router (some 0.1 s for the server's hundred-odd routes),
and the first error page compiles what it uses. Left to the first requests, that fell on
whoever signed in first after a start: 172 ms for the sign-in form and its post, against
12 ms for the next user (docs/decisions/0627).

One request that no route answers does it all at start: it is matched against every
router in turn and answered with the not-found page. It carries no cookie and no body, so
it signs nobody in, reads no report and writes nothing. The lifespan sends it before the
start is frozen (web.app), so what it builds is kept out of the garbage collector's full
collections with the rest of the start.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Message

log = logging.getLogger("jixiao.web")

#: The path of the warm-up request: under /.well-known/, where no page or API lives.
WARM_UP_PATH = "/.well-known/jixiao-warm-up"


async def route_once(app: ASGIApp) -> int:
    """Send ``app`` one GET of :data:`WARM_UP_PATH`, as a browser would, and return the
    status it answered (404: no route has that path)."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": WARM_UP_PATH,
        "raw_path": WARM_UP_PATH.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"accept", b"text/html")],
        "client": ("127.0.0.1", 0),
        "server": ("127.0.0.1", 0),
        "state": {},
    }
    await app(scope, receive, send)
    status = next((m["status"] for m in sent if m["type"] == "http.response.start"), 0)
    if status != 404:
        log.warning("the warm-up request %s was answered %s, expected 404", WARM_UP_PATH, status)
    return status
