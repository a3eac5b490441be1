"""The budget table (本年度预算资金): a tree of lines and the figures computed from it.

Each line holds what was typed: 年初预算数, adjustments one by one and 实际支出数.
A parent line may carry its own typed figures (the form prints them); they are
checked against the sum of its children before submission, never trusted. 预算合计数,
预算执行率 and 预算调整率 are always computed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from workflow.amounts import ZERO, Amount, ratio, total
from workflow.schemes import Denominator
from workflow.values import Value


class AdjustmentKind(StrEnum):
    """Which column an adjustment falls in."""

    CARRY_OVER = "carry_over"  # 当年使用上年结余、结转
    IN_YEAR = "in_year"  # 当年调整预算数
    HIGHER_LEVEL = "higher_level"  # 上级指标及其他


#: Adjustment kinds summed in the 当年使用上年结余、结转及当年调整预算数 column.
ADJUSTMENT_COLUMN = (AdjustmentKind.CARRY_OVER, AdjustmentKind.IN_YEAR)


class Column(StrEnum):
    """The typed columns of the table, as the form names them."""

    INITIAL = "年初预算数"
    ADJUSTMENTS = "当年使用上年结余、结转及当年调整预算数"
    HIGHER_LEVEL = "上级指标及其他"
    ACTUAL = "实际支出数"


class Adjustment(Value):
    """One adjustment to a line, recorded with its reason and document; cancelled ones stay."""

    id: str
    amount: Amount
    kind: AdjustmentKind
    reason: str
    document: str
    cancelled: str | None = None


class BudgetLine(Value):
    """A row of the table as typed: its place in the tree and its entered figures."""

    id: str
    name: str
    parent: str | None = None
    initial: Amount | None = None
    adjustments: tuple[Adjustment, ...] = ()
    actual: Amount | None = None

    def live_adjustments(self, kinds: tuple[AdjustmentKind, ...]) -> list[Adjustment]:
        """The adjustments of ``kinds`` that have not been cancelled."""
        return [a for a in self.adjustments if a.cancelled is None and a.kind in kinds]

    def typed(self) -> dict[Column, Decimal]:
        """The columns this line has a typed figure in (a column with no entry is absent)."""
        figures: dict[Column, Decimal] = {}
        if self.initial is not None:
            figures[Column.INITIAL] = self.initial.value
        if adjusted := self.live_adjustments(ADJUSTMENT_COLUMN):
            figures[Column.ADJUSTMENTS] = total(a.amount.value for a in adjusted)
        if higher := self.live_adjustments((AdjustmentKind.HIGHER_LEVEL,)):
            figures[Column.HIGHER_LEVEL] = total(a.amount.value for a in higher)
        if self.actual is not None:
            figures[Column.ACTUAL] = self.actual.value
        return figures


@dataclass(frozen=True, slots=True)
class LineFigures:
    """A row as the table shows it: typed columns summed up the tree, and the computed ones."""

    line: BudgetLine
    depth: int
    initial: Decimal
    adjustments: Decimal
    higher_level: Decimal
    actual: Decimal

    @property
    def total(self) -> Decimal:
        """预算合计数 = 年初预算数 + 调整数 + 上级指标及其他."""
        return self.initial + self.adjustments + self.higher_level

    @property
    def execution_rate(self) -> Decimal | None:
        """预算执行率 = 实际支出数 / 预算合计数, as a fraction (None when the total is 0)."""
        return ratio(self.actual, self.total)

    def column(self, column: Column) -> Decimal:
        """The figure in one typed column."""
        value: Decimal = getattr(self, _COLUMN_FIELDS[column])
        return value


#: The field of :class:`LineFigures` that holds each typed column (looked up, not a dict
#: built per call: a table's checks ask for every parent's columns).
_COLUMN_FIELDS = {
    Column.INITIAL: "initial",
    Column.ADJUSTMENTS: "adjustments",
    Column.HIGHER_LEVEL: "higher_level",
    Column.ACTUAL: "actual",
}


class BudgetTable:
    """Read access to a report's lines as a tree: lookups, children, computed figures."""

    def __init__(self, lines: tuple[BudgetLine, ...]) -> None:
        self.lines = lines
        self._by_id = {line.id: line for line in lines}
        self._children: dict[str | None, list[BudgetLine]] = {}
        for line in lines:
            self._children.setdefault(line.parent, []).append(line)
        # Views, checks and scoring ask for the same subtree sums many times over, at the
        # depth the table shows (rows) and at none (problems, scoring): each line's sums are
        # computed once, whatever the depths asked for.
        self._figures: dict[tuple[str, int], LineFigures] = {}

    def get(self, line_id: str) -> BudgetLine | None:
        """The line with ``line_id``, if any."""
        return self._by_id.get(line_id)

    def root(self) -> BudgetLine | None:
        """预算资金总额: the one line without a parent."""
        return next((line for line in self.lines if line.parent is None), None)

    def children(self, line_id: str) -> list[BudgetLine]:
        """The direct children of a line, in the order they were added."""
        return list(self._children.get(line_id, ()))

    def ancestors(self, line_id: str) -> Iterator[str]:
        """The ids above ``line_id``, nearest first."""
        line = self._by_id.get(line_id)
        while line is not None and line.parent is not None:
            yield line.parent
            line = self._by_id.get(line.parent)

    def figures(self, line_id: str, depth: int = 0) -> LineFigures:
        """A line's figures: its own typed figures if a leaf, else the sums of its children."""
        known = self._figures.get((line_id, depth))
        if known is None:
            sums = self._figures.get((line_id, 0))
            if sums is None:
                sums = self._figures[(line_id, 0)] = self._compute(line_id)
            known = (
                sums
                if depth == 0
                else LineFigures(
                    sums.line, depth, sums.initial, sums.adjustments, sums.higher_level, sums.actual
                )
            )
            self._figures[(line_id, depth)] = known
        return known

    def _compute(self, line_id: str) -> LineFigures:
        """A line's figures at depth 0 (the sums do not depend on the depth)."""
        line = self._by_id[line_id]
        kids = self._children.get(line_id)
        if not kids:
            typed = line.typed()
            return LineFigures(
                line=line,
                depth=0,
                initial=typed.get(Column.INITIAL, ZERO),
                adjustments=typed.get(Column.ADJUSTMENTS, ZERO),
                higher_level=typed.get(Column.HIGHER_LEVEL, ZERO),
                actual=typed.get(Column.ACTUAL, ZERO),
            )
        parts = [self.figures(kid.id) for kid in kids]
        return LineFigures(
            line=line,
            depth=0,
            initial=total(p.initial for p in parts),
            adjustments=total(p.adjustments for p in parts),
            higher_level=total(p.higher_level for p in parts),
            actual=total(p.actual for p in parts),
        )

    def rows(self) -> list[LineFigures]:
        """Every line's figures in table order: depth first from the root."""
        out: list[LineFigures] = []
        root = self.root()
        # A stack, not a recursive closure: a function that calls itself through its own
        # cell is a reference cycle, and every table viewed left one (with the table and
        # its figures) to the garbage collector.
        pending = [] if root is None else [(root.id, 0)]
        while pending:
            line_id, depth = pending.pop()
            out.append(self.figures(line_id, depth))
            kids = self._children.get(line_id, ())
            pending.extend((kid.id, depth + 1) for kid in reversed(kids))
        return out

    def adjustment_rate(self, denominator: Denominator) -> Decimal | None:
        """预算调整率 = |调整数 of the root| / the scheme's denominator, as a fraction.

        Higher-level allocations (上级指标及其他) are not adjustments and are left out.
        """
        root = self.root()
        if root is None:
            return None
        figures = self.figures(root.id)
        base = figures.initial if denominator is Denominator.INITIAL else figures.total
        return ratio(abs(figures.adjustments), base)

    def problems(self) -> list[str]:
        """Every typed parent figure that differs from its children's sum, and missing figures."""
        found: list[str] = []
        for line in self.lines:
            kids = self._children.get(line.id, ())
            if not kids:
                if line.initial is None:
                    found.append(f"line {line.name} {Column.INITIAL}: missing, expected an amount")
                if line.actual is None:
                    found.append(f"line {line.name} {Column.ACTUAL}: missing, expected an amount")
                continue
            sums = [self.figures(kid.id) for kid in kids]
            for column, typed in line.typed().items():
                expected = total(s.column(column) for s in sums)
                if typed != expected:
                    found.append(
                        f"line {line.name} {column}: typed {typed}, expected {expected}, "
                        "the sum of its children"
                    )
        return found
