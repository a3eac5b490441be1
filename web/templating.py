"""The pages' jinja2 environment: the templates under ``web/templates`` and the Chinese
labels they share."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from web.fragments import Fragments
from web.recent import Recent
from worker.evaluation_table import percent, plain_number
from workflow.labels import ACTION_LABELS, ITEM_LABELS, ROLE_LABELS, STAGE_LABELS
from workflow.streams import report_stream_parts

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

STATUS_LABELS = {
    "pending": "待填完成值",
    "met": "已达成",
    "missed": "未达成",
    "overshot": "大幅超出",
    "not_applicable": "不适用",
}
#: The deadline reminders (workflow.deadlines.ReminderKind) as the pages name them.
REMINDER_LABELS = {"7-days": "截止前7天提醒", "1-day": "截止前1天提醒", "overdue": "逾期提醒"}
FORMAT_LABELS = {
    "html": "网页（HTML）",
    "pdf": "PDF",
    "xlsx": "表格（XLSX）",
    "docx": "文档（DOCX）",
}


def page_of(department: str, year: int, project: str | None = None) -> str:
    """A report's page: ``/reports/gusu-rc/2021``, or ``/reports/gusu-rc/2021/projects/homes``
    for a 项目支出 report."""
    return f"/reports/{department}/{year}" + (f"/projects/{project}" if project else "")


def report_path(stream_id: str) -> str:
    """A report's page (:func:`page_of`) from its stream id."""
    parts = report_stream_parts(stream_id)
    if parts is None:
        raise ValueError(f"stream: got {stream_id!r}, expected a report stream")
    return page_of(*parts)


#: How many addresses of routes a process keeps (by route and the site's address).
ADDRESSES_KEPT = 256


@pass_context
def _url_for(context: Mapping[str, Any], name: str, /, **path_params: Any) -> str:
    """starlette's ``url_for``, each absolute address worked out once per application and
    site address: finding a route's path walks every route (each one that does not match
    raising an exception), and making it absolute parses the request's address again, on
    every page (every page's stylesheet and script)."""
    request: Request = context["request"]
    state = request.app.state
    # Bounded: the site's address comes from the request's Host header.
    found: Recent[str] | None = getattr(state, "route_urls", None)
    if found is None:
        found = state.route_urls = Recent(ADDRESSES_KEPT)
    base = request.base_url
    key = (str(base), name, repr(sorted(path_params.items())))
    url = found.get(key)
    if url is None:
        path = request.app.url_path_for(name, **path_params)
        url = str(path.make_absolute_url(base_url=base))
        found.put(key, url)
    return url


def typed(failed: Any, form_id: str, name: str, default: Any = "") -> Markup:
    """What was typed in the field ``name`` of the refused form ``form_id`` (``failed``, a
    ``web.page_forms.FailedForm`` or None), else ``default`` ("" for None), escaped. A
    function, not a macro: the edit blocks ask it some ten times a block, and a macro call
    costs jinja some twenty times as much."""
    if failed and failed.form == form_id:
        return escape(failed.value(name, default))
    return escape(default if default is not None else "")


def open_if(failed: Any, *forms: str) -> Markup:
    """`` open`` (the attribute of a ``<details>``) when the refused form ``failed`` is one
    of ``forms``, else nothing."""
    return Markup(" open") if failed and failed.form in forms else Markup("")


def templates() -> Jinja2Templates:
    """The environment, autoescaping, with the labels as globals."""
    found = Jinja2Templates(directory=TEMPLATES)
    env = found.env
    # Every template is HTML, whatever its suffix: escape everything it shows.
    env.autoescape = True
    # The templates are files of the installed package: read once per process, not checked
    # for changes on every page (a stat of each template and its parents per render).
    env.auto_reload = False
    env.trim_blocks = True
    env.lstrip_blocks = True
    # Figures as the 自评价表 prints them: 100.0 → 100%, 12.50 → 12.5.
    env.filters.update(percent=percent, number=plain_number)
    env.globals.update(
        stage_labels=STAGE_LABELS,
        action_labels=ACTION_LABELS,
        role_labels=ROLE_LABELS,
        item_labels=ITEM_LABELS,
        status_labels=STATUS_LABELS,
        format_labels=FORMAT_LABELS,
        reminder_labels=REMINDER_LABELS,
        report_path=report_path,
        typed=typed,
        open_if=open_if,
    )
    env.globals["url_for"] = _url_for
    # The report page's edit blocks, kept rendered (web.fragments).
    fragments = Fragments(env, "_editing.html.j2", "_table_rows.html.j2")
    env.globals["fragment"] = fragments
    # Compiled now, before the first request: compiled on first use, the first requests of
    # each process would each compile them at once, each thread its own copy.
    for name in env.list_templates(extensions=["j2"]):
        env.get_template(name)
    fragments.load()
    return found
