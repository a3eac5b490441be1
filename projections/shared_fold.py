"""Report states folded once per event and shared by every projection of a runner.

Report state, audit trail, inboxes and year overview all need the report before and after
each event. Folding it once per projection would do the same work four times; so the
runner's projections share one :class:`ReportStates`, which keeps the latest state of each
stream in memory and hands out the transitions of a batch.

The cache is keyed by stream version, so it never goes stale: a state is a pure function of
its stream's prefix, and a rolled-back batch simply finds its states again. A stream the
cache holds a few versions back is folded on from there with the events it missed (another
process's catch-up applied them); any other is loaded from the store's snapshots
(``workflow.service.load_report_from_snapshot``): read models are caches, and
`jixiao audit verify` compares them, and every snapshot, with a fold of the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from events.model import RecordedEvent
from events.protocol import LogWalk
from projections.report_view import ViewMemo
from workflow.report import ReportState, evolve, fold
from workflow.service import load_report_from_snapshot

#: How many missed events of a stream the fold reads and folds on from the state it holds;
#: more, and the report is loaded from its newest snapshot instead.
_FOLD_ON_AT_MOST = 64

#: The category of report streams (``report:<department>:<year>``).
REPORT_PREFIX = "report:"


class Transition(NamedTuple):
    """One report event with the report's state before and after it."""

    record: RecordedEvent
    before: ReportState
    after: ReportState


class ReportStates:
    """The latest state of every report stream seen, and the transitions of the current batch."""

    def __init__(self, store: LogWalk) -> None:
        self.store = store
        self._latest: dict[str, tuple[int, ReportState]] = {}
        self._batch: dict[int, Transition] = {}
        self._last: tuple[Sequence[RecordedEvent], list[Transition]] | None = None
        self._views = ViewMemo()

    def transitions(self, events: Sequence[RecordedEvent]) -> list[Transition]:
        """The report events among ``events`` (log order), each with its before and after."""
        last = self._last
        if last is not None and last[0] is events:
            # The runner hands every projection the same batch: fold it once.
            return last[1]
        batch = self._batch
        out: list[Transition] = []
        for record in events:
            if not record.stream_id.startswith(REPORT_PREFIX):
                continue
            known = batch.get(record.position)
            if known is not None and known.record.event_id == record.event_id:
                out.append(known)
                continue
            before = self._state_before(record)
            after = evolve(before, record.event)
            self._latest[record.stream_id] = (record.version, after)
            out.append(Transition(record, before, after))
        # Keep this batch's transitions for the next projection that asks for the same events.
        self._batch = {t.record.position: t for t in out}
        self._last = (events, out)
        return out

    def _state_before(self, record: RecordedEvent) -> ReportState:
        cached = self._latest.get(record.stream_id)
        if cached is not None and cached[0] == record.version - 1:
            return cached[1]
        if record.version == 1:
            return ReportState()
        if cached is not None and record.version - 1 - cached[0] <= _FOLD_ON_AT_MOST:
            # Another process's catch-up applied the stream's last events: fold on from
            # the state held here, reading only those, rather than decoding a snapshot of
            # the whole report (under two server processes, most of a catch-up's time).
            missed = self.store.read_stream(
                record.stream_id, from_version=cached[0] + 1, to_version=record.version - 1
            )
            if len(missed) == record.version - 1 - cached[0]:
                return fold((m.event for m in missed), cached[1])
        loaded = load_report_from_snapshot(
            self.store, record.stream_id, to_version=record.version - 1
        )
        return loaded.state

    def view(self, state: ReportState) -> tuple[dict[str, Any], str]:
        """The report view of ``state`` and its JSON text (see :class:`ViewMemo`)."""
        return self._views.view(state)

    def kept_view(self, stream_id: str, version: int) -> dict[str, Any] | None:
        """The view of report ``stream_id`` at stream ``version``, if this fold has folded
        the report to that version and viewed that state (a catch-up writing its row
        does); None otherwise. Nothing is folded or computed. A report's view is a function
        of its state alone, and its state at a version of the log's committed events alone,
        so it is the view any process stored for that version."""
        latest = self._latest.get(stream_id)
        if latest is None or latest[0] != version:
            return None
        return self._views.kept(latest[1])


class LastTransitions:
    """The last transition of each report (or report revision) since the last :meth:`take`.

    What a projection that writes each report once per transaction keeps between the
    batches it is given and the end of the transaction (the runner's ``flush``).
    """

    def __init__(self, *, per_revision: bool) -> None:
        self._per_revision = per_revision
        self._last: dict[Any, Transition] = {}

    def add(self, transitions: Sequence[Transition]) -> None:
        """Note ``transitions`` (log order); a later one replaces its report's earlier one."""
        last = self._last
        if self._per_revision:
            for transition in transitions:
                last[(transition.record.stream_id, transition.after.revision)] = transition
        else:
            for transition in transitions:
                last[transition.record.stream_id] = transition

    def take(self) -> list[Transition]:
        """The transitions noted, in first-touched order, forgetting them."""
        taken = list(self._last.values())
        self._last = {}
        return taken

    def clear(self) -> None:
        """Forget the transitions noted (their transaction rolled back)."""
        self._last = {}
