"""Messages from integrations (API.md): a partner system tells a waiting case."""

from __future__ import annotations

from flask import Blueprint

from engine.services import messages as service

from ..schemas.cases import Case
from ..schemas.messages import Message
from .common import authenticated, caller, engine
from .operation import body, operation

bp = Blueprint("messages", __name__)


@bp.post("/messages")
@authenticated
@operation(
    "Deliver a message to a case that waits for it (integration, admin); 409 when it "
    "waits for no message of that name",
    tag="messages",
    body=Message,
    answer=Case,
    errors=(403, 404, 409, 422),
)
def deliver():  # noqa: ANN201
    message = body()
    return service.deliver(
        engine(), caller(), message["name"], message["case_id"], message.get("data") or {}
    )
