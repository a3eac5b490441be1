"""Running a report command for a caller, shared by the API and the pages."""

from __future__ import annotations

from typing import Any

from web.dependencies import Services
from web.errors import not_found, refusal
from web.identity import Identity
from worker.pickup import rendering_note
from workflow.checks import submission_notices
from workflow.commands import OpenReport, ReportCommand, SubmitReport
from workflow.errors import DomainError, InvalidValue
from workflow.service import LoadedReport, execute_as
from workflow.visibility import ReportSummary, may_read
from workflow.wording import recorded_summary


def run_command(app: Services, caller: Identity, command: ReportCommand) -> dict[str, Any]:
    """Execute ``command`` as the caller; what was recorded (and a submission's notices).

    A report the caller may not read is not found (404), as for reads; opening one is left
    to the rules (its department's preparers alone may). Domain refusals become
    :class:`web.errors.Refused` with their one-line message.
    """
    try:
        loaded = None
        key = (command.department, command.year, command.project_code)
        if not isinstance(command, OpenReport):
            loaded = app.folds.current(*key)
            if not may_read(caller.actor, ReportSummary.of(loaded.state)):
                raise not_found(*key)
        # The report as recorded: what the confirmation and a submission's notices speak
        # of. The command's own fold of its events, at their version, as the log holds it:
        # reading the stream again to fold them once more gave the same state (or a later
        # writer's, which this answer does not speak of), decision 0620. The report was
        # read to its stream's end just now: the command is decided on it as read.
        left: list[LoadedReport] = []
        events = execute_as(
            app.store,
            caller.actor,
            command,
            loaded=loaded,
            current=loaded is not None,
            recorded=left.append,
        )
        if events:
            # The read models are brought up to the change by the request that made it,
            # when no other is at it: the page read next then finds them there.
            app.reads.after_change(events)
        after = left[-1].state
    except InvalidValue as error:
        if error.subject in ("report department", "report year", "report project"):
            raise not_found(*key) from None
        raise refusal(error) from None
    except DomainError as error:
        raise refusal(error) from None
    summary = recorded_summary(events, after)
    if "ReportSignedOff" in summary["events"]:
        summary["rendering"] = rendering_note(app.store, events[-1].stream_id, after.revision)
    if isinstance(command, SubmitReport):
        summary["notices"] = list(submission_notices(after))
    return summary
