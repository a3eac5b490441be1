"""An ASGI application served by uvicorn in several processes, each listening on a socket of
its own (``SO_REUSEPORT``), so that the kernel shares the connections out between them.

uvicorn's workers share one listening socket: every worker wakes for each new connection,
and whichever accepts first keeps it, with every request it carries for as long as it is
kept alive. Browsers and API clients keep their connections, so a process that happened to
accept most of them serves most of the load while the other idles (41 of 50 kept
connections on one of two workers, seen under ``bench/web.py``). With a socket per process
the kernel spreads new connections over the sockets by their addresses, evenly on average
(docs/decisions/0632).

Each worker binds its socket when it starts: the supervisor hands its processes not a socket
but where to listen (:class:`Listen`), which becomes a socket as the worker unpickles it.
uvicorn's supervisor is used as it is, restarts and health checks included. Where the
system has no ``SO_REUSEPORT``, or with one worker, uvicorn serves as it always does.

Also runnable, for the benchmarks, which serve two applications this way::

    python -m cli.serving APP --port 8000 --workers 2 [--app-dir DIR] [--http PROTOCOL]
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

#: The environment variable naming the workers' shared file of connection counts (read by
#: web.connection_share: the two faces share the name, not code).
SHARE_FILE = "JIXIAO_SERVE_SHARE"

#: Whether this system can give each process a listening socket of its own.
REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int, *, shared: bool = True) -> socket.socket:
    """A TCP socket bound to ``host:port`` that other such sockets may share (``shared``)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if shared:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except BaseException:
        sock.close()
        raise
    return sock


def listeners(port: int) -> int:
    """How many sockets listen on TCP ``port`` (IPv4) on this machine, read from
    /proc/net/tcp (Linux): with a socket per worker, how many workers have started."""
    wanted = f":{port:04X}"
    with open("/proc/net/tcp", encoding="ascii") as table:
        next(table)  # the header
        # local_address is the second column, the state the fourth (0A: LISTEN).
        rows = (line.split() for line in table)
        return sum(1 for row in rows if row[1].endswith(wanted) and row[3] == "0A")


class Listen:
    """Where a worker listens; a socket of its own once unpickled in the worker."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        return listening_socket, (self.host, self.port)


def _share_file(workers: int) -> Path:
    """An empty file of one slot per worker (16 bytes each) in shared memory where the
    system has it, for the workers' connection counts."""
    folder = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
    path = folder / f"jixiao-serve-{os.getpid()}.share"
    path.write_bytes(bytes(16 * workers))
    return path


def serve(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve the application factory ``app`` (an import string) with ``workers`` processes;
    ``options`` are uvicorn's (``http``, ``log_config``, ``proxy_headers`` …)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if workers == 1 or not REUSE_PORT:
        uvicorn.run(app, factory=True, host=host, port=port, workers=workers, **options)
        return
    config = uvicorn.Config(app, factory=True, host=host, port=port, workers=workers, **options)
    try:
        # First unshared: a socket that shares would be let in beside another server's
        # workers on the port, and the two servers would share its connections.
        listening_socket(host, port, shared=False).close()
        # Bound, never listening, held by the supervisor: the port stays this server's
        # while workers are replaced.
        held = listening_socket(host, port)
    except OSError as error:
        sys.exit(f"--port: got {port}, which {host} cannot listen on: {error.strerror}")
    logging.getLogger("uvicorn.error").info(
        "Uvicorn running on http://%s:%d (Press CTRL+C to quit), %d workers each on a "
        "listening socket of its own",
        host,
        port,
        workers,
    )
    # The processes keep their numbers of connections side by side, so that one holding
    # more than its share lets some go (web.connection_share, decision 0637).
    share = _share_file(workers)
    os.environ[SHARE_FILE] = str(share)
    try:
        Multiprocess(config, sockets=[Listen(host, port)]).run()  # type: ignore[list-item]
    finally:
        held.close()
        share.unlink(missing_ok=True)
        os.environ.pop(SHARE_FILE, None)


def main(argv: list[str] | None = None) -> None:
    """``python -m cli.serving``: serve an application as ``jixiao serve`` serves its own."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("app", help="the application factory's import string")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--http", default="auto", help="uvicorn's HTTP protocol")
    parser.add_argument("--app-dir", default="", help="a folder to import the application from")
    args = parser.parse_args(argv)
    if args.app_dir:
        sys.path.insert(0, args.app_dir)
    # By its module's name, not this script's ``__main__``: the workers unpickle Listen.
    from cli import serving

    serving.serve(
        args.app,
        host=args.host,
        port=args.port,
        workers=args.workers,
        http=args.http,
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
