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
metadata of every append). The names below are the service's public face.
"""

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
    load_user,
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
from workflow.service.sign_in import Credentials, authenticate

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
