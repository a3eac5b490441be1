"""The pages' jinja2 environment: the templates under ``web/templates`` and the Chinese
labels they share."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from worker.evaluation_table import percent, plain_number

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

STAGE_LABELS = {
    "new": "未填报",
    "draft": "草稿",
    "submitted": "已提交",
    "approved_by_department": "部门已审核",
    "approved_by_finance": "财政已审核",
    "signed_off": "已会签",
    "rendered": "已生成",
    "published": "已公开",
}
ACTION_LABELS = {
    "submit": "提交",
    "review": "审核",
    "sign_off": "会签",
    "render": "生成",
    "publish": "公开",
}
ROLE_LABELS = {
    "preparer": "填报人",
    "department_head": "部门负责人",
    "finance_reviewer": "财政局审核人",
    "auditor": "审计/纪检",
    "admin": "管理员",
    "system": "系统",
}
ITEM_LABELS = {"line": "预算项目", "indicator": "绩效指标", "section": "文字部分"}
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


def templates() -> Jinja2Templates:
    """The environment, autoescaping, with the labels as globals."""
    found = Jinja2Templates(directory=TEMPLATES)
    env = found.env
    # Every template is HTML, whatever its suffix: escape everything it shows.
    env.autoescape = True
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
    )
    return found
