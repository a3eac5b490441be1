"""The indicator part of a 自评价表 sheet, in the two layouts told apart by their header cells.

* **分解目标** (the seed's): a header row 分解目标 / 指标目标值 / 指标完成值 / 偏差原因分析 over
  a row 类别 / 指标名称; 类别 in the first column, then the project and the name (merged into
  one cell when there is no project).
* **A flat list** (other regions'): one header row with 一级指标, 二级指标 (optional),
  三级指标 or 指标名称, 指标性质, 指标值 / 年度指标值 / 目标值, 实际完成值 / 完成值,
  权重 / 分值, 得分, 偏差原因(分析…). 一级指标 is the category (the seed's 类别 is its 一级
  grouping too: 部门管理, 部门履职及效果 …), 二级指标 the project, 三级指标 the name. A
  group cell left blank under its first row (or merged down) belongs to the row above.

The part ends at a 备注, 总分, 合计 or 说明 row, or at a heading left of the indicator
columns. 得分 is never imported: jixiao scores under the year's scheme.
"""

from __future__ import annotations

import re

from imports.sheet_cells import (
    Header,
    Sheet,
    SheetReading,
    find_header,
    header_key,
    one_of,
    starting,
)
from workflow.amounts import normalise
from workflow.errors import InvalidValue
from workflow.indicators import direction_of
from workflow.targets import Comparator, Measure, MeasureKind, parse_measure

_SEED_ROLES = {
    "goals": one_of("分解目标"),
    "target": one_of("指标目标值"),
    "actual": one_of("指标完成值"),
    "deviation_reason": starting("偏差原因"),
}

_FLAT_ROLES = {
    "category": one_of("一级指标"),
    "project": one_of("二级指标"),
    "name": one_of("三级指标", "指标名称"),
    "nature": one_of("指标性质"),
    "target": one_of("指标值", "年度指标值", "目标值", "年度目标值", "指标目标值"),
    "actual": one_of("实际完成值", "完成值", "指标完成值", "实际值", "年度实际完成值"),
    "weight": one_of("权重", "分值"),
    "deviation_reason": starting("偏差原因"),
}

#: What an indicator header row must hold, for the message refusing a sheet without one.
EXPECTED = (
    "an indicator header row: 分解目标 with 指标目标值 (the seed's), or a flat list with "
    "一级指标, 三级指标 or 指标名称, and 指标值 (or 年度指标值, 目标值)"
)

_POINTS = re.compile(r"\d+(?:\.\d+)?")

#: First cells of the rows that close the indicator part.
_CLOSING = ("备注", "总分", "合计", "说明")

#: 指标性质 → lower is better (None: the target decides). 反向 is the regions' word for
#: an indicator whose smaller value is better (成本, 投诉率).
_NATURE = {"正向": False, "反向": True, "定量": None, "定性": None}


def find_indicators(sheet: Sheet, after: int) -> tuple[Header, bool] | None:
    """The indicator header row below row ``after`` and whether it is the flat list."""
    seed = find_header(
        sheet, _SEED_ROLES, lambda h: h.has("goals") and h.has("target"), after=after
    )
    flat = find_header(
        sheet,
        _FLAT_ROLES,
        lambda h: h.has("category") and h.has("name") and h.has("target"),
        after=after,
    )
    if seed is not None and (flat is None or seed.row <= flat.row):
        return seed, False
    return (flat, True) if flat is not None else None


def read_indicators(sheet: Sheet, header: Header, flat: bool, reading: SheetReading) -> None:
    """Read the indicator rows below ``header`` into ``reading``."""
    rows = _Rows(sheet, header, reading)
    if flat:
        _read_flat(rows)
    else:
        _read_seed(rows)
    reading.document["indicators"] = rows.indicators


def _read_seed(rows: _Rows) -> None:
    sheet, goals = rows.sheet, rows.header.columns["goals"]
    category_column, project_column, name_column = goals, goals + 1, goals + 2
    # The 类别 / 指标名称 row sits under the header row.
    for row in range(rows.header.row + 2, sheet.max_row + 1):
        if rows.closes(row, category_column):
            break
        name_cell = sheet.spans_from(row, name_column)
        merged_name = name_cell is not None and name_cell[1] == project_column
        category = sheet.text(row, category_column)
        project = None if merged_name else sheet.text(row, project_column) or None
        name = sheet.text(row, project_column if merged_name else name_column)
        if category or name:
            rows.add(row, category, project, name, name_column)


