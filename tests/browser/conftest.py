"""A real `jixiao serve --with-worker` over a fresh SQLite database, and Debian's chromium
driven by Playwright: one browser context (its own cookies) per person.

The database is made as an administrator makes one: `jixiao admin init`, then the seed's
department and fiscal year and one user per role through the application services (tokens
with a cheap KDF, so signing in stays fast). No report exists yet: the flow enters it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

import workflow  # noqa: F401  (the domain's event types, known to the registry)
from projections.migrations import open_store
from tests.seed import DEADLINE, DEPARTMENT_CODE, DEPARTMENT_NAME, YEAR
from tests.web.serving import served
from workflow.administration import GrantRole, OpenFiscalYear, RegisterDepartment, RegisterUser
from workflow.service import Credentials, bootstrap, execute, issue_token

#: Debian's chromium (scripts/system-packages installs it); Playwright never downloads one.
CHROMIUM = Path("/usr/bin/chromium")

#: The seed flow's people: user id, name, role, the departments the role covers. The seed
#: scheme's sign-off needs the department head and the finance reviewer (default.toml).
PEOPLE = (
    ("zhang.san", "张三", "preparer", DEPARTMENT_CODE),
    ("li.si", "李四", "department_head", DEPARTMENT_CODE),
    ("wang.wu", "王五", "finance_reviewer", "*"),
    ("zhao.liu", "赵六", "auditor", "*"),
)

#: How long a page or an expectation may take before the test fails (ms).
TIMEOUT_MS = 15_000

#: Set on a test whose body failed, so its fixture can photograph every tab before closing.
FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


@dataclass
class Camera:
    """Screenshots of every page visited, numbered in the order they were taken."""

    folder: Path
    taken: list[Path] = field(default_factory=list)

    def shoot(self, page: Page, who: str, what: str, *, whole: bool = False) -> Path:
        """A screenshot named ``NN-who-what.png``: of what the window shows, or with
        ``whole`` of the whole page (slower: a report page is some 5000 pixels tall)."""
        path = self.folder / f"{len(self.taken) + 1:02d}-{who}-{what}.png"
        page.screenshot(path=path, full_page=whole)
        self.taken.append(path)
        return path


@dataclass
class Person:
    """One user in their own browser context, with the token an administrator gave them."""

    user_id: str
    name: str
    token: str
    base: str
    context: BrowserContext
    page: Page
    camera: Camera

    def visit(self, path: str) -> Page:
        """Open ``path`` on the server in this person's tab."""
        self.page.goto(self.base + path)
        return self.page

    def shoot(self, what: str, *, whole: bool = False) -> Path:
        """A screenshot of this person's tab as it is now (``whole``: the whole page)."""
        return self.camera.shoot(self.page, self.user_id, what, whole=whole)


@dataclass
class Site:
    """The running server: its base URL, the folder it renders into, its people."""

    base: str
    out: Path
    people: dict[str, Person]


def prepare_database(url: str, cwd: Path) -> dict[str, Credentials]:
    """`jixiao admin init`, then the seed's department and year and the flow's users."""
    jixiao = Path(sys.executable).parent / "jixiao"
    subprocess.run([str(jixiao), "--db", url, "admin", "init"], cwd=cwd, check=True)
    store = open_store(url)
    try:
        admin = Credentials("admin", bootstrap(store, user_id="admin", name="管理员"))
        execute(store, admin, RegisterDepartment(code=DEPARTMENT_CODE, name=DEPARTMENT_NAME))
        execute(store, admin, OpenFiscalYear(year=YEAR, scheme="default", deadline=DEADLINE))
        users = {}
        for user_id, name, role, scope in PEOPLE:
            execute(store, admin, RegisterUser(user_id=user_id, name=name))
            execute(store, admin, GrantRole(user_id=user_id, role=role, department=scope))
            users[user_id] = Credentials(user_id, issue_token(store, admin, user_id))
        return users
    finally:
        store.close()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Headless chromium from the system, never one Playwright downloads."""
    assert CHROMIUM.is_file(), f"{CHROMIUM} is missing: run scripts/system-packages"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def site(request: pytest.FixtureRequest, tmp_path: Path, browser: Browser) -> Iterator[Site]:
    """`jixiao serve --with-worker` on a fresh database, and a signed-out browser context
    for each person of the flow; screenshots go to ``tmp_path/screenshots`` (with each
    tab as it was when a test fails), the server's output to ``tmp_path/serve.log``."""
    url = f"sqlite:///{tmp_path / 'jixiao.db'}"
    users = prepare_database(url, tmp_path)
    out = tmp_path / "reports"
    camera = Camera(tmp_path / "screenshots")
    camera.folder.mkdir()
    with served(url, "--with-worker", "--out", str(out), cwd=tmp_path) as base:
        people = {}
        for user_id, name, _, _ in PEOPLE:
            context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            people[user_id] = Person(
                user_id,
                name,
                users[user_id].token,
                base,
                context,
                context.new_page(),
                camera,
            )
        try:
            yield Site(base, out, people)
        finally:
            for person in people.values():
                if request.node.stash.get(FAILED, False):
                    person.shoot("failed", whole=True)
                person.context.close()
