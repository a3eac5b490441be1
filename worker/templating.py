"""The jinja2 environment and the HTML rendering of a report document.

The HTML is self-contained (its stylesheet is inlined) and a pure function of the
document: no clock, no randomness, no dict-order surprises, so the same events give
byte-identical HTML.
"""

from __future__ import annotations

from functools import cache

import jinja2

from worker.document import SEAL, ReportDocument


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


def render_html(document: ReportDocument) -> str:
    """The report as one HTML page (title block, parts 1–3, the 自评价表, the sign block,
    provenance)."""
    return environment().get_template("report.html.j2").render(doc=document, seal=SEAL)
