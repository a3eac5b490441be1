"""The indicator part of a 自评价表 sheet, read by its layout's columns (imports/sheet_layouts.py).

* **The seed's 分解目标**: two header rows, 类别 in the first column, the 指标名称 header
  spread over the project and the name (``name_spans_project``): a row whose two cells are
  merged has no project.
* **A flat list**: ``category`` (一级指标; a form without one has the layout's
  ``default_category``), ``project`` (二级指标), ``name`` (三级指标). A group cell left
  blank under its first row (or merged down) belongs to the row above. A category printed
  with its points (``产出指标(50分)``) is the category; the points are compared with the
  sum of its indicators' weights.

The target is the ``target`` cell, after the ``operator`` column's comparison (=, ≥, ≤,
>, <, in any width; 定性 and 定量 say nothing of it) and with the ``unit`` column's unit
(百分比 is %); a bare number typed as the actual takes that unit too. The part ends at
a row whose first cell starts with a ``closing`` word; a closing row's printed 权重 and
得分 totals are compared with the sums above them. 得分 is never recorded: jixiao scores
under the year's scheme.
"""

from __future__ import annotations

import re
from decimal import Decimal

from imports.sheet_cells import Sheet, SheetReading, header_key, number
from imports.sheet_headers import Header, find_header
from imports.sheet_layouts import Layout
from workflow.amounts import normalise
from workflow.errors import InvalidValue
from workflow.indicators import direction_of
from workflow.targets import Comparator, Measure, MeasureKind, parse_measure

_POINTS = re.compile(r"\d+(?:\.\d+)?")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
#: A category printed with its points: 产出指标(50分), 产出指标（50分）.
_CATEGORY_POINTS = re.compile(r"^(.*?)\s*\(\s*(\d+(?:\.\d+)?)\s*分?\s*\)$")

#: 指标性质 → lower is better (None: the target decides). 反向 is the regions' word for
#: an indicator whose smaller value is better (成本, 投诉率).
_NATURE = {"正向": False, "反向": True, "定量": None, "定性": None}

#: The operator column's comparisons, after NFKC (＝ is =, ≧ and ≦ are kept as they are).
_OPERATORS = {
    "=": "",
    "≥": "≥",
    "≧": "≥",
    ">=": "≥",
    "≤": "≤",
    "≦": "≤",
    "<=": "≤",
    ">": ">",
    "<": "<",
    "定性": "",
    "定量": "",
}
_COMPARED = ("≥", "≤", ">", "<", "=")

