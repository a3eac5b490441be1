"""Writer processes for the follow test; module-level so spawned processes can import them."""

from __future__ import annotations

from events.database import create_database_engine
from events.store import EventStore
from tests.projections.world import SteppingClock
from workflow.commands import ApproveReport, SubmitReport
from workflow.seed_data import YEAR, seed_commands
from workflow.service import Credentials, execute


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
