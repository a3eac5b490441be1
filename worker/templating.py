"""The jinja2 environment and the HTML rendering of a report document.

The HTML is self-contained (its stylesheet is inlined) and a pure function of the
document: no clock, no randomness, no dict-order surprises, so the same events give
byte-identical HTML.
"""

from __future__ import annotations

from functools import cache

import jinja2

from worker.document import SEAL, ProjectDocument, ReportDocument
from worker.project_form import FUND_HEADERS, INDICATOR_HEADERS, LISTING_HEADERS
from workflow.labels import STAGE_LABELS


@cache
def environment() -> jinja2.Environment:
    """The templates under ``worker/templates``, autoescaped, whitespace-trimmed."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("worker", "templates"),
        autoescape=jinja2.select_autoescape(["html", "html.j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def render_html(document: ReportDocument | ProjectDocument) -> str:
    """The report as one HTML page: for a 部门整体 report the title block, parts 1–3, the
    自评价表, the list of the department's project reports, the sign block and provenance;
    for a 项目支出 report its 项目支出绩效自评表, signatures and provenance."""
    if isinstance(document, ProjectDocument):
        return (
            environment()
            .get_template("project.html.j2")
            .render(doc=document, fund_headers=FUND_HEADERS, indicator_headers=INDICATOR_HEADERS)
        )
    return (
        environment()
        .get_template("report.html.j2")
        .render(doc=document, seal=SEAL, listing_headers=LISTING_HEADERS, stage_labels=STAGE_LABELS)
    )
