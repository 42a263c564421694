"""Messages of the directory's validation, in Chinese and English.

Field errors answer in the caller's language (``details.fields`` of a 422), like form
validation does; each message is a pair, picked by :func:`say`.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("必填", "is required"),
    "not_text": ("必须是文本", "must be a text"),
    "not_boolean": ("必须是 true 或 false", "must be true or false"),
    "too_long": ("不能超过 {n} 个字符", "must be at most {n} characters"),
    "bad_code": (
        "以小写字母开头，只含小写字母、数字和下划线，2–40 个字符",
        "must start with a lower-case letter and hold only a–z, 0–9 and _, 2–40 characters",
    ),
    "bad_kind": (
        "以小写字母开头，只含小写字母、数字和下划线",
        "must start with a lower-case letter and hold only a–z, 0–9 and _",
    ),
    "bad_division": (
        "行政区划代码为 6、9 或 12 位数字",
        "an administrative division code is 6, 9 or 12 digits",
    ),
    "names_object": (
        '须为 {{"zh": "…", "en": "…"}}，两种语言都要填写',
        'must be {{"zh": "…", "en": "…"}} with both languages filled in',
    ),
    "unknown_department": ("没有代码为 {code} 的部门", "there is no department {code}"),
    "inactive_department": ("部门 {code} 已停用", "department {code} is deactivated"),
    "own_parent": ("部门不能是自己的上级", "a department cannot be its own parent"),
    "cycle": (
        "{code} 是本部门的下级，不能作为上级（会形成循环）",
        "{code} lies below this department; making it the parent would form a cycle",
    ),
    "successor_self": (
        "承接部门不能是被停用的部门本身",
        "the successor cannot be the department itself",
    ),
    "successor_unneeded": (
        "只有停用部门时才需要指定承接部门",
        "a successor is named only when the department is deactivated",
    ),
    "bad_username": (
        "以字母或数字开头，只含字母、数字和 _ . @ -，2–80 个字符",
        "must start with a letter or digit and hold only letters, digits and _ . @ -, 2–80 characters",
    ),
    "roles_list": ("须为角色列表，至少一个", "must be a list of at least one role"),
    "unknown_role": ("未知角色 {role}", "unknown role {role}"),
    "clerk_needs_department": ("办事员必须属于一个部门", "a clerk must belong to a department"),
    "applicant_needs_id": (
        "申请人需要有效的 18 位公民身份号码",
        "an applicant needs a valid 18-character resident ID number",
    ),
    "bad_id_number": (
        "不是有效的 18 位公民身份号码",
        "not a valid 18-character resident ID number",
    ),
    "bad_phone": ("不是有效的手机号码", "not a valid mobile phone number"),
    "bad_email": ("不是有效的电子邮箱地址", "not a valid e-mail address"),
    "unknown_field": ("不认识的字段", "unknown field"),
    "password_short": ("密码至少 {n} 个字符", "the password needs at least {n} characters"),
    "password_one_class": (
        "密码须混合至少两类字符（小写字母、大写字母、数字、其他符号）",
        "the password must mix at least two kinds of character "
        "(lower-case, upper-case, digits, other)",
    ),
    "password_username": ("密码不能包含用户名", "the password must not contain the username"),
    "password_demo": ("不能使用演示密码", "the demo password cannot be used"),
    "wrong_password": ("当前密码不正确", "the current password is wrong"),
    "same_password": (
        "新密码不能与当前密码相同",
        "the new password must differ from the current one",
    ),
}


def say(lang: str, key: str, **values: Any) -> str:
    zh, en = MESSAGES[key]
    return (en if lang == "en" else zh).format(**values)
