"""The report domain: budget performance self-evaluation reports and their staged review.

Pure Python: state is a fold over events (:func:`workflow.report.evolve`), commands are
decided by :func:`workflow.decisions.decide`, which returns new events or raises a
:class:`workflow.errors.DomainError`. The application service in :mod:`workflow.service`
loads streams from any :class:`events.protocol.EventStoreProtocol`, authenticates,
authorises, decides and appends.

May import: the standard library, pydantic and ``events``. Never imports projections,
worker, cli, a database driver, Celery or typer.
"""

# Importing the package registers every event type in events.registry.default_registry,
# so a reader of the log (projections, worker) can decode workflow events.
from workflow import administration, report_events

__all__ = ["administration", "report_events"]
