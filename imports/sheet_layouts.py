"""Spreadsheet layouts as data: one YAML file per layout (docs/layouts.md, decision 0701).

A layout says, for one printed form, which header words head which column of the budget
part and of the indicator part, how many rows the headers take, which rows are the form's
fund rows, which words close the indicator part and which texts are the template's own
instructions. The bundled layouts live in ``imports/layouts/``; a finance bureau adds its
own by putting a file in the directory named by ``JIXIAO_LAYOUTS``. Every file is checked
when it is loaded, and a bad one is refused in one line naming the file and the key.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imports.sheet_cells import header_key

#: The setting naming a directory of a finance bureau's own layout files.
LAYOUTS_SETTING = "JIXIAO_LAYOUTS"

#: The bundled layouts' directory.
BUNDLED = Path(__file__).with_name("layouts")

#: The report kinds a layout may fill (the 部门整体支出 report today).
KINDS = ("overall",)

#: Budget columns: what each holds. ``total``, ``execution_rate``, ``weight`` and ``score``
#: are figures the form computes: read and compared with jixiao's, never recorded.
BUDGET_ROLES = {
    "label": "the fund row's name",
    "initial": "年初预算数, recorded",
    "adjustments": "an in-year adjustment, recorded",
    "higher_level": "a higher-level adjustment, recorded",
    "full_year": "the adjusted budget; adjustment = it − 年初, recorded",
    "total": "年初 + adjustments, printed and compared",
    "actual": "全年执行数, recorded",
    "execution_rate": "actual ÷ budget, printed and compared",
    "weight": "the execution rate's points, printed",
    "score": "the execution rate's score, printed and compared",
    "reason": "the reason for the adjustment, recorded with it",
}

#: Indicator columns: what each holds.
INDICATOR_ROLES = {
    "category": "一级指标",
    "project": "二级指标",
    "name": "三级指标 (the indicator's name)",
    "nature": "正向 or 反向 (a direction), or the 指标性质 (=, ≥, ≤, >, <, 定量, 定性), recorded",
    "operator": "指标性质: the target's comparison (=, ≥, ≤, >, <) or 定性 / 定量, recorded",
    "target": "the target (年初指标值), recorded",
    "adjusted_target": "调整指标值: a target changed during the year, recorded as an adjustment",
    "unit": "度量单位 of target and actual, recorded",
    "actual": "the actual, recorded",
    "weight": "the points (分值), recorded",
    "score": "the 得分 as typed, recorded beside the rule's figure",
    "score_ratio": "the score as a share of the points, printed",
    "deviation_reason": "the reason for a deviation, recorded",
    "core": "是否核心指标 (是 / 否), recorded",
}

_TOP_KEYS = {"name", "title", "kind", "department", "budget", "indicators", "unfilled"}
_BUDGET_KEYS = {"header_rows", "columns", "fund_rows"}
_INDICATOR_KEYS = {"header_rows", "columns", "closing", "name_spans_project", "default_category"}
_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")


class LayoutError(ValueError):
    """A layout file that cannot be used: one line naming the file and the key."""


@dataclass(frozen=True)
class Part:
    """One part of a form: its header rows and the header words of each column's role."""

    header_rows: int
    #: role → header words (normalised by :func:`imports.sheet_cells.header_key`); a word
    #: ending in ``*`` matches every header starting with it.
    columns: dict[str, tuple[str, ...]]
    # Every header cell of every row is looked up in every layout: a dict, not a scan.
    _exact: dict[str, str] = field(init=False, repr=False, compare=False)
    _prefixes: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        words = [(w, role) for role, listed in self.columns.items() for w in listed]
        object.__setattr__(self, "_exact", {w: role for w, role in words if w[-1] != "*"})
        object.__setattr__(self, "_prefixes", tuple((w[:-1], r) for w, r in words if w[-1] == "*"))

    def roles_of(self, key: str) -> list[str]:
        """The roles whose words match the header ``key`` (two or more: ambiguous)."""
        roles = [self._exact[key]] if key in self._exact else []
        for prefix, role in self._prefixes:
            if key.startswith(prefix) and role not in roles:
                roles.append(role)
        return roles


