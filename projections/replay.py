"""Audit replay of a fiscal year: every event of the year, read from the log with its chain
checked on the way, as a change log (JSON or CSV) and a timeline per report.

The chain is global (docs/decisions/0002), so the replay walks the whole log in position
order through :func:`events.verify.verify_rows`, and folds only the year's report streams
(``report:<department>:<year>``, and ``report:<department>:<year>:<project>`` for the
department's 项目支出 reports: their timelines follow their department's). A batch's events
enter the change log only once the verifier has accepted the whole batch; if the chain
breaks, the change log stops before the first bad position and the result says where and
why. It never depends on a projection: an auditor replays the truth.

Snapshots are not chained, so the replay also compares every stored snapshot of the year's
reports with the state it folds at that snapshot's version, and names those that differ
(:class:`projections.snapshots.SnapshotCheck`, which `jixiao audit verify` runs too).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from events.chain import utc_text
from events.model import RecordedEvent
from events.protocol import LogWalk
from events.verify import ChainReport
from projections.changes import change_row
from projections.snapshots import SnapshotCheck, snapshot_verdict
from projections.trail_query import CHANGE_COLUMNS
from workflow.administration import FiscalYearOpened, fiscal_year_stream_id
from workflow.report import ReportState, evolve
from workflow.streams import report_stream_parts

#: The fields of a change-log row a timeline entry keeps.
TIMELINE_FIELDS = (
    "position",
    "recorded_at",
    "version",
    "revision",
    "actor",
    "role",
    "event_type",
    "stage",
)


@dataclass
class YearReplay:
    """The outcome of a replay: the chain's verdict, the change log and the timelines."""

    year: int
    chain: ChainReport
    #: Change-log rows in log order (``projections.changes.CHANGE_COLUMNS``; time as ISO text).
    changes: list[dict[str, Any]] = field(default_factory=list)
    #: Per report stream: its entries in order, each with a one-line summary; by stream id,
    #: so a department's 项目支出 reports follow its 部门整体 report.
    timelines: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: The fiscal year's opening: when, by whom, scheme and deadline (None if not opened).
    fiscal_year: dict[str, Any] | None = None
    #: How many stored snapshots of the year's reports were compared with the fold.
    snapshots_checked: int = 0
    #: The snapshots whose state is not what their stream's events fold to.
    bad_snapshots: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the chain held and every snapshot matched its events."""
        return self.chain.ok and not self.bad_snapshots

    def snapshot_verdict(self) -> str:
        """One line on the snapshots: how many were checked, the first that differs."""
        return snapshot_verdict(self.snapshots_checked, self.bad_snapshots)

    def as_data(self) -> dict[str, Any]:
        """The whole replay as JSON-ready data."""
        return {
            "year": self.year,
            "chain": {
                "ok": self.chain.ok,
                "checked": self.chain.checked,
                "head_position": self.chain.head_position,
                "first_bad_position": self.chain.first_bad_position,
                "problem": self.chain.problem,
            },
            "snapshots": {"checked": self.snapshots_checked, "mismatched": self.bad_snapshots},
            "fiscal_year": self.fiscal_year,
            # Values as JSON values, as `jixiao audit trail --json` gives them, not as text.
            "changes": [
                {
                    **change,
                    "before_value": _value(change["before_value"]),
                    "after_value": _value(change["after_value"]),
                }
                for change in self.changes
            ],
            "timelines": dict(sorted(self.timelines.items())),
        }


def _value(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _summary(row: dict[str, Any]) -> str:
    what = f"{row['item_kind']} {row['item_label']} {row['field']}"
    if row["before_raw"] is None and row["after_raw"] is None:
        text = what
    else:
        text = f"{what}: {row['before_raw'] or '—'} → {row['after_raw'] or '—'}"
    return f"{text} ({row['comment']})" if row["comment"] else text


class _YearFold:
    """Folds the year's report streams from their first event, collecting the change log
    and comparing each stored snapshot with the state folded at its version."""

    def __init__(self, store: LogWalk, year: int) -> None:
        self.store = store
        self.year = year
        self.fiscal_stream = fiscal_year_stream_id(year)
        self.states: dict[str, ReportState] = {}
        self.replay = YearReplay(year, ChainReport(True, 0, 0))
        self.snapshots = SnapshotCheck(store, self._in_year)

    def _in_year(self, stream: str) -> bool:
        if not stream.startswith("report:"):
            return False
        parts = report_stream_parts(stream)
        return parts is not None and parts[1] == self.year

    def consume(self, rows: Sequence[Any]) -> None:
        fiscal_stream, in_year = self.fiscal_stream, self._in_year
        # Only the year's rows are decoded.
        mine = [row for row in rows if row.stream_id == fiscal_stream or in_year(row.stream_id)]
        for record in self.store.decode_rows(mine):
            if record.stream_id == fiscal_stream:
                self._fiscal_year(record)
            else:
                self._report_event(record)

    def _fiscal_year(self, record: RecordedEvent) -> None:
        if isinstance(record.event, FiscalYearOpened):
            self.replay.fiscal_year = {
                "opened_at": utc_text(record.recorded_at),
                "by": record.actor,
                "scheme": record.event.scheme.id,
                "deadline": record.event.deadline.isoformat(),
                "position": record.position,
            }

    def _report_event(self, record: RecordedEvent) -> None:
        before = self.states.get(record.stream_id, ReportState())
        after = evolve(before, record.event)
        self.states[record.stream_id] = after
        self.snapshots.reached(record, after)
        change = change_row(record, before, after)
        change["recorded_at"] = utc_text(record.recorded_at)
        self.replay.changes.append(change)
        entry = {name: change[name] for name in TIMELINE_FIELDS}
        entry["summary"] = _summary(change)
        self.replay.timelines.setdefault(record.stream_id, []).append(entry)


def replay_year(
    store: LogWalk,
    year: int,
    *,
    batch_size: int = 5000,
    progress: Callable[[int, int], None] | None = None,
) -> YearReplay:
    """Replay every event of fiscal ``year`` from the log, verifying the whole hash chain
    and every stored snapshot of the year's reports on the way.

    ``progress(checked, head)`` is called after each batch of ``batch_size`` events.
    """
    fold = _YearFold(store, year)
    head = store.head_position()
    report = store.verify(
        batch_size=batch_size,
        progress=(lambda checked: progress(checked, head)) if progress else None,
        accepted=fold.consume,
    )
    if report.ok:
        fold.snapshots.finish()
    fold.replay.chain = report
    fold.replay.snapshots_checked = fold.snapshots.checked
    fold.replay.bad_snapshots = fold.snapshots.mismatched
    return fold.replay


def write_json(replay: YearReplay, out: IO[str]) -> None:
    """Write the replay (chain verdict, fiscal year, change log, timelines) as JSON."""
    # One write of the whole text: json.dump writes each of its thousands of pieces.
    out.write(json.dumps(replay.as_data(), ensure_ascii=False, indent=1))
    out.write("\n")


#: What makes Excel, WPS or LibreOffice read a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?(E[+-]?\d+)?", re.IGNORECASE)


def spreadsheet_text(value: Any) -> Any:
    """``value`` safe to open in a spreadsheet: text that would start a formula (a line
    named ``=HYPERLINK(…)``, a narrative beginning ``+``) gets a leading apostrophe, which
    the programs show as text; numbers such as ``-4.8`` stay numbers."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def write_csv(replay: YearReplay, out: IO[str]) -> None:
    """Write the change log as CSV with a header row (``CHANGE_COLUMNS``), lines ending in
    CRLF as RFC 4180 and spreadsheet programs expect.

    Cells that would start a formula are written as text (:func:`spreadsheet_text`). If
    the chain is broken, a last row says where the log stops and why, so a reader who only
    has the CSV knows it is partial.
    """
    writer = csv.DictWriter(out, fieldnames=CHANGE_COLUMNS)
    writer.writeheader()
    for change in replay.changes:
        writer.writerow({name: spreadsheet_text(value) for name, value in change.items()})
    chain = replay.chain
    if not chain.ok:
        writer.writerow(
            {
                "position": chain.first_bad_position,
                "comment": spreadsheet_text(f"the log stops here: {chain}"),
            }
        )
