"""Signed-off reports in a real SQL store: the seed entered, reviewed and signed off.

The worker runs in other processes, so its tests need a store on disk (SQLite file or
PostgreSQL), not the in-memory one of the workflow tests. The bench uses this too.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from events import EventStore
from events.model import RecordedEvent
from projections.migrations import open_store
from tests.seed import DEPARTMENT_CODE, DEPARTMENT_NAME, YEAR, seed_commands
from tests.workflow.world import NOW, USERS, set_up
from workflow.administration import GrantRole, RegisterDepartment
from workflow.commands import ApproveReport, SignOffReport, SubmitReport
from workflow.service import Credentials, execute


@dataclass
class Office:
    """A store with an administrator, a preparer, a department head and a finance reviewer."""

    store: EventStore
    admin: Credentials
    preparer: Credentials
    head: Credentials
    finance: Credentials


#: The registered names of the office's users, as documents print them.
NAMES = {"zhang.san": "张三", "li.si": "李四", "wang.wu": "王五"}


def open_office(store: EventStore) -> Office:
    """Initialise ``store``: the seed's fiscal year and one user per role, by name."""
    users = tuple(replace(user, name=NAMES[user.user_id]) for user in USERS[:3])
    admin, people = set_up(store, users=users)
    return Office(store, admin, *people.values())


def add_department(office: Office, code: str) -> None:
    """Register another department (named like the seed's) for the same preparer and head."""
    execute(office.store, office.admin, RegisterDepartment(code=code, name=DEPARTMENT_NAME))
    for user, role in (("zhang.san", "preparer"), ("li.si", "department_head")):
        execute(office.store, office.admin, GrantRole(user_id=user, role=role, department=code))


def prepare(office: Office, department: str = DEPARTMENT_CODE) -> None:
    """Enter the seed report, submit it, approve it twice, and give the first signature."""
    key = {"department": department, "year": YEAR}
    for command in seed_commands(department, YEAR):
        execute(office.store, office.preparer, command, now=NOW)
    execute(office.store, office.preparer, SubmitReport(**key), now=NOW)
    execute(office.store, office.head, ApproveReport(**key, revision=1))
    execute(office.store, office.finance, ApproveReport(**key, revision=1))
    execute(office.store, office.head, SignOffReport(**key, revision=1))


def sign_off(office: Office, department: str = DEPARTMENT_CODE) -> list[RecordedEvent]:
    """The last required signature: ``ReportSignedOff`` and its outbox row, in one commit."""
    return execute(
        office.store,
        office.finance,
        SignOffReport(department=department, year=YEAR, revision=1),
    )


def signed_off_store(db_url: str) -> Office:
    """A store at ``db_url`` holding the seed report, signed off (an outbox row pending)."""
    office = open_office(open_store(db_url, create=True))
    prepare(office)
    sign_off(office)
    return office


#: The bundled 项目支出 report's key (cli/data/gusu-redcross-2021-homes.yaml).
PROJECT_KEY = {"department": DEPARTMENT_CODE, "year": YEAR, "project_code": "homes"}


def sign_off_project(office: Office) -> None:
    """Enter the bundled 项目支出 report, submit it, approve it twice and sign it off twice."""
    from cli.seed_file import project_commands

    for command in project_commands():
        execute(office.store, office.preparer, command, now=NOW)
    for who, command in (
        (office.preparer, SubmitReport(**PROJECT_KEY)),
        (office.head, ApproveReport(**PROJECT_KEY, revision=1)),
        (office.finance, ApproveReport(**PROJECT_KEY, revision=1)),
        (office.head, SignOffReport(**PROJECT_KEY, revision=1)),
        (office.finance, SignOffReport(**PROJECT_KEY, revision=1)),
    ):
        execute(office.store, who, command, now=NOW)
