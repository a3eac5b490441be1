"""`jixiao serve` runs the application under uvicorn from its import string."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import REPORT, populate
from tests.web.serving import served

pytestmark = pytest.mark.slow


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


def test_sixty_concurrent_reads_are_all_answered_alike(tmp_path: Path) -> None:
    """More requests at once than a process runs (JIXIAO_WEB_THREADS): the rest wait in
    the event loop, and every one is answered, with the same report."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    store, users = populate(url)
    store.close()

    async def read_all(base: str) -> list[httpx.Response]:
        auth = _bearer(users, "zhang.san")
        async with httpx.AsyncClient(base_url=base, headers=auth, timeout=120) as client:
            return await asyncio.gather(*(client.get(REPORT) for _ in range(60)))

    with served(url, "--workers", "2", cwd=tmp_path) as base:
        answers = asyncio.run(read_all(base))
    assert [a.status_code for a in answers] == [200] * 60
    assert len({a.text for a in answers}) == 1
    assert answers[0].json()["stage"] == "draft"


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
    assert formats == {"html", "pdf", "xlsx", "docx"}
    assert all(
        Path(a["path"]).is_file() and Path(a["path"]).parent == out for a in view["artifacts"]
    )
