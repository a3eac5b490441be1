"""Part 1 (部门概况) structures and the narrative sections of parts 1–3.

Prose stays prose, but every headline figure in it is structured (a parsed measure with
its raw text), so nothing that is a number lives only as free text.
"""

from __future__ import annotations

import re

from workflow.errors import InvalidValue
from workflow.targets import Measure, MeasureKind, parse_measure
from workflow.text import CELL, NAME, Limit, identifier
from workflow.values import Value, short_name

# \Z, not $: '$' would also match before a final newline ('1.3\n').
SECTION_ID = re.compile(r"[1-3](?:\.\d{1,2}){1,3}\Z")


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


def parse_figure(
    key: str,
    label: str,
    raw: str,
    *,
    section: str,
    name_limit: Limit = NAME,
    cell_limit: Limit = CELL,
) -> Figure:
    """A headline figure from its typed text, e.g. ``'156.86 万元'``; InvalidValue otherwise.

    The key is an id (``donations``), the label a name; the text rules apply to all three.
    """
    if not all(isinstance(t, str) and t.strip() for t in (key, label)):
        raise InvalidValue(f"section {section} figure", str(key), "a key and a label")
    key = identifier(f"section {section} figure key", key)
    label = short_name(f"section {section} figure {key} label", label, limit=name_limit)
    subject = f"section {section} figure {label}"
    value = parse_measure(raw, subject=subject, limit=cell_limit)
    if value.kind is not MeasureKind.QUANTITY:
        raise InvalidValue(subject, raw, "a number with a unit, such as '156.86 万元'")
    return Figure(key=key, label=label, value=value)


def check_staffing(staffing: Staffing, *, limit: Limit = NAME) -> Staffing:
    """``staffing`` with its units and ranks as names (trimmed, NFC); InvalidValue for a
    negative count, or a unit or rank that is blank, multi-line, refused by the text rules
    or longer than ``limit``."""
    if staffing.establishment < 0:
        raise InvalidValue("staffing 编制", str(staffing.establishment), "a count >= 0")
    units = tuple(
        short_name(f"staffing internal unit {number}", unit, limit=limit)
        for number, unit in enumerate(staffing.internal_units, 1)
    )
    ranks = []
    for rank in staffing.in_post:
        if not rank.rank.strip():
            raise InvalidValue("staffing rank", rank.rank, "a rank name")
        name = short_name("staffing rank", rank.rank, limit=limit)
        if rank.count < 0:
            raise InvalidValue(f"staffing {name}", str(rank.count), "a count >= 0")
        ranks.append(RankCount(rank=name, count=rank.count))
    staffing = Staffing(
        internal_units=units, establishment=staffing.establishment, in_post=tuple(ranks)
    )
    if len({r.rank for r in staffing.in_post}) != len(staffing.in_post):
        raise InvalidValue(
            "staffing ranks", ",".join(r.rank for r in staffing.in_post), "each rank once"
        )
    return staffing