@dataclass(frozen=True)
class BudgetPart(Part):
    """The budget part; ``fund_rows`` names the printed rows when the form fixes them."""

    fund_rows: tuple[str, ...] = ()


@dataclass(frozen=True)
class IndicatorPart(Part):
    """The indicator part, the words of the rows that close it, and whether the name's
    header spans the project column too (the seed's 指标名称 over 项目 and name)."""

    closing: tuple[str, ...] = ("备注", "总分", "合计", "说明")
    name_spans_project: bool = False
    #: The category of every indicator of a form with no 一级指标 column.
    default_category: str = ""


@dataclass(frozen=True)
class Layout:
    """A form's layout, as its file says."""

    name: str
    title: str
    kind: str
    #: Words before the department's name in the title block (预算部门名称：…).
    department: tuple[str, ...]
    budget: BudgetPart
    indicators: IndicatorPart
    #: Texts of the template's instructions: a cell holding one is unfilled.
    unfilled: tuple[str, ...]
    path: Path

    def is_unfilled(self, text: str) -> bool:
        """Whether a cell's text is (or holds) one of the template's instructions."""
        return any(words in text for words in self.unfilled)


def _fail(path: Path, key: str, got: object, expected: str) -> LayoutError:
    return LayoutError(f"layout file {path}: {key}: got {got!r}, expected {expected}")


def _mapping(path: Path, key: str, value: object, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, key, type(value).__name__, "a mapping")
    for name in value:
        if name not in allowed:
            where = f"{key}.{name}" if key else str(name)
            raise _fail(path, where, "an unknown key", f"one of {', '.join(sorted(allowed))}")
    return value


