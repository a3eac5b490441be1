"""Reading a 自评价表 spreadsheet laid out like the seed's table into a report document.

The sheet has a title block (the year in 「（2021年度）」, the department after
「预算部门名称：」), the budget part headed 「本年度预算资金（万元）」 with the six columns
年初预算数 … 预算执行率, then the indicator part headed 「分解目标」 with 类别, 指标名称
(project and name, merged when there is no project), 指标目标值, 指标完成值 and 偏差原因分析,
and a 「备注」 row. Merged cells are read as their top-left value.

The budget tree comes from each label's indent when the sheet has indents (jixiao's own
export does), else from the form's convention: 「其中：」 opens a level below the row above.
The computed columns (预算合计数, 预算执行率) are not imported: they are checked against the
typed ones, and a sheet whose sums do not add up is refused with the cell named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

#: The reason given to adjustments read from a sheet, which has no column for one.
IMPORTED_REASON = "自评价表导入"

_YEAR = re.compile(r"（\s*(\d{4})\s*年度\s*）")
_DEPARTMENT = re.compile(r"预算部门名称[：:]\s*(\S.*)$")
_OF_WHICH = "其中："
_BUDGET_COLUMNS = ("initial", "adjustments", "higher_level", "total", "actual", "execution_rate")
_COLUMN = {key: column for column, key in enumerate(_BUDGET_COLUMNS, start=2)}


@dataclass
class SheetReading:
    """A report document read from a sheet, where each of its values came from, and problems."""

    document: dict[str, Any]
    #: Document path (``budget.lines[3].initial``) → the cell it came from (``自评价表!B9``).
    cells: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def place(self, where: str) -> str:
        """The cell behind a document path (or the nearest enclosing one), for messages."""
        probe = where
        while probe:
            if probe in self.cells:
                return self.cells[probe]
            probe = probe.rpartition(".")[0]
        return where


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    return " ".join(str(value).split())


def _amount(value: object) -> Decimal | None:
    try:
        return Decimal(_text(value)) if _text(value) else None
    except InvalidOperation:
        return None


class _Sheet:
    """Cell access with merged ranges resolved to their top-left value."""

    def __init__(self, sheet: Any) -> None:
        self.sheet = sheet
        self.title = sheet.title
        self._merged: dict[tuple[int, int], tuple[int, int]] = {}
        for merged in sheet.merged_cells.ranges:
            for row in range(merged.min_row, merged.max_row + 1):
                for column in range(merged.min_col, merged.max_col + 1):
                    self._merged[(row, column)] = (merged.min_row, merged.min_col)

    def value(self, row: int, column: int) -> object:
        top, left = self._merged.get((row, column), (row, column))
        return self.sheet.cell(row=top, column=left).value

    def spans_from(self, row: int, column: int) -> tuple[int, int] | None:
        """The top-left of the merged range holding (row, column), if it is merged."""
        return self._merged.get((row, column))

    def ref(self, row: int, column: int) -> str:
        return f"{self.title}!{'ABCDEFGHIJ'[column - 1]}{row}"

    def indent(self, row: int, column: int) -> int:
        return int(self.sheet.cell(row=row, column=column).alignment.indent or 0)


def _find(sheet: _Sheet, starts: str, after: int = 1) -> int | None:
    for row in range(after, sheet.sheet.max_row + 1):
        if _text(sheet.value(row, 1)).startswith(starts):
            return row
    return None


def read_sheet(path: Path, department: str, year: int) -> SheetReading:
    """Read the first sheet of ``path`` as the 自评价表 of ``department``'s report for ``year``."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, data_only=True)
    except (OSError, ValueError, KeyError) as error:
        raise ValueError(f"{path}: {error}, expected an .xlsx workbook") from None
    sheet = _Sheet(workbook.worksheets[0])
    reading = SheetReading({"department": department, "year": year})
    _title_block(sheet, year, reading)
    budget_at = _find(sheet, "本年度预算资金")
    goals_at = _find(sheet, "分解目标", after=budget_at or 1)
    if budget_at is None or goals_at is None:
        missing = "本年度预算资金" if budget_at is None else "分解目标"
        reading.problems.append(
            f"{sheet.title}: no row starting with {missing!r}, expected the 自评价表 layout"
        )
        return reading
    _budget(sheet, budget_at, goals_at, reading)
    _indicators(sheet, goals_at + 2, reading)
    return reading


def _title_block(sheet: _Sheet, year: int, reading: SheetReading) -> None:
    for row in range(1, 6):
        text = _text(sheet.value(row, 1))
        if (found := _YEAR.search(text)) and int(found[1]) != year:
            reading.problems.append(
                f"{sheet.ref(row, 1)} 年度: got {found[1]!r}, expected {year} (the --year given)"
            )
        if found := _DEPARTMENT.search(text):
            reading.document["department_name"] = found[1]


