"""The budget part of a 自评价表 sheet, read by its layout's columns (imports/sheet_layouts.py).

* **Adjustment columns** (the seed's 本年度预算资金): ``adjustments`` and ``higher_level``
  cells are the adjustments themselves; a non-zero cell becomes one. ``total`` (预算合计数)
  is computed: printed, compared, never recorded.
* **The adjusted budget** (``full_year``: 全年预算数, Sichuan's 调整后预算数): the budget
  after the year's adjustments, so ``full_year`` − ``initial`` becomes one in-year
  adjustment; never an adjustment itself.

The line's label is the layout's ``label`` column, else the column left of ``initial``;
the tree comes from the labels' indent, else from the form's convention: 「其中：」 (or
「其中:」) opens a level below the row above. A layout that fixes its fund rows
(``fund_rows``) refuses any other label and skips a fund row left blank (not used).
Printed figures (``total``, ``execution_rate``, ``score``) are compared with jixiao's:
every disagreement is listed, the typed figures are recorded; the whole budget's 得分 is
also recorded as typed (the preparer's 得分 of 预算执行率, beside the rule's figure).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from imports.sheet_cells import Sheet, SheetReading, cell_points, header_key, number, text
from imports.sheet_headers import Header, find_header
from imports.sheet_layouts import Layout
from workflow.amounts import as_percent, normalise, parse_amount, places
from workflow.errors import InvalidValue

#: The reason given to adjustments read from a sheet without a reason column.
IMPORTED_REASON = "自评价表导入"

#: The forms' budget part is in 万元 and the domain allows at most 3 decimals; the year's
#: scheme checks every amount again when the commands run.
BUDGET_UNIT = "万元"
MAX_PLACES = 3

#: 「其中：」 in either width.
OF_WHICH = re.compile(r"^其中\s*[:：]\s*")

#: Cells that say "nothing here" in a printed column.
NOTHING = ("", "/", "-", "—", "／")


def _has_adjustment_columns(header: Header) -> bool:
    return header.has("adjustments") or header.has("higher_level")


def _is_budget_header(header: Header) -> bool:
    # The label sits left of 年初预算数, so 年初预算数 in column A heads no budget part.
    return (
        header.columns.get("initial", 1) > 1
        and header.has("actual")
        and (_has_adjustment_columns(header) or header.has("full_year"))
    )


def find_budget(sheet: Sheet, layout: Layout) -> Header | None:
    """The budget part's header in ``layout``, if the sheet has one."""
    return find_header(sheet, layout.budget, layout.name, _is_budget_header)


def label_column(header: Header) -> int:
    """The column of the fund rows' names."""
    return header.columns.get("label", header.columns["initial"] - 1)


def _line_rows(sheet: Sheet, layout: Layout, header: Header, end: int) -> tuple[list[int], int]:
    """The rows with a line's label, and the row after the part."""
    label = label_column(header)
    rows: list[int] = []
    for row in range(header.first_data_row, end):
        # Text of its own left of the labels is a heading of the next part (年度总体目标);
        # a cell merged down from the header (项目资金（万元）) is not.
        if any(sheet.starts_here(row, c) and sheet.text(row, c) for c in range(1, label)):
            return rows, row
        typed = sheet.text(row, label)
        if not typed or sheet.continues_from_above(row, label):
            continue
        fund_rows = layout.budget.fund_rows
        name = header_key(OF_WHICH.sub("", typed))
        # With fixed fund rows, another label over blank figures heads the next part.
        if fund_rows and name not in fund_rows and _unused(sheet, header, row):
            return rows, row
        rows.append(row)
    return rows, end


def _unused(sheet: Sheet, header: Header, row: int) -> bool:
    """Whether a fixed fund row is left blank: no recorded figure typed."""
    recorded = ("initial", "full_year", "adjustments", "higher_level", "actual")
    return all(
        normalise(sheet.text(row, header.columns[role])) in NOTHING
        for role in recorded
        if header.has(role)
    )


def read_budget(
    sheet: Sheet, layout: Layout, header: Header, end: int, reading: SheetReading
) -> int:
    """Read the budget lines between ``header`` and row ``end`` at the latest into
    ``reading``; the row after the part."""
    label = label_column(header)
    rows = []
    line_rows, part_end = _line_rows(sheet, layout, header, end)
    for row in line_rows:
        name = _fund_row(sheet, layout, header, row, reading)
        if name is not None:
            rows.append((row, name))
    indents = [sheet.indent(r, label) for r, _ in rows]
    use_indent = any(indents)
    parents: list[str] = []  # the line id open at each depth
    depth = 0
    lines = []
    for index, (row, name) in enumerate(rows):
        of_which = OF_WHICH.match(sheet.text(row, label)) is not None
        if use_indent:
            depth = indents[index]
        elif index == 0:
            depth = 0
        elif of_which:
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
    if rows and header.has("score"):
        _execution_score(sheet, header, *rows[0], reading)
    if rows:
        _budget_points(sheet, header, rows[0][0], reading)
    return part_end


