"""The report as a Word document (DOCX, python-docx), for offices that edit and publish it.

The same document the HTML prints: title block, the three parts, the 自评价表 with the
form's merged cells (分解目标 over its three heads, each 一级指标 and 二级指标 over its rows,
a name without a 二级指标 over both columns), the sign block and the provenance line. Every
run carries its East Asian face (``w:eastAsia``) as well as its Latin one, so Word and WPS
set the Chinese text in 宋体 whatever their defaults (docs/decisions/0805).

python-docx stamps nothing of the clock into the parts it writes except through the core
properties, which are set to the sign-off time; the zip entries are restamped with it too,
so the same events give byte-identical files.
"""

from __future__ import annotations

import io
from copy import deepcopy
from functools import cache
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.font import Font
from docx.text.paragraph import Paragraph

from worker.document import SEAL, ProjectDocument, ReportDocument
from worker.evaluation_table import EvaluationTable, IndicatorRow
from worker.office_zip import repacked
from worker.project_form import FUND_HEADERS, INDICATOR_HEADERS, LISTING_HEADERS, ProjectForm
from workflow.labels import STAGE_LABELS

#: The face of every run, Chinese and Latin alike, as the forms print.
FONT_NAME = "宋体"

_BODY = Pt(12)
_TABLE = Pt(9.5)
_HEADING_SIZES = {1: Pt(20), 2: Pt(15), 3: Pt(13), 4: Pt(12), 5: Pt(12)}

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


def _set_faces(run_properties) -> None:
    """Name the face for every script of a run (or style): Latin and East Asian."""
    fonts = run_properties.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT_NAME)


@cache
def _run_properties(size: Pt, bold: bool, underline: bool) -> Any:
    """The ``w:rPr`` of a run in ``size``, ``bold``, ``underline`` and 宋体 for every
    script, built once: each run gets a copy (python-docx builds one element by element,
    which was most of a document's time)."""
    run = OxmlElement("w:r")
    font = Font(run)
    font.size = size
    font.bold = bold
    font.underline = underline or None
    properties = run.get_or_add_rPr()
    _set_faces(properties)
    return properties


def _run(
    paragraph: Paragraph,
    text: str,
    size: Pt = _BODY,
    *,
    bold: bool = False,
    underline: bool = False,
) -> None:
    run = paragraph._p.add_r()
    run.append(deepcopy(_run_properties(size, bold, underline)))
    run.text = text


def _paragraph(
    container,
    text: str,
    *,
    size: Pt = _BODY,
    align: str = "left",
    indent: bool = False,
    bold: bool = False,
    space_after: int = 0,
) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = _ALIGN[align]
    layout = paragraph.paragraph_format
    layout.space_before, layout.space_after = Pt(0), Pt(space_after)
    if indent:
        # Two characters, as Chinese body text is indented.
        layout.first_line_indent = size * 2
    if text:
        _run(paragraph, text, size, bold=bold)
    return paragraph


def _heading(document, styles: dict[int, Any], text: str, level: int) -> None:
    """A heading in Word's Heading ``level`` style (``styles``: the style objects, since
    finding a style by its name scans every style each time)."""
    paragraph = document.add_paragraph(style=styles[min(level, 5)])
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if level <= 2 else WD_ALIGN_PARAGRAPH.LEFT
    layout = paragraph.paragraph_format
    layout.space_before, layout.space_after = Pt(10 if level <= 2 else 6), Pt(4)
    _run(paragraph, text, _HEADING_SIZES[level])


def _put(cell: _Cell, text: str, align: str = "center", *, bold: bool = False) -> None:
    """Write ``text`` in ``cell`` (its first, empty paragraph), in the table's size."""
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    paragraph = cell.paragraphs[0]
    paragraph.alignment = _ALIGN[align]
    layout = paragraph.paragraph_format
    layout.space_before = layout.space_after = Pt(0)
    if text:
        _run(paragraph, text, _TABLE, bold=bold)


