"""The report domain: budget performance self-evaluation reports and their staged review.

Pure Python: state is a fold over events (:func:`workflow.report.evolve`), commands are
decided by :func:`workflow.decisions.decide`, which returns new events or raises a
:class:`workflow.errors.DomainError`. The application service in :mod:`workflow.service`
loads streams from any :class:`events.protocol.EventStoreProtocol`, authenticates,
authorises, decides and appends.

May import: the standard library, pydantic and ``events``. Never imports projections,
worker, cli, a database driver, Celery or typer.
"""

from events.registry import default_registry


def _register_event_types() -> None:
    """Import every module that defines event types, registering them."""
    from workflow import administration, deadlines, report_events, users  # noqa: F401


# A reader of the log (projections, worker) decodes workflow events without importing their
# modules itself: they are imported at the first type the registry does not know yet. A read
# that decodes only the users' events (signing in) loads no report event class
# (docs/decisions/0409).
default_registry.add_source(_register_event_types)
