from __future__ import annotations

from flask import Blueprint, g

from engine.clock import isoformat
from engine.models import User
from engine.services import auth

from ..schemas import auth as schemas
from .common import authenticated, engine
from .operation import body, operation

bp = Blueprint("auth", __name__)


def user_view(user: User) -> dict:
    view = {
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles or []),
        "department": user.department_code,
    }
    if "applicant" in (user.roles or []):
        view["id_number"] = user.id_number
    return view


@bp.post("/auth/token")
@operation(
    "Exchange username and password for a bearer token",
    tag="auth",
    body=schemas.TokenRequest,
    answer=schemas.Token,
    errors=(401, 422),
    public=True,
)
def issue_token():  # noqa: ANN201
    credentials = body()
    token, expires_at, user = auth.authenticate(
        engine(), credentials["username"], credentials["password"]
    )
    return {"token": token, "expires_at": isoformat(expires_at), "user": user_view(user)}


@bp.get("/me")
@authenticated
@operation("The signed-in user", tag="auth", answer=schemas.User)
def me():  # noqa: ANN201
    return user_view(g.user)
