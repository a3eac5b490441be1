"""The 自评价表's rows kept by the view they were made from.

A report's view shares its unchanged parts with the view before it: a change that touches
no indicator leaves ``view["indicators"]`` the very list the last view had
(projections.report_view.ViewMemo). The rows made from that list, with the same 分值 and
得分, are the rows made last time: worked out again, they were a tenth of a report page
after a change (decision 0635).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from web.fragments import KeptList
from web.recent import Recent
from worker.evaluation_table import IndicatorRow, indicator_rows

#: How many lists' rows a process keeps: a report each, and more reports than the pages
#: kept (web.kept_pages) for the same memory, some 3 kB a report.
ROWS_KEPT = 1024

Scores = dict[str, tuple[str, str, str, bool]]


class KeptIndicatorRows:
    """:func:`worker.evaluation_table.indicator_rows`, kept by the identity of the list of
    indicators (held, so that its id is not reused) and the equality of the scores."""

    def __init__(self, size: int = ROWS_KEPT) -> None:
        self._kept: Recent[tuple[list[dict[str, Any]], Scores, tuple[IndicatorRow, ...]]]
        self._kept = Recent(size)

    def __call__(
        self, indicators: list[dict[str, Any]], scores: Scores
    ) -> tuple[IndicatorRow, ...]:
        """The rows of ``indicators`` with their ``scores``."""
        kept = self._kept.get(id(indicators))
        if kept is not None and kept[0] is indicators and kept[1] == scores:
            return kept[2]
        rows = indicator_rows(indicators, scores)
        self._kept.put(id(indicators), (indicators, dict(scores), rows))
        return rows


class KeptLists:
    """Lists made from a part of a view, kept by the identity of the part (held, so that
    its id is not reused) and the equality of what else they were made from: the same
    part gives the very list made last time, which ``fragment.each`` recognises."""

    def __init__(self, size: int = ROWS_KEPT) -> None:
        self._kept: Recent[tuple[object, object, list[Any]]] = Recent(size)

    def made(
        self, kind: str, part: object, also: object, make: Callable[[], list[Any]]
    ) -> list[Any]:
        """The list ``make()`` gives for ``part`` and ``also``, made once for both."""
        key = (kind, id(part))
        kept = self._kept.get(key)
        if kept is not None and kept[0] is part and kept[1] == also:
            return kept[2]
        made = KeptList(make())
        self._kept.put(key, (part, also, made))
        return made
