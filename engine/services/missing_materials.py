"""Required materials missing at 受理 (accepting) or 办结 (concluding): never silently.

The clerk chooses: ask the applicant for them (补正, ``clock_stops.request_supplement``),
or go on with a reason.  Completing the step without a reason is refused (422
``materials_missing``, naming each missing material); with one, the step goes on and the
case's trail keeps the reason and the materials (``missing_materials_accepted``).

The reason travels in the task's form data under ``missing_materials_reason``: a key no
form declares, taken out before the form is validated, so every form gets it.

What counts as missing: a *required* material the matter expects from shared data that
neither arrived nor was uploaded instead (the pull failed, found nothing, or the provider
does not share it for this purpose).  At acceptance a material whose pull belongs to a
later step (``action == "wait"``) is not missing yet; a material deferred under 容缺受理
(still outstanding) or replaced by a signed 告知承诺 pledge is not missing at either point —
the reforms have their own follow-up — nor is one whose record the applicant disputed while
its department corrects it.  Documents no register holds (the articles of a
company) are the window's to check on the page, as before: the flagship flows accept
before the applicant uploads them, and their tests and outside checks stay as they are.
"""

from __future__ import annotations

from typing import Any

from ..errors import ValidationFailed
from ..models import TaskRow
from ..reforms.views import annotate
from ..runtime.executor import CommandContext
from .materials import case_materials

#: The form-data key that carries the clerk's reason for going on without them.
REASON_FIELD = "missing_materials_reason"
MAX_REASON = 2000

ACCEPTANCE, CONCLUSION = "acceptance", "conclusion"
#: A deferral still running, a pledge standing in for the material: not missing.
_DEFERRED = ("outstanding",)
_PLEDGED = ("signed", "verified")


def take_reason(data: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``data`` without the reason, and the reason (stripped; empty when none)."""
    if REASON_FIELD not in data:
        return data, ""
    rest = {k: v for k, v in data.items() if k != REASON_FIELD}
    reason = data[REASON_FIELD]
    if reason is None:
        return rest, ""
    if not isinstance(reason, str):
        raise ValidationFailed(
            "the reason must be text",
            fields={REASON_FIELD: ["必须是文字 / must be text"]},
        )
    reason = reason.strip()
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            "the reason is too long",
            fields={REASON_FIELD: [f"最多 {MAX_REASON} 个字符 / at most {MAX_REASON} characters"]},
        )
    return rest, reason


def missing(ctx: CommandContext, stage: str) -> list[dict[str, Any]]:
    """The case's required materials missing at ``stage``: ``{"code", "name"}`` each."""
    materials = case_materials(ctx.case, ctx.definition, ctx.session)
    annotate(ctx.session, ctx.case.id, materials)
    found = []
    for material in materials:
        if not material["required"] or material["status"] != "missing":
            continue
        if not material.get("provider"):  # brought by the applicant: see the docstring
            continue
        if stage == ACCEPTANCE and material["action"] == "wait":
            continue
        if (material.get("deferral") or {}).get("status") in _DEFERRED:
            continue
        if (material.get("pledge") or {}).get("status") in _PLEDGED:
            continue
        if (material.get("dispute") or {}).get("status") == "open":
            # The applicant disputed the record and its owning department is correcting
            # it: the case goes on meanwhile (docs/SHARED_DATA.md, disputes).
            continue
        found.append({"code": material["code"], "name": material["name"]})
    return found


def _names(items: list[dict[str, Any]], lang: str) -> str:
    separator = "、" if lang != "en" else ", "
    names = []
    for item in items:
        name = item["name"]
        if isinstance(name, dict):
            name = name.get("en" if lang == "en" else "zh") or name.get("zh") or item["code"]
        names.append(str(name or item["code"]))
    return separator.join(names)


def require_choice(
    ctx: CommandContext, row: TaskRow, stage: str, reason: str, lang: str = "zh"
) -> None:
    """Refuse the step while required materials are missing and no reason is given;
    with a reason, record it with the materials it goes on without."""
    items = missing(ctx, stage)
    if not items:
        return
    if not reason:
        step = "受理" if stage == ACCEPTANCE else "办结"
        if lang == "en":
            hint = (
                f"required materials are missing: {_names(items, 'en')}. Request a "
                "supplement, or give the reason to go on without them"
            )
        else:
            hint = (
                f"缺少必需材料：{_names(items, 'zh')}。请发起补正（一次性告知），"
                f"或填写缺材料仍予{step}的理由"
            )
        raise ValidationFailed(
            f"required materials are missing at {stage}: {_names(items, 'en')}; request a "
            f"supplement, or complete with '{REASON_FIELD}'",
            code="materials_missing",
            fields={REASON_FIELD: [hint]},
            missing_materials=items,
            stage=stage,
        )
    ctx.audit(
        "missing_materials_accepted",
        task_id=row.id,
        name=row.name,
        department=row.department_code,
        stage=stage,
        reason=reason,
        materials=items,
    )
