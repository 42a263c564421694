"""Deploy problems in the designer's language.

The engine words each problem of a model in English (``engine.definitions``, the services'
advice); a designer working in Chinese reads them here, translated by pattern, with the
element's drawn name in front.  A problem no pattern knows keeps its English words (the
element name still in Chinese), so a new check is never hidden — only untranslated until
it is added below.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from engine.shared_data.providers import built_in_providers

#: (English pattern, Chinese template): the template's ``{name}`` fields are the groups.
_ZH: tuple[tuple[str, str | Callable[[dict[str, str]], str]], ...] = (
    (
        r"'(?P<g>.+)' is not a known department code or name",
        "“{g}”不是已知的部门代码或名称：请使用部门代码（如 registry）或部门中文名称",
    ),
    (
        r"candidate group '(?P<g>.+)' is an expression; name departments",
        "候选组“{g}”是表达式，请直接写部门代码或名称",
    ),
    (
        r"camunda:assignee expressions are not supported; name a user",
        "不支持办理人表达式，请写明用户名",
    ),
    (
        r"nobody can receive this task \(it waits for a person\).*",
        "此任务无人可接收：请放入部门泳道，或填写 camunda:candidateGroups、candidateUsers 或 assignee",
    ),
    (
        r"form '(?P<f>[^']+)' \(camunda:formKey\) is not a known form; did you mean '(?P<m>.+)'\?",
        "表单“{f}”（camunda:formKey）不存在，是否应为“{m}”？",
    ),
    (
        r"form '(?P<f>.+)' \(camunda:formKey\) is not a known form",
        "表单“{f}”（camunda:formKey）不存在",
    ),
    (r"start form '(?P<f>.+)' is not a known form", "开始表单“{f}”不存在"),
    (r"shared-data provider '(?P<p>.+)' does not exist", "共享数据提供方“{p}”不存在"),
    (
        r"a shared-data service task needs the 'subject' property",
        "共享数据服务任务须填写 subject 属性（证件号所在字段）",
    ),
    (
        r"service task without 'shared_data' or 'issue' does nothing",
        "服务任务未填写 shared_data 或 issue，不会执行任何操作",
    ),
    (
        r"timer without a value.*",
        "定时器未设置时间：请填写日期、时长（如 P3D）或周期",
    ),
    (
        r"provider '(?P<p>[^']+)' \((?P<t>.+), department '(?P<d>[^']+)'\) is not shared for "
        r"the purpose '(?P<u>[^']+)'.*",
        lambda g: (
            "共享数据提供方“{p}”（{t}，部门 {d}）未对用途“{u}”开放共享：该环节的数据获取将被拒绝，"
            "申请人须自行上传材料；请向该部门申请开通"
        ).format(**dict(g, t=_chinese_title(g["p"], g["t"]))),
    ),
    (
        r"subject '(?P<s>[^']+)' is not provided by the start form.*",
        "subject“{s}”在开始表单、申请人信息（applicant.id_number、applicant.name）和此前环节中"
        "均无来源：数据获取将因缺少证件号而失败",
    ),
    (
        r"the matter has no start form.*",
        "该事项没有开始表单：申请人只需以本人身份申请并提交所列材料",
    ),
    (r"only the first executable process is deployed", "只部署第一个可执行流程"),
    (
        r"no executable process.*",
        '没有可执行流程：请将流程设置为 isExecutable="true"',
    ),
    (
        r"the uploaded form '(?P<f>.+)' replaces the shipped form.*",
        "上传的表单“{f}”将在本流程中替换系统自带的同名表单",
    ),
    (r"two different definitions of form '(?P<f>.+)'", "表单“{f}”有两个不同的定义"),
    (
        r"a case would wait here forever: nothing sends a case (?P<k>\w+)s.*",
        "办件将在此永远等待：没有任何来源向办件发送此类事件（{k}）；请改用用户任务或定时器",
    ),
    (
        r"this (?P<k>\w+) event never fires: nothing sends .*",
        "此{k}事件永远不会触发：没有任何环节发送它",
    ),
    (
        r"this (?P<k>\w+) reaches nobody: nothing catches .*",
        "此{k}事件无人接收：没有任何环节捕获它",
    ),
    (
        r"a (?P<k>\w+) start event never starts a case.*",
        "{k}开始事件不会启动办件：办件通过接口启动，请使用普通开始事件",
    ),
    (
        r"this boundary never fires: .*'(?P<c>[^']+)', not '(?P<x>[^']*)'",
        "此边界事件永远不会触发：数据获取失败抛出的错误码是“{c}”，不是“{x}”",
    ),
    (r"a task for a person inside (?P<l>.+) is not supported.*", "不支持在{l}内放置人工任务"),
    (r"a timer inside (?P<l>.+) is not supported.*", "不支持在{l}内放置定时器"),
    (r"a link (?P<k>throw|catch) event needs a name.*", "链接事件须有名称（对应同名的链接事件）"),
    (
        r"no link catch event named '(?P<n>.+)' at this process level.*",
        "本层级没有名为“{n}”的链接捕获事件：办件会停在此处",
    ),
    (
        r"two link catch events are named '(?P<n>.+)' at one process level.*",
        "本层级有两个名为“{n}”的链接捕获事件：链接须唯一",
    ),
    (r"a link catch event has no incoming sequence flow.*", "链接捕获事件不应有流入的顺序流"),
    (r"a link throw event has no outgoing sequence flow.*", "链接抛出事件不应有流出的顺序流"),
    (
        r"'countersign' needs a multi-instance loop over a collection",
        "会签（countersign）须配合遍历集合的多实例",
    ),
    (
        r"give either 'countersign' or a completionCondition, not both",
        "countersign 与 completionCondition 只能二选一",
    ),
    (
        r"compensation is not run by govflow.*",
        "不支持补偿（compensation）：请把撤销画成部门的办理环节，或退回到需重办的环节",
    ),
    (
        r"conditional events are not run by govflow.*",
        "不支持条件事件：请在设置数据的环节之后使用排他网关，或使用定时器",
    ),
)
_COMPILED = tuple((re.compile(pattern, re.DOTALL), template) for pattern, template in _ZH)


def _chinese_title(provider: str, english: str) -> str:
    """A built-in provider's Chinese title (居民身份信息), else the title the message gave."""
    spec = built_in_providers().get(provider)
    return spec.title_zh if spec is not None and spec.title_zh else english


def in_chinese(message: str) -> str:
    for pattern, template in _COMPILED:
        found = pattern.fullmatch(message)
        if found:
            if callable(template):  # a template that looks something up, not only fills in
                return template(found.groupdict())
            return template.format(**found.groupdict())
    return message


def localized(problems: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Each ``{"id", "message"[, "name"]}`` in ``language`` (``zh`` or ``en``)."""
    if language != "zh":
        return problems
    return [dict(p, message=in_chinese(str(p.get("message", "")))) for p in problems]
