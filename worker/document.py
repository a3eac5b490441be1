"""The report as a document: title block, the three parts with numbered headings, the 自评价表,
the block offices sign, and the provenance.

This turns the report view into what the template prints, in the seed's order and
numbering: 第一部分 部门概况 (一、主要职能 and 二、组织架构 from the structured fields,
then the narrative sections 1.3, 1.4 …), 第二部分, 第三部分, each section numbered 一、二、…
and each subsection （一）（二）… People are printed by their registered names and times in
the deployment's time zone (docs/decisions/0803).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from worker.evaluation_table import (
    FORM_HEADINGS,
    EvaluationTable,
    IndicatorHeadings,
    evaluation_table,
    plain_number,
)
from worker.project_form import ProjectForm, ProjectListing, project_form, project_listing

PART_TITLES = {1: "部门概况", 2: "绩效目标实现情况", 3: "绩效管理结果应用情况"}

#: The report's title after the region: 姑苏区 + 预算部门整体支出预算绩效自评价报告.
REPORT_TITLE = "预算部门整体支出预算绩效自评价报告"
TABLE_TITLE = "预算部门整体支出预算绩效自评价表"

_DIGITS = "零一二三四五六七八九"

#: The administrative region a department's name starts with (姑苏区红十字会 → 姑苏区).
_REGION = re.compile(r"^((?:[^省市区县旗]+?(?:自治州|自治县|省|市|区|县|旗))+)")

#: A paragraph that is a sub-heading inside a section: （一）2021 年财政收入执行情况.
_SUBHEADING = re.compile(r"^（[一二三四五六七八九十]+）[^。：]{1,40}$")


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 21 → 二十一 (headings never reach 100)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _DIGITS[ones]
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def region_of(department_name: str) -> str:
    """The region a department's name starts with, or "" (the title then starts 预算部门)."""
    match = _REGION.match(department_name)
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Provenance:
    """Which revision a document was rendered from: printed in its footer and metadata."""

    report: str
    revision: int
    signed_at: datetime
    signers: tuple[str, ...]
    template_version: str
    #: (user id, registered name) of everyone the document names; an id missing here is
    #: printed as the id.
    names: tuple[tuple[str, str], ...] = ()
    #: The IANA time zone the document's times are printed in (``JIXIAO_TIMEZONE``).
    timezone: str = "Asia/Shanghai"

    @property
    def moment(self) -> datetime:
        """The sign-off time in UTC without microseconds: every artifact's timestamp."""
        return self.signed_at.astimezone(UTC).replace(microsecond=0)

    @property
    def local_moment(self) -> datetime:
        """The sign-off time in the document's time zone, as printed."""
        return self.moment.astimezone(ZoneInfo(self.timezone))

    @property
    def local_time(self) -> str:
        """``2026-12-06 01:59（北京时间）`` for Asia/Shanghai, else the zone's name."""
        zone = "北京时间" if self.timezone in BEIJING_ZONES else self.timezone
        return f"{self.local_moment.strftime('%Y-%m-%d %H:%M')}（{zone}）"

    def name_of(self, user_id: str | None) -> str:
        """The registered name of ``user_id`` ("" for None; the id if no name is known)."""
        if user_id is None:
            return ""
        return dict(self.names).get(user_id, user_id)

    @property
    def signer_names(self) -> tuple[str, ...]:
        """The signers, by name, in the order they signed."""
        return tuple(self.name_of(signer) for signer in self.signers)