def _budget_points(sheet: Sheet, header: Header, row: int, reading: SheetReading) -> None:
    """The first fund row's printed 分值 and 得分, which the form's 总分 adds to the
    indicators' (a cell that is no number is named by the budget's own checks)."""
    for role in ("weight", "score"):
        if header.has(role):
            value = cell_points(sheet.text(row, header.columns[role]))
            if value is not None:
                reading.budget_points[role] = value


def _execution_score(
    sheet: Sheet, header: Header, row: int, name: str, reading: SheetReading
) -> None:
    """The whole budget's 得分 (预算执行率's points) as typed, recorded beside the rule's
    figure; a cell that is no number is named by the comparison of the printed score."""
    at = (row, header.columns["score"])
    typed = sheet.text(*at)
    if normalise(typed) in NOTHING or cell_points(typed) is None:
        return
    if sheet.printed_by_jixiao(*at):
        return
    reading.document["budget"]["execution_score"] = typed
    reading.cells["budget.execution_score"] = f"{sheet.ref(*at)} ({name})"


def _fund_row(
    sheet: Sheet, layout: Layout, header: Header, row: int, reading: SheetReading
) -> str | None:
    """The line's name on ``row``; None for a fixed fund row left blank or not the form's."""
    label = label_column(header)
    typed = sheet.text(row, label)
    name = OF_WHICH.sub("", typed).strip()
    fund_rows = layout.budget.fund_rows
    if not fund_rows:
        return name
    if header_key(name) not in fund_rows:
        reading.problem_at(
            (row, label),
            f"{sheet.where(row, label)}: got {typed!r}, expected one of the fund rows of layout "
            f"{layout.name} ({', '.join(fund_rows)})",
        )
        return None
    if _unused(sheet, header, row):
        # The template's row, not used: its label and any '/' are the form's own print; a
        # figure printed in it is named by the region's check.
        reading.placed.add((row, label))
        for column in header.columns.values():
            if normalise(sheet.text(row, column)) in NOTHING:
                reading.placed.add((row, column))
        return None
    return name


