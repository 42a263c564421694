"""Masking identifiers for people who don't need them (DOMAIN.md: 110101********1234,
138****5678, 张*).

Who sees what in clear is decided in ``engine.services.disclosure``; this module only
knows how to hide.  ``mask_data`` walks any JSON value: ID numbers and mobile numbers
are found by their shape wherever they appear (a record's ``owners`` list, a ``seller``
field, a free-text opinion), names by the key that holds them.
"""

from __future__ import annotations

import re
from typing import Any

#: 18-character resident ID (17 digits + digit or X), not inside a longer run of digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
#: Mainland mobile numbers.
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
#: Keys whose value is a person's name.  ``*_name`` keys are names unless listed below.
_NAME_KEYS = frozenset({"applicant_name", "spouse_name", "legal_representative", "display_name"})
_NOT_PERSON_NAMES = frozenset(
    {"company_name", "process_name", "matter_name", "file_name", "filename", "department_name"}
)


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) <= 10:
        return value[:2] + "*" * (len(value) - 2)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_email(value: str | None) -> str | None:
    """``zhangsan@example.cn`` → ``z***@example.cn``: the mailbox hidden, the domain kept."""
    if not value:
        return value
    local, at, domain = value.rpartition("@")
    if not at:
        return "*" * len(value)
    return (local[:1] or "") + "***@" + domain


def mask_name(value: str | None) -> str | None:
    if not value:
        return value
    return value[0] + "*" * max(1, len(value) - 1)


def mask_text(value: str) -> str:
    """Every ID number and mobile number inside ``value`` masked."""
    value = _ID_NUMBER.sub(lambda m: mask_id_number(m.group(0)) or "", value)
    return _MOBILE.sub(lambda m: mask_phone(m.group(0)) or "", value)


def _is_name_key(key: str, siblings: dict[str, Any]) -> bool:
    if key in _NAME_KEYS:
        return True
    if key == "name":  # a person's record (identity) has an ID number beside the name
        return "id_number" in siblings
    return key.endswith("_name") and key not in _NOT_PERSON_NAMES


def mask_data(value: Any) -> Any:
    """A copy of ``value`` (any JSON) with identifiers masked."""
    if isinstance(value, dict):
        masked = {}
        for key, item in value.items():
            if (
                isinstance(item, str)
                and _is_name_key(str(key), value)
                and not _ID_NUMBER.search(item)
            ):
                masked[key] = mask_name(item)
            elif isinstance(item, str) and "phone" in str(key):
                masked[key] = mask_phone(item)
            else:
                masked[key] = mask_data(item)
        return masked
    if isinstance(value, list):
        return [mask_data(item) for item in value]
    if isinstance(value, str):
        return mask_text(value)
    return value
