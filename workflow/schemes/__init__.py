"""Evaluation schemes: the settings of a fiscal year's evaluation, read from plain TOML files.

A scheme is copied into the fiscal year's and the report's opening events, so a report
is always judged by the settings it was opened under, even if a file changes later.
Bundled schemes are the ``*.toml`` files beside this module (a package, so that the files
ship with it); this module only reads them and holds no decision code.
"""

from __future__ import annotations

import tomllib
from decimal import Decimal
from enum import StrEnum
from importlib import resources
from typing import Any

from pydantic import Field, ValidationError, model_validator

from events.model import describe_validation_error
from workflow.errors import InvalidValue, SchemeError
from workflow.roles import SIGNING_ROLES
from workflow.targets import IndicatorStatus
from workflow.text import (
    CELL_LIMIT,
    ITEM_LIMIT,
    NAME_LIMIT,
    PARAGRAPH_LIMIT,
    SECTION_LIMIT,
    Limit,
    clean,
)
from workflow.values import Value


class Denominator(StrEnum):
    """What 预算调整率 divides by: regions differ."""

    INITIAL = "initial"
    ADJUSTED_TOTAL = "adjusted_total"


class SignOffRule(StrEnum):
    """How many of the required signers must sign (会签)."""

    ALL = "all"
    ANY = "any"
    QUORUM = "quorum"


class SignOffPolicy(Value):
    """Required signers (``role:<role>`` or ``user:<id>``) and the rule joining them."""

    rule: SignOffRule = SignOffRule.ALL
    signers: tuple[str, ...] = ("role:department_head", "role:finance_reviewer")
    quorum: int | None = None

    @model_validator(mode="after")
    def _consistent(self) -> SignOffPolicy:
        if not self.signers:
            raise ValueError("at least one signer")
        for entry in self.signers:
            kind, _, name = entry.partition(":")
            if kind not in ("role", "user") or not name:
                raise ValueError(f"signers 'role:<role>' or 'user:<id>', not {entry!r}")
            if kind == "role" and name not in SIGNING_ROLES:
                raise ValueError(f"signer roles among {', '.join(SIGNING_ROLES)}, not {name!r}")
        if self.rule is SignOffRule.QUORUM and not (
            self.quorum and 1 <= self.quorum <= len(self.signers)
        ):
            raise ValueError(f"a quorum between 1 and {len(self.signers)} for rule 'quorum'")
        return self


class SectionSpec(Value):
    """A narrative section the report form has; required ones block submission when empty."""

    id: str
    title: str
    required: bool = True


class IndicatorRules(Value):
    """When an indicator counts as overshot and which statuses need a deviation reason."""

    overshoot_threshold: Decimal = Field(default=Decimal("0.30"), ge=0)
    overshoot_applies_to_percentages: bool = False
    reason_required_for: tuple[IndicatorStatus, ...] = (
        IndicatorStatus.MISSED,
        IndicatorStatus.OVERSHOT,
    )
    #: Generic answers that mean "achieved" for a qualitative target (达成预期指标, 完成 …):
    #: such an actual meets any qualitative target. Empty for reports opened before the
    #: setting existed, which keep being judged as they were.
    achieved_answers: tuple[str, ...] = ()


class QualitativeBand(Value):
    """A band a reviewer grades a qualitative indicator into, worth a share of its weight."""

    name: str
    share: Decimal = Field(ge=0, le=1)


