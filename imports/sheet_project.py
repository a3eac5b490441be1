"""The parts of a 项目支出绩效自评表 around its two tables, read into a 项目支出 report's
``project`` (docs/report-format.md, decision 0711).

A form labels each of them: 项目名称, 主管部门 and 实施单位 above the tables, 年度总体目标
between them (its 预期目标 and 实际完成情况 heads, the texts in the row below), 评价结论,
存在问题, 改进措施, 项目负责人 and 财务负责人 below. A label is a cell of its own with the
value in the next cell to its right (the national form's grid), or one cell
``项目名称：某项目`` (Sichuan's title block). Every cell read is placed; a label twice, or a
label with no value where the report needs one, is named by its cell.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from imports.sheet_cells import Sheet, SheetReading, header_key
from workflow.projects import FIELD_LABELS, ProjectField

#: The labels of the form's project fields, as the forms print them.
LABELS: dict[str, ProjectField] = {
    "项目名称": ProjectField.NAME,
    "主管部门": ProjectField.SUPERVISOR,
    "实施单位": ProjectField.IMPLEMENTER,
    "评价结论": ProjectField.CONCLUSION,
    "存在问题": ProjectField.PROBLEMS,
    "改进措施": ProjectField.IMPROVEMENTS,
    "项目负责人": ProjectField.PROJECT_LEAD,
    "财务负责人": ProjectField.FINANCE_LEAD,
}

#: 年度总体目标 and the heads of its two texts.
GOAL_LABEL = "年度总体目标"
GOAL_HEADS: dict[str, ProjectField] = {
    "预期目标": ProjectField.GOAL,
    "实际完成情况": ProjectField.ACHIEVED,
}

#: Takes a field's value: the field, its label's cell, its value's cell (None: in the label's
#: own cell, or none) and the value as typed.
Take = Callable[[ProjectField, tuple[int, int], tuple[int, int] | None, str], None]

#: ``项目名称：某项目`` in one cell (either colon).
_INLINE = re.compile(r"^([^：:]{2,8})\s*[：:]\s*(\S.*)$", re.DOTALL)

#: The indicator part's own heading row between the tables (Sichuan: 绩效指标（90分）), with
#: the points it prints for the whole part.
PART_HEADING = "绩效指标"
_PART_POINTS = re.compile(r"[（(]\s*(\d+(?:\.\d+)?)\s*分\s*[)）]")


def _label(sheet: Sheet, row: int, column: int) -> tuple[str, str | None]:
    """The cell's label (its header words) and the value after a colon in it, if any."""
    value = sheet.value(row, column)
    typed = value.strip() if isinstance(value, str) else ""
    found = _INLINE.match(typed)
    if found and header_key(found[1]) in LABELS:
        return header_key(found[1]), found[2].strip()
    return sheet.header_words(row, column), None


def _right_of(sheet: Sheet, row: int, column: int) -> tuple[int, int] | None:
    """The value of the label at (row, column): the first cell right of it with text, unless
    that is the next label (the label's value is then blank)."""
    right = sheet.merged_range(row, column)[3] + 1
    while right <= sheet.max_column:
        if sheet.starts_here(row, right) and sheet.text(row, right):
            label, _ = _label(sheet, row, right)
            return None if label in LABELS or label == GOAL_LABEL else (row, right)
        right = sheet.merged_range(row, right)[3] + 1
    return None


def _typed(sheet: Sheet, at: tuple[int, int]) -> str:
    value = sheet.value(*at)
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


