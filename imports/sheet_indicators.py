"""The indicator part of a 自评价表 sheet, read by its layout's columns (imports/sheet_layouts.py).

* **The seed's 分解目标**: two header rows, 类别 in the first column, the 指标名称 header
  spread over the project and the name (``name_spans_project``): a row whose two cells are
  merged has no project.
* **A flat list**: ``category`` (一级指标; a form without one has the layout's
  ``default_category``), ``project`` (二级指标), ``name`` (三级指标). A group cell left
  blank under its first row (or merged down) belongs to the row above. A category printed
  with its points (``产出指标(50分)``) is the category; the points are compared with the
  sum of its indicators' weights.

The target is the ``target`` cell (年初指标值), with the ``operator`` column's 指标性质 (=, ≥,
≤, >, <, 定性, 定量, in any width) and the ``unit`` column's 度量单位 (百分比 is %) as fields of
their own (workflow.natures); a bare number typed as the actual takes that unit. An
``adjusted_target`` (调整指标值) other than the target is recorded as the target changed
during the year; ``core`` (是否核心指标) 是 marks a core indicator. The ``score`` cell is the
得分 as typed, recorded beside the rule's figure. The part ends at a row whose first cell
starts with a ``closing`` word; a closing row's printed 权重 and 得分 totals are compared
with the sums above them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from imports.sheet_cells import Sheet, SheetReading, cell_points, header_key, number
from imports.sheet_headers import Header, find_header
from imports.sheet_layouts import Layout
from workflow.amounts import normalise, places
from workflow.errors import InvalidValue
from workflow.indicators import direction_of
from workflow.natures import compose_target, parse_nature, parse_unit
from workflow.targets import Comparator, Measure, MeasureKind, fold_signs

_POINTS = re.compile(r"\d+(?:\.\d+)?")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
#: A category printed with its points: 产出指标(50分), 产出指标（50分）.
_CATEGORY_POINTS = re.compile(r"^(.*?)\s*\(\s*(\d+(?:\.\d+)?)\s*分?\s*\)$")

#: 指标性质 → lower is better (None: the target decides). 反向 is the regions' word for
#: an indicator whose smaller value is better (成本, 投诉率).
_NATURE = {"正向": False, "反向": True, "定量": None, "定性": None}

#: The document field each column's cell is named for in a problem.
_FIELD_CELLS = {
    "target": "target",
    "adjusted_target": "adjusted_target",
    "actual": "actual",
    "deviation_reason": "deviation_reason",
    "score": "score",
}

#: 是否核心指标.
_CORE = {"是": True, "否": False, "/": False, "": False}

#: What an adjustment of a target read from a sheet is recorded with: the sheet has no
#: column for the reason (as for the budget's adjustments, imports/sheet_budget.py).
ADJUSTED_REASON = "自评价表导入"


def find_indicators(sheet: Sheet, layout: Layout, after: int) -> Header | None:
    """The indicator part's header below row ``after`` in ``layout``, if the sheet has one."""
    part = layout.indicators

    def accept(header: Header) -> bool:
        has_category = header.has("category") or bool(part.default_category)
        return has_category and header.has("name") and header.has("target")

    return find_header(sheet, part, layout.name, accept, after=after)


def read_indicators(sheet: Sheet, layout: Layout, header: Header, reading: SheetReading) -> int:
    """Read the indicator rows below ``header`` into ``reading``; the row after the part."""
    rows = _Rows(sheet, layout, header, reading)
    end = rows.read()
    reading.document["indicators"] = rows.indicators
    return end


