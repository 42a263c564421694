"""What deploy tells a designer about a model that deploys but will not serve people well.

The checks of ``engine.definitions`` refuse what cannot run.  These warnings name what will
run and still fail its users — each found from what only the services know:

* a pull a provider will refuse, because the provider is not shared for this matter's
  purpose (``<matter>/<step>``): every such pull would end ``refused`` and the applicant
  would be asked to upload what the government holds;
* a ``subject`` nothing in the case provides (no start-form field, no applicant property,
  no earlier task's field or pulled record): every pull would end ``no_key``;
* a matter without a start form: applicants apply with their identity and materials only.
"""

from __future__ import annotations

from typing import Any

from ..context import Govflow
from ..forms import FormRegistry
from ..shared_data import registry
from ..uow import read_only

#: What the case knows about its applicant without any form (``applicant.<property>``).
APPLICANT_PROPERTIES = ("id_number", "name")


def advise(govflow: Govflow, meta: dict[str, Any], forms: FormRegistry) -> list[tuple[str, str]]:
    warnings: list[tuple[str, str]] = []
    if not meta.get("start_form"):
        warnings.append(
            (
                meta["key"],
                "the matter has no start form: applicants apply with their identity and "
                "the listed materials only",
            )
        )
    warnings.extend(_purposes_refused(govflow, meta))
    warnings.extend(_subjects_unprovided(meta, forms))
    return warnings


def _purposes_refused(govflow: Govflow, meta: dict[str, Any]) -> list[tuple[str, str]]:
    warnings = []
    with read_only(govflow.db) as session:
        for task in meta.get("service_tasks", []):
            purpose = f"{meta['key']}/{task['id']}"
            for name in task["shared_data"]:
                if name not in govflow.providers:
                    continue  # refused by the checks already
                resolved = registry.resolve(session, govflow.providers, name)
                if not resolved.allows(purpose):
                    spec = resolved.spec
                    warnings.append(
                        (
                            task["id"],
                            f"provider '{name}' ({spec.title_en or name}, department "
                            f"'{spec.department}') is not shared for the purpose '{purpose}': "
                            "its pulls will be refused and the applicant asked to upload; ask "
                            "that department to grant the purpose",
                        )
                    )
    return warnings


def _subjects_unprovided(meta: dict[str, Any], forms: FormRegistry) -> list[tuple[str, str]]:
    provided = _provided_names(meta, forms)
    warnings = []
    for task in meta.get("service_tasks", []):
        for subject in task["subject"]:
            head, _dot, rest = subject.partition(".")
            known = (
                subject in provided
                or (head == "applicant" and rest in APPLICANT_PROPERTIES)
                or (bool(rest) and head in provided)
            )
            if not known:
                warnings.append(
                    (
                        task["id"],
                        f"subject '{subject}' is not provided by the start form, the "
                        "applicant (applicant.id_number, applicant.name) or an earlier step: "
                        "its pulls will find no key",
                    )
                )
    return warnings


def _provided_names(meta: dict[str, Any], forms: FormRegistry) -> set[str]:
    """Every name a case of this model may hold: form fields, pulled providers' records,
    the applicant's properties as the case stores them."""
    names = {f"applicant_{p}" for p in APPLICANT_PROPERTIES}
    form_keys = [meta.get("start_form")] + [t.get("form_key") for t in meta.get("user_tasks", [])]
    for key in filter(None, form_keys):
        form = forms.get(key)
        if form is not None:
            names.update(f["name"] for f in form.to_dict().get("fields", []))
    for task in meta.get("service_tasks", []):
        names.update(task["shared_data"])
        if task.get("issue"):
            names.add(task["issue"])
    return names
