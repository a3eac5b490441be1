"""The report as people read it: every typed and computed figure in one JSON-ready document.

The report-state projection stores this view, the worker renders it, the CLI prints it:
one function computes it, so the document, the screen and the audit agree. Amounts and
rates are decimal strings (never floats); percentages are in per cent, rounded as the
scheme says.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from workflow.amounts import Amount, as_percent
from workflow.budget import BudgetTable, LineFigures
from workflow.consistency import Notice, consistency_notices
from workflow.indicators import Indicator, reason_problem, status
from workflow.narrative import Figure, Section, Staffing
from workflow.projects import FIELD_LABELS, Project
from workflow.report import ReportState
from workflow.scoring import IndicatorScore, round_points, score
from workflow.targets import Measure
from workflow.typed_scores import points_text, score_differences
from workflow.values import Value

#: Raised whenever the shape of the view changes (templates and stored views follow it).
#: Version 2 added ``notices``; version 3 the scheme's points in ``score`` (``budget_weight``,
#: ``indicator_weight``: the 分值 a document prints); version 4 each indicator's 指标性质, 度量单位,
#: 年初指标值, 是否核心指标 and typed 得分, the score's typed and computed figures side by side
#: (``differences``), and those differences among the ``notices``; version 5 ``kind`` and
#: ``project`` (the project of a 项目支出 report, None for the 部门整体 report).
VIEW_VERSION = 5


def decimal_text(value: Decimal | None) -> str | None:
    """A decimal as plain text without exponent, or None."""
    if value is None:
        return None
    text = format(value, "f")
    return "0" if text in ("-0", "-0.0", "-0.00", "-0.000") else text


def amount_data(amount: Amount | None) -> dict[str, Any] | None:
    """An amount as JSON data: its value as decimal text, its unit and the text as typed."""
    if amount is None:
        return None
    return {"value": decimal_text(amount.value), "unit": amount.unit, "raw": amount.raw}


def measure_data(measure: Measure | None) -> dict[str, Any] | None:
    """A parsed cell as JSON data: kind, comparator, number, unit or grade, and the raw text."""
    if measure is None:
        return None
    return {
        "raw": measure.raw,
        "kind": str(measure.kind),
        "comparator": str(measure.comparator) if measure.comparator else None,
        "value": decimal_text(measure.value),
        "unit": measure.unit,
        "grade": measure.grade,
        "normalised": measure.describe(),
    }


def _figure(figure: Figure) -> dict[str, Any]:
    return {"key": figure.key, "label": figure.label, **(measure_data(figure.value) or {})}


def _indicator(indicator: Indicator, state: ReportState) -> dict[str, Any]:
    rules = state.require_scheme().indicators
    return {
        "id": indicator.id,
        "category": indicator.category,
        "project": indicator.project,
        "budget_line": indicator.budget_line,
        "name": indicator.name,
        "lower_is_better": indicator.lower_is_better,
        "weight": decimal_text(indicator.weight),
        "target": measure_data(indicator.target),
        "actual": measure_data(indicator.actual),
        "deviation": (
            {"kind": str(indicator.deviation.kind), "raw": indicator.deviation.raw}
            if indicator.deviation
            else None
        ),
        "grade": indicator.grade,
        "nature": str(kind) if (kind := indicator.kind()) is not None else None,
        "unit": indicator.unit,
        "core": indicator.core,
        "initial_target": measure_data(indicator.initial_target),
        "adjustment_reason": indicator.adjustment_reason or None,
        "score": indicator.score.raw if indicator.score is not None else None,
        "status": str(status(indicator, rules)),
        "reason_missing": reason_problem(indicator, rules) is not None,
    }


def notice_data(notice: Notice) -> dict[str, Any]:
    """A consistency notice as JSON data: both sides as typed, and the one-line message."""
    return {
        "section": notice.section,
        "figure": notice.figure,
        "label": notice.label,
        "figure_raw": notice.figure_raw,
        "indicator": notice.indicator,
        "name": notice.name,
        "actual_raw": notice.actual_raw,
        "message": notice.message,
    }


def _consistency(state: ReportState) -> list[dict[str, Any]]:
    """The consistency notices of the view: its narrative figures against the actuals."""
    return [notice_data(n) for n in consistency_notices(state)]


def _score_notices(state: ReportState) -> list[dict[str, Any]]:
    """Typed 得分 that differ from the rule's figures, as notices: reviewers look at them,
    they block nothing."""
    return [{"kind": "score", "message": line} for line in score_differences(state, score(state))]


def _budget_row(figures: LineFigures, leaf: bool, places: int) -> dict[str, Any]:
    """One row of the budget table: the line as typed and its figures as computed."""
    line = figures.line
    return {
        "id": line.id,
        "name": line.name,
        "parent": line.parent,
        "depth": figures.depth,
        "leaf": leaf,
        "initial": decimal_text(figures.initial),
        "adjustments": decimal_text(figures.adjustments),
        "higher_level": decimal_text(figures.higher_level),
        "total": decimal_text(figures.total),
        "actual": decimal_text(figures.actual),
        "execution_rate": decimal_text(as_percent(figures.execution_rate, places)),
        "adjustment_items": [
            {
                "id": a.id,
                "amount": decimal_text(a.amount.value),
                "raw": a.amount.raw,
                "kind": str(a.kind),
                "reason": a.reason,
                "document": a.document,
                "cancelled": a.cancelled,
            }
            for a in line.adjustments
        ],
    }


def _budget_totals(state: ReportState, table: BudgetTable) -> dict[str, Any]:
    """The budget part's keys after its rows: the 预算调整率 and the table's problems."""
    scheme = state.require_scheme()
    denominator = scheme.adjustment_rate_denominator
    rate = as_percent(table.adjustment_rate(denominator), scheme.percent_decimals)
    return {
        "adjustment_rate": decimal_text(rate),
        "adjustment_rate_denominator": str(denominator),
        "problems": table.problems(),
    }


def _budget_again(state: ReportState, kept: _Kept | None, encode: Callable[[Any], str]) -> _Kept:
    """The budget part after a change to the lines: a row whose line is the same object
    and whose figures read the same is taken from ``kept``; the others are made again
    (every row, with ``kept`` None: the part afresh).

    A figure changed moves the sums of its line's parents and no other row: of the seed's
    twelve rows, three are made again. The figures are compared as their text reads
    (``3.1`` and ``3.10`` are equal decimals, written differently).
    """
    table = state.table()
    scheme = state.require_scheme()
    places = scheme.percent_decimals
    old: dict[int, _Kept] = kept[3] if kept is not None and kept[3] is not None else {}
    items: dict[int, _Kept] = {}
    rows, texts = [], []
    for figures in table.rows():
        line = figures.line
        leaf = not table.children(line.id)
        reads = (
            figures.depth,
            leaf,
            places,
            str(figures.initial),
            str(figures.adjustments),
            str(figures.higher_level),
            str(figures.actual),
        )
        known = old.get(id(line))
        if known is None or known[0][0] is not line or known[0][1] != reads:
            row = _budget_row(figures, leaf, places)
            known = ((line, reads), row, encode(row), None)
        items[id(line)] = known
        rows.append(known[1])
        texts.append(known[2])
    totals = _budget_totals(state, table)
    value = {"unit": scheme.budget_unit, "rows": rows, **totals}
    text = ""
    if encode is not _no_text:
        text = (
            "{"
            + _key_text("unit")
            + encode(scheme.budget_unit)
            + ","
            + _key_text("rows")
            + "["
            + ",".join(texts)
            + "],"
            + ",".join(_key_text(key) + encode(v) for key, v in totals.items())
            + "}"
        )
    return ((state.lines, scheme), value, text, items)


def _score(state: ReportState) -> dict[str, Any] | None:
    card = score(state)
    if card is None:
        return None
    scoring = state.require_scheme().scoring
    return {
        "execution_rate": decimal_text(as_percent(card.execution_rate, 2)),
        "budget_weight": decimal_text(scoring.budget_execution_points),
        "indicator_weight": decimal_text(scoring.indicator_points),
        "budget_points": decimal_text(card.budget_points),
        "budget_typed": decimal_text(card.budget_typed),
        "indicator_points": decimal_text(card.indicator_points),
        "total": decimal_text(card.total),
        "rule_total": decimal_text(card.rule_total),
        "grade": card.grade,
        "indicators": [_scored(s) for s in card.indicators],
        "differences": score_differences(state, card),
    }


def _scored(item: IndicatorScore) -> dict[str, Any]:
    low, high = item.allowed
    return {
        "indicator": item.indicator,
        "name": item.name,
        "status": str(item.status),
        # Exact shares run to 28 digits (90 / 34 points); show them as the totals are.
        "weight": decimal_text(round_points(item.weight)),
        "points": decimal_text(round_points(item.points)),
        "typed": decimal_text(item.typed),
        # What the rule gives as printed beside a typed 得分: a figure, or a band (8–10).
        "rule": f"{points_text(low)}–{points_text(high)}" if item.banded else None,
        "differs": item.differs(),
    }


def _section(section: Section) -> dict[str, Any]:
    return {
        "id": section.id,
        "title": section.title,
        "text": section.text,
        "figures": [_figure(f) for f in section.figures],
    }


def _staffing(staffing: Staffing | None) -> dict[str, Any] | None:
    if staffing is None:
        return None
    return {
        "internal_units": list(staffing.internal_units),
        "establishment": staffing.establishment,
        "in_post": [{"rank": r.rank, "count": r.count} for r in staffing.in_post],
        "in_post_total": staffing.in_post_total,
    }


def _project(project: Project | None) -> dict[str, Any] | None:
    if project is None:
        return None
    return {
        **project.model_dump(mode="json"),
        "labels": {field.value: label for field, label in FIELD_LABELS.items()},
    }


def _dumped(values: tuple[Value, ...]) -> list[dict[str, Any]]:
    return [value.model_dump(mode="json") for value in values]


@dataclass(frozen=True, slots=True)
class Part:
    """A key of the view computed from ``sources`` (the state's parts it depends on).

    Folding shares unchanged parts of a state by identity, so a part whose sources are the
    same objects as last time has the same value: :class:`ViewMemo` reuses it. With
    ``each``, the part is a list computed item by item from the one source, a tuple.
    """

    key: str
    sources: tuple[Any, ...]
    build: Callable[..., Any]
    each: bool = False
    #: A list made of these parts' lists one after the other (``sources`` and ``build``
    #: unused): each is reused or computed on its own, from its own sources.
    pieces: tuple[Part, ...] = ()
    #: Computes the part again from what a memo kept of it last time (None the first time)
    #: and the memo's encoder, reusing what came out the same (:class:`ViewMemo`).
    again: Callable[[_Kept | None, Callable[[Any], str]], _Kept] | None = None

    def value(self) -> Any:
        """The part's value, computed afresh."""
        if self.pieces:
            return [item for piece in self.pieces for item in piece.value()]
        if self.each:
            return [self.build(item) for item in self.sources[0]]
        return self.build(*self.sources)


def view_parts(state: ReportState) -> list[Part]:
    """The view's keys in order, each with what it is computed from."""
    scheme = state.require_scheme()

    def plain(key: str, value: Any) -> Part:
        return Part(key, (value,), lambda v: v)

    return [
        plain("view_version", VIEW_VERSION),
        plain("report", state.report),
        plain("department", state.department),
        plain("department_name", state.department_name),
        plain("kind", str(state.kind)),
        Part("project", (state.project,), _project),
        plain("year", state.year),
        plain("revision", state.revision),
        plain("stage", str(state.stage)),
        plain("deadline", state.deadline.isoformat() if state.deadline else None),
        Part(
            "scheme",
            (scheme,),
            lambda s: {
                "id": s.id,
                "title": s.title,
                "budget_unit": s.budget_unit,
                "scored": s.scoring.enabled,
            },
        ),
        Part("functions", (state.functions,), list),
        Part("staffing", (state.staffing,), _staffing),
        Part("net_assets", (state.net_assets,), amount_data),
        plain(
            "net_assets_as_of",
            state.net_assets_as_of.isoformat() if state.net_assets_as_of else None,
        ),
        Part("sections", (state.sections,), _section, each=True),
        Part(
            "budget",
            (state.lines, scheme),
            lambda *_: _budget_again(state, None, _no_text)[1],
            again=lambda kept, encode: _budget_again(state, kept, encode),
        ),
        Part("indicators", (state.indicators,), lambda i: _indicator(i, state), each=True),
        Part(
            "score",
            (state.lines, state.indicators, state.execution_score, scheme),
            lambda *_: _score(state),
        ),
        # Figures that nearly agree (workflow.consistency) and typed 得分 that differ from the
        # rule's: shown to reviewers, never blocking. Two pieces, each from its own sources:
        # the narrative and the actuals alone decide the first, so a budget figure changed
        # reuses it (it was a tenth of a command's catch-up, decision 0620).
        Part(
            "notices",
            (),
            list,
            pieces=(
                Part(
                    "consistency",
                    (state.sections, state.indicators),
                    lambda *_: _consistency(state),
                ),
                Part(
                    "score_notices",
                    (state.sections, state.indicators, state.lines, state.execution_score),
                    lambda *_: _score_notices(state),
                ),
            ),
        ),
        plain("submitted_by", state.submitted_by),
        plain("submitted_late", state.submitted_late),
        Part("approvals", (state.approvals,), _dumped),
        Part("signatures", (state.signatures,), _dumped),
        Part("signed_off_by", (state.signed_off_by,), list),
        Part("returns", (state.returns,), _dumped),
        Part("reopenings", (state.reopenings,), _dumped),
        Part("artifacts", (state.artifacts,), _dumped),
        plain("published_channel", state.published_channel),
    ]


def report_view(state: ReportState) -> dict[str, Any]:
    """Everything the report says and every figure computed from it, as plain JSON data."""
    return {part.key: part.value() for part in view_parts(state)}


def compact_json(*, sort_keys: bool = False) -> Callable[[Any], str]:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=...)``, fast.

    ``json.JSONEncoder.encode`` builds its C encoder afresh on every call, which costs as
    much as encoding a small value; this builds it once. It skips the circular-reference
    check: the values encoded here are fresh trees of plain data, never cyclic.
    """
    encoder = json.JSONEncoder(ensure_ascii=False, sort_keys=sort_keys, separators=(",", ":"))
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return encoder.encode
    encode = make(
        None,
        encoder.default,
        json.encoder.encode_basestring,
        None,
        ":",
        ",",
        sort_keys,
        False,
        True,
    )
    return lambda value: "".join(encode(value, 0))


_encode = compact_json()


#: What a view keeps of a part (or of an item of a list part): the sources it was computed
#: from, its value, its JSON text, and for a list part each item's own.
_Kept = tuple[tuple[Any, ...], Any, str, "dict[int, _Kept] | None"]


def _same(kept: tuple[Any, ...], sources: tuple[Any, ...]) -> bool:
    """Whether ``sources`` are the very objects ``kept`` holds (folding shares what it
    leaves unchanged by identity)."""
    return len(kept) == len(sources) and all(a is b for a, b in zip(kept, sources, strict=True))


@functools.cache
def _key_text(key: str) -> str:
    """A view key as its JSON object key, with the colon after it."""
    return _encode(key) + ":"


class ViewMemo:
    """Views of successive states of the same reports, with their JSON text, recomputing
    only the parts (and, in lists, the items) whose sources changed.

    Equal to :func:`report_view` and ``json.dumps`` of it; what it keeps per report
    revision is only what its latest view used. A list whose tuple is the one the last view
    had is taken whole, its items not looked at one by one (decision 0620). With ``texts``
    False it writes no JSON (its views' text is ""): a reader that compares views (a diff)
    and stores none saves a tenth of its time.
    """

    def __init__(self, *, texts: bool = True) -> None:
        self._kept: dict[tuple[str, int], dict[str, _Kept]] = {}
        self._last: dict[tuple[str, int], tuple[ReportState, dict[str, Any], str]] = {}
        self._encode: Callable[[Any], str] = _encode if texts else _no_text
        self._texts = texts

    def view(self, state: ReportState) -> tuple[dict[str, Any], str]:
        """The view of ``state`` and its compact JSON text ("" without ``texts``)."""
        key = (state.report, state.revision)
        last = self._last.get(key)
        if last is not None and last[0] is state:
            return last[1], last[2]
        old = self._kept.get(key, {})
        new: dict[str, _Kept] = {}
        texts: list[str] = []
        view: dict[str, Any] = {}
        for part in view_parts(state):
            if part.pieces:
                pieces = []
                for piece in part.pieces:
                    kept = old.get(piece.key)
                    if kept is None or not _same(kept[0], piece.sources):
                        value = piece.value()
                        kept = (piece.sources, value, self._encode(value), None)
                    new[piece.key] = kept
                    pieces.append(kept)
                value = [item for kept in pieces for item in kept[1]]
                # Each piece's text is a JSON list: the whole is their items in one list.
                text = "[" + ",".join(k[2][1:-1] for k in pieces if k[2] != "[]") + "]"
            else:
                kept = old.get(part.key)
                if kept is None or not _same(kept[0], part.sources):
                    if part.again is not None:
                        kept = part.again(kept, self._encode)
                    else:
                        kept = self._each(part, kept) if part.each else self._computed(part)
                new[part.key] = kept
                value, text = kept[1], kept[2]
            view[part.key] = value
            texts.append(_key_text(part.key) + text)
        self._kept[key] = new
        text = "{" + ",".join(texts) + "}" if self._texts else ""
        self._last[key] = (state, view, text)
        return view, text

    def kept(self, state: ReportState) -> dict[str, Any] | None:
        """The view this memo last made, if it was made of ``state`` itself; None
        otherwise. Nothing is computed: a reader that has the state a catch-up just viewed
        takes that view instead of reading and decoding its stored text, which it equals
        (every value is plain JSON data). The view shares its parts with later views: it is
        read, never changed."""
        last = self._last.get((state.report, state.revision))
        return last[1] if last is not None and last[0] is state else None

    def _computed(self, part: Part) -> _Kept:
        value = part.value()
        return (part.sources, value, self._encode(value), None)

    def _each(self, part: Part, kept: _Kept | None) -> _Kept:
        """A list part whose tuple changed: its items reused where they are the same."""
        old = kept[3] if kept is not None and kept[3] is not None else {}
        items: dict[int, _Kept] = {}
        values, texts = [], []
        for item in part.sources[0]:
            known = old.get(id(item))
            if known is None or known[0][0] is not item:
                value = part.build(item)
                known = ((item,), value, self._encode(value), None)
            items[id(item)] = known
            values.append(known[1])
            texts.append(known[2])
        return (part.sources, values, "[" + ",".join(texts) + "]", items)


def _no_text(value: Any) -> str:
    """No JSON text: a view memo that only compares its views."""
    return ""


def headline_figures(view: dict[str, Any]) -> dict[str, str | None]:
    """The figures a list of reports shows, taken from a view: the root line's columns,
    预算执行率, 预算调整率 (per cent, as decimal text), score and grade."""
    rows = view["budget"]["rows"]
    root = rows[0] if rows else {}
    score = view["score"] or {}
    return {
        "initial": root.get("initial"),
        "adjustments": root.get("adjustments"),
        "higher_level": root.get("higher_level"),
        "total": root.get("total"),
        "actual": root.get("actual"),
        "execution_rate": root.get("execution_rate"),
        "adjustment_rate": view["budget"]["adjustment_rate"],
        "score": score.get("total"),
        "grade": score.get("grade"),
    }