class _Line:
    """One budget row: its cells by role, where each document value came from, and the
    printed figures compared with jixiao's."""

    def __init__(
        self, sheet: Sheet, header: Header, row: int, name: str, where: str, reading: SheetReading
    ) -> None:
        self.sheet, self.header, self.row, self.name = sheet, header, row, name
        self.where, self.reading = where, reading
        self.cells = {role: sheet.value(row, column) for role, column in header.columns.items()}
        reading.cells[where] = f"{sheet.ref(row, label_column(header))} ({name})"
        reading.placed.add((row, label_column(header)))
        for role in ("initial", "actual"):
            reading.cells[f"{where}.{role}"] = self.ref(role)
        # Every column the layout names is read or compared below.
        for column in header.columns.values():
            reading.placed.add((row, column))

    def ref(self, role: str) -> str:
        """The cell of ``role`` on this row, with the line's name, for messages."""
        return f"{self.sheet.ref(self.row, self.header.columns[role])} ({self.name})"

    def at(self, role: str) -> tuple[int, int]:
        """The (row, column) of this row's ``role`` cell."""
        return self.row, self.header.columns[role]

    def typed(self, role: str) -> str:
        """The cell's text as typed ('' when blank or absent: the command names what was
        expected)."""
        return text(self.cells[role]) if role in self.cells else ""

    def problem(self, role: str, got: str, expected: str) -> None:
        """Record a problem naming this row's cell of ``role``."""
        label = self.header.labels[role]
        self.reading.problem_at(
            self.at(role), f"{self.ref(role)} {label}: got {got!r}, expected {expected}"
        )

    def disagree(self, role: str, printed: str, computed: str) -> None:
        """List a printed figure that is not jixiao's (recorded as typed all the same)."""
        label = self.header.labels[role]
        self.reading.disagreements.append(
            f"{self.ref(role)} {label}: printed {printed!r}, jixiao computes {computed}"
        )

    def adjustments(self) -> list[dict[str, str]]:
        """The line's adjustments, read or worked out as its layout says; checks its rate."""
        found: list[dict[str, str]] = []
        reason = self.typed("reason")
        given = reason if normalise(reason) not in NOTHING else ""

        def adjust(amount: str, kind: str, role: str) -> None:
            self.reading.cells[f"{self.where}.adjustments[{len(found)}]"] = self.ref(role)
            found.append({"amount": amount, "kind": kind, "reason": given or IMPORTED_REASON})

        if _has_adjustment_columns(self.header):
            for role, kind in (("adjustments", "in_year"), ("higher_level", "higher_level")):
                typed = self.typed(role)
                # An empty or zero cell is no adjustment; anything else goes to the rules.
                if typed and number(typed) != 0:
                    adjust(typed, kind, role)
            total = self._checked_total()
        else:
            total = self._full_year()
            initial = number(self.cells["initial"])
            # A 年初预算数 that is no number is named by its command; no adjustment then.
            if total is not None and initial is not None and total != initial:
                adjust(format(total - initial, "f"), "in_year", "full_year")
        if given and not found:
            self.reading.problem_at(
                self.at("reason"),
                f"{self.sheet.where(*self.at('reason'))} {self.header.labels['reason']!r}: "
                "not placed: the line has no adjustment, and a reason is kept only with one",
            )
        rate = self._check_rate(total)
        self._check_score(rate)
        return found

    def _checked_total(self) -> Decimal | None:
        """年初 + 调整 + 上级, and a printed 预算合计数 compared with it."""
        figures = [number(self.cells["initial"])]
        for role in ("adjustments", "higher_level"):
            typed = self.typed(role)
            figures.append(number(typed) if typed else Decimal(0))
        known = [figure for figure in figures if figure is not None]
        if len(known) < len(figures):
            return None  # the command for the cell that is no number names it
        total = sum(known, Decimal(0))
        given = self.typed("total")
        # A blank 预算合计数 claims nothing.
        if given and number(given) != total:
            formula = " + ".join(
                [self.header.labels["initial"]]
                + ["调整数"] * self.header.has("adjustments")
                + [self.header.labels["higher_level"]] * self.header.has("higher_level")
            )
            if number(given) is None:
                self.problem("total", given, f"a number ({total} = {formula})")
            else:
                self.disagree("total", given, f"{total} = {formula}")
        return total

    def _full_year(self) -> Decimal | None:
        """The adjusted budget: a typed figure the sheet needs, with at most 3 decimals."""
        label = self.header.labels["full_year"]
        try:
            amount = parse_amount(
                self.typed("full_year"),
                subject=f"{self.ref('full_year')} {label}",
                unit=BUDGET_UNIT,
                max_places=MAX_PLACES,
            )
        except InvalidValue as error:
            self.reading.problem_at(self.at("full_year"), str(error))
            return None
        return amount.value

    def _check_rate(self, total: Decimal | None) -> Decimal | None:
        """实际 ÷ 预算, and a printed 执行率 compared with it as far as its decimals go."""
        actual = number(self.cells["actual"])
        if actual is None or not total:
            return None
        fraction = actual / total
        if not self.header.has("execution_rate"):
            return fraction
        typed = self.typed("execution_rate")
        # '/' is what a form prints for a rate over nothing; a blank rate claims nothing.
        if normalise(typed) in NOTHING:
            return fraction
        per_cent = normalise(typed).endswith("%")
        given = number(normalise(typed).removesuffix("%"))
        total_label = self.header.labels.get("full_year") or self.header.labels.get(
            "total", "预算合计数"
        )
        expected = f"{as_percent(fraction)}% = {self.header.labels['actual']} ÷ {total_label}"
        if given is None:
            self.problem("execution_rate", typed, f"a rate such as {as_percent(fraction)}%")
            return fraction
        # Without a % sign a rate is in per cent (jixiao's export prints 100.0 under
        # 预算执行率（%）), or, up to 2, a fraction (1 = 100%, as older exports wrote it):
        # either reading that agrees is the rate.
        readings = [(given, places(given))]
        if not per_cent and given <= 2:
            readings.append((given * 100, places(given) - 2))
        # A rate in whole per cent is a rounded one; finer ones must agree to 0.05 points.
        if not any(
            abs(shown - fraction * 100) <= (Decimal("0.5") if decimals <= 0 else Decimal("0.05"))
            for shown, decimals in readings
        ):
            self.disagree("execution_rate", typed, expected)
        return fraction

    def _check_score(self, fraction: Decimal | None) -> None:
        """得分 = 执行率 × 分值, at most 分值 (财预〔2020〕10号), compared where both are typed;
        a 分值 or 得分 that is no number, and a 得分 on a row without a 分值, are named."""
        if not (self.header.has("weight") and self.header.has("score")):
            return
        weight_typed, typed = self.typed("weight"), self.typed("score")
        weight = cell_points(weight_typed)
        if normalise(weight_typed) not in NOTHING and weight is None:
            self.problem("weight", weight_typed, "a number of points")
            return
        if normalise(typed) in NOTHING:
            return
        given = cell_points(typed)
        if weight is None:
            self.problem("score", typed, f"nothing: the row has no {self.header.labels['weight']}")
            return
        if fraction is None:
            if given is None:
                self.problem("score", typed, "a number of points")
            return
        score = min(fraction, Decimal(1)) * weight
        if given is None:
            self.problem("score", typed, f"a score such as {_shown(score)}")
        # A printed score is rounded to its own decimals.
        elif abs(given - score) > Decimal("0.5").scaleb(-places(given)):
            rate = self.header.labels.get("execution_rate", "执行率")
            weight_label = self.header.labels["weight"]
            self.disagree(
                "score", typed, f"{_shown(score)} = min({rate}, 100%) × {weight_label} {weight}"
            )


def _shown(value: Decimal) -> str:
    """A figure to two decimals, without trailing zeros."""
    rounded = value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).normalize()
    return format(rounded, "f")
