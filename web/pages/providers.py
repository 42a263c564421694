"""The administrator's providers page: every shared-data provider with its department,
sharing class, transport, purposes, whether its credential's variable is set (never its
value) and whether its configuration is on; and the form that edits what
``PUT /api/v1/shared-data/providers/{name}`` edits, through the API's own schema and the
same service, so the page refuses what the API refuses."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from marshmallow import ValidationError

from engine.errors import NotFound, ValidationFailed
from engine.services import providers as service

from ..schemas.shared_data import ProviderConfig
from .common import engine, login_required, principal

bp = Blueprint("providers_admin", __name__)

#: What the page says for a field the API's schema refused (its own messages are English).
FIELD_PROBLEMS = {
    "timeout_seconds": lazy_gettext("A number of seconds above 0, at most 60."),
    "retries": lazy_gettext("A whole number from 0 to 5."),
    "credential_env": lazy_gettext(
        "The NAME of an environment variable, e.g. GOVFLOW_EXCHANGE_TOKEN."
    ),
    "kind": lazy_gettext("Choose the built-in table or the exchange platform."),
    "url": lazy_gettext("An http:// or https:// address is required for the exchange platform."),
}


def _schema_problems(messages: dict[str, Any], purposes: list[str]) -> dict[str, list[str]]:
    """The schema's messages as the page says them: a purpose by its line."""
    problems: dict[str, list[str]] = {}
    for key, said in messages.items():
        if key == "purposes" and isinstance(said, dict):
            problems[key] = [
                _(
                    "Line %(n)s is not a <matter>/<step> pattern: %(value)s",
                    n=index + 1,
                    value=purposes[index] if index < len(purposes) else "",
                )
                for index in sorted(i for i in said if isinstance(i, int))
            ]
        elif key in FIELD_PROBLEMS:
            problems[key] = [str(FIELD_PROBLEMS[key])]
        else:
            problems[key] = [str(m) for m in (said if isinstance(said, list) else [said])]
    return problems


def _providers() -> list[dict[str, Any]]:
    return service.list_providers(engine(), principal())


def _provider(name: str) -> dict[str, Any]:
    found = next((p for p in _providers() if p["name"] == name), None)
    if found is None:
        abort(404)
    return found


@bp.get("/admin/providers")
@login_required("admin")
def provider_list():  # noqa: ANN201
    return render_template("admin/providers.html", providers=_providers())


def _form_of(provider: dict[str, Any]) -> dict[str, Any]:
    endpoint = provider.get("endpoint") or {}
    return {
        "kind": provider["transport"],
        "url": endpoint.get("url") or "",
        "timeout_seconds": endpoint.get("timeout_seconds") or 3.0,
        "retries": endpoint.get("retries") if endpoint.get("retries") is not None else 2,
        "credential_env": endpoint.get("credential_env") or "",
        "purposes": "\n".join(provider["purposes"]),
        "enabled": provider["enabled"],
    }


def _edit_page(provider: dict, form: dict, errors: dict, status: int = 200):  # noqa: ANN202
    page = render_template("admin/provider_form.html", provider=provider, form=form, errors=errors)
    return page, status


@bp.get("/admin/providers/<name>")
@login_required("admin")
def edit_provider(name: str):  # noqa: ANN201
    provider = _provider(name)
    return _edit_page(provider, _form_of(provider), {})


def _payload(form: dict[str, Any], conditional: bool) -> dict[str, Any]:
    """The form as the API's body: numbers left as typed for the schema to judge."""
    payload: dict[str, Any] = {
        "kind": form["kind"],
        "url": form["url"] or None,
        "timeout_seconds": form["timeout_seconds"],
        "retries": form["retries"],
        "credential_env": form["credential_env"] or None,
        "enabled": form["enabled"],
    }
    for key, convert in (("timeout_seconds", float), ("retries", int)):
        try:
            payload[key] = convert(str(form[key]).strip())
        except ValueError:
            pass  # the schema names the field
    if conditional:
        lines = [p.strip() for p in form["purposes"].splitlines() if p.strip()]
        payload["purposes"] = lines
    return payload


@bp.post("/admin/providers/<name>")
@login_required("admin")
def save_provider(name: str):  # noqa: ANN201
    provider = _provider(name)
    raw = request.form
    form = {
        "kind": raw.get("kind", "database"),
        "url": raw.get("url", "").strip(),
        "timeout_seconds": raw.get("timeout_seconds", ""),
        "retries": raw.get("retries", ""),
        "credential_env": raw.get("credential_env", "").strip(),
        "purposes": raw.get("purposes", ""),
        "enabled": raw.get("enabled") == "on",
    }
    payload = _payload(form, provider["sharing"] == "conditional")
    try:
        cleaned = ProviderConfig().load(payload)
        service.configure_provider(engine(), principal(), name, cleaned)
    except ValidationError as exc:
        errors = _schema_problems(exc.messages, payload.get("purposes") or [])
        return _edit_page(provider, form, errors, 422)
    except ValidationFailed as exc:
        return _edit_page(provider, form, dict(exc.details.get("fields", {})), 422)
    except NotFound:
        abort(404)
    flash(_("The provider %(name)s is saved.", name=name), "success")
    return redirect(url_for(".provider_list"))
