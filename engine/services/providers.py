"""The shared-data provider registry as administrators see and configure it."""

from __future__ import annotations

from typing import Any

from ..context import Govflow
from ..principal import Principal
from ..shared_data import registry
from ..uow import read_only, run_in_transaction
from .access import require_role


def list_providers(govflow: Govflow, actor: Principal) -> list[dict[str, Any]]:
    """Every provider with its configuration; where the platform is, is an admin's
    business (the endpoint is blanked for everyone else)."""
    with read_only(govflow.db) as session:
        items = registry.listing(session, govflow.providers)
    if not actor.has("admin"):
        for item in items:
            item["endpoint"] = None
    return items


def configure_provider(govflow: Govflow, actor: Principal, name: str, body: Any) -> dict[str, Any]:
    """Switch a provider to the exchange platform (or back to the database): admins only."""
    require_role(actor, "admin")
    return run_in_transaction(
        govflow.db,
        lambda session: registry.configure(session, govflow.providers, actor, name, body),
    )
