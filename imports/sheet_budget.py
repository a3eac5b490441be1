"""The budget part of a 自评价表 sheet, in the two layouts told apart by their header cells.

* **Adjustment columns** (the seed's 本年度预算资金): 年初预算数, 当年使用上年结余、结转及当年调整
  预算数 (any header with 调整), 上级指标及其他, 预算合计数, 实际支出数, 预算执行率. A non-zero
  调整 cell becomes an in-year adjustment, a non-zero 上级指标及其他 a higher-level one.
* **全年预算** (项目支出 forms of other regions): 年初预算数 (or 年初预算), 全年预算数 (or
  全年预算), 全年执行数 (or 实际支出数), optionally 执行率. 全年预算数 − 年初预算数 becomes one
  in-year adjustment.

In both the line's label is the column left of 年初预算数 and the tree comes from the
labels' indent, else from the form's convention: 「其中：」 opens a level below the row above.
Computed columns (预算合计数 beside adjustment columns, 执行率) are never imported, only
checked against the sheet's own figures. Other columns (分值, 得分) are not read.
"""

from __future__ import annotations

from decimal import Decimal

from imports.sheet_cells import Header, Sheet, SheetReading, find_header, number, one_of, text
from workflow.amounts import as_percent, normalise, parse_amount, places
from workflow.errors import InvalidValue

#: The reason given to adjustments read from a sheet, which has no column for one.
IMPORTED_REASON = "自评价表导入"

#: The forms' budget part is in 万元 and the domain allows at most 3 decimals; the year's
#: scheme checks every amount again when the commands run.
BUDGET_UNIT = "万元"
MAX_PLACES = 3

_OF_WHICH = "其中："

ROLES = {
    "initial": one_of("年初预算数", "年初预算"),
    "adjustments": lambda key: "调整" in key and not key.endswith("率"),
    "higher_level": one_of("上级指标及其他"),
    "total": one_of("预算合计数", "全年预算数", "全年预算"),
    "actual": one_of("实际支出数", "全年执行数"),
    "execution_rate": one_of("预算执行率", "执行率"),
}

#: What a budget header row must hold, for the message refusing a sheet without one.
EXPECTED = (
    "a budget header row with 年初预算数, 实际支出数 or 全年执行数, and either the seed's "
    "adjustment columns (当年使用上年结余、结转及当年调整预算数, 上级指标及其他) or 全年预算数"
)


def _has_adjustment_columns(header: Header) -> bool:
    return header.has("adjustments") or header.has("higher_level")


def _is_budget_header(header: Header) -> bool:
    # The label sits left of 年初预算数, so 年初预算数 in column A heads no budget part.
    return (
        header.columns.get("initial", 1) > 1
        and header.has("actual")
        and (_has_adjustment_columns(header) or header.has("total"))
    )


def find_budget(sheet: Sheet) -> Header | None:
    """The budget part's header row, in either layout, if the sheet has one."""
    return find_header(sheet, ROLES, _is_budget_header)


def _line_rows(sheet: Sheet, label: int, first: int, end: int) -> list[int]:
    rows = []
    for row in range(first, end):
        # Text of its own left of the labels is a heading of the next part (年度总体目标);
        # a cell merged down from the header (项目资金（万元）) is not.
        if any(sheet.starts_here(row, c) and sheet.text(row, c) for c in range(1, label)):
            break
        if sheet.text(row, label) and not sheet.continues_from_above(row, label):
            rows.append(row)
    return rows


def read_budget(sheet: Sheet, header: Header, end: int, reading: SheetReading) -> None:
    """Read the budget lines between ``header`` and row ``end`` into ``reading``."""
    label = header.columns["initial"] - 1
    rows = _line_rows(sheet, label, header.row + 1, end)
    indents = [sheet.indent(r, label) for r in rows]
    use_indent = any(indents)
    parents: list[str] = []  # the line id open at each depth
    depth = 0
    lines = []
    for index, row in enumerate(rows):
        text_label = sheet.text(row, label)
        name = text_label.removeprefix(_OF_WHICH).strip()
        if use_indent:
            depth = indents[index]
        elif index == 0:
            depth = 0
        elif text_label.startswith(_OF_WHICH):
            depth += 1
        depth = min(depth, len(parents))
        line_id = f"l{index + 1:02d}"
        parent = parents[depth - 1] if depth > 0 else None
        del parents[depth:]
        parents.append(line_id)
        line = _Line(sheet, header, row, name, f"budget.lines[{index}]", reading)
        lines.append(
            {
                "id": line_id,
                "name": name,
                "parent": parent,
                "initial": line.typed("initial"),
                "adjustments": line.adjustments(),
                "actual": line.typed("actual"),
            }
        )
    reading.document["budget"] = {"lines": lines}


