"""The stages a report revision moves through, in order."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """draft → submitted → approved_by_department → approved_by_finance → signed_off →
    rendered → published; ``new`` is the stream before the report is opened."""

    NEW = "new"
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED_BY_DEPARTMENT = "approved_by_department"
    APPROVED_BY_FINANCE = "approved_by_finance"
    SIGNED_OFF = "signed_off"
    RENDERED = "rendered"
    PUBLISHED = "published"


#: Stages in which a reviewer holds the report and may return it (退回修改).
REVIEW_STAGES = frozenset(
    {Stage.SUBMITTED, Stage.APPROVED_BY_DEPARTMENT, Stage.APPROVED_BY_FINANCE}
)

#: Stages after sign-off: the revision is closed; only a reopen allows changes.
CLOSED_STAGES = frozenset({Stage.SIGNED_OFF, Stage.RENDERED, Stage.PUBLISHED})
