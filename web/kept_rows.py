"""The 自评价表's indicator rows kept by the view they were made from.

A report's view shares its unchanged parts with the view before it: a change that touches
no indicator leaves ``view["indicators"]`` the very list the last view had
(projections.report_view.ViewMemo). The rows made from that list, with the same 分值 and
得分, are the rows made last time: worked out again, they were a tenth of a report page
after a change (decision 0635).
"""

from __future__ import annotations

from typing import Any

from web.recent import ByIdentity
from worker.evaluation_table import IndicatorRow, indicator_rows

#: How many lists' rows a process keeps: a report each, and more reports than the pages
#: kept (web.kept_pages) for the same memory, some 3 kB a report.
ROWS_KEPT = 1024

Scores = dict[str, tuple[str, str, str, bool]]


class KeptIndicatorRows:
    """:func:`worker.evaluation_table.indicator_rows`, kept by the identity of the list of
    indicators (held, so that its id is not reused) and the equality of the scores."""

    def __init__(self, size: int = ROWS_KEPT) -> None:
        self._kept: ByIdentity[tuple[IndicatorRow, ...]] = ByIdentity(size)

    def __call__(
        self, indicators: list[dict[str, Any]], scores: Scores
    ) -> tuple[IndicatorRow, ...]:
        """The rows of ``indicators`` with their ``scores``."""
        return self._kept.made(
            "indicator_rows", indicators, dict(scores), lambda: indicator_rows(indicators, scores)
        )