#: Zones that keep China Standard Time, printed as 北京时间.
BEIJING_ZONES = frozenset({"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "PRC"})


@dataclass(frozen=True)
class SignLine:
    """One entry of the block offices sign: its label and what is filled in ("" is left
    blank, to be written by hand)."""

    label: str
    value: str


def sign_block(view: dict[str, Any], provenance: Provenance) -> tuple[SignLine, ...]:
    """单位负责人, 财务负责人, 填表人, 联系电话, 填报日期, in the form's order (decision 0803).

    The report holds no 财务负责人 of the department and no telephone number: those are
    left blank for the office to fill by hand, never filled with someone else's name.
    """
    head = next(
        (a["by"] for a in view["approvals"] if a["level"] == "department"),
        next((s["by"] for s in view["signatures"] if s["role"] == "department_head"), None),
    )
    moment = provenance.local_moment
    return (
        SignLine("单位负责人", provenance.name_of(head)),
        SignLine("财务负责人", ""),
        SignLine("填表人", provenance.name_of(view["submitted_by"])),
        SignLine("联系电话", ""),
        SignLine("填报日期", f"{moment.year}年{moment.month}月{moment.day}日"),
    )


#: Printed under the sign block, where the department's seal goes.
SEAL = "（单位盖章）"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of narrative; ``subheading`` for lines like （一）收入执行情况."""

    text: str
    subheading: bool = False


@dataclass(frozen=True)
class Block:
    """A heading (level 3 = section, 4 = subsection, 5 = deeper) and its paragraphs."""

    level: int
    heading: str
    paragraphs: tuple[Paragraph, ...]


@dataclass(frozen=True)
class Part:
    """第N部分 with its blocks in order."""

    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class ReportDocument:
    """Everything the report template prints."""

    title: str
    year: int
    department_name: str
    parts: tuple[Part, ...]
    table: EvaluationTable
    provenance: Provenance
    signatures: tuple[SignLine, ...] = ()
    #: The department's 项目支出 reports as they stood when this one was signed off.
    projects: tuple[ProjectListing, ...] = ()


@dataclass(frozen=True)
class ProjectDocument:
    """Everything a 项目支出 report's documents print: the national form and its signatures."""

    year: int
    department_name: str
    form: ProjectForm
    provenance: Provenance
    signatures: tuple[SignLine, ...] = ()

    @property
    def title(self) -> str:
        """``项目支出绩效自评表``: the form is the whole document."""
        return self.form.title


def paragraphs(text: str) -> tuple[Paragraph, ...]:
    """A section's text split into paragraphs at line breaks, blank lines dropped."""
    lines = (line.strip() for line in text.splitlines())
    return tuple(Paragraph(line, bool(_SUBHEADING.match(line))) for line in lines if line)


def _as_of(value: str | None, year: int) -> str:
    moment = date.fromisoformat(value) if value else date(year, 12, 31)
    next_day = date.fromordinal(moment.toordinal() + 1)
    if next_day.month != moment.month:
        return f"{moment.year}年{moment.month}月底"
    return f"{moment.year}年{moment.month}月{moment.day}日"


def _organisation(view: dict[str, Any]) -> tuple[Paragraph, ...]:
    staffing = view["staffing"]
    as_of = _as_of(view["net_assets_as_of"], view["year"])
    lines = []
    if staffing is not None:
        units = staffing["internal_units"]
        lines.append(
            f"1.根据部门职责分工，本部门内设机构：{'、'.join(units)}。"
            if units
            else "1.根据部门职责分工，本部门无内设机构和下属单位。"
        )
        ranks = "，".join(f"{r['rank']}{r['count']}名" for r in staffing["in_post"])
        lines.append(
            f"2.截至{as_of}，本单位有编制{staffing['establishment']}人，有在职人员"
            f"{staffing['in_post_total']}名" + (f"，其中{ranks}。" if ranks else "。")
        )
    assets = view["net_assets"]
    if assets is not None:
        lines.append(
            f"{len(lines) + 1}.截至{as_of}，本单位有净资产{plain_number(assets['value'])}"
            f"{assets['unit']}。"
        )
    return tuple(Paragraph(line) for line in lines)


def _section_key(section_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in section_id.split("."))


def _heading(section_id: str, title: str) -> tuple[int, str]:
    numbers = _section_key(section_id)
    if len(numbers) == 2:
        return 3, f"{chinese_number(numbers[1])}、{title}"
    if len(numbers) == 3:
        return 4, f"（{chinese_number(numbers[2])}）{title}"
    return 5, f"{numbers[-1]}. {title}"


def _part(number: int, view: dict[str, Any]) -> Part:
    blocks: list[Block] = []
    if number == 1:
        functions = tuple(
            Paragraph(f"（{chinese_number(n)}）{text}")
            for n, text in enumerate(view["functions"], start=1)
        )
        blocks.append(Block(3, "一、部门主要职能", functions))
        blocks.append(Block(3, "二、部门组织架构、人员及资产基本情况", _organisation(view)))
    sections = sorted(
        (s for s in view["sections"] if _section_key(s["id"])[0] == number),
        key=lambda s: _section_key(s["id"]),
    )
    for section in sections:
        level, heading = _heading(section["id"], section["title"])
        blocks.append(Block(level, heading, paragraphs(section["text"])))
    return Part(f"第{chinese_number(number)}部分 {PART_TITLES[number]}", tuple(blocks))


def report_document(
    view: dict[str, Any],
    provenance: Provenance,
    headings: IndicatorHeadings = FORM_HEADINGS,
) -> ReportDocument:
    """The document of a report view, as rendered from the revision ``provenance`` names,
    its indicator columns headed ``headings``."""
    region = region_of(view["department_name"])
    return ReportDocument(
        title=region + REPORT_TITLE,
        year=view["year"],
        department_name=view["department_name"],
        parts=tuple(_part(number, view) for number in PART_TITLES),
        table=evaluation_table(view, region + TABLE_TITLE, headings),
        provenance=provenance,
        signatures=sign_block(view, provenance),
        projects=project_listing(view.get("projects", [])),
    )


def project_document(
    view: dict[str, Any],
    provenance: Provenance,
    headings: IndicatorHeadings = FORM_HEADINGS,
) -> ProjectDocument:
    """The document of a 项目支出 report's view: its 项目支出绩效自评表, signed by 项目负责人
    and 财务负责人 as the form names them, with who filled it in and when."""
    form = project_form(view, headings)
    moment = provenance.local_moment
    return ProjectDocument(
        year=view["year"],
        department_name=view["department_name"],
        form=form,
        provenance=provenance,
        signatures=(
            SignLine("项目负责人", form.project_lead),
            SignLine("财务负责人", form.finance_lead),
            SignLine("填表人", provenance.name_of(view["submitted_by"])),
            SignLine("填报日期", f"{moment.year}年{moment.month}月{moment.day}日"),
        ),
    )