class ScoreRange(Value):
    """The share of its 分值 a qualitative indicator's typed 得分 may take (达成年度指标
    80–100%): the highest range is for a target achieved, the ones below it for one missed."""

    name: str
    low: Decimal = Field(ge=0, le=1)
    high: Decimal = Field(ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> ScoreRange:
        if self.low > self.high:
            raise ValueError(f"low at most high, not {self.low} > {self.high}")
        return self


class NotApplicableWeight(StrEnum):
    """What becomes of the 分值 of an indicator that does not apply (``/``)."""

    DROP = "drop"
    SIBLINGS = "siblings"


class GradeBand(Value):
    """A grade (优, 良, ...) reached from ``min_score`` points upward."""

    name: str
    min_score: Decimal = Field(ge=0)


class Scoring(Value):
    """Points for budget execution and indicators; disabled when the table carries no weights."""

    enabled: bool = False
    budget_execution_points: Decimal = Field(default=Decimal(0), ge=0)
    indicator_points: Decimal = Field(default=Decimal(0), ge=0)
    overshoot_deduction: Decimal = Field(default=Decimal(0), ge=0, le=1)
    cap_by_execution_rate: bool = False
    qualitative_bands: tuple[QualitativeBand, ...] = ()
    grades: tuple[GradeBand, ...] = ()
    #: The bands a qualitative indicator's typed 得分 must fall in (财预〔2020〕10号: 80–100%,
    #: 60–80%, 0–60% of its 分值); none: any 得分 up to its 分值.
    qualitative_ranges: tuple[ScoreRange, ...] = ()
    #: Whether a typed 得分 below its 分值 needs a 偏差原因 before submission.
    deduction_needs_reason: bool = False
    #: ``drop``: a not-applicable indicator's own 分值 is lost; ``siblings``: it goes to the
    #: applicable indicators of its 一级指标, in proportion to their 分值.
    not_applicable_weight: NotApplicableWeight = NotApplicableWeight.DROP

    def band(self, name: str) -> QualitativeBand | None:
        """The qualitative band called ``name``, if the scheme has one."""
        return next((b for b in self.qualitative_bands if b.name == name), None)


class Limits(Value):
    """Size limits of a report's texts, in characters after trimming, and of the report.

    ``name``: a line, indicator, category, project, unit, rank, figure label, section title,
    publish channel or adjustment document; ``section``: one narrative section's text;
    ``paragraph``: a comment, a reason or a 主要职能 item; ``cell``: an amount, target or
    actual as typed; ``items``: what the report holds (workflow.report.item_count).
    """

    name: int = Field(default=NAME_LIMIT, ge=1)
    section: int = Field(default=SECTION_LIMIT, ge=1)
    paragraph: int = Field(default=PARAGRAPH_LIMIT, ge=1)
    cell: int = Field(default=CELL_LIMIT, ge=1)
    items: int = Field(default=ITEM_LIMIT, ge=1)


class Scheme(Value):
    """Every setting of an evaluation that is not the same in every region."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]{0,63}$")
    title: str
    budget_unit: str = "万元"
    max_amount_places: int = Field(default=3, ge=0, le=4)
    percent_decimals: int = Field(default=1, ge=0, le=4)
    adjustment_rate_denominator: Denominator = Denominator.INITIAL
    indicators: IndicatorRules = IndicatorRules()
    signoff: SignOffPolicy = SignOffPolicy()
    sections: tuple[SectionSpec, ...] = ()
    scoring: Scoring = Scoring()
    #: Reports opened before limits were kept in schemes get the defaults.
    limits: Limits = Limits()

    def limit(self, kind: str) -> Limit:
        """The limit of ``kind`` (a field of :class:`Limits`), naming this scheme as its source."""
        return Limit(getattr(self.limits, kind), f"scheme {self.id}")

    def section(self, section_id: str) -> SectionSpec | None:
        """The section spec for ``section_id`` or its nearest listed ancestor."""
        parts = section_id.split(".")
        for cut in range(len(parts), 0, -1):
            prefix = ".".join(parts[:cut])
            found = next((s for s in self.sections if s.id == prefix), None)
            if found is not None:
                return found
        return None


def _check_unique(source: str, field: str, ids: tuple[str, ...], what: str) -> None:
    """SchemeError naming the first id listed twice in ``field``."""
    first: dict[str, int] = {}
    for index, item_id in enumerate(ids):
        if item_id in first:
            raise SchemeError(
                f"scheme {source} {field}[{index}]: got {item_id!r}, expected {what} not "
                f"listed before ({field}[{first[item_id]}] is {item_id!r})"
            )
        first[item_id] = index


def _check_unique_ids(scheme: Scheme, *, source: str) -> None:
    """Refuse a scheme that lists a section, band, grade or signer twice.

    Lookups take the first match (a second 1.3 would never be used) and ``quorum`` counts
    distinct signers, so a repeat is always a typo. Checked here, on loading, and not by
    the model: schemes already copied into recorded events must keep validating as they are.
    """
    _check_unique(source, "sections", tuple(s.id for s in scheme.sections), "a section id")
    bands = tuple(b.name for b in scheme.scoring.qualitative_bands)
    _check_unique(source, "scoring.qualitative_bands", bands, "a band name")
    grades = tuple(g.name for g in scheme.scoring.grades)
    _check_unique(source, "scoring.grades", grades, "a grade name")
    _check_unique(source, "signoff.signers", scheme.signoff.signers, "a signer")
    statuses = tuple(str(s) for s in scheme.indicators.reason_required_for)
    _check_unique(source, "indicators.reason_required_for", statuses, "a status")
    answers = scheme.indicators.achieved_answers
    _check_unique(source, "indicators.achieved_answers", answers, "an answer")
    ranges = tuple(r.name for r in scheme.scoring.qualitative_ranges)
    _check_unique(source, "scoring.qualitative_ranges", ranges, "a range name")


def _clean_texts(value: Any, *, source: str, where: str) -> Any:
    """``value`` with every text in it in NFC; SchemeError naming the first text the text
    rules refuse (titles, section and band names are shown on every report)."""
    if isinstance(value, str):
        try:
            return clean(f"scheme {source} {where}", value, multiline=False, expected="text")
        except InvalidValue as error:
            raise SchemeError(str(error)) from None
    if isinstance(value, dict):
        return {
            key: _clean_texts(item, source=source, where=f"{where}.{key}" if where else str(key))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [
            _clean_texts(item, source=source, where=f"{where}[{index}]")
            for index, item in enumerate(value)
        ]
    return value


def parse_scheme(data: dict[str, Any], *, source: str) -> Scheme:
    """Validate a scheme's settings, raising SchemeError in one line naming ``source``.

    Its texts obey the text rules (workflow.text) and are kept in NFC."""
    data = _clean_texts(data, source=source, where="")
    try:
        scheme = Scheme.model_validate(data)
    except ValidationError as exc:
        raise SchemeError(describe_validation_error(f"scheme {source}", exc)) from None
    _check_unique_ids(scheme, source=source)
    return scheme


def scheme_names() -> list[str]:
    """The names of the bundled schemes."""
    folder = resources.files("workflow.schemes")
    return sorted(
        p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")
    )


def load_scheme(name: str) -> Scheme:
    """Read the bundled scheme ``name`` (``default``, ``national-10-90``)."""
    if name not in scheme_names():
        raise SchemeError(f"scheme: got {name!r}, expected one of {', '.join(scheme_names())}")
    text = resources.files("workflow.schemes").joinpath(f"{name}.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(f"scheme {name}: got invalid TOML, expected valid TOML ({exc})") from None
    return parse_scheme(data, source=name)
