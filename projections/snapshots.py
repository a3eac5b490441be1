"""Comparing stored report snapshots with the fold of their streams' events.

Snapshots are not chained: anyone who can write to the database can change one without
breaking a hash. Only the read models start from them (``workflow.service.
load_report_from_snapshot``), and both `jixiao audit verify` and `jixiao audit replay`
compare every one a loader would start from with the state the events fold to at its
version, as their fold reaches that version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from events.model import RecordedEvent
from events.protocol import LogWalk
from workflow.report import SNAPSHOT_KIND, SNAPSHOT_SCHEMA, ReportState


class SnapshotCheck:
    """The stored report snapshots of the streams chosen, checked as a fold reaches them."""

    def __init__(self, store: LogWalk, streams: Callable[[str], bool] = lambda _: True) -> None:
        self.store = store
        self._waiting = {
            key for key in store.snapshot_keys(SNAPSHOT_KIND, SNAPSHOT_SCHEMA) if streams(key[0])
        }
        #: How many snapshots were compared with the fold.
        self.checked = 0
        #: The snapshots that do not match, in the order the fold reached them.
        self.mismatched: list[dict[str, Any]] = []

    def reached(self, record: RecordedEvent, state: ReportState) -> None:
        """The fold reached ``record``, giving ``state``: compare any snapshot stored there."""
        key = (record.stream_id, record.version)
        if key not in self._waiting:
            return
        self._waiting.discard(key)
        self.checked += 1
        stored = self.store.snapshot_text(*key)
        try:
            matches = stored is not None and json.loads(stored) == state.to_snapshot()
        except ValueError:
            matches = False
        if not matches:
            self._mismatch(
                record.stream_id,
                record.version,
                record.position,
                "the stored state is not what the events up to it fold to",
            )

    def finish(self) -> None:
        """The fold reached the end of the log: a snapshot it never reached names a
        version its stream does not have (a loader would start from it all the same)."""
        for stream_id, version in sorted(self._waiting):
            self.checked += 1
            self._mismatch(stream_id, version, None, "its stream has no event at this version")
        self._waiting.clear()

    def _mismatch(self, stream_id: str, version: int, position: int | None, problem: str) -> None:
        self.mismatched.append(
            {"stream_id": stream_id, "version": version, "position": position, "problem": problem}
        )

    def verdict(self) -> str:
        """One line: how many were checked, and the first that does not match."""
        return snapshot_verdict(self.checked, self.mismatched)


def snapshot_verdict(checked: int, mismatched: list[dict[str, Any]]) -> str:
    """One line on ``checked`` snapshots of which ``mismatched`` do not match."""
    if not mismatched:
        return f"snapshots: {checked} checked, each matches its events"
    first = mismatched[0]
    return (
        f"snapshots: {len(mismatched)} of {checked} do not match their events, the first "
        f"{first['stream_id']} at version {first['version']} ({first['problem']}); "
        "read models may show what it says: delete it (snapshots are derived data) and "
        "rebuild them (`jixiao projections rebuild`)"
    )
