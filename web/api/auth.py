from __future__ import annotations

from flask import Blueprint, g, request, session

from engine.clock import isoformat
from engine.models import User
from engine.services import auth

from ..pages.common import SESSION_ID
from ..schemas import auth as schemas
from .common import authenticated, bearer_token, engine
from .operation import body, operation

bp = Blueprint("auth", __name__)


def user_view(user: User) -> dict:
    view = {
        "username": user.username,
        "display_name": user.display_name,
        "roles": list(user.roles or []),
        "department": user.department_code,
        "must_change_password": bool(user.must_change_password),
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
    errors=(401, 422, 429),
    public=True,
)
def issue_token():  # noqa: ANN201
    credentials = body()
    token, expires_at, user = auth.authenticate(
        engine(),
        credentials["username"],
        credentials["password"],
        address=request.remote_addr,
        # A browser signed in on the pages sends its session cookie along: the token is
        # then ended by that session's logout.
        page_session=session.get(SESSION_ID),
    )
    return {"token": token, "expires_at": isoformat(expires_at), "user": user_view(user)}


@bp.delete("/auth/token")
@authenticated
@operation("Revoke the caller's token (401 with it afterwards)", tag="auth", status=204)
def revoke_token():  # noqa: ANN201
    """Sign out an API client: the caller's token answers 401 from now on."""
    auth.revoke_token(engine(), bearer_token())
    return "", 204


@bp.get("/me")
@authenticated
@operation("The signed-in user", tag="auth", answer=schemas.User)
def me():  # noqa: ANN201
    return user_view(g.user)
