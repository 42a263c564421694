"""Every table of govflow in one metadata, for Alembic and the app.

Core tables live in ``engine.models``; each capability that adds tables keeps them in its
own module beside its code and is imported here, so autogenerate and ``create_app`` see
the whole schema.
"""

from __future__ import annotations

from .models import Base

metadata = Base.metadata

__all__ = ["Base", "metadata"]
