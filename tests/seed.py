"""The seed report for tests: the bundled report file (cli/data/gusu-redcross-2021.yaml) as
the report-file reader gives it, and beside it what its source prints that the system must
work out for itself (预算合计数, 执行率, each indicator's status, 预算调整率).

The figures as typed come from the file alone, so a test comparing a rendering or an import
with them compares it with what was imported; the printed figures are the expectations.
"""

from __future__ import annotations

from dataclasses import dataclass

from cli.seed_file import DEADLINE, SCHEME, SEED_FILE, seed_commands, seed_document
from workflow.report_file import LineDoc

__all__ = [
    "ADJUSTMENT_RATE",
    "BUDGET_LINES",
    "DEADLINE",
    "DEPARTMENT_CODE",
    "DEPARTMENT_NAME",
    "FUNCTIONS",
    "INDICATORS",
    "SCHEME",
    "SECTIONS",
    "SEED_FILE",
    "TYPOS",
    "YEAR",
    "seed_commands",
]

_DOCUMENT = seed_document()

DEPARTMENT_CODE = _DOCUMENT.department
DEPARTMENT_NAME = _DOCUMENT.department_name or ""
YEAR = _DOCUMENT.year
FUNCTIONS = tuple(_DOCUMENT.functions)

#: 预算调整率 as printed in the indicator table.
ADJUSTMENT_RATE = "7.6"

#: The seed's typos the system rejects: (indicator id, cell, as typed in the seed, corrected).
#: The bundled file holds the corrected cells; the source PDF text holds these.
TYPOS = (
    ("b04", "actual", "100&", "100%"),
    ("d04", "target", "5 人人次", "5 人次"),
)

#: 预算合计数 and 预算执行率(%) of each budget line as the source prints them.
_PRINTED_TOTALS = {
    "total": ("279.08", "100"),
    "basic": ("242.83", "100"),
    "project": ("36.25", "100"),
    "publicity": ("12.5", "100"),
    "first-aid": ("6", "100"),
    "rescue-team": ("1", "100"),
    "it": ("2", "100"),
    "humanitarian": ("7.8", "100"),
    "homes": ("3.2", "100"),
    "volunteers": ("2", "100"),
    "schools": ("1", "100"),
    "capacity": ("0.75", "100"),
}

#: The status each indicator should get under the default scheme; every other one is met.
_NOT_MET = {
    "m03": "missed",
    **{i: "overshot" for i in ("d01", "d02", "d04", "d05", "d07", "d09", "d10", "d12", "d13")},
}


@dataclass(frozen=True)
class SectionSeed:
    """A narrative section: id, title, text, and (key, label, value) figures."""

    id: str
    title: str
    text: str
    figures: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class LineSeed:
    """A budget line as the table prints it: typed columns, then 预算合计数 and 执行率."""

    id: str
    name: str
    parent: str | None
    initial: str
    adjustment: str
    higher_level: str
    actual: str
    total: str
    rate: str


@dataclass(frozen=True)
class IndicatorSeed:
    """An indicator row as typed, and the status the system should give it."""

    id: str
    category: str
    project: str | None
    budget_line: str | None
    name: str
    target: str
    actual: str
    deviation: str | None
    status: str
    lower_is_better: bool = False


SECTIONS = tuple(
    SectionSeed(s.id, s.title or "", s.text, tuple((f.key, f.label, f.value) for f in s.figures))
    for s in _DOCUMENT.sections
)


def _adjustment(line: LineDoc, kind: str) -> str:
    """The line's one adjustment of ``kind`` as typed, or "0" (the printed column)."""
    amounts = [a.amount for a in line.adjustments if a.kind == kind]
    assert len(amounts) <= 1, f"{line.id}: the seed gives at most one {kind} adjustment"
    return amounts[0] if amounts else "0"


BUDGET_LINES = tuple(
    LineSeed(
        line.id,
        line.name,
        line.parent,
        line.initial,
        _adjustment(line, "in_year"),
        _adjustment(line, "higher_level"),
        line.actual or "",
        *_PRINTED_TOTALS[line.id],
    )
    for line in _DOCUMENT.budget.lines
)

INDICATORS = tuple(
    IndicatorSeed(
        i.id,
        i.category,
        i.project,
        i.budget_line,
        i.name,
        i.target,
        i.actual or "",
        i.deviation_reason,
        _NOT_MET.get(i.id, "met"),
        i.lower_is_better,
    )
    for i in _DOCUMENT.indicators
)