def _words(path: Path, key: str, value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise _fail(path, key, value, "a word or a non-empty list of words")
    words = []
    for index, word in enumerate(value):
        if not isinstance(word, str) or not header_key(word.removesuffix("*")):
            raise _fail(path, f"{key}[{index}]", word, "a non-empty word")
        words.append(header_key(word.removesuffix("*")) + ("*" if word.endswith("*") else ""))
    return tuple(words)


def _columns(path: Path, key: str, value: object, roles: dict[str, str]) -> dict[str, tuple]:
    columns = {
        role: _words(path, f"{key}.{role}", words)
        for role, words in _mapping(path, key, value, set(roles)).items()
    }
    seen: dict[str, str] = {}
    for role, words in columns.items():
        for word in words:
            if word in seen:
                raise _fail(
                    path, f"{key}.{role}", word, f"a word no other role has (it heads {seen[word]})"
                )
            seen[word] = role
    return columns


def _header_rows(path: Path, key: str, value: object) -> int:
    if value not in (1, 2) or isinstance(value, bool):
        raise _fail(path, key, value, "1 or 2")
    return int(value)


def _require(path: Path, key: str, columns: dict[str, tuple], *needed: str) -> None:
    for role in needed:
        if role not in columns:
            raise _fail(path, f"{key}.{role}", None, "header words for this column")


def parse_layout(data: object, path: Path) -> Layout:
    """A layout from a file's parsed YAML; LayoutError naming ``path`` and the key."""
    top = _mapping(path, "", data, _TOP_KEYS)
    name = top.get("name")
    if not isinstance(name, str) or not _NAME.match(name) or name != path.stem:
        raise _fail(
            path, "name", name, f"{path.stem!r}, the file's name (lower-case letters, digits, -)"
        )
    title = top.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _fail(path, "title", title, "the form's title")
    kind = top.get("kind")
    if kind not in KINDS:
        raise _fail(path, "kind", kind, f"one of {', '.join(KINDS)} (the report kind it fills)")
    budget = _mapping(path, "budget", top.get("budget"), _BUDGET_KEYS)
    budget_columns = _columns(path, "budget.columns", budget.get("columns"), BUDGET_ROLES)
    _require(path, "budget.columns", budget_columns, "initial", "actual")
    if "full_year" in budget_columns and {"adjustments", "higher_level"} & set(budget_columns):
        raise _fail(
            path,
            "budget.columns.full_year",
            "beside adjustment columns",
            "either full_year (the adjusted budget) or adjustments / higher_level columns",
        )
    if "full_year" not in budget_columns and "adjustments" not in budget_columns:
        raise _fail(path, "budget.columns.full_year", None, "full_year or adjustments")
    fund_rows = budget.get("fund_rows", [])
    indicators = _mapping(path, "indicators", top.get("indicators"), _INDICATOR_KEYS)
    indicator_columns = _columns(
        path, "indicators.columns", indicators.get("columns"), INDICATOR_ROLES
    )
    _require(path, "indicators.columns", indicator_columns, "name", "target")
    default_category = indicators.get("default_category", "")
    if not isinstance(default_category, str):
        raise _fail(path, "indicators.default_category", default_category, "a category's name")
    if "category" not in indicator_columns and not default_category.strip():
        raise _fail(
            path,
            "indicators.columns.category",
            None,
            "header words for 一级指标, or indicators.default_category",
        )
    spans = indicators.get("name_spans_project", False)
    if not isinstance(spans, bool):
        raise _fail(path, "indicators.name_spans_project", spans, "true or false")
    unfilled = top.get("unfilled", [])
    if not isinstance(unfilled, list) or not all(isinstance(t, str) and t for t in unfilled):
        raise _fail(path, "unfilled", unfilled, "a list of the template's instruction texts")
    return Layout(
        name=name,
        title=title.strip(),
        kind=str(kind),
        department=_words(path, "department", top.get("department", ["预算部门名称"])),
        budget=BudgetPart(
            header_rows=_header_rows(path, "budget.header_rows", budget.get("header_rows", 1)),
            columns=budget_columns,
            fund_rows=_words(path, "budget.fund_rows", fund_rows) if fund_rows else (),
        ),
        indicators=IndicatorPart(
            header_rows=_header_rows(
                path, "indicators.header_rows", indicators.get("header_rows", 1)
            ),
            columns=indicator_columns,
            closing=_words(path, "indicators.closing", indicators.get("closing", ["备注"])),
            name_spans_project=spans,
            default_category=default_category.strip(),
        ),
        unfilled=tuple(unfilled),
        path=path,
    )


def load_layout(path: Path) -> Layout:
    """Read and check one layout file."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise _fail(path, "file", str(error), "a readable UTF-8 YAML file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "file"
        problem = getattr(error, "problem", None) or str(error)
        raise _fail(path, where, problem, "YAML") from None
    return parse_layout(data, path)


def _files() -> list[Path]:
    files = sorted(BUNDLED.glob("*.yaml"))
    extra = os.environ.get(LAYOUTS_SETTING, "")
    if extra:
        directory = Path(extra)
        if not directory.is_dir():
            raise LayoutError(
                f"{LAYOUTS_SETTING}: got {extra!r}, expected a directory of layout files (.yaml)"
            )
        files += sorted(directory.glob("*.yaml"))
    return files


def all_layouts() -> dict[str, Layout]:
    """Every layout, bundled and in ``JIXIAO_LAYOUTS``, by name; LayoutError for a bad file.

    Read again on every call (a few small files): an added or edited file counts at once.
    """
    layouts: dict[str, Layout] = {}
    for path in _files():
        layout = load_layout(path)
        if layout.name in layouts:
            raise _fail(
                path,
                "name",
                layout.name,
                f"a name no other layout has ({layouts[layout.name].path})",
            )
        layouts[layout.name] = layout
    return layouts


def layout_named(name: str, field: str = "--layout") -> Layout:
    """The layout called ``name``; LayoutError naming ``field`` and listing the names there
    are."""
    layouts = all_layouts()
    if name not in layouts:
        raise LayoutError(
            f"{field}: got {name!r}, expected one of {', '.join(sorted(layouts))} "
            "(jixiao admin layout list)"
        )
    return layouts[name]
