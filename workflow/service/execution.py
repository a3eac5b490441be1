"""Executing any command for a caller who signs in with a token: report commands go to
:mod:`workflow.service.reports`, the administrator's to :mod:`workflow.service.administration`."""

from __future__ import annotations

from datetime import datetime

from events.model import RecordedEvent
from events.protocol import EventStoreProtocol
from workflow.administration import AdminCommand
from workflow.commands import ReportCommand
from workflow.service.administration import run_admin_command
from workflow.service.reports import run_report_command
from workflow.service.sign_in import Credentials, authenticate


def execute(
    store: EventStoreProtocol,
    credentials: Credentials,
    command: ReportCommand | AdminCommand,
    *,
    expected_version: int | None = None,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    now: datetime | None = None,
) -> list[RecordedEvent]:
    """Authenticate, then decide ``command`` and append its events; return them as recorded.

    ``expected_version``, when given, is the stream version the caller based the command
    on: if the stream has moved on, StaleVersion is raised and nothing is appended. Without
    it, a command that loses a race with another writer is read and decided again on the
    report as it now is (up to DECIDE_ATTEMPTS times), so only a real conflict is refused.
    """
    actor = authenticate(store, credentials).actor()
    if isinstance(command, AdminCommand):
        return run_admin_command(
            store,
            actor,
            command,
            expected_version=expected_version,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
    return run_report_command(
        store,
        actor,
        command,
        expected_version=expected_version,
        now=now,
        correlation_id=correlation_id,
        causation_id=causation_id,
    )
