"""Signing in: the token request and the user it answers."""

from __future__ import annotations

from marshmallow import fields

from .base import Answer, Request, b, s, strings, text, when


class TokenRequest(Request):
    username = text(150, required=True)
    password = text(1000, required=True)


class User(Answer):
    username = fields.String(required=True)
    display_name = s()
    roles = strings()
    department = s(metadata={"description": "department code; null outside a department"})
    id_number = s(metadata={"description": "applicants only"})
    must_change_password = b(
        metadata={
            "description": "after an administrator's reset: only GET /me and "
            "POST /me/password answer until it is changed"
        }
    )


class Token(Answer):
    token = fields.String(required=True)
    expires_at = when(required=True)
    user = fields.Nested(User, required=True)
