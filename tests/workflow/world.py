"""A test world: an in-memory store with the seed's department, year and one user per role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache

from events.memory import InMemoryEventStore
from workflow.administration import GrantRole, OpenFiscalYear, RegisterDepartment, RegisterUser
from workflow.seed_data import DEADLINE, DEPARTMENT_CODE, DEPARTMENT_NAME, YEAR, seed_commands
from workflow.service import Credentials, bootstrap, execute, issue_token
from workflow.tokens import KdfParams

#: A cheap scrypt cost so that hundreds of authenticated commands stay fast; production
#: tokens use workflow.tokens.DEFAULT_KDF (test_tokens checks that one separately).
FAST_KDF = KdfParams(n=16, r=1, p=1)


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


def add_user(
    store: InMemoryEventStore, admin: Credentials, user_id: str, role: str, department: str
) -> Credentials:
    """Register a user with one role and hand back their credentials."""
    execute(store, admin, RegisterUser(user_id=user_id, name=user_id))
    execute(store, admin, GrantRole(user_id=user_id, role=role, department=department))
    return Credentials(user_id, issue_token(store, admin, user_id, kdf=FAST_KDF))


def make_world(scheme: str = "default", deadline: date = DEADLINE) -> World:
    """A fresh store with the seed's department and fiscal year, and one user per role."""
    store = InMemoryEventStore()
    admin = Credentials("admin", bootstrap(store, user_id="admin", name="管理员", kdf=FAST_KDF))
    execute(store, admin, RegisterDepartment(code=DEPARTMENT_CODE, name=DEPARTMENT_NAME))
    execute(store, admin, OpenFiscalYear(year=YEAR, scheme=scheme, deadline=deadline))
    return World(
        store=store,
        admin=admin,
        preparer=add_user(store, admin, "zhang.san", "preparer", DEPARTMENT_CODE),
        head=add_user(store, admin, "li.si", "department_head", DEPARTMENT_CODE),
        finance=add_user(store, admin, "wang.wu", "finance_reviewer", "*"),
        auditor=add_user(store, admin, "zhao.liu", "auditor", "*"),
    )


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
