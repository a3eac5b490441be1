"""A server over a real database holding the seed report as a draft, and its users.

The users are the test world's (tests/workflow/world.py) with cheap tokens, plus a preparer
of another department; each test talks to the application through httpx's TestClient.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi.testclient import TestClient

import workflow  # noqa: F401  (the domain's event types, known to the registry)
from events.durability import Unsynced
from events.store import EventStore
from projections.migrations import open_store
from tests.seed import DEPARTMENT_CODE, YEAR, seed_commands
from tests.workflow.world import NOW, add_user, set_up
from web.app import create_app
from web.settings import WebSettings, load_web_settings
from workflow.administration import RegisterDepartment
from workflow.service import Credentials, execute, execute_all

OTHER = "other-dept"
REPORT = f"/api/v1/reports/{DEPARTMENT_CODE}/{YEAR}"
PAGE = f"/reports/{DEPARTMENT_CODE}/{YEAR}"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Site:
    """A database with users, and a way to open clients on the application over it."""

    url: str
    store: EventStore
    users: dict[str, Credentials]
    make_client: Callable[..., TestClient]

    def client(self, **changes: object) -> TestClient:
        """A new client (its own cookies) on an application with these settings changed."""
        return self.make_client(**changes)

    def bearer(self, user: str) -> dict[str, str]:
        """The API's Authorization header for ``user``."""
        who = self.users[user]
        return {"Authorization": f"Bearer {who.user_id}:{who.token}"}

    def head(self) -> int:
        """The log's head position (what a refusal must leave unchanged)."""
        return self.store.head_position()


def csrf_of(page: httpx.Response) -> str:
    """The CSRF token of the (first) form on a page."""
    found = CSRF.search(page.text)
    assert found, page.text[:500]
    return found.group(1)


def sign_in(client: TestClient, site: Site, user: str) -> httpx.Response:
    """Sign ``user`` in through the form; the redirect that follows a success."""
    form = client.get("/sign-in")
    who = site.users[user]
    return client.post(
        "/sign-in",
        data={"user_id": who.user_id, "token": who.token, "csrf_token": csrf_of(form)},
        follow_redirects=False,
    )


def populate(url: str) -> tuple[EventStore, dict[str, Credentials]]:
    """The seed's department and year, another department, one user per role and the seed
    report entered by its preparer (a draft)."""
    store = open_store(url, create=True)
    admin, people = set_up(store)
    execute(store, admin, RegisterDepartment(code=OTHER, name="另一部门"))
    users = {"admin": admin, **people}
    users["sun.qi"] = add_user(store, admin, "sun.qi", "preparer", OTHER)
    located = [(f"seed[{i}]", c) for i, c in enumerate(seed_commands())]
    execute_all(store, users["zhang.san"], located, now=NOW)
    return store, users


def _site(url: str) -> Iterator[Site]:
    store, users = populate(url)
    apps = []

    def make_client(**changes: object) -> TestClient:
        settings: WebSettings = load_web_settings({}, db_url=url).but(**changes)
        app = create_app(settings)
        apps.append(app)
        return TestClient(app)

    yield Site(url, store, users, make_client)
    for app in apps:
        app.state.services.store.close()
    store.close()


@pytest.fixture
def site(tmp_path) -> Iterator[Site]:
    """The server's world on a fresh SQLite file."""
    yield from _site(f"sqlite:///{tmp_path / 'web.db'}")


@pytest.fixture
def pg_site(pg_url: str) -> Iterator[Site]:
    """The server's world on a fresh PostgreSQL schema."""
    yield from _site(pg_url)


@pytest.fixture
def thread_syncs(monkeypatch: pytest.MonkeyPatch) -> list[set[str]]:
    """The log files each wait for the disk synced in a thread, in order (the real sync
    runs)."""
    seen: list[set[str]] = []
    real = Unsynced.sync

    def sync(self: Unsynced) -> None:
        seen.append(set(self.files))
        real(self)

    monkeypatch.setattr(Unsynced, "sync", sync)
    return seen
