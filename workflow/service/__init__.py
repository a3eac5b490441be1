"""The application service: load a stream, authenticate, authorise, decide, append.

It takes the store as a parameter (any :class:`events.protocol.EventStoreProtocol`), so
the CLI and the worker wire in the SQL store and unit tests the in-memory one. Tokens are
checked before any rule runs; a rejected command appends nothing.

By what each part serves: :mod:`~workflow.service.sign_in` (credentials, authentication),
:mod:`~workflow.service.loading` (reports and administration streams as their logs hold
them), :mod:`~workflow.service.reports` (report commands, imports, the render worker's
results), :mod:`~workflow.service.reminders` (the system's deadline reminders),
:mod:`~workflow.service.administration` (the first administrator, administration
commands, fiscal years, tokens), :mod:`~workflow.service.execution` (any command behind a
token) and :mod:`~workflow.service.deciding` (deciding again after a lost race, the
metadata of every append). The names below are the service's public face,
each imported from its module on first use: signing in (a read command's whole use of the
service) loads no command, report or decision code (docs/decisions/0409).
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from workflow.service.administration import (
        NewUser,
        add_user,
        bootstrap,
        issue_token,
        open_fiscal_year,
        revoke_token,
        set_up_department,
    )
    from workflow.service.deciding import DECIDE_ATTEMPTS, RETRY_PAUSE, RETRY_PAUSE_MAX
    from workflow.service.execution import execute
    from workflow.service.loading import (
        LoadedReport,
        load_admin,
        load_department,
        load_fiscal_year,
        load_report,
        load_report_from_snapshot,
        load_report_stream,
    )
    from workflow.service.reminders import remind_of_deadlines
    from workflow.service.reports import (
        MAIL_TOPIC,
        RENDER_TOPIC,
        SNAPSHOT_EVERY,
        execute_all,
        execute_all_as,
        execute_as,
        execute_reports_as,
        record_render_failure,
        record_rendering,
        reminder_message,
        render_message,
    )
    from workflow.service.sign_in import Credentials, authenticate, load_user

#: Each public name and the module that defines it.
_WHERE = {
    "Credentials": "workflow.service.sign_in",
    "DECIDE_ATTEMPTS": "workflow.service.deciding",
    "LoadedReport": "workflow.service.loading",
    "MAIL_TOPIC": "workflow.service.reports",
    "NewUser": "workflow.service.administration",
    "RENDER_TOPIC": "workflow.service.reports",
    "RETRY_PAUSE": "workflow.service.deciding",
    "RETRY_PAUSE_MAX": "workflow.service.deciding",
    "SNAPSHOT_EVERY": "workflow.service.reports",
    "add_user": "workflow.service.administration",
    "authenticate": "workflow.service.sign_in",
    "bootstrap": "workflow.service.administration",
    "execute": "workflow.service.execution",
    "execute_all": "workflow.service.reports",
    "execute_all_as": "workflow.service.reports",
    "execute_as": "workflow.service.reports",
    "execute_reports_as": "workflow.service.reports",
    "issue_token": "workflow.service.administration",
    "load_admin": "workflow.service.loading",
    "load_department": "workflow.service.loading",
    "load_fiscal_year": "workflow.service.loading",
    "load_report": "workflow.service.loading",
    "load_report_from_snapshot": "workflow.service.loading",
    "load_report_stream": "workflow.service.loading",
    "load_user": "workflow.service.sign_in",
    "open_fiscal_year": "workflow.service.administration",
    "record_render_failure": "workflow.service.reports",
    "record_rendering": "workflow.service.reports",
    "remind_of_deadlines": "workflow.service.reminders",
    "reminder_message": "workflow.service.reports",
    "render_message": "workflow.service.reports",
    "revoke_token": "workflow.service.administration",
    "set_up_department": "workflow.service.administration",
}

__all__ = [
    "DECIDE_ATTEMPTS",
    "MAIL_TOPIC",
    "RENDER_TOPIC",
    "RETRY_PAUSE",
    "RETRY_PAUSE_MAX",
    "SNAPSHOT_EVERY",
    "Credentials",
    "LoadedReport",
    "NewUser",
    "add_user",
    "authenticate",
    "bootstrap",
    "execute",
    "execute_all",
    "execute_all_as",
    "execute_as",
    "execute_reports_as",
    "issue_token",
    "load_admin",
    "load_department",
    "load_fiscal_year",
    "load_report",
    "load_report_from_snapshot",
    "load_report_stream",
    "load_user",
    "open_fiscal_year",
    "record_render_failure",
    "record_rendering",
    "remind_of_deadlines",
    "reminder_message",
    "render_message",
    "revoke_token",
    "set_up_department",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'workflow.service' has no attribute {name!r}")
    value = getattr(import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