def _grid(document, rows: int, columns: int, widths: tuple[float, ...]) -> Table:
    table = document.add_table(rows=rows, cols=columns)
    table.style = document.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    # Widths straight on the XML: python-docx's column.cells walks the whole table for
    # every column. Word reads each cell's width, LibreOffice the grid's.
    grid = table._tbl
    for column, width in zip(grid.tblGrid.gridCol_lst, widths, strict=True):
        column.w = Mm(width)
    for row in grid.tr_lst:
        for cell, width in zip(row.tc_lst, widths, strict=True):
            cell.width = Mm(width)
    return table


def _budget(document, table: EvaluationTable) -> None:
    headers = table.budget_headers
    columns = 1 + len(headers)
    label_width = 36.0 if not table.scored else 30.0
    figure_width = (170.0 - label_width) / len(headers)
    grid = _grid(
        document, 1 + len(table.budget), columns, (label_width,) + (figure_width,) * len(headers)
    )
    head = grid.rows[0].cells
    _put(head[0], f"本年度预算资金（{table.unit}）", bold=True)
    for cell, header in zip(head[1:], headers, strict=True):
        _put(cell, header, bold=True)
    for row, line in zip(grid.rows[1:], table.budget, strict=True):
        cells = row.cells
        _put(cells[0], line.label, "left")
        cells[0].paragraphs[0].paragraph_format.left_indent = Mm(3 * line.depth)
        figures = line.cells + (_scored(line.score, line.rule_points) if table.scored else ())
        for cell, figure in zip(cells[1:], figures, strict=True):
            _put(cell, figure, "right")


def _indicator_row(rows: Any, index: int, indicator: IndicatorRow, scored: bool) -> None:
    """One indicator in ``rows[index]``: 一级 and 二级 merged over their rows, 三级, target,
    actual, 分值 and 得分 when ``scored``, the reason in the last column."""
    cells = rows[index].cells
    if indicator.category_span:
        span = rows[index + indicator.category_span - 1].cells[0]
        _put(cells[0].merge(span), indicator.category)
    if indicator.project is None:
        _put(cells[1].merge(cells[2]), indicator.name, "left")
    else:
        if indicator.project_span:
            span = rows[index + indicator.project_span - 1].cells[1]
            _put(cells[1].merge(span), indicator.project, "left")
        _put(cells[2], indicator.name, "left")
    _put(cells[3], indicator.target)
    _put(cells[4], indicator.actual)
    if scored:
        _put(cells[5], indicator.weight, "right")
        _put(cells[6], _scored(("", indicator.points), indicator.rule_points)[1], "right")
    _put(cells[-1], indicator.reason)


def _scored(score: tuple[str, str], rule: str) -> tuple[str, str]:
    """分值 and 得分 as printed: the rule's 得分 beside a typed one that differs from it."""
    weight, points = score
    return weight, f"{points}（规则 {rule}）" if rule else points


def _indicators(document, table: EvaluationTable) -> None:
    *values, reason = table.value_headers
    columns = 3 + len(table.value_headers)
    body = len(table.indicators) + (1 if table.scored else 0) + 1
    widths = (18.0, 26.0, 30.0, *(22.0, 22.0), *((13.0, 13.0) if table.scored else ()))
    widths = (*widths, 170.0 - sum(widths)) if not table.scored else (*widths, 26.0)
    grid = _grid(document, 2 + body, columns, widths[:columns])
    first, second = grid.rows[0].cells, grid.rows[1].cells
    _put(first[0].merge(first[2]), "分解目标", bold=True)
    for column, header in enumerate((*values, reason), start=3):
        _put(first[column].merge(second[column]), header, bold=True)
    headings = table.headings
    for cell, heading in zip(
        second[:3], (headings.level1, headings.level2, headings.level3), strict=True
    ):
        _put(cell, heading, bold=True)
    rows = grid.rows[2:]
    for index, indicator in enumerate(table.indicators):
        _indicator_row(rows, index, indicator, table.scored)
    closing = rows[len(table.indicators) :]
    if table.total_score is not None:
        cells = closing[0].cells
        _put(cells[0].merge(cells[4]), "总分", bold=True)
        _put(cells[5], table.total_score[0], "right")
        _put(cells[6], table.total_score[1], "right")
    notes = closing[-1].cells
    _put(notes[0], "备注", bold=True)
    merged = notes[1].merge(notes[columns - 1])
    _put(merged, "\n".join(table.notes), "left")


