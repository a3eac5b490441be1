"""Reports folded from the log, kept between requests in each server process.

A command is decided on the report folded from its stream (never from a snapshot,
docs/decisions/0206); folding the whole stream on every request costs more than the rest
of the request together. Events are never changed once appended, so a fold at version v
plus the events after v is exactly the fold of the whole stream: each request reads only
the events appended since the fold it finds here (usually none or one), and keeps the
result for the next. See docs/decisions/0611.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from events.protocol import EventStoreProtocol
from workflow.service.loading import LoadedReport, caught_up, report_stream

#: How many reports a process keeps folded: the seed report's fold takes some 280 kB, so
#: at most about 70 MB a process.
FOLDS_KEPT = 256


class ReportFolds:
    """The latest fold of each report read recently, brought up to the log on every use."""

    def __init__(self, store: EventStoreProtocol, size: int = FOLDS_KEPT) -> None:
        self.store = store
        self.size = size
        self._kept: OrderedDict[str, LoadedReport] = OrderedDict()
        self._lock = threading.Lock()

    def current(self, department: str, year: int) -> LoadedReport:
        """The report as its stream holds it now (InvalidValue for a malformed key)."""
        stream_id = report_stream(department, year)
        with self._lock:
            kept = self._kept.get(stream_id)
        loaded = caught_up(self.store, stream_id, kept)
        with self._lock:
            # Another request may have kept a later fold meanwhile: keep the later one.
            newer = self._kept.get(stream_id)
            if newer is None or newer.version <= loaded.version:
                self._kept[stream_id] = loaded
            self._kept.move_to_end(stream_id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return loaded
