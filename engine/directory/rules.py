"""What a valid department or user is: each field checked, every problem named.

``Checker`` collects field → messages the way a 422's ``details.fields`` carries them,
so one answer lists everything wrong with a request (or a CSV row) at once.  Nothing here
reads the database: existence, duplicates and the tree are checked by the session-level
operations in ``departments`` and ``users``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import ValidationFailed
from ..forms import is_valid_id_number
from .messages import say

#: Codes appear in BPMN (``camunda:candidateGroups="tax,registry"``) and in task rows:
#: no spaces, commas or capitals, and never renamed.
CODE_RE = re.compile(r"[a-z][a-z0-9_]{1,39}")
KIND_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: GB/T 2260 county-level codes are 6 digits; townships 9, villages 12 (统计用区划代码).
DIVISION_RE = re.compile(r"\d{6}|\d{9}|\d{12}")
USERNAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{1,79}")
PHONE_RE = re.compile(r"1\d{10}")
#: An address e-mail notifications can go to: one @, a dotted domain, no spaces.
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")

#: Roles of API.md; ``integration`` is the system account of an exchange platform.
ROLES = ("admin", "designer", "clerk", "supervisor", "applicant", "integration")
NAME_LIMIT = 100


class Checker:
    """Field problems of one request, in the caller's language."""

    def __init__(self, lang: str = "zh") -> None:
        self.lang = lang
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, key: str, **values: Any) -> None:
        self.fields.setdefault(field, []).append(say(self.lang, key, **values))

    def extend(self, field: str, messages: Iterable[str]) -> None:
        for message in messages:
            self.fields.setdefault(field, []).append(message)

    def ok(self, field: str) -> bool:
        return field not in self.fields

    def raise_if_any(self) -> None:
        if self.fields:
            raise ValidationFailed("some fields are invalid", fields=self.fields)

    # --- one field each ------------------------------------------------------------------

    def only(self, payload: dict[str, Any], allowed: Iterable[str]) -> None:
        for name in payload:
            if name not in allowed:
                self.add(name, "unknown_field")

    def text(
        self, payload: dict[str, Any], field: str, *, required: bool, limit: int = NAME_LIMIT
    ) -> str | None:
        value = payload.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(field, "required")
            return None
        if not isinstance(value, str):
            self.add(field, "not_text")
            return None
        value = value.strip()
        if len(value) > limit:
            self.add(field, "too_long", n=limit)
            return None
        return value

    def pattern(
        self, payload: dict[str, Any], field: str, regex: re.Pattern, key: str, *, required: bool
    ) -> str | None:
        value = self.text(payload, field, required=required, limit=80)
        if value is not None and not regex.fullmatch(value):
            self.add(field, key)
            return None
        return value

    def boolean(self, payload: dict[str, Any], field: str, default: bool) -> bool:
        value = payload.get(field, default)
        if not isinstance(value, bool):
            self.add(field, "not_boolean")
            return default
        return value

    def names(self, payload: dict[str, Any], *, required: bool) -> dict[str, str] | None:
        """``name``: ``{"zh": ..., "en": ...}``, both filled in."""
        value = payload.get("name")
        if value is None:
            if required:
                self.add("name", "required")
            return None
        texts = (value.get("zh"), value.get("en")) if isinstance(value, dict) else (None, None)
        if not all(isinstance(t, str) and t.strip() for t in texts) or set(value) - {"zh", "en"}:
            self.add("name", "names_object")
            return None
        if any(len(t.strip()) > NAME_LIMIT for t in texts):
            self.add("name", "too_long", n=NAME_LIMIT)
            return None
        return {"zh": texts[0].strip(), "en": texts[1].strip()}

    def roles(self, payload: dict[str, Any], *, required: bool) -> list[str] | None:
        value = payload.get("roles")
        if value is None:
            if required:
                self.add("roles", "required")
            return None
        if not isinstance(value, list) or not value or not all(isinstance(r, str) for r in value):
            self.add("roles", "roles_list")
            return None
        for role in value:
            if role not in ROLES:
                self.add("roles", "unknown_role", role=role)
        return list(dict.fromkeys(value)) if self.ok("roles") else None

    def id_number(self, payload: dict[str, Any]) -> str | None:
        value = self.text(payload, "id_number", required=False, limit=18)
        if value is not None and not is_valid_id_number(value):
            self.add("id_number", "bad_id_number")
            return None
        return value.upper() if value else None

    def phone(self, payload: dict[str, Any]) -> str | None:
        return self.pattern(payload, "phone", PHONE_RE, "bad_phone", required=False)

    def email(self, payload: dict[str, Any]) -> str | None:
        return self.pattern(payload, "email", EMAIL_RE, "bad_email", required=False)