class _Line:
    """One budget row: its cells by role, and where each document value came from."""

    def __init__(
        self, sheet: Sheet, header: Header, row: int, name: str, where: str, reading: SheetReading
    ) -> None:
        self.sheet, self.header, self.row, self.name = sheet, header, row, name
        self.where, self.reading = where, reading
        self.cells = {role: sheet.value(row, column) for role, column in header.columns.items()}
        reading.cells[where] = f"{sheet.ref(row, header.columns['initial'] - 1)} ({name})"
        for role in ("initial", "actual"):
            reading.cells[f"{where}.{role}"] = self.ref(role)

    def ref(self, role: str) -> str:
        """The cell of ``role`` on this row, with the line's name, for messages."""
        return f"{self.sheet.ref(self.row, self.header.columns[role])} ({self.name})"

    def typed(self, role: str) -> str:
        """The cell's text as typed ('' when blank: the command names what was expected)."""
        return text(self.cells[role])

    def problem(self, role: str, got: str, expected: str) -> None:
        """Record a problem naming this row's cell of ``role``."""
        label = self.header.labels[role]
        self.reading.problems.append(f"{self.ref(role)} {label}: got {got!r}, expected {expected}")

    def adjustments(self) -> list[dict[str, str]]:
        """The line's adjustments, read or worked out as its layout says; checks its rate."""
        found: list[dict[str, str]] = []

        def adjust(amount: str, kind: str, role: str) -> None:
            self.reading.cells[f"{self.where}.adjustments[{len(found)}]"] = self.ref(role)
            found.append({"amount": amount, "kind": kind, "reason": IMPORTED_REASON})

        if _has_adjustment_columns(self.header):
            for role, kind in (("adjustments", "in_year"), ("higher_level", "higher_level")):
                typed = self.typed(role) if self.header.has(role) else ""
                # An empty or zero cell is no adjustment; anything else goes to the rules.
                if typed and number(typed) != 0:
                    adjust(typed, kind, role)
            total = self._checked_total()
        else:
            total = self._full_year()
            initial = number(self.cells["initial"])
            # A 年初预算数 that is no number is named by its command; no adjustment then.
            if total is not None and initial is not None and total != initial:
                adjust(format(total - initial, "f"), "in_year", "total")
        self._check_rate(total)
        return found

    def _checked_total(self) -> Decimal | None:
        """年初 + 调整 + 上级, and a typed 预算合计数 checked against it."""
        figures = [number(self.cells["initial"])]
        for role in ("adjustments", "higher_level"):
            typed = self.typed(role) if self.header.has(role) else ""
            figures.append(number(typed) if typed else Decimal(0))
        known = [figure for figure in figures if figure is not None]
        if len(known) < len(figures):
            return None  # the command for the cell that is no number names it
        total = sum(known, Decimal(0))
        given = self.typed("total") if self.header.has("total") else ""
        # A blank 预算合计数 claims nothing; a typed one must be the sum.
        if given and number(given) != total:
            formula = " + ".join(
                [self.header.labels["initial"]]
                + ["调整数"] * self.header.has("adjustments")
                + [self.header.labels["higher_level"]] * self.header.has("higher_level")
            )
            self.problem("total", given, f"{total} = {formula}")
        return total

    def _full_year(self) -> Decimal | None:
        """全年预算数: a typed figure the sheet needs, with at most 3 decimals."""
        label = self.header.labels["total"]
        try:
            amount = parse_amount(
                self.typed("total"),
                subject=f"{self.ref('total')} {label}",
                unit=BUDGET_UNIT,
                max_places=MAX_PLACES,
            )
        except InvalidValue as error:
            self.reading.problems.append(str(error))
            return None
        return amount.value

    def _check_rate(self, total: Decimal | None) -> None:
        """A typed 执行率 must be 实际 ÷ 合计 as far as its decimals go."""
        if not self.header.has("execution_rate"):
            return
        typed = self.typed("execution_rate")
        actual = number(self.cells["actual"])
        # '/' is what a form prints for a rate over nothing; a blank rate claims nothing.
        if typed in ("", "/") or actual is None or not total:
            return
        fraction = actual / total
        per_cent = normalise(typed).endswith("%")
        given = number(normalise(typed).removesuffix("%"))
        if given is not None:
            # Without a % sign a rate is in per cent (jixiao's export prints 100.0 under
            # 预算执行率（%）), or, up to 2, a fraction (1 = 100%, as older exports wrote it):
            # either reading that agrees is the rate.
            readings = [(given, places(given))]
            if not per_cent and given <= 2:
                readings.append((given * 100, places(given) - 2))
            for shown, decimals in readings:
                # A rate in whole per cent is a rounded one; finer ones agree to 0.05 points.
                tolerance = Decimal("0.5") if decimals <= 0 else Decimal("0.05")
                if abs(shown - fraction * 100) <= tolerance:
                    return
        total_label = self.header.labels.get("total", "预算合计数")
        expected = as_percent(fraction)
        self.problem(
            "execution_rate",
            typed,
            f"{expected}% = {self.header.labels['actual']} ÷ {total_label}",
        )
