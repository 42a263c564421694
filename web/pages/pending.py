"""HOOKS: engine commands the pages already offer but that other issues are still building.

Each function below is the one place a page calls for that command.  When the command lands
in ``engine.services``, replace the body with the call (the signatures match what the pages
collect) and delete ``NotWiredYet``.  Until then the page explains that the action is not
available yet instead of failing.
"""

from __future__ import annotations

from engine.app import Govflow
from engine.errors import GovflowError
from engine.principal import Principal


class NotWiredYet(GovflowError):
    status = 501
    code = "not_available"


def request_supplement(
    app: Govflow,
    actor: Principal,
    task_id: str,
    items: list[dict[str, str]],
    note: str,
    lang: str,
) -> int:
    """补正 + 一次性告知: ask the applicant for every listed material at once.

    ``items``: ``[{"code": material code, "reason": why}]``.  Returns the case id.
    HOOK(shared-data issue): ``engine.services.tasks.request_supplement``.
    """
    raise NotWiredYet("request_supplement is not available yet")


def upload_material(
    app: Govflow, actor: Principal, case_id: int, code: str, filename: str, data: bytes
) -> None:
    """The applicant uploads one material (``POST /api/v1/cases/{id}/materials/{code}``).

    HOOK(shared-data issue): the material upload service function.
    """
    raise NotWiredYet("material upload is not available yet")


def submit_supplement(app: Govflow, actor: Principal, case_id: int, note: str) -> None:
    """The applicant answers the supplement request; the clock resumes.

    HOOK(shared-data / time-limits issue): the command that ends ``waiting_applicant``.
    """
    raise NotWiredYet("answering a supplement request is not available yet")
