"""The provider registry: declarations from code, transport from ``provider_configs``.

What a provider *is* — department, fields, sharing class, accepted purposes — is declared
in ``providers.py`` and reviewed like code.  *Where* its records come from is
configuration: without a row in ``provider_configs`` the built-in table answers (the
demo); a row of kind ``http`` sends lookups to the exchange platform.  Every pull asks the
database for the table's state, so every worker sees a change at once (nothing in a
worker's memory is the truth): a command reads the state with the lock on its case
(``stamp_columns``), and the rows are read again only when it changed.
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
from ..sql import table_state
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


@dataclass(frozen=True)
class Configured:
    """A ``provider_configs`` row as a pull reads it, held apart from any session."""

    kind: str
    url: str | None
    timeout_seconds: float
    retries: int
    credential_env: str | None
    purposes: tuple[str, ...] | None
    enabled: bool

    @classmethod
    def of(cls, row: ProviderConfig) -> Configured:
        purposes = tuple(row.purposes) if row.purposes is not None else None
        return cls(
            row.kind,
            row.url,
            row.timeout_seconds,
            row.retries,
            row.credential_env,
            purposes,
            row.enabled,
        )


#: Configurations by the engine (the database) and the state of its ``provider_configs``
#: (how many rows, last change); a worker holds a few, as it does built calendars.
_CONFIGS: dict[tuple[Any, ...], dict[str, Configured]] = {}


def stamp_columns() -> tuple[Any, Any]:
    """SQL: the state of ``provider_configs`` (how many rows, last change), the cache key
    of the configurations.  A command reads it with the lock on its case
    (``runtime.executor.case_facts``), so a pull needs no query of its own."""
    return table_state(ProviderConfig)


def forget_configurations() -> None:
    """This worker wrote a configuration: read them afresh, even if the clock did not move
    (a frozen test clock) and the state looks the same."""
    _CONFIGS.clear()


def configured(
    session: Session, name: str, stamp: tuple[Any, ...] | None = None
) -> Configured | None:
    """Provider ``name``'s configuration as of this transaction.  ``stamp``: the table's
    state read earlier in the same transaction; without it the row is read."""
    if stamp is None or any(isinstance(o, ProviderConfig) for o in (*session.new, *session.dirty)):
        with session.no_autoflush:  # a configuration is flushed where it is written
            row = session.get(ProviderConfig, name)
        return Configured.of(row) if row is not None else None
    key = (session.get_bind(), *stamp)
    configs = _CONFIGS.get(key)
    if configs is None:
        if len(_CONFIGS) > 16:
            _CONFIGS.clear()
        with session.no_autoflush:
            rows = session.scalars(select(ProviderConfig)).all()
        configs = _CONFIGS[key] = {row.name: Configured.of(row) for row in rows}
    return configs.get(name)


def resolve(
    session: Session,
    providers: dict[str, DatabaseProvider],
    name: str,
    stamp: tuple[Any, ...] | None = None,
) -> Resolved:
    """How to pull from provider ``name`` now; ``stamp`` as for ``configured``."""
    spec = providers[name]
    config = configured(session, name, stamp)
    if config is None or not config.enabled:
        return Resolved(spec, spec, None)
    if config.kind == "http":
        provider = HttpProvider(
            spec,
            config.url or "",
            timeout=config.timeout_seconds,
            retries=config.retries,
            credential_env=config.credential_env,
        )
        return Resolved(provider, spec, config.purposes)
    return Resolved(spec, spec, config.purposes)


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
    forget_configurations()
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
