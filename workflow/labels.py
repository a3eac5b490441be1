"""The domain's ids in the words its people use: stages, roles, actions, pinned items and
commands in Chinese. A leaf module (it imports nothing of the domain), so that the rules,
the confirmations (workflow/wording.py) and the pages can all say the same words."""

from __future__ import annotations

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
    "open": "新建",
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

#: The report commands by their class names, as a refusal names what was tried.
COMMAND_LABELS = {
    "OpenReport": "新建报告",
    "SetFunctions": "填写主要职能",
    "SetStaffing": "填写机构与人员",
    "SetNetAssets": "填写净资产",
    "EditNarrative": "编写文字部分",
    "SetProjectField": "填写项目信息",
    "AddBudgetLine": "新增预算项目",
    "RenameBudgetLine": "更名预算项目",
    "RemoveBudgetLine": "删除预算项目",
    "SetInitialBudget": "填写年初预算数",
    "RecordAdjustment": "记录预算调整",
    "CancelAdjustment": "撤销预算调整",
    "RecordActualSpending": "填写实际支出数",
    "AddIndicator": "新增绩效指标",
    "RecordIndicatorActual": "填写指标完成值",
    "RemoveIndicator": "删除绩效指标",
    "SetIndicatorLine": "设置指标对应的预算项目",
    "GradeIndicator": "评定定性指标",
    "AdjustIndicatorTarget": "调整指标值",
    "SetIndicatorScore": "填写指标得分",
    "SetExecutionScore": "填写预算执行率得分",
    "SubmitReport": "提交",
    "ApproveReport": "审核通过",
    "ReturnReport": "退回修改",
    "SignOffReport": "会签",
    "RecordRendering": "记录生成的文件",
    "RecordRenderFailure": "记录生成失败",
    "RemindOfDeadline": "截止提醒",
    "PublishReport": "公开",
    "ReopenReport": "重新打开",
}


def labelled(value: object, labels: dict[str, str]) -> str:
    """``草稿（draft）``: the word, with the id in brackets (the id alone if it has none)."""
    text = str(value)
    word = labels.get(text)
    return f"{word}（{text}）" if word else text