def _budget(sheet: _Sheet, header: int, end: int, reading: SheetReading) -> None:
    rows = [r for r in range(header + 1, end) if _text(sheet.value(r, 1))]
    indents = [sheet.indent(r, 1) for r in rows]
    use_indent = any(indents)
    parents: list[str] = []  # the line id open at each depth
    depth = 0
    lines = []
    for index, row in enumerate(rows):
        label = _text(sheet.value(row, 1))
        name = label.removeprefix(_OF_WHICH).strip()
        if use_indent:
            depth = indents[index]
        elif index == 0:
            depth = 0
        elif label.startswith(_OF_WHICH):
            depth += 1
        depth = min(depth, len(parents))
        line_id = f"l{index + 1:02d}"
        parent = parents[depth - 1] if depth > 0 else None
        del parents[depth:]
        parents.append(line_id)
        where = f"budget.lines[{index}]"
        reading.cells[where] = f"{sheet.ref(row, 1)} ({name})"
        cells = {key: sheet.value(row, column) for key, column in _COLUMN.items()}
        for key in ("initial", "actual"):
            reading.cells[f"{where}.{key}"] = f"{sheet.ref(row, _COLUMN[key])} ({name})"
        adjustments = []
        for key, kind in (("adjustments", "in_year"), ("higher_level", "higher_level")):
            # An empty or zero cell is no adjustment; anything else goes to the rules.
            if _text(cells[key]) and _amount(cells[key]) != 0:
                at = f"{where}.adjustments[{len(adjustments)}]"
                reading.cells[at] = f"{sheet.ref(row, _COLUMN[key])} ({name})"
                adjustments.append(
                    {"amount": _text(cells[key]), "kind": kind, "reason": IMPORTED_REASON}
                )
        lines.append(
            {
                "id": line_id,
                "name": name,
                "parent": parent,
                "initial": _text(cells["initial"]),
                "adjustments": adjustments,
                "actual": _text(cells["actual"]),
            }
        )
        _check_computed(sheet, row, name, cells, reading)
    reading.document["budget"] = {"lines": lines}


def _check_computed(
    sheet: _Sheet, row: int, name: str, cells: dict[str, object], reading: SheetReading
) -> None:
    """预算合计数 and 预算执行率 are computed: the sheet's must agree with its own figures."""
    typed = [_amount(cells[k]) for k in ("initial", "adjustments", "higher_level", "actual")]
    if any(value is None for value in typed[:3]):
        return
    initial, adjustments, higher, actual = typed
    total = initial + adjustments + higher  # type: ignore[operator]
    given_total = _amount(cells["total"])
    if given_total is not None and given_total != total:
        reading.problems.append(
            f"{sheet.ref(row, _COLUMN['total'])} ({name}) 预算合计数: got {_text(cells['total'])!r}, expected "
            f"{total} = 年初预算数 + 调整数 + 上级指标及其他"
        )
    rate = cells["execution_rate"]
    given_rate = _amount(_text(rate).rstrip("%")) if rate is not None else None
    if given_rate is None or actual is None or not total:
        return
    fraction = actual / total
    shown = given_rate / 100 if _text(rate).endswith("%") or given_rate > 2 else given_rate
    if abs(shown - fraction) > Decimal("0.0005"):
        reading.problems.append(
            f"{sheet.ref(row, _COLUMN['execution_rate'])} ({name}) 预算执行率: got {_text(rate)!r}, expected "
            f"{(fraction * 100).quantize(Decimal('0.1'))}% = 实际支出数 ÷ 预算合计数"
        )


def _indicators(sheet: _Sheet, first: int, reading: SheetReading) -> None:
    indicators = []
    row = first
    while row <= sheet.sheet.max_row and _text(sheet.value(row, 1)) != "备注":
        name_cell = sheet.spans_from(row, 3)
        merged_name = name_cell is not None and name_cell[1] == 2
        category = _text(sheet.value(row, 1))
        project = None if merged_name else _text(sheet.value(row, 2)) or None
        name = _text(sheet.value(row, 2 if merged_name else 3))
        if not (category or name):
            row += 1
            continue
        index = len(indicators)
        where = f"indicators[{index}]"
        reading.cells[where] = f"{sheet.ref(row, 3)} ({name})"
        for key, column in (("target", 4), ("actual", 5), ("deviation_reason", 6)):
            reading.cells[f"{where}.{key}"] = f"{sheet.ref(row, column)} ({name})"
        target = _text(sheet.value(row, 4))
        reason = _text(sheet.value(row, 6))
        indicators.append(
            {
                "id": f"i{index + 1:02d}",
                "category": category,
                "project": project,
                "name": name,
                "target": target,
                # A bare 0 target can only be a ceiling ("at least 0" is always met).
                "lower_is_better": target.rstrip("%").strip() in ("0", "0.0"),
                "actual": _text(sheet.value(row, 5)) or None,
                "deviation_reason": reason or None,
            }
        )
        row += 1
    reading.document["indicators"] = indicators
