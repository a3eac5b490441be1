"""Every projection jixiao keeps, wired to share one fold of the report streams.

``jixiao projections status|rebuild`` and the worker build their runner here::

    runner = projection_runner(EventStore.open(url, revisions=REVISIONS))
    runner.setup()
    runner.catch_up()

(``projections.migrations.REVISIONS``: the read models' tables must be there too.)
"""

from __future__ import annotations

from events.store import EventStore
from projections.audit_trail import AuditTrailProjection
from projections.inboxes import InboxProjection
from projections.report_state import ReportStateProjection
from projections.runner import Projection, ProjectionRunner
from projections.shared_fold import ReportStates
from projections.year_overview import YearOverviewProjection


def all_projections(store: EventStore, states: ReportStates | None = None) -> list[Projection]:
    """Report state, audit trail, inboxes and year overview, sharing one ReportStates
    (``states``, or a new one)."""
    states = states if states is not None else ReportStates(store)
    return [
        ReportStateProjection(states),
        AuditTrailProjection(states),
        InboxProjection(states),
        YearOverviewProjection(states),
    ]


def projection_runner(store: EventStore, states: ReportStates | None = None) -> ProjectionRunner:
    """A runner over :func:`all_projections` of ``store``, sharing ``states`` (or a new
    ReportStates) among them (call ``setup()`` before running)."""
    return ProjectionRunner(store, all_projections(store, states))