def _sign_block(document, doc: ReportDocument) -> None:
    _signatures(document, doc, 3)
    _paragraph(document, SEAL, align="right", size=Pt(11))


def _page(document) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(24), Mm(22)
    section.left_margin = section.right_margin = Mm(20)
    # The styles the document falls back on: the face for every script there too; the
    # headings in black and regular weight, set apart by size, as the PDF sets them.
    for name in ("Normal", "Table Grid", *(f"Heading {n}" for n in range(1, 6))):
        _set_faces(document.styles[name].element.get_or_add_rPr())
    for n in range(1, 6):
        font = document.styles[f"Heading {n}"].font
        font.color.rgb = RGBColor(0, 0, 0)
        font.bold = False


def _project_head(document, form: ProjectForm) -> None:
    """项目名称, 主管部门 and 实施单位, 项目资金 and 年度总体目标 in one grid of eight columns."""
    rows = 2 + 1 + len(form.funds) + 2
    grid = _grid(document, rows, 8, (18.0, 30.0, 22.0, 22.0, 22.0, 14.0, 22.0, 20.0)[:8])
    cells = [row.cells for row in grid.rows]
    _put(cells[0][0].merge(cells[0][1]), "项目名称", bold=True)
    _put(cells[0][2].merge(cells[0][7]), form.name, "left")
    _put(cells[1][0].merge(cells[1][1]), "主管部门", bold=True)
    _put(cells[1][2].merge(cells[1][3]), form.supervisor, "left")
    _put(cells[1][4].merge(cells[1][5]), "实施单位", bold=True)
    _put(cells[1][6].merge(cells[1][7]), form.implementer, "left")
    last_fund = 2 + len(form.funds)
    _put(cells[2][0].merge(cells[last_fund][0]), f"项目资金（{form.unit}）", bold=True)
    for cell, header in zip(cells[2][2:], FUND_HEADERS, strict=True):
        _put(cell, header, bold=True)
    for row, fund in zip(cells[3 : last_fund + 1], form.funds, strict=True):
        _put(row[1], fund.label, "left")
        row[1].paragraphs[0].paragraph_format.left_indent = Mm(3 * fund.depth)
        *figures, points = fund.cells
        for cell, figure in zip(
            row[2:], (*figures, _scored(("", points), fund.rule_points)[1]), strict=True
        ):
            _put(cell, figure, "right")
    goal_head, goal = cells[last_fund + 1], cells[last_fund + 2]
    _put(goal_head[0].merge(goal[0]), "年度总体目标", bold=True)
    _put(goal_head[1].merge(goal_head[3]), "预期目标", bold=True)
    _put(goal_head[4].merge(goal_head[7]), "实际完成情况", bold=True)
    _put(goal[1].merge(goal[3]), form.goal, "left")
    _put(goal[4].merge(goal[7]), form.achieved, "left")


def _project_indicators(document, form: ProjectForm) -> None:
    closing = form.closing
    rows = 1 + len(form.indicators) + 1 + len(closing)
    widths = (18.0, 22.0, 28.0, 22.0, 22.0, 13.0, 13.0, 32.0)
    grid = _grid(document, rows, 8, widths)
    headings = form.headings
    heads = (headings.level1, headings.level2, headings.level3, *INDICATOR_HEADERS)
    for cell, header in zip(grid.rows[0].cells, heads, strict=True):
        _put(cell, header, bold=True)
    body = grid.rows[1:]
    for index, indicator in enumerate(form.indicators):
        # The national form always has its 分值 and 得分 columns (blank when unscored).
        _indicator_row(body, index, indicator, True)
    total = body[len(form.indicators)].cells
    _put(total[0].merge(total[4]), "总分", bold=True)
    _put(total[5], form.total_score[0], "right")
    _put(total[6], form.total_score[1], "right")
    for row, (label, text) in zip(body[len(form.indicators) + 1 :], closing, strict=True):
        cells = row.cells
        _put(cells[0], label, bold=True)
        _put(cells[1].merge(cells[7]), text, "left")


