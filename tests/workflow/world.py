"""A test world: an in-memory store with the seed's department, year and one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from events.memory import InMemoryEventStore
from events.protocol import EventStoreProtocol
from tests.seed import DEADLINE, DEPARTMENT_CODE, DEPARTMENT_NAME, YEAR, seed_commands
from workflow.schemes import load_scheme
from workflow.service import Credentials, NewUser, bootstrap, execute, set_up_department
from workflow.service import add_user as add_new_user


@dataclass
class World:
    """A store and the credentials of each user in it."""

    store: InMemoryEventStore
    admin: Credentials
    preparer: Credentials
    head: Credentials
    finance: Credentials
    auditor: Credentials

    def appended(self) -> int:
        """How many events the store holds."""
        return len(self.store.rows)


#: One user per role: the seed's preparer and department head, a finance reviewer and an
#: auditor for every department.
USERS = (
    NewUser("zhang.san", "preparer", DEPARTMENT_CODE),
    NewUser("li.si", "department_head", DEPARTMENT_CODE),
    NewUser("wang.wu", "finance_reviewer", "*"),
    NewUser("zhao.liu", "auditor", "*"),
)


def add_user(
    store: EventStoreProtocol, admin: Credentials, user_id: str, role: str, department: str
) -> Credentials:
    """Register a user with one role and hand back their credentials."""
    return add_new_user(store, admin, NewUser(user_id, role, department))


def set_up(
    store: EventStoreProtocol,
    scheme: str = "default",
    deadline: date = DEADLINE,
    users: tuple[NewUser, ...] = USERS,
) -> tuple[Credentials, dict[str, Credentials]]:
    """Bootstrap the administrator, set up the seed's department and fiscal year with
    ``users``; the administrator's credentials and the users' by id."""
    admin = Credentials("admin", bootstrap(store, user_id="admin", name="管理员"))
    people = set_up_department(
        store,
        admin,
        code=DEPARTMENT_CODE,
        name=DEPARTMENT_NAME,
        year=YEAR,
        scheme=load_scheme(scheme),
        deadline=deadline,
        users=users,
    )
    return admin, people


def make_world(scheme: str = "default", deadline: date = DEADLINE) -> World:
    """A fresh store with the seed's department and fiscal year, and one user per role."""
    store = InMemoryEventStore()
    admin, people = set_up(store, scheme, deadline)
    return World(store, admin, *people.values())


#: The moment commands are issued at in tests (before the seed's deadline).
NOW = datetime(2022, 3, 1, 9, 0, tzinfo=UTC)


def enter_seed(world: World) -> None:
    """Replay the whole seed report through the service as the preparer."""
    for command in seed_commands():
        execute(world.store, world.preparer, command, now=NOW)


@cache
def seeded_template() -> World:
    world = make_world()
    enter_seed(world)
    return world
