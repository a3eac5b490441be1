"""Writer processes for the follow and concurrent-edit tests (module-level for spawn)."""

from __future__ import annotations

from events.database import create_database_engine
from events.store import EventStore
from tests.projections.world import SteppingClock
from tests.seed import DEPARTMENT_CODE, YEAR, seed_commands
from tests.workflow.world import NOW
from workflow.commands import ApproveReport, SetInitialBudget, SubmitReport
from workflow.errors import StaleVersion
from workflow.service import Credentials, execute
from workflow.streams import report_stream_id


def prepare_and_submit(
    url: str, department: str, preparer: Credentials, head: Credentials, results
) -> None:
    """Enter the seed report for ``department``, submit it, and approve it as the head."""
    # The schema exists already; creating it from several processes at once races on PostgreSQL.
    store = EventStore(create_database_engine(url), clock=SteppingClock())
    for command in seed_commands(department, YEAR):
        execute(store, preparer, command)
    execute(store, preparer, SubmitReport(department=department, year=YEAR))
    execute(store, head, ApproveReport(department=department, year=YEAR))
    store.engine.dispose()
    results.put(department)


def _report_store(url: str) -> EventStore:
    return EventStore(create_database_engine(url))


def edit_amounts(writer: int, edits: int) -> list[str]:
    """The initial budgets a writer sets in turn: each differs from the one before."""
    return [f"{100 + n}.{writer + 1}" for n in range(edits)]


def edit_line(
    url: str, writer: int, line: str, edits: int, preparer: Credentials, barrier, results
) -> None:
    """Set ``line``'s initial budget ``edits`` times without an expected version, all
    writers starting together; report the edits refused as stale."""
    store = _report_store(url)
    barrier.wait()
    stale = []
    for amount in edit_amounts(writer, edits):
        command = SetInitialBudget(department=DEPARTMENT_CODE, year=YEAR, line=line, amount=amount)
        try:
            execute(store, preparer, command, now=NOW)
        except StaleVersion as refused:
            stale.append(str(refused))
    store.engine.dispose()
    results.put((writer, stale))


def race_with_versions(
    url: str, writer: int, line: str, rounds: int, preparer: Credentials, barrier, results
) -> None:
    """Each round: every writer reads the report's version, then edits its line expecting it."""
    store = _report_store(url)
    stream = report_stream_id(DEPARTMENT_CODE, YEAR)
    for round_number in range(rounds):
        barrier.wait()
        version = store.stream_version(stream)
        barrier.wait()
        amount = f"{round_number + 100}.{writer + 1}"
        command = SetInitialBudget(department=DEPARTMENT_CODE, year=YEAR, line=line, amount=amount)
        try:
            execute(store, preparer, command, expected_version=version, now=NOW)
            outcome = "won"
        except StaleVersion:
            outcome = "lost"
        except Exception as error:  # any other failure is what the test looks for
            outcome = f"error: {error!r}"
        results.put((round_number, writer, outcome))
        barrier.wait()
    store.engine.dispose()
