"""What every endpoint shares: the engine, the caller and pagination (requests are read
in parsing.py, through the schemas an ``@operation`` declares)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from flask import current_app, g, request

from engine.context import Govflow
from engine.directory import standing
from engine.errors import Unauthorized
from engine.principal import Principal
from engine.services import auth

from ..schemas.base import clamp
from .operation import query

#: What a user whose password was reset may still call: who am I, and change it.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"api.auth.me", "api.directory.change_password"})


def engine() -> Govflow:
    return current_app.extensions["govflow"]


def caller() -> Principal:
    return g.principal


def bearer_token() -> str:
    """The request's bearer token (401 without one)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer token")
    return token.strip()


def authenticated(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.user = standing.ensure_active(auth.user_for_token(engine(), bearer_token()))
        if request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            standing.ensure_password_current(g.user)
        g.principal = auth.principal_of(g.user)
        return view(*args, **kwargs)

    return wrapper


def paging() -> tuple[int, int]:
    """``page`` and ``per_page`` of a list operation (its query schema extends ``Paging``)."""
    return clamp(query())


def page_of(items: Iterable[Any], total: int, page: int, per_page: int) -> dict[str, Any]:
    return {"items": list(items), "total": total, "page": page, "per_page": per_page}
