"""Error messages in Chinese (default) and English, chosen by Accept-Language."""

from __future__ import annotations

from flask import request

MESSAGES: dict[str, tuple[str, str]] = {
    "bad_request": ("请求格式错误", "The request is malformed"),
    "invalid_bpmn": ("文件不是有效的 BPMN 2.0 文档", "The file is not a valid BPMN 2.0 document"),
    "unauthorized": ("未登录、令牌无效或已过期", "Not signed in, or the token is wrong or expired"),
    "forbidden": ("无权执行此操作", "You are not allowed to do this"),
    "not_found": ("资源不存在", "No such resource"),
    "conflict": ("数据已被他人修改，请刷新后重试", "Someone else changed this; reload and retry"),
    "task_not_ready": ("任务当前不可办理", "The task is not ready"),
    "already_completed": ("任务已办结，不能重复提交", "The task is already completed"),
    "already_claimed": ("任务已被他人签收", "The task is claimed by someone else"),
    "case_closed": ("办件已终止", "The case is closed"),
    "too_large": ("上传文件过大", "The upload is too large"),
    "too_many_attempts": (
        "登录失败次数过多，请稍后再试",
        "Too many failed sign-ins; try again later",
    ),
    "validation_failed": ("表单校验未通过", "The form has errors"),
    "materials_missing": (
        "必需材料缺失：请发起补正，或填写缺材料仍继续办理的理由（missing_materials_reason）",
        "Required materials are missing: request a supplement, or give the reason to go on "
        "without them (missing_materials_reason)",
    ),
    "undeployable_bpmn": ("流程模型未通过部署校验", "The process model cannot be deployed"),
    "workflow_error": ("流程运行出错", "The process failed while running"),
    "fact_missing": (
        "共享数据未提供该步骤所需信息，请根据申请人上传的材料录入后再办理",
        "Shared data did not provide a fact this step needs; enter it from the uploaded "
        "document, then try again",
    ),
    "method_not_allowed": ("不支持该请求方法", "Method not allowed"),
    "internal_error": ("服务器内部错误", "Internal server error"),
    "database_unavailable": (
        "数据库暂时无法访问，本次操作未执行，请稍后重试",
        "The database cannot be reached; nothing was done, try again shortly",
    ),
    # clerk verbs (engine/verbs)
    "case_not_running": ("办件当前不在办理中", "The case is not running"),
    "case_suspended": ("办件已挂起，恢复后方可办理", "The case is suspended"),
    "no_supplement_pending": ("没有待补正的材料通知", "No supplement request is waiting"),
    "already_ended": ("该特别程序已结束", "The special procedure has already ended"),
    "already_suspended": ("办件已处于挂起状态", "The case is already suspended"),
    "not_suspended": ("办件未挂起", "The case is not suspended"),
    "not_completed": ("任务尚未办结，无需撤回", "The task is not completed"),
    "next_task_touched": ("下一环节已签收或办理，不能撤回", "The next step has been taken up"),
    "delegation_pending": ("任务已委派，待被委派人办结后交回", "The task is delegated"),
    "not_delegated": ("任务未被委派", "The task is not delegated"),
    "already_urged": ("24 小时内已催办过该任务", "You urged this task within the last day"),
    "not_refusable": ("仅窗口受理环节可作不予受理", "Only the window's acceptance step refuses"),
    "not_concluded": ("办件办结后方可评价", "Rate the service once the case is concluded"),
    "already_rated": ("该办件已评价", "The case has already been rated"),
    # moving running cases to another version (services/case_migration)
    "unknown_version": ("该事项没有此版本", "The matter has no such version"),
    "version_not_current": (
        "只能迁移到已审核的现行版本",
        "Only the current (approved) version is a target",
    ),
    # departments and users (engine/directory)
    "password_change_required": (
        "密码已被管理员重置，请先修改密码",
        "An administrator reset your password; choose a new one first",
    ),
    "department_has_open_tasks": (
        "该部门仍有待办任务，停用时须指定承接部门",
        "The department still has open tasks; name a successor to take them over",
    ),
    "last_admin": (
        "至少须保留一名有效的系统管理员",
        "At least one active administrator must remain",
    ),
    "not_a_demo_database": (
        "数据库中已有非演示用户，不能写入演示数据",
        "The database has users the demo did not create; the demo is not seeded",
    ),
}


def language() -> str:
    """``en`` when the client prefers English, else ``zh`` (the default)."""
    best = request.accept_languages.best_match(["zh-CN", "zh", "en"], default="zh-CN")
    return "en" if best and best.startswith("en") else "zh"


def asked_language() -> str:
    """The language a request asked for, for texts the engine words in English (a deploy
    problem): ``en`` unless the request asks for Chinese with Accept-Language — clients
    that send no preference keep the English they always received."""
    if not request.headers.get("Accept-Language"):
        return "en"
    return language()


def message(code: str, fallback: str = "") -> str:
    zh, en = MESSAGES.get(code, (fallback or code, fallback or code))
    return en if language() == "en" else zh
