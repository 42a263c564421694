"""Who is acting: the authenticated user as the engine sees them."""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES = ("admin", "designer", "clerk", "supervisor", "applicant", "integration")


@dataclass(frozen=True)
class Principal:
    username: str
    roles: tuple[str, ...] = field(default_factory=tuple)
    department: str | None = None
    id_number: str | None = None
    display_name: str = ""

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def primary_role(self) -> str:
        for role in ROLES:
            if role in self.roles:
                return role
        return "none"


#: The scheduler and the engine's own automatic steps act as this principal.
SYSTEM = Principal("system", ("admin",), display_name="govflow")
