"""Seeding the demo: departments, users, synthetic shared data, the flagship matters."""

from __future__ import annotations

from processes.catalogue import load_matters

from ..context import Govflow
from ..demo import seed
from ..principal import Principal
from ..uow import run_in_transaction
from .definitions import deploy_matter


def seed_demo(govflow: Govflow, actor: Principal) -> str:
    added = run_in_transaction(govflow.db, seed)
    lines = ["demo users and shared data " + ("added" if added else "already present")]
    for matter in load_matters().values():
        outcome = deploy_matter(govflow, actor, matter)
        state = "deployed" if outcome.created else "already deployed"
        lines.append(f"{matter.key}: {state} as version {outcome.definition.version}")
    return "\n".join(lines)