def _signatures(document, doc: ReportDocument | ProjectDocument, per_row: int) -> None:
    count = len(doc.signatures)
    grid = document.add_table(rows=-(-count // per_row), cols=per_row)
    for index, line in enumerate(doc.signatures):
        cell = grid.rows[index // per_row].cells[index % per_row]
        paragraph = cell.paragraphs[0]
        paragraph.paragraph_format.space_before = Pt(6)
        _run(paragraph, f"{line.label}：", Pt(11))
        # The value on a line, as forms print it; a blank one is left to write by hand.
        _run(paragraph, line.value or "\u3000" * 6, Pt(11), underline=True)


def _provenance(document, doc: ReportDocument | ProjectDocument, title: str) -> bytes:
    provenance = doc.provenance
    _paragraph(
        document,
        f"第 {provenance.revision} 版 · 签发：{'、'.join(provenance.signer_names)} · "
        f"签发时间：{provenance.local_time} · 模板 {provenance.template_version}",
        size=Pt(8),
    )
    moment = provenance.moment.replace(tzinfo=None)
    properties = document.core_properties
    properties.title = title
    properties.author = doc.department_name
    properties.last_modified_by = "jixiao"
    properties.comments = f"{provenance.report} revision {provenance.revision}"
    properties.revision = provenance.revision
    properties.created = properties.modified = moment
    buffer = io.BytesIO()
    document.save(buffer)
    return repacked(buffer.getvalue(), moment)


def render_project_docx(doc: ProjectDocument) -> bytes:
    """A 项目支出 report's 项目支出绩效自评表 as DOCX bytes, every timestamp in the file set to
    the sign-off time."""
    document = docx.Document()
    _page(document)
    form = doc.form
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, form.title, _HEADING_SIZES[2])
    _paragraph(document, f"（{form.year}年度）", align="center", space_after=4)
    _project_head(document, form)
    _paragraph(document, "", space_after=4)
    _project_indicators(document, form)
    _signatures(document, doc, 2)
    return _provenance(document, doc, f"{form.title}（{form.year}年度）{form.name}")


def render_docx(doc: ReportDocument) -> bytes:
    """The report as DOCX bytes, every timestamp in the file set to the sign-off time."""
    document = docx.Document()
    _page(document)
    headings = {n: document.styles[f"Heading {n}"] for n in range(1, 6)}
    _paragraph(document, "", space_after=60)
    _heading(document, headings, doc.title, 1)
    _paragraph(document, f"（{doc.year}年度）", align="center")
    _paragraph(document, f"预算部门：{doc.department_name}", align="center", space_after=24)
    for part in doc.parts:
        _heading(document, headings, part.heading, 2)
        for block in part.blocks:
            _heading(document, headings, block.heading, block.level)
            for paragraph in block.paragraphs:
                _paragraph(document, paragraph.text, indent=True)
    table = doc.table
    title = document.add_paragraph()
    title.paragraph_format.page_break_before = True
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(title, table.title, _HEADING_SIZES[2])
    _paragraph(document, f"（{table.year}年度）", align="center")
    _paragraph(document, f"预算部门名称：{table.department_name}", space_after=4)
    _budget(document, table)
    _paragraph(document, "", space_after=4)
    _indicators(document, table)
    if doc.projects:
        _project_list(document, doc)
    if doc.signatures:
        _sign_block(document, doc)
    return _provenance(document, doc, f"{doc.title}（{doc.year}年度）")


def _project_list(document, doc: ReportDocument) -> None:
    """The department's 项目支出 reports, as the HTML lists them after the 自评价表."""
    _paragraph(document, "项目支出绩效自评情况", align="center", space_after=4)
    grid = _grid(document, 1 + len(doc.projects), 6, (26.0, 50.0, 24.0, 24.0, 20.0, 26.0))
    for cell, header in zip(grid.rows[0].cells, LISTING_HEADERS, strict=True):
        _put(cell, header, bold=True)
    for row, project in zip(grid.rows[1:], doc.projects, strict=True):
        cells = row.cells
        _put(cells[0], project.code)
        _put(cells[1], project.name, "left")
        for cell, figure in zip(cells[2:5], project.cells, strict=True):
            _put(cell, figure, "right")
        stage = STAGE_LABELS.get(project.stage, project.stage)
        _put(cells[5], f"{stage}（第 {project.revision} 版）")
