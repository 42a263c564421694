"""What a notification says outside the app: an e-mail and an SMS, in Chinese.

The e-mail carries the notification as the inbox shows it (title, body) with the case
number.  An SMS is read on a lock screen and kept by the operator: it says only that
something happened to which case, never the reasons, materials or names in the body —
those are behind the sign-in.
"""

from __future__ import annotations

SIGNATURE = "【政务服务】"


def email_subject(title: str, case_id: int | None) -> str:
    number = f"（办件编号 {case_id}）" if case_id else ""
    return f"{SIGNATURE}{title}{number}"


def email_body(title: str, body: str, case_id: int | None) -> str:
    lines = ["您好：", "", title]
    if body:
        lines.append(body)
    lines.append("")
    if case_id:
        lines.append(f"办件编号：{case_id}")
    lines += [
        "详情和文书请登录政务服务网“我的办件”查看。",
        "",
        "本邮件由系统自动发送，请勿直接回复。",
    ]
    return "\n".join(lines) + "\n"


def sms_text(title: str, case_id: int | None) -> str:
    about = f"您的办件（编号{case_id}）" if case_id else "您"
    return f"{SIGNATURE}{about}：{title}。详情请登录政务服务网查看。"