def _read_flat(rows: _Rows) -> None:
    sheet, columns = rows.sheet, rows.header.columns
    category, project = "", None
    for row in range(rows.header.row + 1, sheet.max_row + 1):
        if rows.closes(row, columns["category"]):
            break
        typed_category = sheet.text(row, columns["category"])
        if typed_category and typed_category != category:
            category, project = typed_category, None
        if "project" in columns and (typed_project := sheet.text(row, columns["project"])):
            project = typed_project
        name = sheet.text(row, columns["name"])
        # A row naming no indicator and no target is a group heading or a spacer.
        if name or sheet.text(row, columns["target"]):
            rows.add(row, category, project, name, columns["name"])


class _Rows:
    """The indicators read so far, and the cell checks both layouts share."""

    def __init__(self, sheet: Sheet, header: Header, reading: SheetReading) -> None:
        self.sheet, self.header, self.reading = sheet, header, reading
        self.indicators: list[dict[str, object]] = []
        self.seen = 0

    def closes(self, row: int, category_column: int) -> bool:
        """Whether ``row`` ends the part: a closing row, or a heading left of the indicators."""
        sheet = self.sheet
        if any(sheet.starts_here(row, c) and sheet.text(row, c) for c in range(1, category_column)):
            return True  # 总分 or 备注 in the column of a 绩效指标 cell merged over the part
        first = sheet.text(row, category_column)
        return sheet.starts_here(row, category_column) and first.startswith(_CLOSING)

    def cell(self, row: int, role: str) -> str:
        """The text of this row's ``role`` cell ('' when the layout has no such column)."""
        column = self.header.columns.get(role)
        return self.sheet.text(row, column) if column is not None else ""

    def ref(self, row: int, role: str, name: str) -> str:
        """The cell of ``role`` with its header, for messages: ``表!E9 (名称) 指标值``."""
        column = self.header.columns[role]
        return f"{self.sheet.ref(row, column)} ({name}) {self.header.labels[role]}"

    def add(self, row: int, category: str, project: str | None, name: str, column: int) -> None:
        """Add the indicator on ``row``, unless its target cannot be understood."""
        self.seen += 1
        target = self._target(row, name)
        if target is None:
            return  # named in the problems; without a target there is no indicator to add
        measure, lower = target
        where = f"indicators[{len(self.indicators)}]"
        cells = self.reading.cells
        cells[where] = f"{self.sheet.ref(row, column)} ({name})"
        for role in ("target", "actual", "deviation_reason"):
            if (at := self.header.columns.get(role)) is not None:
                cells[f"{where}.{role}"] = f"{self.sheet.ref(row, at)} ({name})"
        self.indicators.append(
            {
                # Numbered by sheet row, so an id stays put when a row above is refused.
                "id": f"i{self.seen:02d}",
                "category": category,
                "project": project,
                "name": name,
                "target": measure.raw,
                "lower_is_better": lower,
                "weight": self._weight(row, name),
                "actual": self.cell(row, "actual") or None,
                "deviation_reason": self.cell(row, "deviation_reason") or None,
            }
        )

    def _target(self, row: int, name: str) -> tuple[Measure, bool] | None:
        """The parsed target and direction; a problem naming the target cell otherwise.

        Checked here, not left to the command, so that the message names the target's
        cell (the command's place is the indicator's row) and a blank is called blank.
        """
        subject = self.ref(row, "target", name)
        try:
            measure = parse_measure(self.cell(row, "target"), subject=subject)
            return measure, direction_of(measure, self._lower(row, name, measure), subject=subject)
        except InvalidValue as error:
            self.reading.problems.append(str(error))
            return None

    def _lower(self, row: int, name: str, target: Measure) -> bool:
        typed = self.cell(row, "nature")
        nature = header_key(typed).removesuffix("指标")
        if nature and nature not in _NATURE:
            self.reading.problems.append(
                f"{self.ref(row, 'nature', name)}: got {typed!r}, expected 正向, 反向 (lower is "
                "better), 定量 or 定性, or blank"
            )
        lower = _NATURE.get(nature)
        if lower is not None:
            return lower
        # A bare zero target can only be a ceiling ("at least 0" is always met).
        return (
            target.kind is MeasureKind.QUANTITY
            and target.comparator is Comparator.BARE
            and target.value == 0
        )

    def _weight(self, row: int, name: str) -> str | None:
        """权重 / 分值 as points ('10分' is 10); blank or '/' is no weight of its own."""
        typed = self.cell(row, "weight")
        points = "".join(normalise(typed).split()).removesuffix("分")
        if points in ("", "/"):
            return None
        if _POINTS.fullmatch(points):
            return points
        self.reading.problems.append(
            f"{self.ref(row, 'weight', name)}: got {typed!r}, expected a number of points >= 0"
        )
        return None
