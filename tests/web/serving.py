"""`jixiao serve` in a subprocess on a free port, for the tests that need a real server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A TCP port nothing listens on now (on 127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(
    ready: Callable[[], bool], server: subprocess.Popen, log: Path, failing: str
) -> None:
    """Poll ``ready`` until it holds; ``failing`` (with the server's log if it stopped)
    when the server stops first or 60 s pass."""
    deadline = time.monotonic() + 60
    while not ready():
        assert server.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{failing} within 60 s"
        time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    return True


@contextmanager
def served(url: str, *options: str, cwd: Path) -> Iterator[str]:
    """`jixiao --db URL serve OPTIONS` running on a free port; its base URL.

    The server's output goes to ``cwd/serve.log`` (a pipe nobody reads while the server runs
    would fill and stall it); it must have stopped cleanly once the block ends.
    """
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    jixiao = Path(sys.executable).parent / "jixiao"
    log = cwd / "serve.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [str(jixiao), "--db", url, "serve", "--port", str(port), *options],
            env=env,
            cwd=cwd,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/sign-in"), server, log, "the server did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=60)
    output = log.read_text()
    assert server.returncode == 0, output
    assert "Uvicorn running on" in output
