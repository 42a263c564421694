"""The provider registry: declarations from code, transport from ``provider_configs``.

What a provider *is* — department, fields, sharing class, accepted purposes — is declared
in ``providers.py`` and reviewed like code.  *Where* its records come from is
configuration: without a row in ``provider_configs`` the built-in table answers (the
demo); a row of kind ``http`` sends lookups to the exchange platform.  The row is read at
every pull, so every worker sees a change at once (nothing in a worker's memory is the
truth).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import audit, clock
from ..errors import NotFound, ValidationFailed
from ..principal import Principal
from . import allow_list
from .http import HttpProvider
from .models import ProviderConfig
from .providers import SHARING_CLASSES, DatabaseProvider

ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
PURPOSE = re.compile(r"^[A-Za-z0-9_*?\-]+/[A-Za-z0-9_*?\-]+$")


@dataclass(frozen=True)
class Resolved:
    """The provider to ask for one pull, and the purposes it accepts right now."""

    provider: DatabaseProvider | HttpProvider
    spec: DatabaseProvider
    purposes: tuple[str, ...] | None  # None: as declared

    def allows(self, purpose: str) -> bool:
        return self.spec.allows(purpose, self.purposes)


def resolve(session: Session, providers: dict[str, DatabaseProvider], name: str) -> Resolved:
    spec = providers[name]
    with session.no_autoflush:  # a configuration is flushed where it is written
        config = session.get(ProviderConfig, name)
    if config is None or not config.enabled:
        return Resolved(spec, spec, None)
    purposes = tuple(config.purposes) if config.purposes is not None else None
    if config.kind == "http":
        provider = HttpProvider(
            spec,
            config.url or "",
            timeout=config.timeout_seconds,
            retries=config.retries,
            credential_env=config.credential_env,
        )
        return Resolved(provider, spec, purposes)
    return Resolved(spec, spec, purposes)


def provider_view(spec: DatabaseProvider, config: ProviderConfig | None) -> dict[str, Any]:
    active = config is not None and config.enabled
    purposes = (
        list(config.purposes) if active and config.purposes is not None else list(spec.purposes)
    )
    view: dict[str, Any] = {
        "name": spec.name,
        "title": {"zh": spec.title_zh, "en": spec.title_en},
        "department": spec.department,
        "fields": list(spec.fields),
        "personal": spec.personal,
        "sharing": spec.sharing,
        "purposes": purposes if spec.sharing == "conditional" else [],
        "transport": config.kind if active else "database",
        "endpoint": None,
        # A configuration switched off falls back to the built-in table and the
        # declared purposes; no configuration at all is enabled.
        "enabled": config is None or config.enabled,
    }
    if active and config.kind == "http":
        view["endpoint"] = {
            "url": config.url,
            "timeout_seconds": config.timeout_seconds,
            "retries": config.retries,
            "credential_env": config.credential_env,
            # Whether the secret is there, never the secret.
            "credential_present": bool(
                config.credential_env and os.environ.get(config.credential_env)
            ),
        }
    return view


def listing(session: Session, providers: dict[str, DatabaseProvider]) -> list[dict[str, Any]]:
    configs = {c.name: c for c in session.scalars(select(ProviderConfig))}
    return [provider_view(spec, configs.get(name)) for name, spec in sorted(providers.items())]


def configure(
    session: Session,
    providers: dict[str, DatabaseProvider],
    actor: Principal,
    name: str,
    cleaned: dict[str, Any],
) -> dict[str, Any]:
    """Point provider ``name`` at an endpoint (or back at the built-in table).

    ``cleaned``: ``{"kind": "http"|"database", "url", "timeout_seconds", "retries",
    "credential_env", "purposes", "enabled"}`` as the request schema loaded it
    (web/schemas/shared_data.py ``ProviderConfig``: no secret in clear, a URL for http).
    """
    if name not in providers:
        raise NotFound(f"no provider '{name}'")
    _check_allow_lists(cleaned)
    config = session.get(ProviderConfig, name)
    if config is None:
        config = ProviderConfig(name=name)
        session.add(config)
    for key, value in cleaned.items():
        setattr(config, key, value)
    config.updated_at, config.updated_by = clock.now(), actor.username
    session.flush()
    audit.record(
        session,
        actor,
        "provider_configured",
        provider=name,
        **{k: v for k, v in cleaned.items() if k != "purposes"},
        purposes=cleaned.get("purposes"),
    )
    return provider_view(providers[name], config)


def _check_allow_lists(cleaned: dict[str, Any]) -> None:
    """The operator's allow-lists (``allow_list``): a 422 naming the field, at configuration
    time; the HTTP transport checks them again before every request."""
    fields: dict[str, list[str]] = {}
    url, env = cleaned.get("url"), cleaned.get("credential_env")
    if cleaned.get("kind") == "http" and url and (problem := allow_list.url_problem(url)):
        fields["url"] = [problem]
    if env is not None and (problem := allow_list.credential_env_problem(env)):
        fields["credential_env"] = [problem]
    if fields:
        raise ValidationFailed("the provider configuration is invalid", fields=fields)


__all__ = ["SHARING_CLASSES", "Resolved", "configure", "listing", "resolve"]