class _Rows:
    """The indicators read so far, and the cell checks every layout shares."""

    def __init__(self, sheet: Sheet, layout: Layout, header: Header, reading: SheetReading) -> None:
        self.sheet, self.layout, self.header, self.reading = sheet, layout, header, reading
        self.part = layout.indicators
        self.indicators: list[dict[str, object]] = []
        #: The rows of every indicator met, added or refused.
        self.rows: list[int] = []
        self.seen = 0
        columns = dict(header.columns)
        if self.part.name_spans_project:
            # 指标名称 spread over two columns heads the project (left) and the name (right).
            _, left, _, right = sheet.merged_range(header.row + header.height - 1, columns["name"])
            if right > left:
                columns["project"], columns["name"] = left, right
        self.columns = columns
        #: Each category's printed points: category → (cell, points).
        self.category_points: dict[str, tuple[tuple[int, int], Decimal]] = {}

    @property
    def first(self) -> int:
        """The part's leftmost column."""
        return min(self.columns.values())

    def closes(self, row: int) -> bool:
        """Whether ``row`` ends the part: a closing row, or a heading left of the indicators."""
        sheet, first = self.sheet, self.first
        if any(sheet.starts_here(row, c) and sheet.text(row, c) for c in range(1, first)):
            return True  # 总分 or 备注 in the column of a 绩效指标 cell merged over the part
        words = header_key(sheet.text(row, first))
        return sheet.starts_here(row, first) and words.startswith(self.part.closing)

    def read(self) -> int:
        """Read every row of the part; the row after it."""
        sheet, columns = self.sheet, self.columns
        category = self.part.default_category
        project: str | None = None
        row = self.header.first_data_row
        while row <= sheet.max_row and not self.closes(row):
            if "category" in columns and (typed := sheet.text(row, columns["category"])):
                top, left, _, _ = sheet.merged_range(row, columns["category"])
                typed = self._category((top, left), typed)
                if typed != category:
                    category, project = typed, None
            if "project" in columns:
                at = columns["project"]
                merged_name = (
                    self.part.name_spans_project
                    and sheet.spans_from(row, columns["name"]) is not None
                    and sheet.merged_range(row, columns["name"])[1] == at
                )
                if merged_name:
                    project = None
                elif typed_project := sheet.text(row, at):
                    project = typed_project
            for role in ("category", "project"):
                if role in columns:
                    self.reading.placed.add((row, columns[role]))
            name = self._name(row)
            # A row naming no indicator and no target is a group heading or a spacer.
            if name or self.cell(row, "target"):
                self.add(row, category, project, name)
            row += 1
        self._closing_row(row)
        self._compare_category_points()
        return row

    def _name(self, row: int) -> str:
        at = self.columns["name"]
        top, left, _, _ = self.sheet.merged_range(row, at)
        if self.part.name_spans_project and left < at:
            return self.sheet.text(top, left)  # 指标名称 merged over the project column
        if self.sheet.continues_from_above(row, at):
            return ""
        return self.sheet.text(row, at)

    def _category(self, at: tuple[int, int], typed: str) -> str:
        """The category's name in the cell ``at``; its printed points kept to compare with
        its weights."""
        found = _CATEGORY_POINTS.match(normalise(typed))
        if found is None:
            return typed
        name = typed[: len(found[1])] if typed.startswith(found[1]) else found[1]
        self.category_points[name] = (at, Decimal(found[2]))
        return name

    def cell(self, row: int, role: str) -> str:
        """The text of this row's ``role`` cell ('' when the layout has no such column)."""
        column = self.columns.get(role)
        return self.sheet.text(row, column) if column is not None else ""

    def _printed_by_jixiao(self, row: int, role: str) -> bool:
        column = self.columns.get(role)
        return column is not None and self.sheet.printed_by_jixiao(row, column)

    def ref(self, row: int, role: str, name: str) -> str:
        """The cell of ``role`` with its header, for messages: ``表!E9 (名称) 指标值``."""
        column = self.columns[role]
        label = self.header.labels.get(role, "")
        return f"{self.sheet.ref(row, column)} ({name}) {label}".rstrip()

    def problem(self, row: int, role: str, message: str) -> None:
        """Record a problem naming this row's ``role`` cell (one per cell)."""
        self.reading.problem_at((row, self.columns[role]), message)

    def add(self, row: int, category: str, project: str | None, name: str) -> None:
        """Add the indicator on ``row``, unless its target cannot be understood."""
        self.seen += 1
        self.rows.append(row)
        for role, column in self.columns.items():
            if role not in ("category", "project"):
                self.reading.placed.add((row, column))
        if self.part.name_spans_project:
            self.reading.placed.add((row, self.columns["name"]))
        target = self._target(row, name)
        if target is None:
            return  # named in the problems; without a target there is no indicator to add
        _, lower = target
        where = f"indicators[{len(self.indicators)}]"
        cells = self.reading.cells
        cells[where] = f"{self.sheet.ref(row, self.columns['name'])} ({name})"
        for role, field in _FIELD_CELLS.items():
            if (at := self.columns.get(role)) is not None:
                cells[f"{where}.{field}"] = f"{self.sheet.ref(row, at)} ({name})"
        adjusted = self._adjusted(row)
        self.indicators.append(
            {
                # Numbered by sheet row, so an id stays put when a row above is refused.
                "id": f"i{self.seen:02d}",
                "category": category,
                "project": project,
                "name": name,
                "target": self.cell(row, "target"),
                "nature": self._nature_cell(row) or None,
                "unit": self.cell(row, "unit") or None,
                "core": self._core(row, name),
                "lower_is_better": lower,
                "weight": self._weight(row, name),
                "adjusted_target": adjusted,
                "adjustment_reason": ADJUSTED_REASON if adjusted is not None else None,
                "actual": self.cell(row, "actual") or None,
                "deviation_reason": self.cell(row, "deviation_reason") or None,
                "score": self._score(row, name),
            }
        )

    def _nature_cell(self, row: int) -> str:
        """The 指标性质 typed: the operator column's, or a comparison in the nature column
        (正向 and 反向 there are a direction, not a 指标性质)."""
        if typed := self.cell(row, "operator"):
            return typed
        typed = self.cell(row, "nature")
        return "" if header_key(typed).removesuffix("指标") in ("正向", "反向") else typed

    def _target(self, row: int, name: str) -> tuple[Measure, bool] | None:
        """The parsed target and direction; a problem naming the cell at fault otherwise.

        Checked here, not left to the command, so that the message names the cell (the
        command's place is the indicator's row) and a blank is called blank.
        """
        subject = self.ref(row, "target", name)
        nature, unit = self._nature_cell(row), self.cell(row, "unit")
        nature_role = "operator" if self.cell(row, "operator") else "nature"
        try:
            if "unit" in self.columns:
                parse_unit(unit, subject=self.ref(row, "unit", name))
        except InvalidValue as error:
            self.problem(row, "unit", str(error))
            return None  # its target and actual cannot be read without the unit
        if nature_role in self.columns:
            try:
                parse_nature(nature, subject=self.ref(row, nature_role, name))
            except InvalidValue:
                expected = "=, ≥, ≤, >, <, 定性 or 定量"
                if nature_role == "nature":
                    expected = f"正向, 反向 (lower is better), {expected}, or blank"
                typed = self.cell(row, nature_role)
                self.problem(
                    row,
                    nature_role,
                    f"{self.ref(row, nature_role, name)}: got {typed!r}, expected {expected}",
                )
                return None
        try:
            measure, _ = compose_target(
                self.cell(row, "target"), nature=nature, unit=unit, subject=subject
            )
            return measure, direction_of(measure, self._lower(row, measure), subject=subject)
        except InvalidValue as error:
            role = {"指标性质": nature_role, "度量单位": "unit"}.get(error.subject.split()[-1])
            if role is None or role not in self.columns:
                self.problem(row, "target", str(error))
            else:
                # Named at the cell at fault, with the rest of the domain's one line.
                said = str(error).removeprefix(error.subject)
                self.problem(row, role, f"{self.ref(row, role, name)}{said}")
            return None

    def _adjusted(self, row: int) -> str | None:
        """调整指标值 when it changes the target; blank, ``/`` or the target itself is none."""
        typed = self.cell(row, "adjusted_target")
        text = "".join(fold_signs(typed).split())
        if text in ("", "/") or text == "".join(fold_signs(self.cell(row, "target")).split()):
            return None
        return typed

    def _core(self, row: int, name: str) -> bool:
        typed = self.cell(row, "core")
        core = _CORE.get(normalise(typed))
        if core is None:
            self.problem(
                row,
                "core",
                f"{self.ref(row, 'core', name)}: got {typed!r}, expected 是, 否 or blank",
            )
            return False
        return core

    def _score(self, row: int, name: str) -> str | None:
        """得分 as typed; blank, ``/`` or the rule's 得分 as jixiao printed it in its own
        export is none (the command checks the number)."""
        typed = self.cell(row, "score")
        if normalise(typed) in ("", "/") or self._printed_by_jixiao(row, "score"):
            return None
        return typed

    def _lower(self, row: int, target: Measure) -> bool:
        """Whether the indicator is lower-is-better: 反向 in the nature column says so, 正向
        says not; otherwise a bare zero target can only be a ceiling ("at least 0" is
        always met)."""
        lower = _NATURE.get(header_key(self.cell(row, "nature")).removesuffix("指标"))
        if lower is not None:
            return lower
        return (
            target.kind is MeasureKind.QUANTITY
            and target.comparator is Comparator.BARE
            and target.value == 0
        )

    def _weight(self, row: int, name: str) -> str | None:
        """权重 / 分值 as points ('10分' is 10); blank, '/' or the scheme's 分值 as jixiao
        printed it in its own export is no weight of its own."""
        typed = self.cell(row, "weight")
        points = "".join(normalise(typed).split()).removesuffix("分")
        if points in ("", "/") or self._printed_by_jixiao(row, "weight"):
            return None
        if _POINTS.fullmatch(points):
            return points
        self.problem(
            row,
            "weight",
            f"{self.ref(row, 'weight', name)}: got {typed!r}, expected a number of points >= 0",
        )
        return None

    def _sum(self, role: str) -> tuple[Decimal, Decimal] | None:
        """The sum of the ``role`` column over the indicator rows and how far the rounding
        of the printed figures may take it (half a unit of the last place of each one printed
        with decimals: 90 points over 34 rows print as 2.65 each, 90.1 in all); None if one is
        no number."""
        total = slack = Decimal(0)
        for row in self.rows:
            typed = normalise(self.sheet.text(row, self.columns[role])).removesuffix("分")
            if typed in ("", "/"):
                continue
            value = number(typed)
            if value is None:
                return None
            total += value
            if places(value):
                slack += Decimal("0.5").scaleb(-places(value))
        return total, slack

    def _closing_row(self, row: int) -> None:
        """A 合计 / 总分 row's printed weight and score totals, compared with the sums."""
        if row > self.sheet.max_row or not self.sheet.starts_here(row, self.first):
            return
        words = header_key(self.sheet.text(row, self.first))
        if not words.startswith(("合计", "总分")):
            return
        self.reading.placed.add((row, self.first))
        for role in ("weight", "score"):
            if role not in self.columns:
                continue
            at = (row, self.columns[role])
            typed = self.sheet.text(*at)
            if not typed:
                continue
            self.reading.placed.add(at)
            summed = self._sum(role)
            given = cell_points(typed)
            if summed is None:
                if given is None:
                    self.reading.problem_at(
                        at,
                        f"{self.sheet.ref(*at)} ({words}) {self.header.labels[role]}: got "
                        f"{typed!r}, expected a number",
                    )
                continue
            total, slack = summed
            # Forms differ on whether the closing row counts the budget's own 分值 and 得分
            # (预算执行率's 10 points): either total agrees with the form.
            totals = [(total, "the sum of the column")]
            if role in self.reading.budget_points:
                with_budget = total + self.reading.budget_points[role]
                totals.append((with_budget, "the sum of the column and the budget's"))
            shown = " or ".join(f"{format(t.normalize(), 'f')} = {how}" for t, how in totals)
            if given is None:
                self.reading.problem_at(
                    at,
                    f"{self.sheet.ref(*at)} ({words}) {self.header.labels[role]}: got {typed!r}, "
                    f"expected a number ({shown})",
                )
            elif all(abs(given - t) > slack for t, _ in totals):
                self.reading.disagreements.append(
                    f"{self.sheet.ref(*at)} ({words}) {self.header.labels[role]}: printed "
                    f"{typed!r}, jixiao computes {shown}"
                )

    def _compare_category_points(self) -> None:
        """A category's printed points (产出指标(50分)) against its indicators' weights."""
        for category, (at, points) in self.category_points.items():
            weights = [
                Decimal(str(i["weight"]))
                for i in self.indicators
                if i["category"] == category and i["weight"] is not None
            ]
            total = sum(weights, Decimal(0))
            if weights and total != points:
                printed, computed = format(points.normalize(), "f"), format(total.normalize(), "f")
                self.reading.disagreements.append(
                    f"{self.sheet.ref(*at)} ({category}): printed {printed} points, jixiao "
                    f"computes {computed} = the sum of its indicators' weights"
                )
