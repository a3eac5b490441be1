"""`jixiao serve` runs the application under uvicorn from its import string."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import REPORT, populate

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def served(url: str, *options: str, cwd: Path) -> Iterator[str]:
    """`jixiao --db URL serve OPTIONS` running on a free port; its base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIXIAO_")}
    jixiao = Path(sys.executable).parent / "jixiao"
    server = subprocess.Popen(
        [str(jixiao), "--db", url, "serve", "--port", str(port), *options],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/sign-in", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.3)
        yield base
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert server.returncode == 0, output
    assert "Uvicorn running on" in output


def _bearer(users, user: str) -> dict[str, str]:
    who = users[user]
    return {"Authorization": f"Bearer {who.user_id}:{who.token}"}


def test_jixiao_serve_answers_pages_and_the_api(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    store, users = populate(url)
    store.close()
    with served(url, "--workers", "2", cwd=tmp_path) as base:
        page = httpx.get(f"{base}/sign-in")
        assert page.status_code == 200 and "登录" in page.text
        auth = _bearer(users, "wang.wu")
        assert httpx.get(f"{base}{REPORT}", headers=auth).status_code == 404  # a draft
        assert httpx.get(f"{base}/api/v1/me", headers=auth).json()["user"] == "wang.wu"
        assert httpx.get(f"{base}/api/v1/me").status_code == 401


def test_with_worker_the_signed_off_report_is_rendered(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'served.db'}"
    store, users = populate(url)
    store.close()
    out = tmp_path / "reports"
    with served(url, "--with-worker", "--out", str(out), cwd=tmp_path) as base:
        for command, user in (
            ("submit-report", "zhang.san"),
            ("approve-report", "li.si"),
            ("approve-report", "wang.wu"),
            ("sign-off-report", "li.si"),
            ("sign-off-report", "wang.wu"),
        ):
            done = httpx.post(
                f"{base}{REPORT}/commands/{command}", json={}, headers=_bearer(users, user)
            )
            assert done.status_code == 200, (command, done.text)
        deadline = time.monotonic() + 180
        while True:
            view = httpx.get(f"{base}{REPORT}", headers=_bearer(users, "zhao.liu")).json()
            if view["stage"] == "rendered" or time.monotonic() > deadline:
                break
            time.sleep(1)
    assert view["stage"] == "rendered"
    formats = {a["format"] for a in view["artifacts"]}
    assert formats == {"html", "pdf", "xlsx"}
    assert all(
        Path(a["path"]).is_file() and Path(a["path"]).parent == out for a in view["artifacts"]
    )
