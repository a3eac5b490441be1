"""Part 1 (部门概况) structures and the narrative sections of parts 1–3.

Prose stays prose, but every headline figure in it is structured (a parsed measure with
its raw text), so nothing that is a number lives only as free text.
"""

from __future__ import annotations

import re

from workflow.errors import InvalidValue
from workflow.targets import Measure, MeasureKind, parse_measure
from workflow.values import Value, short_name

SECTION_ID = re.compile(r"^[1-3](?:\.\d{1,2}){1,3}$")


class RankCount(Value):
    """How many staff in post hold one rank (正科, 副科, 科员, 退二线 ...)."""

    rank: str
    count: int


class Staffing(Value):
    """组织架构、人员: internal units, 编制 (establishment) and 在职 staff by rank."""

    internal_units: tuple[str, ...] = ()
    establishment: int
    in_post: tuple[RankCount, ...] = ()

    @property
    def in_post_total(self) -> int:
        """在职人员 in all ranks."""
        return sum(r.count for r in self.in_post)


class Figure(Value):
    """A headline figure of a section: a key, its label, and the parsed value as typed."""

    key: str
    label: str
    value: Measure


class Section(Value):
    """A narrative section (e.g. ``1.3.2``): its title, text and headline figures."""

    id: str
    title: str
    text: str
    figures: tuple[Figure, ...] = ()

    def figure(self, key: str) -> Figure | None:
        """The figure with ``key``, if the section has one."""
        return next((f for f in self.figures if f.key == key), None)


def parse_figure(key: str, label: str, raw: str, *, section: str) -> Figure:
    """A headline figure from its typed text, e.g. ``'156.86 万元'``; InvalidValue otherwise."""
    if not key.strip() or not label.strip():
        raise InvalidValue(f"section {section} figure", key, "a key and a label")
    subject = f"section {section} figure {label}"
    value = parse_measure(raw, subject=subject)
    if value.kind is not MeasureKind.QUANTITY:
        raise InvalidValue(subject, raw, "a number with a unit, such as '156.86 万元'")
    return Figure(key=key, label=label, value=value)


def check_staffing(staffing: Staffing) -> None:
    """Reject negative counts, and blank or multi-line ranks or internal units."""
    if staffing.establishment < 0:
        raise InvalidValue("staffing 编制", str(staffing.establishment), "a count >= 0")
    for number, unit in enumerate(staffing.internal_units, 1):
        short_name(f"staffing internal unit {number}", unit)
    for rank in staffing.in_post:
        if not rank.rank.strip():
            raise InvalidValue("staffing rank", rank.rank, "a rank name")
        short_name("staffing rank", rank.rank)
        if rank.count < 0:
            raise InvalidValue(f"staffing {rank.rank}", str(rank.count), "a count >= 0")
    if len({r.rank for r in staffing.in_post}) != len(staffing.in_post):
        raise InvalidValue(
            "staffing ranks", ",".join(r.rank for r in staffing.in_post), "each rank once"
        )
