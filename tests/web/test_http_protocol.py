"""The server's HTTP protocol: each response in one write, every byte delivered."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from cli.serve_cmd import HTTP_PROTOCOL
from web.http_protocol import OneWriteHttp, WritesJoined


class _Socket(asyncio.Transport):
    """What reaches the socket: each write, as a separate item."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:  # type: ignore[override]
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: object = None) -> object:
        return ("127.0.0.1", 8000) if name == "sockname" else default


def test_a_write_leaves_joined_with_the_next_at_once_or_alone_at_the_next_turn() -> None:
    async def scenario() -> tuple[list[bytes], list[bytes], list[bytes]]:
        sock = _Socket()
        joined = WritesJoined(sock, asyncio.get_running_loop())
        joined.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        kept = list(sock.writes)
        joined.write(b"hello")
        paired = list(sock.writes)
        joined.write(b"HTTP/1.1 204 No Content\r\n\r\n")
        await asyncio.sleep(0)
        return kept, paired, sock.writes

    kept, paired, after = asyncio.run(scenario())
    assert kept == []
    assert paired == [b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"]
    assert after == [*paired, b"HTTP/1.1 204 No Content\r\n\r\n"]


def test_close_writes_what_is_kept_first_and_a_closed_socket_gets_nothing() -> None:
    async def scenario() -> tuple[_Socket, _Socket]:
        loop = asyncio.get_running_loop()
        closing, gone = _Socket(), _Socket()
        first = WritesJoined(closing, loop)
        first.write(b"HTTP/1.1 200 OK\r\n\r\n")
        first.write(b"bye")
        first.close()
        second = WritesJoined(gone, loop)
        second.write(b"late")
        gone.closed = True
        await asyncio.sleep(0)
        return closing, gone

    closing, gone = asyncio.run(scenario())
    assert closing.writes == [b"HTTP/1.1 200 OK\r\n\r\nbye"] and closing.closed
    assert gone.writes == []


def test_everything_else_is_the_sockets_own() -> None:
    async def scenario() -> object:
        return WritesJoined(_Socket(), asyncio.get_running_loop()).get_extra_info("sockname")

    assert asyncio.run(scenario()) == ("127.0.0.1", 8000)


BIG = b"0123456789abcdef" * 400_000  # 6.4 MB: more than any socket buffer holds at once


async def _page(_request) -> Response:
    return PlainTextResponse("自评价表 " * 10_000)


async def _streamed(_request) -> Response:
    async def chunks():
        for start in range(0, len(BIG), 65_536):
            await asyncio.sleep(0)
            yield BIG[start : start + 65_536]

    return StreamingResponse(chunks(), media_type="application/octet-stream")


async def _closing(_request) -> Response:
    return PlainTextResponse("last", headers={"connection": "close"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A real uvicorn server on a free port, given the protocol as ``jixiao serve`` names it."""
    app = Starlette(
        routes=[Route("/page", _page), Route("/streamed", _streamed), Route("/closing", _closing)]
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=HTTP_PROTOCOL, log_level="error")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not running.started:
        assert time.monotonic() < deadline, "uvicorn did not start within 30 s"
        time.sleep(0.05)
    assert config.http_protocol_class is OneWriteHttp
    yield f"http://127.0.0.1:{port}"
    running.should_exit = True
    thread.join(timeout=30)


def test_a_real_server_answers_each_response_whole_on_a_kept_connection(server: str) -> None:
    with httpx.Client(base_url=server) as client:
        answers = [client.get("/page") for _ in range(3)]
        streamed = client.get("/streamed")
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all(a.text == "自评价表 " * 10_000 for a in answers)
    assert answers[0].headers["content-length"] == str(len(("自评价表 " * 10_000).encode()))
    assert streamed.status_code == 200 and streamed.content == BIG


def test_a_response_that_closes_its_connection_is_delivered_before_it_closes(
    server: str,
) -> None:
    host, port = server.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(b"GET /closing HTTP/1.1\r\nHost: test\r\n\r\n")
        received = b""
        while chunk := raw.recv(65_536):
            received += chunk
    assert received.startswith(b"HTTP/1.1 200 OK\r\n")
    assert received.endswith(b"\r\n\r\nlast")
