"""The report a request works on, folded from the log.

A command is decided on the report folded from its stream (never from a snapshot,
docs/decisions/0206). The folding is the application service's: each process keeps the
states it folded itself as checkpoints and a later read folds only the events after the
newest one, once the log shows that checkpoint's row unchanged (docs/decisions/0207). The
server asks for a report through this one door, so the read rule, the decision and a
submission's notices all see the same log (docs/decisions/0611).
"""

from __future__ import annotations

from events.protocol import EventStoreProtocol
from workflow.service.loading import LoadedReport, load_report


class ReportFolds:
    """The reports of one store, as their streams hold them at each call."""

    def __init__(self, store: EventStoreProtocol) -> None:
        self.store = store

    def current(self, department: str, year: int, project: str | None = None) -> LoadedReport:
        """The report (the 项目支出 report of ``project`` if given) as its stream holds it
        now (InvalidValue for a malformed key)."""
        return load_report(self.store, department, year, project=project)