def read_project(
    sheet: Sheet,
    rows: list[range],
    code: str,
    reading: SheetReading,
) -> None:
    """Read the project's fields from ``rows`` (the sheet outside its two tables: the title
    block, the rows between the tables, the rows after them) into
    ``reading.document["project"]``, as the report of project ``code``. A non-empty cell of
    the rows between or after the tables that no field takes is named (the title block's
    own print, its title and year, is not)."""
    project: dict[str, str] = {"code": code}
    reading.document["project"] = project
    seen: dict[ProjectField, tuple[int, int]] = {}

    def take(field: ProjectField, label_at: tuple[int, int], value_at: tuple[int, int] | None,
             value: str) -> None:  # fmt: skip
        if field in seen:
            reading.problem_at(
                label_at,
                f"{sheet.ref(*label_at)} {FIELD_LABELS[field]}: a second time (first at "
                f"{sheet.ref(*seen[field])}), expected the form to give it once",
            )
            return
        seen[field] = label_at
        reading.placed.add(label_at)
        if value_at is not None:
            reading.placed.add(value_at)
        project[field.value] = value
        reading.cells[f"project.{field.value}"] = sheet.ref(*(value_at or label_at))

    for span in rows:
        for row in span:
            for column in range(1, sheet.max_column + 1):
                if not sheet.starts_here(row, column) or not sheet.text(row, column):
                    continue
                label, inline = _label(sheet, row, column)
                if label == GOAL_LABEL:
                    _goal(sheet, (row, column), reading, take)
                    continue
                field = LABELS.get(label)
                if field is None or (row, column) in reading.placed:
                    continue
                if inline is not None:
                    take(field, (row, column), None, inline)
                    continue
                value_at = _right_of(sheet, row, column)
                value = _typed(sheet, value_at) if value_at is not None else ""
                take(field, (row, column), value_at if value else None, value)
    for span in rows[1:]:
        for row in span:
            for column in range(1, sheet.max_column + 1):
                at = (row, column)
                if at in reading.placed or at in reading.named:
                    continue
                if sheet.starts_here(*at) and sheet.header_words(*at) == PART_HEADING:
                    _part_heading(sheet, at, reading)
                    continue
                if sheet.starts_here(*at) and sheet.text(*at):
                    reading.problem_at(
                        at,
                        f"{sheet.where(*at)}: not placed by the 项目支出 form (expected "
                        f"{GOAL_LABEL} or one of {', '.join(LABELS)} with its value)",
                    )
    # A form without its 项目名称 is refused by the report's opening, at this place.
    project.setdefault(ProjectField.NAME.value, "")
    reading.cells["project"] = reading.cells.get("project.name", f"sheet {sheet.title} 项目名称")


def _part_heading(sheet: Sheet, at: tuple[int, int], reading: SheetReading) -> None:
    """绩效指标（90分）: the indicator part's heading, placed; the points it prints are
    compared with the sum of the indicators' 分值 (listed where they differ, never recorded)."""
    reading.placed.add(at)
    found = _PART_POINTS.search(sheet.text(*at).replace(" ", ""))
    weights = [i.get("weight") for i in reading.document.get("indicators", [])]
    if found is None or not weights or None in weights:
        return
    printed = Decimal(found[1])
    total = sum((Decimal(str(w)) for w in weights), Decimal(0))
    if printed != total:
        reading.disagreements.append(
            f"{sheet.ref(*at)} ({PART_HEADING}): printed {found[1]!r} points, jixiao computes "
            f"{format(total.normalize(), 'f')} = the sum of its indicators' 分值"
        )


def _goal(sheet: Sheet, label_at: tuple[int, int], reading: SheetReading, take: Take) -> None:
    """年度总体目标: its heads in its own row or the next, each text in the row below its
    head."""
    row, column = label_at
    reading.placed.add(label_at)
    bottom = sheet.merged_range(row, column)[2]
    for head_row in range(row, bottom + 1):
        for head_column in range(column + 1, sheet.max_column + 1):
            if not sheet.starts_here(head_row, head_column):
                continue
            field = GOAL_HEADS.get(sheet.header_words(head_row, head_column))
            if field is None:
                continue
            value_at = (sheet.merged_range(head_row, head_column)[2] + 1, head_column)
            value = _typed(sheet, value_at) if value_at[0] <= sheet.max_row else ""
            take(field, (head_row, head_column), value_at if value else None, value)