#: Units the unit column may hold under another name.
_UNIT_NAMES = {"百分比": "%", "百分率": "%"}


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
        unit = self._unit(row, name)
        self._checks(row, name)
        if unit is None:
            return  # the unit cell is named; its target and actual cannot be read without it
        target = self._target(row, name, unit)
        if target is None:
            return  # named in the problems; without a target there is no indicator to add
        measure, lower = target
        where = f"indicators[{len(self.indicators)}]"
        cells = self.reading.cells
        cells[where] = f"{self.sheet.ref(row, self.columns['name'])} ({name})"
        for role in ("target", "actual", "deviation_reason"):
            if (at := self.columns.get(role)) is not None:
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
                "actual": self._with_unit(self.cell(row, "actual"), unit) or None,
                "deviation_reason": self.cell(row, "deviation_reason") or None,
            }
        )

    def _unit(self, row: int, name: str) -> str | None:
        """The unit column's unit ('' without one); None, named, for a cell that is no unit."""
        typed = self.cell(row, "unit")
        unit = _UNIT_NAMES.get(normalise(typed), normalise(typed))
        if unit in ("", "/"):
            return ""
        if any(ch.isdigit() for ch in unit) or any(op in unit for op in _COMPARED) or len(unit) > 8:
            self.problem(
                row,
                "unit",
                f"{self.ref(row, 'unit', name)}: got {typed!r}, expected a unit "
                "(%, 万元, 次, 人 …) or blank",
            )
            return None
        return unit

    @staticmethod
    def _with_unit(typed: str, unit: str) -> str:
        """A bare number (after a comparison, if any) takes the unit column's unit: ``30``
        and ``万元`` are ``30 万元``, ``≥90`` and ``%`` are ``≥90%``."""
        figure = normalise(typed).lstrip("".join(_OPERATORS)).strip()
        if unit and figure and _NUMBER.fullmatch(figure):
            return f"{typed}{unit}" if unit == "%" else f"{typed} {unit}"
        return typed

    def _checks(self, row: int, name: str) -> None:
        """The columns this report kind does not hold: refused where they say something."""
        adjusted = self.cell(row, "adjusted_target")
        initial = self.cell(row, "target")
        if adjusted and normalise(adjusted) not in ("/", normalise(initial)):
            self.problem(
                row,
                "adjusted_target",
                f"{self.ref(row, 'adjusted_target', name)}: got {adjusted!r}, expected blank or "
                f"the same as {self.header.labels['target']} {initial!r} (the 部门整体 report "
                "holds one target: type the target it was changed to there)",
            )
        core = normalise(self.cell(row, "core"))
        if core not in ("", "否", "/"):
            self.problem(
                row,
                "core",
                f"{self.ref(row, 'core', name)}: got {self.cell(row, 'core')!r}, expected 否 or "
                "blank (the 部门整体 report weighs every indicator by its 权重, it marks none "
                "as core)",
            )

    def _target(self, row: int, name: str, unit: str) -> tuple[Measure, bool] | None:
        """The parsed target and direction; a problem naming the target cell otherwise.

        Checked here, not left to the command, so that the message names the target's
        cell (the command's place is the indicator's row) and a blank is called blank.
        """
        subject = self.ref(row, "target", name)
        typed = self._with_unit(self.cell(row, "target"), unit)
        operator = self._operator(row, name)
        if operator is None:
            return None
        if operator and not normalise(typed).startswith(_COMPARED):
            typed = f"{operator}{typed}"
        try:
            measure = parse_measure(typed, subject=subject)
            return measure, direction_of(measure, self._lower(row, name, measure), subject=subject)
        except InvalidValue as error:
            self.problem(row, "target", str(error))
            return None

    def _operator(self, row: int, name: str) -> str | None:
        typed = self.cell(row, "operator")
        found = _OPERATORS.get(normalise(typed).replace(" ", ""), None if typed else "")
        if found is None:
            self.problem(
                row,
                "operator",
                f"{self.ref(row, 'operator', name)}: got {typed!r}, expected =, ≥, ≤, >, <, "
                "定性 or 定量",
            )
        return found

    def _lower(self, row: int, name: str, target: Measure) -> bool:
        typed = self.cell(row, "nature")
        nature = header_key(typed).removesuffix("指标")
        if nature and nature not in _NATURE:
            self.problem(
                row,
                "nature",
                f"{self.ref(row, 'nature', name)}: got {typed!r}, expected 正向, 反向 (lower is "
                "better), 定量 or 定性, or blank",
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
        self.problem(
            row,
            "weight",
            f"{self.ref(row, 'weight', name)}: got {typed!r}, expected a number of points >= 0",
        )
        return None

    def _sum(self, role: str) -> Decimal | None:
        """The sum of the ``role`` column over the indicator rows; None if one is no number."""
        total = Decimal(0)
        for row in self.rows:
            typed = normalise(self.sheet.text(row, self.columns[role])).removesuffix("分")
            if typed in ("", "/"):
                continue
            value = number(typed)
            if value is None:
                return None
            total += value
        return total

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
            total = self._sum(role)
            given = number(normalise(typed).removesuffix("分"))
            if given is None:
                self.reading.problem_at(
                    at,
                    f"{self.sheet.ref(*at)} ({words}) {self.header.labels[role]}: got {typed!r}, "
                    f"expected a number ({total} = the sum of the column)",
                )
            elif total is not None and given != total:
                self.reading.disagreements.append(
                    f"{self.sheet.ref(*at)} ({words}) {self.header.labels[role]}: printed "
                    f"{typed!r}, jixiao computes {format(total.normalize(), 'f')} = the sum of "
                    "the column"
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
