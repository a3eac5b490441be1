"""Roles, their grants scoped to departments, and the authenticated actor of a command."""

from __future__ import annotations

from enum import StrEnum

from workflow.values import Value

#: The department scope of a grant that covers every department.
ALL_DEPARTMENTS = "*"


class Role(StrEnum):
    """Who does what (DOMAIN.md §3); ``system`` is the render worker, never granted to a user."""

    PREPARER = "preparer"  # 填报人
    DEPARTMENT_HEAD = "department_head"  # 部门负责人
    FINANCE_REVIEWER = "finance_reviewer"  # 财政局审核人
    AUDITOR = "auditor"  # 审计/纪检
    ADMIN = "admin"  # 管理员
    SYSTEM = "system"


#: The roles a user can be granted.
USER_ROLES = (
    Role.PREPARER,
    Role.DEPARTMENT_HEAD,
    Role.FINANCE_REVIEWER,
    Role.AUDITOR,
    Role.ADMIN,
)

#: Roles that sign off (a named signer user must hold one of them too).
SIGNING_ROLES = ("department_head", "finance_reviewer")

#: Roles that may be granted for all departments at once; the others belong to one.
WIDE_ROLES = frozenset({Role.FINANCE_REVIEWER, Role.AUDITOR, Role.ADMIN})


class Grant(Value):
    """A role held for one department, or for all (``*``)."""

    role: Role
    department: str

    def covers(self, department: str) -> bool:
        """Whether this grant applies to ``department``."""
        return self.department in (ALL_DEPARTMENTS, department)

    def describe(self) -> str:
        """``role@department``."""
        return f"{self.role}@{self.department}"


class Actor(Value):
    """An authenticated user and the grants they hold."""

    user_id: str
    grants: tuple[Grant, ...] = ()

    def roles_for(self, department: str) -> list[Role]:
        """The roles this actor holds in ``department``, in the order of :class:`Role`."""
        held = {g.role for g in self.grants if g.covers(department)}
        return [role for role in Role if role in held]


#: The actor the render worker records its events as.
SYSTEM_ACTOR = Actor(
    user_id="worker", grants=(Grant(role=Role.SYSTEM, department=ALL_DEPARTMENTS),)
)

#: User ids nobody may register: ``system`` names the render worker's role in the log
#: (decision 0104) and the worker records its events as ``worker``; a user called either
#: would be indistinguishable from it in the audit trail.
RESERVED_USER_IDS = frozenset({Role.SYSTEM.value, SYSTEM_ACTOR.user_id})
