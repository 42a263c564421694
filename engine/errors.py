"""Domain errors.

Every failure a user can cause is one of these.  The web layer maps each class to the
HTTP status of API.md; the engine never imports Flask.  ``code`` is the stable,
machine-readable name; ``message`` is a key into the message catalogue (zh/en) or a
literal already written for people; ``details`` carries the structured part
(``fields`` for forms, ``elements`` for BPMN).
"""

from __future__ import annotations

from typing import Any


class GovflowError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str = "", *, code: str | None = None, **details: Any) -> None:
        super().__init__(message or self.code)
        self.message = message or self.code
        if code:
            self.code = code
        self.details = details


class BadRequest(GovflowError):
    status = 400
    code = "bad_request"


class InvalidBpmn(BadRequest):
    code = "invalid_bpmn"


class Unauthorized(GovflowError):
    status = 401
    code = "unauthorized"


class Forbidden(GovflowError):
    status = 403
    code = "forbidden"


class NotFound(GovflowError):
    status = 404
    code = "not_found"


class Conflict(GovflowError):
    status = 409
    code = "conflict"


class TooLarge(GovflowError):
    status = 413
    code = "too_large"


class TooManyAttempts(GovflowError):
    """Too many failed sign-ins from one address or for one user; ``retry_after`` is the
    number of seconds until the next attempt is let through (the ``Retry-After`` header)."""

    status = 429
    code = "too_many_attempts"

    def __init__(self, message: str = "", *, retry_after: int, **details: Any) -> None:
        super().__init__(message, retry_after_seconds=retry_after, **details)
        self.retry_after = retry_after


class ValidationFailed(GovflowError):
    """Form data failed validation; ``details['fields']`` maps field → messages."""

    status = 422
    code = "validation_failed"


class Undeployable(GovflowError):
    """BPMN failed deploy checks; ``details['elements']`` lists ``{id, message}``."""

    status = 422
    code = "undeployable_bpmn"


class WorkflowFailure(GovflowError):
    """The process itself failed while stepping (a bad expression met at run time)."""

    status = 422
    code = "workflow_error"


class FactMissing(WorkflowFailure):
    """A step needs a fact of a record shared data did not provide (``details``: record,
    fact, and where to enter it): someone can supply it, then the step runs."""

    status = 409
    code = "fact_missing"


def database_unreachable(exc: BaseException) -> bool:
    """Did ``exc`` come from the database being down or restarting (the connection refused
    or dropped), rather than from a fault of govflow's?  Such a request answers 503: it
    changed nothing (its transaction never committed) and may be sent again."""
    from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError

    if isinstance(exc, DisconnectionError | OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
